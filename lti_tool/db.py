"""Engine and sessions, one engine per app.

Writes are explicit: a service that changes data runs in `unit_of_work()`, which commits
before the view answers, so an acknowledgement always means "committed" (ADR 0012). Whatever
a request leaves uncommitted is rolled back when the request ends.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import CursorResult, Engine, Result, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.util.typing import TupleAny

from config.settings import Settings

# A pooled connection idle longer than this is pinged before it is handed out (ADR 0029).
IDLE_PING_SECONDS = 10.0


def build_engine(settings: Settings, *, idle_ping_seconds: float = IDLE_PING_SECONDS) -> Engine:
    url = settings.sqlalchemy_url
    if url.startswith("sqlite"):
        from lti_tool.private_files import private_sqlite_file

        private_sqlite_file(url)  # 0600 before SQLite creates it (and its -wal/-shm alike)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; take control so that
        # SELECT ... then UPDATE in one transaction cannot interleave with another writer.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=10)
    _ping_after_idle(engine, idle_ping_seconds)
    return engine


def _ping_after_idle(engine: Engine, idle_seconds: float) -> None:
    """Ping a connection only when it has sat idle, not on every checkout (`pool_pre_ping`).

    Under load every connection is busy, and a ping before each request was a third of an
    answer save's round trips. A connection that went stale while idle (database restarted,
    a proxy or firewall dropped it) is the one a ping still catches: it is replaced before
    any request sees it. A busy connection broken mid-request fails that request; SQLAlchemy
    then invalidates every older connection of the pool, so the next requests reconnect.
    """
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _stamp(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            # The pool discards this connection and checks out another (a fresh one if need be).
            raise exc.DisconnectionError() from error


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # autocommit at the driver; SQLAlchemy issues BEGIN
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def init_app(app: Flask, settings: Settings) -> None:
    engine = build_engine(settings)
    app.extensions["emm_engine"] = engine
    app.extensions["emm_sessionmaker"] = sessionmaker(engine, expire_on_commit=False)

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()


def engine() -> Engine:
    return current_app.extensions["emm_engine"]


def session() -> Session:
    """The request's session (created on first use)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["emm_sessionmaker"]()
    return g.db_session


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session of its own for CLI commands and workers: commit on success, rollback on error."""
    new_session = current_app.extensions["emm_sessionmaker"]()
    try:
        yield new_session
        new_session.commit()
    except BaseException:
        new_session.rollback()
        raise
    finally:
        new_session.close()


class KeepsWork(Exception):
    """A domain error whose transaction's work must stand.

    Some rules settle before they refuse: an answer to an attempt whose time ran out ends
    that attempt, then the answer is refused. A unit of work that ends with such an error
    commits what it did before the error propagates; any other error rolls it back.
    """


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """The request's session as one transaction that the service owns.

    Commits when the block ends, rolls back when it raises (except `KeepsWork`, which
    commits first). Nested blocks join the outermost one, so a service may call another
    service and still commit once. Views never commit: they call one service function.
    """
    request_session = session()
    depth = g.get("unit_of_work_depth", 0)
    g.unit_of_work_depth = depth + 1
    try:
        yield request_session
        if depth == 0:
            request_session.commit()
    except KeepsWork:
        if depth == 0:
            request_session.commit()
        raise
    except BaseException:
        if depth == 0:
            request_session.rollback()
        raise
    finally:
        g.unit_of_work_depth = depth


def rows_matched(result: Result[*TupleAny]) -> int:
    """Rows an UPDATE or DELETE matched. `Session.execute` is typed to return a plain Result;
    for those statements it is a CursorResult, which knows the count (0 when it cannot say)."""
    return (result.rowcount or 0) if isinstance(result, CursorResult) else 0
