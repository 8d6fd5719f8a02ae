"""The learner's retained result in a placement, for pages and other modules (certificates)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.attempts.models import Attempt, BestScore


@dataclass(frozen=True)
class BestResult:
    best_percent: float
    passed: bool
    attempt_id: int
    achieved_at: datetime
    assessment_version_id: int


def best_result(session: Session, placement_id: int, user_id: int) -> BestResult | None:
    """The highest score the learner reached in the placement, or None before any submitted
    attempt. `passed` is true once any attempt passed (a pass is never taken back)."""
    row = session.execute(
        select(BestScore, Attempt.assessment_version_id)
        .join(Attempt, Attempt.id == BestScore.attempt_id)
        .where(BestScore.placement_id == placement_id, BestScore.user_id == user_id)
    ).first()
    if row is None:
        return None
    best, version_id = row
    return BestResult(
        best_percent=best.best_percent,
        passed=best.passed,
        attempt_id=best.attempt_id,
        achieved_at=best.achieved_at,
        assessment_version_id=version_id,
    )
