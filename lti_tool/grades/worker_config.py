"""The delivery worker's knobs, its counters, and the retry delay rule (lti_tool.grades.worker)."""

from __future__ import annotations

import os
import random
import socket
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any


@dataclass(frozen=True)
class WorkerConfig:
    batch_size: int = 20
    # Longest a delivery may take (token, lookup, creation, score, result check, one token
    # renewal: 7 requests, each ending at the HTTP deadline); claims are renewed before this
    # runs out.
    delivery_budget: timedelta = timedelta(seconds=70)
    lease: timedelta = timedelta(seconds=140)
    poll_interval: float = 1.0  # seconds between looks at an empty outbox
    # Successful sends are recorded together, at the latest this long after the first one.
    record_every: timedelta = timedelta(seconds=1)
    base_delay: timedelta = timedelta(seconds=5)
    max_delay: timedelta = timedelta(hours=1)
    # About a day of retries at the capped delay before a person is asked to look.
    max_tries: int = 30
    # Platforms served at once, each by one lane sending its grades one after the other.
    parallel_platforms: int = 8

    @classmethod
    def for_timeout(cls, http_timeout: float, **changes: Any) -> WorkerConfig:
        budget = timedelta(seconds=7 * http_timeout)
        return cls(delivery_budget=budget, lease=2 * budget, **changes)


def backoff(tries: int, config: WorkerConfig, rng: random.Random) -> timedelta:
    """Exponential, capped, with jitter (half to full delay) so retries of many grades spread."""
    exponent = min(max(tries - 1, 0), 30)
    delay = min(config.base_delay * (2**exponent), config.max_delay)
    return delay * rng.uniform(0.5, 1.0)


def default_worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class WorkerStats:
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    lost_claims: int = 0
    by_code: dict[str, int] = field(default_factory=dict)
