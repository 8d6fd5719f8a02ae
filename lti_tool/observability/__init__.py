"""What an operator sees of the running service: Prometheus metrics, JSON log lines and the
request id that ties a proxy's log line to the service's own (docs/operations.md, ADR 0026).

Nothing is set up at import time: `init_app` adds the request hooks, and the metric objects are
made on first use (`metrics.events()`), once per process.
"""

from __future__ import annotations

from flask import Flask

from config.settings import Settings


def init_app(app: Flask, settings: Settings) -> None:
    from lti_tool.observability import logs, request_hooks

    if settings.logs_json:
        logs.configure_json_logging()
    request_hooks.init_app(app, log_requests=settings.logs_json)
