from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, MetaData, String, Text, create_engine, delete, event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from item_bank.database import UtcDateTime
from lti_tool.clock import Clock
from lti_tool.db import rows_matched
from lti_tool.private_files import private_file


class _StoreBase(DeclarativeBase):
    # Its own metadata: a cache file, not part of the migrated schema.
    metadata = MetaData()
    type_annotation_map = {datetime: UtcDateTime()}  # noqa: RUF012 - SQLAlchemy reads it as is


class KeyValueEntry(_StoreBase):
    __tablename__ = "kv_entries"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class SqlStore:
    """The embedded stand-in for Redis: a table with expiry times, shared by all workers.

    It lives in a SQLite file of its own, beside the main database: its tiny transactions
    (use a nonce, take a login state) then never wait on, or conflict with, a request's
    transaction on the main database.
    """

    def __init__(self, engine: Engine, clock: Clock):
        self._engine = engine
        self._clock = clock
        _StoreBase.metadata.create_all(engine)

    @classmethod
    def in_file(cls, path: Path, clock: Clock) -> SqlStore:
        private_file(path)  # 0600 before SQLite creates it: its -wal/-shm copy that mode
        engine = create_engine(
            f"sqlite:///{path.resolve()}", connect_args={"timeout": 30, "check_same_thread": False}
        )
        event.listen(engine, "connect", _pragmas)
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return cls(engine, clock)

    def _session(self) -> Session:
        return Session(self._engine)

    def put_if_absent(self, key: str, value: str, ttl_seconds: int) -> bool:
        now = self._clock.now()
        with self._session() as s, s.begin():
            s.execute(
                delete(KeyValueEntry).where(
                    KeyValueEntry.key == key, KeyValueEntry.expires_at <= now
                )
            )
            try:
                with s.begin_nested():
                    s.add(
                        KeyValueEntry(
                            key=key, value=value, expires_at=now + timedelta(seconds=ttl_seconds)
                        )
                    )
            except IntegrityError:
                return False
            return True

    def put(self, key: str, value: str, ttl_seconds: int) -> None:
        expires = self._clock.now() + timedelta(seconds=ttl_seconds)
        with self._session() as s, s.begin():
            s.merge(KeyValueEntry(key=key, value=value, expires_at=expires))

    def get(self, key: str) -> str | None:
        with self._session() as s:
            row = s.get(KeyValueEntry, key)
            return row.value if row and row.expires_at > self._clock.now() else None

    def pop(self, key: str) -> str | None:
        with self._session() as s, s.begin():
            row = s.execute(
                delete(KeyValueEntry)
                .where(KeyValueEntry.key == key)
                .returning(KeyValueEntry.value, KeyValueEntry.expires_at)
            ).first()
        if row is None or row.expires_at <= self._clock.now():
            return None
        return row.value

    def delete(self, key: str) -> None:
        with self._session() as s, s.begin():
            s.execute(delete(KeyValueEntry).where(KeyValueEntry.key == key))

    def hit(self, key: str, window_seconds: int) -> int:
        now = self._clock.now()
        if self.put_if_absent(key, "1", window_seconds):
            return 1
        with self._session() as s, s.begin():
            row = s.execute(
                select(KeyValueEntry).where(KeyValueEntry.key == key).with_for_update()
            ).scalar_one_or_none()
            if row is None or row.expires_at <= now:
                return self.hit(key, window_seconds)
            row.value = str(int(row.value) + 1)
            return int(row.value)

    def purge_expired(self) -> int:
        with self._session() as s, s.begin():
            return rows_matched(
                s.execute(
                    delete(KeyValueEntry).where(KeyValueEntry.expires_at <= self._clock.now())
                )
            )


def _pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
