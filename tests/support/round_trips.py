"""Counting what a request sends to the database (issue 13's statement budgets).

Every statement is counted (SQLAlchemy's `before_cursor_execute`; SQLite's BEGIN IMMEDIATE is
one, lti_tool.db sends it). Transaction control is counted where it costs a round trip of
its own: psycopg sends BEGIN before a transaction's first statement, and COMMIT or ROLLBACK
at its end; a connection in autocommit sends neither. The pool's pre-ping on checkout
(PostgreSQL) is counted apart, in `checkouts`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, event


def _autocommit(connection: Connection) -> bool:
    return connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"


@dataclass
class RoundTrips:
    sent: list[str] = field(default_factory=list)
    checkouts: int = 0

    def __len__(self) -> int:
        return len(self.sent)

    def __str__(self) -> str:
        return "\n".join(f"  {line[:120]}" for line in self.sent)


@contextmanager
def counting(engine: Engine) -> Iterator[RoundTrips]:
    counted = RoundTrips()

    def statement(_conn, _cursor, text, *_rest) -> None:
        counted.sent.append(" ".join(text.split()))

    def control(name: str):
        def listener(connection: Connection) -> None:
            if _autocommit(connection):
                return
            if name == "BEGIN" and connection.dialect.name == "sqlite":
                return  # counted as its statement
            counted.sent.append(name)

        return listener

    def checkout(*_args) -> None:
        counted.checkouts += 1

    listeners = [
        (engine, "before_cursor_execute", statement),
        (engine, "begin", control("BEGIN")),
        (engine, "commit", control("COMMIT")),
        (engine, "rollback", control("ROLLBACK")),
        (engine.pool, "checkout", checkout),
    ]
    for target, name, listener in listeners:
        event.listen(target, name, listener)
    try:
        yield counted
    finally:
        for target, name, listener in listeners:
            event.remove(target, name, listener)
