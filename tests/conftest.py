"""Fixtures shared by every suite.

`backend` runs app-level tests twice: on SQLite with the database-backed store (the embedded
default) and on PostgreSQL with Redis (production). Tests that only make sense on one backend
ask for `sqlite_app` / `postgres_app` directly.

Under pytest-xdist (scripts/test runs one worker per core) each worker is its own process and
shares nothing with the others: `postgres_url` creates a scratch database per worker, Redis
keys carry a per-test prefix, SQLite files live in `tmp_path`, and live servers bind port 0.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, text

from config.settings import Settings
from tests.support import backends
from tests.support.clock import FakeClock

SECRET = "test-secret-" + "x" * 40


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def postgres_url():
    url = backends.create_scratch_database()
    from lti_tool.cli import upgrade_database

    upgrade_database(url)
    yield url
    backends.drop_database(url)


@pytest.fixture(scope="session")
def redis_client():
    return backends.check_redis()


def _truncate_all(url: str) -> None:
    from lti_tool.models import metadata

    engine = create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


def _sqlite_settings(tmp_path: Path, **overrides) -> Settings:
    return Settings(
        secret_key=SECRET,
        data_dir=tmp_path / "data",
        public_base_url="http://tool.test",
        **overrides,
    )


def _build_app(settings: Settings, clock: FakeClock, store=None):
    from lti_tool import create_app
    from lti_tool.models import metadata

    app = create_app(settings, clock=clock, store=store)
    backends.watch_connections(app.extensions["emm_engine"])
    if settings.sqlalchemy_url.startswith("sqlite"):
        metadata.create_all(app.extensions["emm_engine"])
    app.config["TESTING"] = True
    return app


def _dispose(application) -> None:
    backends.dispose_when_idle(application.extensions["emm_engine"])


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def app(request, backend, tmp_path, clock):
    if backend == "sqlite":
        application = _build_app(_sqlite_settings(tmp_path), clock)
        yield application
        _dispose(application)
        return
    url = request.getfixturevalue("postgres_url")
    client = request.getfixturevalue("redis_client")
    prefix = f"emmtest:{uuid.uuid4().hex}:"
    from lti_tool.store.redis_store import RedisStore

    settings = _sqlite_settings(tmp_path, database_url=url, redis_url=backends.redis_url())
    application = _build_app(
        settings,
        clock,
        store=RedisStore(redis.Redis.from_url(backends.redis_url(), decode_responses=True), prefix),
    )
    yield application
    _dispose(application)
    _truncate_all(url)
    for key in client.scan_iter(prefix + "*"):
        client.delete(key)


@pytest.fixture
def sqlite_app(tmp_path, clock):
    application = _build_app(_sqlite_settings(tmp_path), clock)
    yield application
    _dispose(application)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def pytest_terminal_summary(terminalreporter):
    """The numbers tests report (`numbers` in tests/multinode): learners, answers, outages."""
    reports = terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", [])
    lines = [v for r in reports for k, v in getattr(r, "user_properties", ()) if k == "numbers"]
    if lines:
        terminalreporter.section("numbers")
        for line in lines:
            terminalreporter.write_line(line)
