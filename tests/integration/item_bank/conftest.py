"""A database per test for item-bank integration tests: SQLite (file, foreign keys on, real
SAVEPOINTs) and PostgreSQL (a scratch database of this run, item-bank tables recreated per test)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, event
from sqlalchemy.orm import Session

from item_bank import models
from item_bank.database import Base

ITEM_BANK_TABLES = [
    m.__table__
    for m in (
        models.Assessment,
        models.AssessmentVersion,
        models.Pool,
        models.PoolItem,
        models.Item,
        models.ItemVersion,
        models.MediaFile,
    )
]
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def sqlite_engine(path):
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN, so SAVEPOINT works
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN")

    return engine


@pytest.fixture(scope="session")
def item_bank_postgres_url():
    from tests.support import backends

    url = backends.create_scratch_database()
    yield url
    backends.drop_database(url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request, tmp_path):
    if request.param == "sqlite":
        engine = sqlite_engine(tmp_path / "bank.sqlite3")
        Base.metadata.create_all(engine, tables=ITEM_BANK_TABLES)
    else:
        engine = create_engine(request.getfixturevalue("item_bank_postgres_url"))
        Base.metadata.drop_all(engine, tables=ITEM_BANK_TABLES)
        Base.metadata.create_all(engine, tables=ITEM_BANK_TABLES)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as session:
        yield session
