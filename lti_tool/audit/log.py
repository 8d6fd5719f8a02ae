"""Writing and reading the audit log. `record` joins the caller's transaction; it never
commits (the service that makes the change owns the unit of work, ADR 0012)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lti_tool.audit.models import AuditEvent

# What staff did: the stable codes stored in `action`.
AVAILABILITY_SET = "availability_set"
ALLOWANCE_SET = "allowance_set"
TIME_AND_RETAKE_SET = "time_and_retake_set"
ATTEMPT_REOPENED = "attempt_reopened"
ATTEMPT_DELETED = "attempt_deleted"
SCORE_OVERRIDDEN = "score_overridden"
ATTEMPTS_REGRADED = "attempt_regraded"
ACTIONS = (
    AVAILABILITY_SET,
    ALLOWANCE_SET,
    TIME_AND_RETAKE_SET,
    ATTEMPT_REOPENED,
    ATTEMPT_DELETED,
    SCORE_OVERRIDDEN,
    ATTEMPTS_REGRADED,
)

MAX_REASON = 2000


@dataclass(frozen=True)
class Subject:
    """Whom and which attempt an entry is about (both optional: a placement's dates)."""

    learner_user_id: int | None = None
    attempt_id: int | None = None
    attempt_number: int | None = None


def record(
    session: Session,
    *,
    placement_id: int,
    staff_user_id: int | None,
    action: str,
    now: datetime,
    subject: Subject | None = None,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    subject = subject or Subject()
    event = AuditEvent(
        placement_id=placement_id,
        staff_user_id=staff_user_id,
        action=action,
        learner_user_id=subject.learner_user_id,
        attempt_id=subject.attempt_id,
        attempt_number=subject.attempt_number,
        reason=reason.strip()[:MAX_REASON],
        details=details or {},
        at=now,
    )
    session.add(event)
    session.flush()
    return event


def events_of(session: Session, placement_id: int) -> list[AuditEvent]:
    """The placement's entries, newest first, with the people they name."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.placement_id == placement_id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .options(selectinload(AuditEvent.staff), selectinload(AuditEvent.learner))
        )
    )


CSV_HEADER = (
    "when_utc",
    "action",
    "staff",
    "staff_user_id",
    "learner",
    "learner_user_id",
    "attempt_number",
    "reason",
    "details",
)


def csv_rows(events: list[AuditEvent]) -> Iterator[tuple[object, ...]]:
    """The CSV export: one row per entry, the action as its stable code, details as key=value."""
    yield CSV_HEADER
    for event in events:
        yield (
            event.at,
            event.action,
            event.staff.display_name if event.staff else "",
            event.staff_user_id,
            event.learner.display_name if event.learner else "",
            event.learner_user_id,
            event.attempt_number,
            event.reason,
            "; ".join(f"{key}={value}" for key, value in sorted(event.details.items())),
        )
