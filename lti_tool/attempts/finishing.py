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
from typing import Any

from sqlalchemy import Select, case, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from item_bank.responses import InvalidResponse
from item_bank.scoring import score_response
from lti_tool.attempts import published, rules
from lti_tool.attempts.best_recording import record_best_and_queue_grade
from lti_tool.attempts.errors import AttemptNotFound, AttemptVoid, SittingMoved
from lti_tool.attempts.models import (
    IN_PROGRESS,
    SUBMITTED,
    VOID,
    Attempt,
    AttemptQuestion,
)


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
        # of=Attempt: only the attempt's row is locked (the questions follow it).
        statement = statement.with_for_update(of=Attempt).execution_options(populate_existing=True)
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
    allowance). Returns the attempts that ended now; the ones still live stay locked until
    the transaction ends."""
    statement = select(Attempt).where(Attempt.status == IN_PROGRESS)
    if placement_id is not None:
        statement = statement.where(Attempt.placement_id == placement_id)
    if user_id is not None:
        statement = statement.where(Attempt.user_id == user_id)
    live = _locked_in_id_order(session, statement)
    return [a for a in live if settle(session, a, now).status != IN_PROGRESS]


def settle_history(
    session: Session, now: datetime, *, placement_id: int, user_id: int
) -> list[Attempt]:
    """Every attempt of one learner in a placement (oldest first), locked, the live one
    settled: what starting an attempt decides on, in one statement."""
    attempts = _locked_in_id_order(
        session,
        select(Attempt).where(Attempt.placement_id == placement_id, Attempt.user_id == user_id),
    )
    for attempt in attempts:
        settle(session, attempt, now)
    return attempts


def _locked_in_id_order(session: Session, statement: Select[Attempt]) -> list[Attempt]:
    """One SELECT ... ORDER BY id FOR UPDATE: PostgreSQL locks the rows in the order it returns
    them, so two sweeps (or a sweep and a learner's request) never deadlock, and it re-reads a
    row changed while it waited (a row no longer in progress drops out). populate_existing:
    the rows read under the lock win over anything the session held."""
    locked = (
        statement.order_by(Attempt.id).with_for_update().execution_options(populate_existing=True)
    )
    return list(session.scalars(locked))


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
    attempt = session.scalars(_select_attempt(attempt_id, lock=True)).first()
    if attempt is None or attempt.user_id != user_id or attempt.placement_id != placement_id:
        raise AttemptNotFound()
    _read_questions_under_lock(session, attempt)
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


def _read_questions_under_lock(session: Session, attempt: Attempt) -> None:
    """Read the questions in their own statement, once the attempt's lock is held. Joined into
    the locking SELECT they would come from the snapshot taken before it waited: PostgreSQL
    re-reads only the locked row, so an answer committed while the submit waited would be
    missing from the score although its save was acknowledged."""
    questions = session.scalars(
        select(AttemptQuestion)
        .where(AttemptQuestion.attempt_id == attempt.id)
        .order_by(AttemptQuestion.position)
        .execution_options(populate_existing=True)
    ).all()
    set_committed_value(attempt, "questions", list(questions))


def _finalise(
    session: Session, attempt: Attempt, *, finished_at: datetime, auto: bool, now: datetime
) -> bool:
    """Score every question from its saved response and record the result; True when the
    learner's best rose (grade queued in this same transaction)."""
    # Read everything first, then write: a lazy load in between would autoflush a half-set
    # outcome, which the table's CHECK constraint refuses. The pass mark and the item
    # versions are published content, read from the per-process cache.
    pass_mark = published.pass_mark_of(session, attempt.assessment_version_id)
    questions = attempt.questions
    items = published.item_versions(session, (q.item_version_id for q in questions))
    awarded = {q.position: _awarded(items[q.item_version_id], q.response) for q in questions}
    total = sum(awarded.values())
    score_percent = rules.percent(total, attempt.max_points)
    attempt.points = total
    attempt.score_percent = score_percent
    attempt.passed = rules.passes(score_percent, pass_mark)
    attempt.status = SUBMITTED
    attempt.finished_at = finished_at
    attempt.auto_submitted = auto
    session.flush()
    _store_points(session, attempt, awarded)
    return record_best_and_queue_grade(session, attempt, now=now)


def _awarded(item: published.PublishedItem, response: dict[str, Any] | None) -> float:
    try:
        return score_response(item, response or {})
    except InvalidResponse:
        return 0.0  # cannot happen for a response validated on save; never crash a submit


def _store_points(session: Session, attempt: Attempt, awarded: dict[int, float]) -> None:
    """Every question's points in one UPDATE (a CASE on the position), not one per row."""
    session.execute(
        update(AttemptQuestion)
        .where(AttemptQuestion.attempt_id == attempt.id)
        .values(points_awarded=case(awarded, value=AttemptQuestion.position, else_=None))
        .execution_options(synchronize_session=False)
    )
    for question in attempt.questions:  # what the session holds agrees with the row
        set_committed_value(question, "points_awarded", awarded[question.position])
