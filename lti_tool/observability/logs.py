"""One JSON object a log line (python-json-logger), with the request's context.

Each line carries `request_id` and, where the request knows them, `endpoint`, `attempt_id`,
`placement_id`, `deployment_id` and `platform_id`: ids only. Tokens, answers, names and e-mail
addresses are never added here; the request line logs the URL *rule* (`/lti/register/<invite>`),
never the path or query string, which can carry one-time secrets and launch tokens.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from flask import g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

FORMAT = "%(levelname)s %(name)s %(message)s"
RENAMED = {"levelname": "level", "name": "logger"}


class RequestContext(logging.Filter):
    """Adds the current request's ids to a record (nothing outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            context = request_context()
        except Exception:  # a log line must never break the request that writes it
            context = {}
        for key, value in context.items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


def request_context() -> dict[str, Any]:
    if not has_request_context():
        return {}
    context: dict[str, Any] = {"request_id": g.get("request_id")}
    if request.endpoint:
        context["endpoint"] = request.endpoint
    attempt_id = (request.view_args or {}).get("attempt_id")
    if attempt_id is not None:
        context["attempt_id"] = attempt_id
    launch = g.get("launch")  # loaded by the request itself (lti_tool.launch.sessions)
    if launch is not None:
        context.update(_launch_ids(launch))
    return context


def _launch_ids(launch: Any) -> dict[str, Any]:
    from sqlalchemy import inspect

    ids = {"placement_id": launch.placement_id, "deployment_id": launch.deployment_id}
    # The platform only when its deployment is already loaded: a log line never queries.
    deployment = inspect(launch).attrs.deployment.loaded_value
    platform_id = getattr(deployment, "platform_id", None)
    if platform_id is not None:
        ids["platform_id"] = platform_id
    return ids


def json_formatter() -> logging.Formatter:
    return JsonFormatter(FORMAT, rename_fields=RENAMED, timestamp="time")  # ISO 8601, UTC


def configure_json_logging(level: int = logging.INFO) -> None:
    """JSON lines on stderr for a process whose logging nobody configured (the `flask` worker
    and sweeper commands). Where the root logger has handlers already, they stay: gunicorn's
    come from `gunicorn_logconfig()` (JSON with the same filter), a test runner's are its own."""
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestContext())
    root.addHandler(handler)
    root.setLevel(level)


def gunicorn_logconfig() -> dict[str, Any]:
    """gunicorn's `logconfig_dict`: its own messages (worker starts, timeouts) as JSON lines too."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": FORMAT,
                "rename_fields": RENAMED,
                "timestamp": "time",
            }
        },
        "filters": {"request_context": {"()": "lti_tool.observability.logs.RequestContext"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["request_context"],
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            # The app logs each request itself, with its request id (request_hooks).
            "gunicorn.access": {"level": "WARNING", "handlers": ["stderr"], "propagate": False},
        },
    }
