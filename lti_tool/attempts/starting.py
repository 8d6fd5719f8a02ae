"""Starting an attempt, in few statements (docs/decisions/0014).

One SELECT locks and reads the learner's attempts in the placement (the live one settled)
with the items each of them showed (for the draw's exposure); the draw reads the
version's pools from the per-process cache of published content (`published`); then one
INSERT of the attempt (the accommodation read inside it) and one multi-row INSERT of its
questions. Like `service`, it flushes and never commits.

A second tab starting at the same time: the partial unique index allows one attempt in
progress per learner and placement. The INSERT says ON CONFLICT DO NOTHING, so losing that
race returns no row instead of an error, the transaction stays usable without a savepoint,
and the loser gets StartRefused with the winner's attempt.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Insert, case, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from item_bank.drawing import DrawnQuestion, Exposure, draw_questions
from item_bank.models import AssessmentVersion
from lti_tool.attempts import published, rules
from lti_tool.attempts.errors import StartRefused
from lti_tool.attempts.exposure import exposure_from, seen_uids
from lti_tool.attempts.finishing import settle
from lti_tool.attempts.models import IN_PROGRESS, Accommodation, Attempt, AttemptQuestion

SEED_LIMIT = 2**31  # fits a signed 32-bit INTEGER on every backend


def new_seed() -> int:
    """A fresh seed for an attempt's draw and option order. Tests that need a known set of
    questions replace this function rather than retry until chance gives it."""
    return secrets.randbelow(SEED_LIMIT)


@dataclass(frozen=True)
class StartOutcome:
    attempt: Attempt
    rules: rules.AttemptRules


def start_attempt(
    session: Session,
    *,
    placement_id: int,
    user_id: int,
    version: AssessmentVersion,
    now: datetime,
    seed: int | None = None,
    closes_at: datetime | None = None,
    accommodation: Accommodation | None = None,
    preview: bool = False,
) -> StartOutcome:
    """A new attempt with a fresh draw from `version`, or StartRefused (code in_progress with
    the live attempt, max_attempts, or retake_delay with `refusal.until`). `closes_at`: the
    placement's close, which ends the attempt like a time limit (availability.py).
    `accommodation`: the learner's, read by the caller only when the version has a time
    limit or a retake delay it could change (its inactivity allowance is read below)."""
    attempts, exposure = _locked_history(session, now, placement_id=placement_id, user_id=user_id)
    # The accommodation only lengthens the inactivity timeout, which no start rule reads: it
    # is applied inside the INSERT below (and the rules returned carry it).
    version_rules = rules.AttemptRules.for_version(
        version,
        time_limit_seconds=accommodation.time_limit_seconds if accommodation else None,
        retake_delay_seconds=accommodation.retake_delay_seconds if accommodation else None,
    )
    refusal = rules.can_start(attempts, version_rules, now)
    if refusal is not None:
        live = next((a for a in attempts if a.status == IN_PROGRESS), None)
        raise StartRefused(refusal, live)
    seed = new_seed() if seed is None else seed
    pools = published.pools_of(session, version.id)
    drawn = draw_questions(pools, seed, exposure)  # unseen items first
    values = {
        "preview": preview,
        "placement_id": placement_id,
        "user_id": user_id,
        "assessment_version_id": version.id,
        "number": max((a.number for a in attempts), default=0) + 1,
        "seed": seed,
        "status": IN_PROGRESS,
        "sitting_key": secrets.token_urlsafe(16),
        "started_at": now,
        "last_activity_at": now,
        "last_answer_or_page_at": now,
        "inactivity_timeout_seconds": _timeout_with_accommodation(
            version_rules, placement_id=placement_id, user_id=user_id
        ),
        "deadline_at": rules.earliest(
            rules.deadline_for(now, version_rules.time_limit_seconds), closes_at
        ),
        "auto_submitted": False,
        "last_position": 1,
        "max_points": float(sum(pools.points_of(q.item_version_id) for q in drawn)),
    }
    attempt = _insert_unless_started_elsewhere(session, values)
    _add_questions(session, attempt, drawn)
    return StartOutcome(
        attempt, rules.AttemptRules.for_version(version, attempt.inactivity_timeout_seconds)
    )


def _locked_history(
    session: Session, now: datetime, *, placement_id: int, user_id: int
) -> tuple[list[Attempt], dict[str, Exposure]]:
    """The learner's attempts here, locked in id order (as `finishing.settle_history`) and
    settled, with the items each showed: one statement."""
    rows = session.execute(
        select(Attempt, seen_uids())
        .where(Attempt.placement_id == placement_id, Attempt.user_id == user_id)
        .order_by(Attempt.id)
        .with_for_update(of=Attempt)
        .execution_options(populate_existing=True)
    ).all()
    attempts = [attempt for attempt, _uids in rows]
    for attempt in attempts:
        settle(session, attempt, now)
    return attempts, exposure_from((attempt.number, uids) for attempt, uids in rows)


def _timeout_with_accommodation(
    version_rules: rules.AttemptRules, *, placement_id: int, user_id: int
) -> ColumnElement[Any]:
    """The version's inactivity timeout, or the learner's accommodation where it is longer
    (the rule of AttemptRules.for_version), read by the INSERT itself."""
    default = version_rules.inactivity_timeout_seconds
    accommodation = (
        select(Accommodation.inactivity_timeout_seconds)
        .where(Accommodation.placement_id == placement_id, Accommodation.user_id == user_id)
        .scalar_subquery()
    )
    longer = func.coalesce(accommodation, default)
    return case((longer > default, longer), else_=default)


def _insert_unless_started_elsewhere(session: Session, values: dict[str, Any]) -> Attempt:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING the attempt, or StartRefused(in_progress)
    with the attempt another request started at the same time."""
    dialect = session.get_bind().dialect.name
    statement: Insert
    if dialect == "postgresql":
        statement = postgresql.insert(Attempt).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(Attempt).on_conflict_do_nothing()
    else:  # pragma: no cover - only the two supported backends exist
        raise RuntimeError(f"unsupported database {dialect}")
    attempt = session.scalars(statement.values(**values).returning(Attempt)).first()
    if attempt is not None:
        return attempt
    other = session.scalar(
        select(Attempt)
        .where(
            Attempt.placement_id == values["placement_id"],
            Attempt.user_id == values["user_id"],
            Attempt.status == IN_PROGRESS,
        )
        .execution_options(populate_existing=True)
    )
    raise StartRefused(rules.Refusal(rules.IN_PROGRESS_REFUSAL), other)


def _add_questions(session: Session, attempt: Attempt, drawn: list[DrawnQuestion]) -> None:
    """One INSERT of every question: a Core executemany without RETURNING (nothing here needs
    their ids), which SQLAlchemy sends as one multi-row INSERT (insertmanyvalues) on
    PostgreSQL and sqlite3 runs as one executemany. `attempt.questions` loads on first use."""
    session.execute(
        insert(AttemptQuestion),
        [
            {
                "attempt_id": attempt.id,
                "position": index,
                "item_version_id": q.item_version_id,
                "option_order": list(q.option_order),
            }
            for index, q in enumerate(drawn, start=1)
        ],
    )
