"""The service's Prometheus metrics: events counted by the process that saw them.

Under gunicorn every worker process counts apart and `/metrics` adds them up: prometheus_client's
multiprocess mode, switched on by `PROMETHEUS_MULTIPROC_DIR` (config/gunicorn.conf.py sets it).
Elsewhere (flask run, tests) the process's own registry is used.

What the database knows (attempts, grade outbox, certificates) is read from it at scrape time
instead (`database_metrics`): those numbers are the same on every node and count the work of the
grade workers and sweepers too, which serve no HTTP.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

# Seconds; the answer save's budget is tens of milliseconds, a launch's a few hundred.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class Events:
    request_seconds: Histogram
    responses: Counter
    launches: Counter
    answer_saves: Counter
    heartbeats: Counter
    attempt_actions: Counter
    outages: Counter


@cache
def events() -> Events:
    """The metric objects, made once per process on first use (never at import)."""
    return Events(
        request_seconds=Histogram(
            "emm_http_request_duration_seconds",
            "Time to answer a request, by endpoint group.",
            ["group"],
            buckets=LATENCY_BUCKETS,
        ),
        responses=Counter(
            "emm_http_responses",
            "Responses by endpoint group and status class.",
            ["group", "status"],
        ),
        launches=Counter(
            "emm_launches",
            "LTI launches, accepted or refused (with the reason).",
            ["outcome", "reason"],
        ),
        answer_saves=Counter(
            "emm_answer_saves", "Answer saves (autosave), by outcome.", ["outcome"]
        ),
        heartbeats=Counter("emm_heartbeats", "Attempt heartbeats, by outcome.", ["outcome"]),
        attempt_actions=Counter(
            "emm_attempt_requests",
            "Requests to start or submit an attempt, by action and outcome.",
            ["action", "outcome"],
        ),
        outages=Counter(
            "emm_unavailable",
            "Requests answered 503 because the database or Redis was unreachable.",
            ["backend"],
        ),
    )


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def exposition() -> bytes:
    """Every process's events in the Prometheus text format."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return generate_latest(registry)
    events()  # so that a scrape before any request already lists the series' names
    return generate_latest(REGISTRY)
