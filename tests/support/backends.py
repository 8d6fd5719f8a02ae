"""The real PostgreSQL and Redis the suites also run against, found or clearly reported.

`scripts/test` starts them on a fresh machine (or says what is missing); here we only
connect. URLs can be overridden with EMM_TEST_DATABASE_URL / EMM_TEST_REDIS_URL.
"""

from __future__ import annotations

import os
import uuid

import pytest
import redis
from sqlalchemy import create_engine, text
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
