"""What an instructor sees of a placement: every learner, their attempts and best score."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.attempts import service
from lti_tool.attempts.models import IN_PROGRESS, SUBMITTED, VOID, Accommodation, Attempt, BestScore
from lti_tool.launch.models import LaunchSession, LtiUser


@dataclass
class LearnerRow:
    user: LtiUser
    attempts: list[Attempt] = field(default_factory=list)
    best: BestScore | None = None
    accommodation_seconds: int | None = None
    accommodation: Accommodation | None = None  # all of the learner's arrangements

    @property
    def submitted(self) -> int:
        return sum(1 for a in self.attempts if a.status == SUBMITTED)

    @property
    def void(self) -> int:
        return sum(1 for a in self.attempts if a.status == VOID)

    @property
    def in_progress(self) -> Attempt | None:
        return next((a for a in self.attempts if a.status == IN_PROGRESS), None)


def settle_placement(session: Session, placement_id: int, now: datetime) -> None:
    """Apply the clock to every live attempt of the placement, so the report tells the truth."""
    service.settle_live(session, now, placement_id=placement_id)


def placement_report(session: Session, placement_id: int, now: datetime) -> list[LearnerRow]:
    """One row per learner who launched this placement or has attempts in it, by name."""
    settle_placement(session, placement_id, now)
    rows: dict[int, LearnerRow] = {}

    def row(user: LtiUser) -> LearnerRow:
        return rows.setdefault(user.id, LearnerRow(user))

    for attempt, user in session.execute(
        select(Attempt, LtiUser)
        .join(LtiUser, LtiUser.id == Attempt.user_id)
        .where(Attempt.placement_id == placement_id, Attempt.preview.is_(False))
        .order_by(Attempt.number)
    ):
        row(user).attempts.append(attempt)
    for user in session.scalars(
        select(LtiUser)
        .join(LaunchSession, LaunchSession.user_id == LtiUser.id)
        .where(LaunchSession.placement_id == placement_id, LaunchSession.role == "learner")
        .distinct()
    ):
        row(user)
    for best in session.scalars(select(BestScore).where(BestScore.placement_id == placement_id)):
        if best.user_id in rows:
            rows[best.user_id].best = best
    for accommodation, user in session.execute(
        select(Accommodation, LtiUser)
        .join(LtiUser, LtiUser.id == Accommodation.user_id)
        .where(Accommodation.placement_id == placement_id)
    ):
        row(user).accommodation_seconds = accommodation.inactivity_timeout_seconds
        row(user).accommodation = accommodation
    return sorted(rows.values(), key=lambda r: (r.user.display_name.casefold(), r.user.id))


def learner_row(
    session: Session, placement_id: int, user_id: int, now: datetime
) -> LearnerRow | None:
    return next(
        (r for r in placement_report(session, placement_id, now) if r.user.id == user_id), None
    )


CSV_COLUMNS = (
    "learner",
    "email",
    "platform_user_id",
    "attempt",
    "status",
    "started_at",
    "last_activity_at",
    "finished_at",
    "score_percent",
    "passed",
    "auto_submitted",
    "void_reason",
    "inactivity_timeout_seconds",
    "best_percent",
    "best_passed",
)


def report_rows(rows: list[LearnerRow]) -> Iterator[tuple[object, ...]]:
    """The CSV export, row by row (lti_tool.web.csv_export writes it): one line per attempt; a
    learner without attempts gets one line with the attempt empty."""
    yield CSV_COLUMNS
    for row in rows:
        best = (row.best.best_percent if row.best else None, row.best.passed if row.best else None)
        person = (row.user.display_name, row.user.email, row.user.sub)
        if not row.attempts:
            yield (*person, *[None] * 10, *best)
        for a in row.attempts:
            yield (
                *person,
                a.number,
                a.status,
                a.started_at,
                a.last_activity_at,
                a.finished_at,
                a.score_percent,
                a.passed,
                a.auto_submitted,
                a.void_reason,
                a.inactivity_timeout_seconds,
                *best,
            )
