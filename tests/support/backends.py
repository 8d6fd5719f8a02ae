"""The real PostgreSQL and Redis the suites also run against, found or clearly reported.

`scripts/test` starts them on a fresh machine (or says what is missing); here we only
connect. URLs can be overridden with EMM_TEST_DATABASE_URL / EMM_TEST_REDIS_URL.
"""

from __future__ import annotations

import gc
import os
import time
import uuid
import weakref
from typing import Any

import pytest
import redis
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"


def postgres_admin_url() -> str:
    return os.environ.get("EMM_TEST_DATABASE_URL", DEFAULT_PG)


def redis_url() -> str:
    return os.environ.get("EMM_TEST_REDIS_URL", DEFAULT_REDIS)


def create_scratch_database() -> str:
    """A database of its own for this test run, so runs never see each other's rows."""
    admin_url = make_url(postgres_admin_url())
    name = f"emm_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
    except Exception as exc:
        pytest.exit(
            f"PostgreSQL is not reachable at {admin_url.render_as_string(hide_password=True)} "
            f"({exc.__class__.__name__}: {exc}). Run the suite with scripts/test, which starts "
            "it, or set EMM_TEST_DATABASE_URL.",
            returncode=3,
        )
    return admin_url.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    target = make_url(url)
    engine = create_engine(make_url(postgres_admin_url()), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    engine.dispose()


def check_redis() -> redis.Redis:
    client = redis.Redis.from_url(redis_url())
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.exit(
            f"Redis is not reachable at {redis_url()} ({exc}). Run the suite with "
            "scripts/test, which starts it, or set EMM_TEST_REDIS_URL.",
            returncode=3,
        )
    return client


def watch_connections(engine: Engine) -> None:
    """Remember every DBAPI connection the engine opens from now on (see dispose_when_idle)."""
    opened: list[Any] = []  # strong references: sqlite3 connections take no weak ones
    event.listen(engine, "connect", lambda connection, _record: opened.append(connection))
    _WATCHED[engine] = opened


_WATCHED: weakref.WeakKeyDictionary[Engine, list[Any]] = weakref.WeakKeyDictionary()


def dispose_when_idle(engine: Engine, *, wait_seconds: float = 15.0) -> None:
    """Close every connection of an engine a test is done with, pooled or not.

    `dispose()` closes only the connections in the pool. One still out (a session a test
    dropped, a server or worker thread finishing late) would go back to the discarded pool
    and be closed by the garbage collector, later, with a ResourceWarning that fails
    whichever test runs then. So: collect dropped sessions, wait (bounded) for threads to give
    theirs back, dispose, then close whatever `watch_connections` saw and is still open.
    """
    gc.collect()
    checked_out = getattr(engine.pool, "checkedout", lambda: 0)
    deadline = time.monotonic() + wait_seconds
    while checked_out() and time.monotonic() < deadline:
        time.sleep(0.01)
    engine.dispose()
    for connection in _WATCHED.pop(engine, []):
        connection.close()
