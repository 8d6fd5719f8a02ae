"""Recording a submitted attempt's score as the learner's best, in one statement.

INSERT ... ON CONFLICT (placement, learner) DO UPDATE: the row's best moves only to a strictly
higher score (`rules.is_new_best`: scores are stored rounded to 2 decimals and compared as
exact fractions of 100, which for two floats is exactly SQL's `>`), so the best never falls
and an equal score keeps the earlier attempt; `passed` is OR-ed in (`rules.has_passed`: a
pass is never forgotten). The database does the comparison on the row it holds locked for
the upsert, so two finishing attempts of one learner can never both win with the lower one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lti_tool.attempts.models import Attempt, BestScore
from lti_tool.grades.outbox import enqueue_grade


def _upsert(dialect: str) -> Any:
    if dialect == "postgresql":
        return postgresql.insert(BestScore)
    if dialect == "sqlite":
        return sqlite.insert(BestScore)
    raise RuntimeError(f"unsupported database {dialect}")  # pragma: no cover


def record_best(session: Session, attempt: Attempt) -> BestScore | None:
    """The learner's best after this scored attempt when the attempt set it (the first result
    or a higher one), else None (only `passed` may have changed)."""
    assert attempt.score_percent is not None and attempt.finished_at is not None
    insert = _upsert(session.get_bind().dialect.name).values(
        placement_id=attempt.placement_id,
        user_id=attempt.user_id,
        best_percent=attempt.score_percent,
        attempt_id=attempt.id,
        achieved_at=attempt.finished_at,
        passed=bool(attempt.passed),
    )
    new = insert.excluded
    rises = new.best_percent > BestScore.best_percent
    statement = insert.on_conflict_do_update(
        index_elements=[BestScore.placement_id, BestScore.user_id],
        set_={
            "best_percent": case((rises, new.best_percent), else_=BestScore.best_percent),
            "attempt_id": case((rises, new.attempt_id), else_=BestScore.attempt_id),
            "achieved_at": case((rises, new.achieved_at), else_=BestScore.achieved_at),
            "passed": or_(BestScore.passed, new.passed),
        },
    ).returning(BestScore)
    best = session.scalars(statement.execution_options(populate_existing=True)).one()
    # The attempt's id is new to this row only if this upsert put it there.
    return best if best.attempt_id == attempt.id else None


def record_best_and_queue_grade(
    session: Session, attempt: Attempt, *, now: datetime, timestamp: datetime | None = None
) -> bool:
    """Record a scored attempt as its learner's best where it is one, and queue that best for
    the gradebook; True when the best rose. A staff preview never counts (ADR 0019).

    `timestamp` is the score's time for the platform: by default when the best was achieved;
    a regrade or a score given by hand passes `now`, later than any score sent before, so the
    platform keeps it."""
    if attempt.preview:
        return False
    best = record_best(session, attempt)
    if best is None:
        return False
    enqueue_grade(
        session,
        placement_id=best.placement_id,
        user_id=best.user_id,
        attempt_id=best.attempt_id,
        score_given=best.best_percent,
        score_maximum=100.0,
        timestamp=timestamp or best.achieved_at,
        now=now,
    )
    return True
