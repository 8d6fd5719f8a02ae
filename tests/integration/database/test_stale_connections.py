"""Pooled PostgreSQL connections that the server dropped: a ping catches the idle ones before
any request sees them, and a busy one costs one failed use, never a stuck pool (ADR 0029)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from config.settings import Settings
from lti_tool.db import build_engine
from tests.support import backends

SECRET = "stale-connections-" + "x" * 40


@pytest.fixture
def make_engine(postgres_url, tmp_path):
    engines = []

    def make(idle_ping_seconds: float):
        settings = Settings(secret_key=SECRET, data_dir=tmp_path, database_url=postgres_url)
        engine = build_engine(settings, idle_ping_seconds=idle_ping_seconds)
        backends.watch_connections(engine)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        backends.dispose_when_idle(engine)


def _backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _terminate(postgres_url: str, pid: int) -> None:
    admin = create_engine(postgres_url)
    try:
        with admin.connect() as connection:
            assert connection.execute(
                text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}
            ).scalar_one()
    finally:
        admin.dispose()


def test_an_idle_connection_the_server_dropped_is_replaced_before_use(make_engine, postgres_url):
    engine = make_engine(idle_ping_seconds=0)  # every checked-in connection counts as idle
    dropped = _backend_pid(engine)
    _terminate(postgres_url, dropped)

    assert _backend_pid(engine) != dropped  # no error: the ping found it dead first


def test_a_busy_connection_is_not_pinged_and_the_pool_heals_after_one_failure(
    make_engine, postgres_url
):
    engine = make_engine(idle_ping_seconds=3600)  # never idle long enough: no ping
    dropped = _backend_pid(engine)
    _terminate(postgres_url, dropped)

    with pytest.raises(OperationalError) as failure:
        _backend_pid(engine)
    assert failure.value.connection_invalidated
    assert _backend_pid(engine) != dropped  # the next use reconnects by itself


@pytest.mark.parametrize(("idle_ping_seconds", "pings"), [(3600, 0), (0, 1)])
def test_only_a_connection_idle_long_enough_is_pinged(make_engine, idle_ping_seconds, pings):
    engine = make_engine(idle_ping_seconds=idle_ping_seconds)
    _backend_pid(engine)  # one connection, now back in the pool
    calls = []
    ping = engine.dialect.do_ping

    def counting_ping(dbapi_connection):
        calls.append(dbapi_connection)
        return ping(dbapi_connection)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine.dialect, "do_ping", counting_ping)
        _backend_pid(engine)

    assert len(calls) == pings  # busy connections cost no extra round trip
