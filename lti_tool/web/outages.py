"""The database or Redis unreachable: a clear 503 with `Retry-After`, never a 500.

During a PostgreSQL failover or a Redis restart, requests fail with a connection error. That is
not a bug of this request and nothing was half written (the unit of work rolled back), so the
person is told to try again in a moment, and the page's autosave retries on its own (a 503 is
retried, a 500 is not). Once the server is back, the pool reconnects (`pool_pre_ping`) and so
does the Redis client: the service heals without a restart.
"""

from __future__ import annotations

import logging

from flask import Flask, g
from flask_babel import gettext as _
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from lti_tool.web.errors import render_error

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


def init_app(app: Flask) -> None:
    @app.errorhandler(OperationalError)
    def _database(error: OperationalError):
        return _unavailable("database", error)

    @app.errorhandler(InterfaceError)
    def _database_connection(error: InterfaceError):
        return _unavailable("database", error)  # a connection closed under the request

    @app.errorhandler(PoolTimeout)
    def _database_pool(error: PoolTimeout):
        return _unavailable("database", error)  # every pooled connection busy for too long

    @app.errorhandler(RedisConnectionError)
    def _redis(error: RedisConnectionError):
        return _unavailable("redis", error)

    @app.errorhandler(RedisTimeoutError)
    def _redis_timeout(error: RedisTimeoutError):
        return _unavailable("redis", error)


def _unavailable(backend: str, error: Exception):
    log.warning("%s unavailable: %s", backend, error.__class__.__name__)
    g.unavailable_backend = backend  # counted with the response (lti_tool.observability)
    return render_error(
        503,
        _("Temporarily unavailable"),
        _("The assessment service cannot reach its storage for a moment. Nothing was changed."),
        _("Try again in a few seconds. Answers you saved before are kept."),
        "temporarily_unavailable",
        {"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
