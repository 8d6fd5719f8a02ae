"""Finding or creating the line item of a placement whose launch carried no `lineitem`
(Moodle sends one only when the activity has exactly one grade item).

Found through `lineitems?resource_link_id=...`, created there when none exists and the launch
granted the `lineitem` scope, then remembered in `grade_line_items`. Creating is serialised per
placement across workers (PostgreSQL: a transaction-scoped advisory lock; SQLite, where only
the embedded worker runs: a lock in the process), so two workers never create two columns.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from lti_tool.clock import Clock
from lti_tool.grades import failures
from lti_tool.grades.ags_client import AgsClient, AgsError
from lti_tool.grades.delivery import ClaimedGrade
from lti_tool.grades.models import GradeLineItem
from lti_tool.launch.claims import SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY

LINEITEM_TAG = "emm-assessment"  # marks the columns this tool created
ADVISORY_LOCK_CLASS = 0x47524144  # "GRAD": first key of pg_advisory_xact_lock(int, int)

_process_locks: dict[int, threading.Lock] = {}
_process_locks_guard = threading.Lock()


def _process_lock(placement_id: int) -> threading.Lock:
    with _process_locks_guard:
        return _process_locks.setdefault(placement_id, threading.Lock())


class LineItemResolver:
    def __init__(self, sessions: sessionmaker, clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    def __call__(self, grade: ClaimedGrade, client: AgsClient, scopes: tuple[str, ...]) -> str:
        if not grade.lineitems_url:
            raise AgsError(failures.AGS_UNAVAILABLE, "no lineitems URL in the launch")
        if not ({SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY} & set(scopes)):
            raise AgsError(failures.NO_LINEITEM, "the launch granted no line item scope")
        with self._serialised(grade.placement_id) as session:
            known = self._cached(session, grade.placement_id)
            if known is not None:
                return known
            url = self._find_or_create(grade, client, scopes)
            self._remember(session, grade, url)
            return url

    def forget(self, placement_id: int, lineitem_url: str) -> None:
        with self.sessions.begin() as session:
            session.execute(
                delete(GradeLineItem).where(
                    GradeLineItem.placement_id == placement_id,
                    GradeLineItem.lineitem_url == lineitem_url,
                )
            )

    @contextmanager
    def _serialised(self, placement_id: int) -> Iterator[Session | None]:
        """PostgreSQL: a session holding the advisory lock until it commits (the cache row is
        written in it). SQLite: no session is kept open across HTTP (it would hold the one
        write lock); a process lock instead, and short sessions."""
        with self.sessions() as session:
            if session.get_bind().dialect.name == "postgresql":
                session.execute(
                    select(func.pg_advisory_xact_lock(ADVISORY_LOCK_CLASS, placement_id))
                )
                yield session
                session.commit()
                return
        with _process_lock(placement_id):
            yield None

    def _cached(self, session: Session | None, placement_id: int) -> str | None:
        query = select(GradeLineItem.lineitem_url).where(GradeLineItem.placement_id == placement_id)
        if session is not None:
            return session.scalar(query)
        with self.sessions() as short:
            return short.scalar(query)

    def _remember(self, session: Session | None, grade: ClaimedGrade, url: str) -> None:
        row = GradeLineItem(
            placement_id=grade.placement_id,
            lineitems_url=grade.lineitems_url,
            lineitem_url=url,
            created_at=self.clock.now(),
        )
        if session is not None:
            session.add(row)
            session.flush()
            return
        with self.sessions.begin() as short:
            short.add(row)

    @staticmethod
    def _find_or_create(grade: ClaimedGrade, client: AgsClient, scopes: tuple[str, ...]) -> str:
        assert grade.lineitems_url
        items = client.find_lineitems(
            grade.access, scopes, grade.lineitems_url, grade.resource_link_id
        )
        found = choose_lineitem(items, grade.resource_link_id)
        if found is not None:
            return found
        if SCOPE_LINEITEM not in scopes:
            raise AgsError(
                failures.NO_LINEITEM,
                "no line item for this resource link and no scope to create one",
            )
        created = client.create_lineitem(
            grade.access,
            scopes,
            grade.lineitems_url,
            {
                "label": grade.resource_link_title or "Assessment",
                "scoreMaximum": _number(grade.score_maximum),
                "resourceLinkId": grade.resource_link_id,
                "resourceId": grade.assessment_slug or "",
                "tag": LINEITEM_TAG,
            },
        )
        return str(created["id"])


def choose_lineitem(items: list[dict[str, Any]], resource_link_id: str) -> str | None:
    """The line item of this resource link; ours (by tag) first, then the oldest listed."""
    mine = [
        item
        for item in items
        if str(item.get("resourceLinkId", "")) == resource_link_id and item.get("id")
    ]
    if not mine:
        return None
    mine.sort(key=lambda item: item.get("tag") != LINEITEM_TAG)
    return str(mine[0]["id"])


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def cached_lineitem(session: Session, placement_id: int) -> str | None:
    return session.scalar(
        select(GradeLineItem.lineitem_url).where(GradeLineItem.placement_id == placement_id)
    )


__all__ = ["LINEITEM_TAG", "LineItemResolver", "cached_lineitem", "choose_lineitem"]
