"""Per-request hooks: the request id, the latency histogram, the event counters, and (with JSON
logs) one line per request.

Events are recognised by endpoint and status here, at one place, so the packages that handle
launches and attempts need not know about metrics.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request

from lti_tool.observability import metrics
from lti_tool.observability.request_ids import HEADER, request_id_from

log = logging.getLogger("lti_tool.requests")

# Endpoints worth their own latency series; the others are grouped by blueprint.
GROUPS = {
    "launch.launch": "launch",
    "launch.login": "login",
    "attempts.answer_json": "answer_save",
    "attempts.heartbeat": "heartbeat",
    "attempts.start": "attempt_start",
    "attempts.submit": "attempt_submit",
    "attempts.question": "question_page",
    "attempts.answer_form": "answer_form",
    "observability.metrics_page": "metrics",
}


def endpoint_group(endpoint: str | None) -> str:
    if endpoint is None:
        return "unmatched"  # 404s: never the path itself, which anyone may choose
    if endpoint in GROUPS:
        return GROUPS[endpoint]
    blueprint, _, _name = endpoint.rpartition(".")
    return blueprint.split(".")[0] or "app"


def init_app(app: Flask, *, log_requests: bool) -> None:
    @app.before_request
    def _begin() -> None:
        g.request_id = request_id_from(request.headers.get(HEADER))
        g.request_started = time.perf_counter()

    @app.after_request
    def _end(response: Response) -> Response:
        request_id = g.get("request_id")
        if request_id:
            response.headers[HEADER] = request_id
        started = g.get("request_started")
        seconds = time.perf_counter() - started if started is not None else 0.0
        group = endpoint_group(request.endpoint)
        count_request(group, response.status_code, seconds)
        if log_requests:
            log.info(
                "request",
                extra={
                    "method": request.method,
                    "rule": request.url_rule.rule if request.url_rule else None,
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 1),
                },
            )
        return response


def count_request(group: str, status: int, seconds: float) -> None:
    events = metrics.events()
    events.request_seconds.labels(group).observe(seconds)
    events.responses.labels(group, f"{status // 100}xx").inc()
    outcome = "ok" if status < 400 else "refused"
    if g.get("unavailable_backend"):
        events.outages.labels(g.unavailable_backend).inc()
    if group == "launch":
        reason = "" if status < 400 else (g.get("error_code") or str(status))
        events.launches.labels("accepted" if status < 400 else "refused", reason).inc()
    elif group == "answer_save":
        events.answer_saves.labels("saved" if status == 200 else _refusal(status)).inc()
    elif group == "heartbeat":
        events.heartbeats.labels("ok" if status == 200 else _refusal(status)).inc()
    elif group in ("attempt_start", "attempt_submit"):
        events.attempt_actions.labels(group.removeprefix("attempt_"), outcome).inc()


def _refusal(status: int) -> str:
    """Why an answer or heartbeat was not taken, in words a dashboard shows."""
    return {
        401: "launch_required",
        403: "forbidden",
        409: "attempt_over",
        410: "attempt_over",
        429: "rate_limited",
        503: "unavailable",
    }.get(status, f"http_{status}")
