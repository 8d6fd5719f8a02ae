"""The end of an attempt: loading it under a lock, settling it against the clock (void after
inactivity, submitted at the deadline), the learner's submit, scoring, and the best score
with its grade queued in the same transaction.

Functions take the Session and `now`, change rows and flush; they never commit (the caller's
unit of work does). Concurrency: a function that changes an attempt first locks its row
(SELECT ... FOR UPDATE on PostgreSQL; SQLite serialises writers with BEGIN IMMEDIATE), then
settles it, then acts, so a double submit scores once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from item_bank.responses import InvalidResponse
from item_bank.scoring import score_response
from lti_tool.attempts import rules
from lti_tool.attempts.errors import AttemptNotFound, AttemptVoid, SittingMoved
from lti_tool.attempts.models import (
    IN_PROGRESS,
    SUBMITTED,
    VOID,
    Attempt,
    AttemptQuestion,
    BestScore,
)
from lti_tool.grades.outbox import enqueue_grade


@dataclass(frozen=True)
class SubmitOutcome:
    attempt: Attempt
    already_finished: bool  # a repeated submit: nothing changed
    best_rose: bool  # this attempt set a new best (or the first one)


# -- loading and settling ------------------------------------------------------------------


def _select_attempt(attempt_id: int, lock: bool):
    statement = select(Attempt).where(Attempt.id == attempt_id)
    if lock:
        # populate_existing: the row read under the lock wins over anything the session held.
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return statement


def get_attempt(
    session: Session, *, attempt_id: int, placement_id: int, user_id: int, lock: bool = False
) -> Attempt:
    """The learner's own attempt in this placement, or AttemptNotFound (also for others')."""
    attempt = session.scalars(_select_attempt(attempt_id, lock)).first()
    if attempt is None or attempt.user_id != user_id or attempt.placement_id != placement_id:
        raise AttemptNotFound()
    return attempt


def settle(session: Session, attempt: Attempt, now: datetime) -> Attempt:
    """Apply what the clock says has happened to a live attempt (call with its row locked):
    void after the inactivity timeout (or heartbeats alone for too long), or submitted at the
    deadline. Returns the attempt."""
    if attempt.status != IN_PROGRESS:
        return attempt
    outcome = rules.settlement(attempt, now)
    if outcome is None:
        return attempt
    if outcome.kind == VOID:
        attempt.status = VOID
        attempt.void_reason = outcome.void_reason
        attempt.finished_at = outcome.at
    else:
        _finalise(session, attempt, finished_at=outcome.at, auto=True, now=now)
    session.flush()
    return attempt


def settle_live(
    session: Session, now: datetime, *, placement_id: int | None = None, user_id: int | None = None
) -> list[Attempt]:
    """Lock, then settle, every attempt still marked in progress: all of them (the sweeper),
    a placement's (the instructor's report) or one learner's there (their pages, a new
    allowance). Rows are locked in id order, so two sweeps never deadlock. Returns the
    attempts that ended now; the ones still live stay locked until the transaction ends."""
    statement = select(Attempt.id).where(Attempt.status == IN_PROGRESS)
    if placement_id is not None:
        statement = statement.where(Attempt.placement_id == placement_id)
    if user_id is not None:
        statement = statement.where(Attempt.user_id == user_id)
    ended = []
    for attempt_id in session.scalars(statement.order_by(Attempt.id)).all():
        attempt = session.scalars(_select_attempt(attempt_id, lock=True)).first()
        if attempt is not None and settle(session, attempt, now).status != IN_PROGRESS:
            ended.append(attempt)
    return ended


def settle_all(session: Session, now: datetime) -> int:
    """Settle every attempt still marked in progress (a sweep: abandoned attempts end, and
    time-limited ones get their score and grade, without waiting for the learner's next
    request). Returns how many ended."""
    return len(settle_live(session, now))


# -- the end -------------------------------------------------------------------------------


def submit(
    session: Session,
    *,
    attempt_id: int,
    placement_id: int,
    user_id: int,
    sitting: str,
    now: datetime,
) -> SubmitOutcome:
    """Score the attempt with its acknowledged answers. A repeated submit (double click, a
    second tab, the time limit got there first) returns the result already recorded."""
    attempt = get_attempt(
        session, attempt_id=attempt_id, placement_id=placement_id, user_id=user_id, lock=True
    )
    was_live = attempt.status == IN_PROGRESS
    settle(session, attempt, now)
    if attempt.status == VOID:
        raise AttemptVoid(attempt)
    if attempt.status == SUBMITTED:
        # Finished just now by the time limit, or earlier: the result stands either way.
        return SubmitOutcome(attempt, already_finished=not was_live, best_rose=False)
    if not secrets.compare_digest(sitting, attempt.sitting_key):
        raise SittingMoved(attempt)
    best_rose = _finalise(session, attempt, finished_at=now, auto=False, now=now)
    session.flush()
    return SubmitOutcome(attempt, already_finished=False, best_rose=best_rose)


def _finalise(
    session: Session, attempt: Attempt, *, finished_at: datetime, auto: bool, now: datetime
) -> bool:
    """Score every question from its saved response and record the result; True when the
    learner's best rose (grade queued in this same transaction)."""
    # Read everything first, then write: a lazy load in between would autoflush a half-set
    # outcome, which the table's CHECK constraint refuses.
    pass_mark = attempt.assessment_version.pass_mark_percent
    awarded = [_awarded(question) for question in attempt.questions]
    total = sum(awarded)
    score_percent = rules.percent(total, attempt.max_points)
    for question, points in zip(attempt.questions, awarded, strict=True):
        question.points_awarded = points
    attempt.points = total
    attempt.score_percent = score_percent
    attempt.passed = rules.passes(score_percent, pass_mark)
    attempt.status = SUBMITTED
    attempt.finished_at = finished_at
    attempt.auto_submitted = auto
    session.flush()
    return _record_best(session, attempt, now)


def _awarded(question: AttemptQuestion) -> float:
    try:
        return score_response(question.item_version, question.response or {})
    except InvalidResponse:
        return 0.0  # cannot happen for a response validated on save; never crash a submit


def _record_best(session: Session, attempt: Attempt, now: datetime) -> bool:
    best = session.scalars(
        select(BestScore)
        .where(BestScore.placement_id == attempt.placement_id, BestScore.user_id == attempt.user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    assert attempt.score_percent is not None and attempt.finished_at is not None
    if best is None:
        best = BestScore(
            placement_id=attempt.placement_id,
            user_id=attempt.user_id,
            best_percent=attempt.score_percent,
            attempt_id=attempt.id,
            achieved_at=attempt.finished_at,
            passed=bool(attempt.passed),
        )
        session.add(best)
    elif rules.is_new_best(best.best_percent, attempt.score_percent):
        best.best_percent = attempt.score_percent
        best.attempt_id = attempt.id
        best.achieved_at = attempt.finished_at
        best.passed = rules.has_passed(best.passed, bool(attempt.passed))
    else:
        # A lower or equal score changes nothing, except that a pass is never forgotten.
        best.passed = rules.has_passed(best.passed, bool(attempt.passed))
        return False
    session.flush()
    _queue_grade(session, best, now)
    return True


def _queue_grade(session: Session, best: BestScore, now: datetime) -> None:
    enqueue_grade(
        session,
        placement_id=best.placement_id,
        user_id=best.user_id,
        attempt_id=best.attempt_id,
        score_given=best.best_percent,
        score_maximum=100.0,
        timestamp=best.achieved_at,
        now=now,
    )
