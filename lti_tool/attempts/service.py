"""The attempt transactions: start, open (resume), save an answer, heartbeat, submit.

Each function takes the request's Session, `now` and plain values, changes rows and flushes;
it never commits (the view commits before it answers, so an acknowledgement means committed).
Domain outcomes a person can act on are raised as `AttemptError` subclasses; the state they
leave behind (an attempt just found void, say) is consistent and meant to be committed too.

Concurrency: every function that changes an attempt first locks its row (SELECT ... FOR UPDATE
on PostgreSQL; SQLite serialises writers with BEGIN IMMEDIATE), then settles it (inactivity,
time limit) against `now`, then acts. So a save racing a submit is either in the score or
refused, never acknowledged and lost; a double submit scores once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from item_bank.drawing import draw_questions
from item_bank.models import AssessmentVersion
from item_bank.responses import InvalidResponse, validate_response
from item_bank.scoring import score_response
from lti_tool.attempts import rules
from lti_tool.attempts.answer_tokens import AnswerTokens
from lti_tool.attempts.exposure import exposure_of
from lti_tool.attempts.models import (
    IN_PROGRESS,
    SUBMITTED,
    VOID,
    Accommodation,
    Attempt,
    AttemptQuestion,
    BestScore,
)

SEED_LIMIT = 2**31  # fits a signed 32-bit INTEGER on every backend


# -- errors --------------------------------------------------------------------------------


class AttemptError(Exception):
    """A refusal a person can act on; `code` is stable for programs and tests."""

    code = "attempt_error"

    def __init__(self, attempt: Attempt | None = None, detail: str = ""):
        super().__init__(detail or self.code)
        self.attempt = attempt


class AttemptNotFound(AttemptError):
    code = "attempt_not_found"


class QuestionNotFound(AttemptError):
    code = "question_not_found"


class AttemptOver(AttemptError):
    """The attempt was submitted (by the learner or the time limit): nothing more is taken."""

    code = "attempt_over"


class AttemptVoid(AttemptError):
    """The attempt ended without a score (inactivity); a new attempt must be started."""

    code = "attempt_void"


class SittingMoved(AttemptError):
    """The attempt continues in another tab or device; this copy must stop."""

    code = "sitting_moved"


class StartRefused(AttemptError):
    code = "start_refused"

    def __init__(self, refusal: rules.Refusal, attempt: Attempt | None = None):
        super().__init__(attempt, refusal.code)
        self.refusal = refusal
        self.code = refusal.code


class InvalidAnswer(AttemptError):
    code = "invalid_answer"

    def __init__(self, attempt: Attempt, problem: InvalidResponse):
        super().__init__(attempt, problem.message)
        self.problem = problem


# -- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StartOutcome:
    attempt: Attempt
    rules: rules.AttemptRules


@dataclass(frozen=True)
class Liveness:
    attempt: Attempt
    inactivity_seconds_left: float
    time_limit_seconds_left: float | None
    away_seconds: float  # how long there had been no activity before this one
    engagement_seconds_left: float  # to save an answer or open a page (heartbeats do not count)


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


def void_if_inactive(session: Session, attempt: Attempt, now: datetime) -> bool:
    """True when the attempt is (now) void; see `settle` for the time limit too."""
    return settle(session, attempt, now).status == VOID


def _live(
    session: Session,
    *,
    attempt_id: int,
    placement_id: int,
    user_id: int,
    sitting: str | None,
    now: datetime,
    locked: Attempt | None = None,
) -> Attempt:
    """Lock, settle and check an attempt that is about to be changed (`locked`: the caller
    already read it with `get_attempt(..., lock=True)` in this transaction)."""
    attempt = locked or get_attempt(
        session, attempt_id=attempt_id, placement_id=placement_id, user_id=user_id, lock=True
    )
    settle(session, attempt, now)
    if attempt.status == SUBMITTED:
        raise AttemptOver(attempt)
    if attempt.status == VOID:
        raise AttemptVoid(attempt)
    if sitting is not None and not secrets.compare_digest(sitting, attempt.sitting_key):
        raise SittingMoved(attempt)
    return attempt


def history(session: Session, *, placement_id: int, user_id: int, now: datetime) -> list[Attempt]:
    """Every attempt of the learner in the placement (oldest first), the live one settled."""
    settle_live(session, now, placement_id=placement_id, user_id=user_id)
    return list(
        session.scalars(
            select(Attempt)
            .where(Attempt.placement_id == placement_id, Attempt.user_id == user_id)
            .order_by(Attempt.number)
        )
    )


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


def live_attempt(attempts: list[Attempt]) -> Attempt | None:
    return next((a for a in attempts if a.status == IN_PROGRESS), None)


def accommodation_seconds(session: Session, *, placement_id: int, user_id: int) -> int | None:
    return session.scalar(
        select(Accommodation.inactivity_timeout_seconds).where(
            Accommodation.placement_id == placement_id, Accommodation.user_id == user_id
        )
    )


def rules_for(
    session: Session, version: AssessmentVersion, *, placement_id: int, user_id: int
) -> rules.AttemptRules:
    return rules.AttemptRules.for_version(
        version, accommodation_seconds(session, placement_id=placement_id, user_id=user_id)
    )


# -- start ---------------------------------------------------------------------------------


def start_attempt(
    session: Session,
    *,
    placement_id: int,
    user_id: int,
    version: AssessmentVersion,
    now: datetime,
    seed: int | None = None,
) -> StartOutcome:
    """A new attempt with a fresh draw from `version`, or StartRefused (code in_progress with
    the live attempt, max_attempts, or retake_delay with `refusal.until`)."""
    attempts = history(session, placement_id=placement_id, user_id=user_id, now=now)
    attempt_rules = rules_for(session, version, placement_id=placement_id, user_id=user_id)
    refusal = rules.can_start(attempts, attempt_rules, now)
    if refusal is not None:
        raise StartRefused(refusal, live_attempt(attempts))
    seed = secrets.randbelow(SEED_LIMIT) if seed is None else seed
    drawn = draw_questions(version, seed, exposure_of(session, attempts))  # unseen items first
    points = {
        member.item_version.id: member.item_version.points
        for pool in version.pools
        for member in pool.members
    }
    attempt = Attempt(
        placement_id=placement_id,
        user_id=user_id,
        assessment_version_id=version.id,
        number=max((a.number for a in attempts), default=0) + 1,
        seed=seed,
        status=IN_PROGRESS,
        sitting_key=secrets.token_urlsafe(16),
        started_at=now,
        last_activity_at=now,
        last_answer_or_page_at=now,
        inactivity_timeout_seconds=attempt_rules.inactivity_timeout_seconds,
        deadline_at=rules.deadline_for(now, attempt_rules.time_limit_seconds),
        auto_submitted=False,
        last_position=1,
        max_points=float(sum(points[q.item_version_id] for q in drawn)),
        questions=[
            AttemptQuestion(
                position=index, item_version_id=q.item_version_id, option_order=list(q.option_order)
            )
            for index, q in enumerate(drawn, start=1)
        ],
    )
    try:
        # A savepoint: losing the race to another tab leaves this transaction usable.
        with session.begin_nested():
            session.add(attempt)
    except IntegrityError:
        # Another request started an attempt at the same time (the partial unique index
        # said no); that one is the sitting.
        other = session.scalar(
            select(Attempt)
            .where(
                Attempt.placement_id == placement_id,
                Attempt.user_id == user_id,
                Attempt.status == IN_PROGRESS,
            )
            .execution_options(populate_existing=True)
        )
        raise StartRefused(rules.Refusal(rules.IN_PROGRESS_REFUSAL), other) from None
    return StartOutcome(attempt, attempt_rules)


# -- during the attempt --------------------------------------------------------------------


def resume(
    session: Session,
    *,
    attempt_id: int,
    placement_id: int,
    user_id: int,
    sitting: str,
    now: datetime,
    position: int | None = None,
    new_sitting: bool = False,
) -> Attempt:
    """Open the attempt on a page (a view counts as activity): the same attempt with every
    acknowledged answer, as long as it is alive and this tab holds the sitting.

    `new_sitting` hands the page a fresh sitting key: a copy of this page's address opened
    elsewhere (a duplicated tab) then takes the sitting and the older copy stops, so there are
    never two live copies. The page keeps its own address current with the new key."""
    attempt = _live(
        session,
        attempt_id=attempt_id,
        placement_id=placement_id,
        user_id=user_id,
        sitting=sitting,
        now=now,
    )
    if new_sitting:
        attempt.sitting_key = secrets.token_urlsafe(16)
    if position is not None:
        _question(attempt, position)
        attempt.last_position = position
    attempt.last_activity_at = attempt.last_answer_or_page_at = now
    session.flush()
    return attempt


def take_over(
    session: Session, *, attempt_id: int, placement_id: int, user_id: int, now: datetime
) -> Attempt:
    """Continue the attempt here: a new sitting key, so any other open copy stops."""
    attempt = _live(
        session,
        attempt_id=attempt_id,
        placement_id=placement_id,
        user_id=user_id,
        sitting=None,
        now=now,
    )
    attempt.sitting_key = secrets.token_urlsafe(16)
    attempt.last_activity_at = attempt.last_answer_or_page_at = now
    session.flush()
    return attempt


def _question(attempt: Attempt, position: int) -> AttemptQuestion:
    for question in attempt.questions:
        if question.position == position:
            return question
    raise QuestionNotFound(attempt)


def save_answer(
    session: Session,
    *,
    attempt_id: int,
    placement_id: int,
    user_id: int,
    sitting: str,
    position: int,
    response: Any,
    now: datetime,
    locked: Attempt | None = None,
    answer_tokens: AnswerTokens | None = None,
) -> AttemptQuestion:
    """Store the learner's response to one question (normalised); refreshes activity.

    `response` is in authored ids, or, with `answer_tokens`, as the page posted it (opaque
    tokens: see answer_tokens.py); a token of another question or attempt is InvalidAnswer."""
    attempt = _live(
        session,
        attempt_id=attempt_id,
        placement_id=placement_id,
        user_id=user_id,
        sitting=sitting,
        now=now,
        locked=locked,
    )
    question = _question(attempt, position)
    try:
        if answer_tokens is not None:
            response = answer_tokens.of(question).reveal(response)
        normalised = validate_response(question.item_version, response)
    except InvalidResponse as problem:
        raise InvalidAnswer(attempt, problem) from None
    question.response = normalised
    question.saved_at = now
    attempt.last_activity_at = attempt.last_answer_or_page_at = now
    attempt.last_position = position
    session.flush()
    return question


def heartbeat(
    session: Session,
    *,
    attempt_id: int,
    placement_id: int,
    user_id: int,
    sitting: str,
    now: datetime,
    locked: Attempt | None = None,
) -> Liveness:
    """The page is in front of the learner: refresh the attempt's last activity (not its
    last answer or page: heartbeats alone keep an attempt going only so long)."""
    attempt = _live(
        session,
        attempt_id=attempt_id,
        placement_id=placement_id,
        user_id=user_id,
        sitting=sitting,
        now=now,
        locked=locked,
    )
    away = max(0.0, (now - attempt.last_activity_at).total_seconds())
    attempt.last_activity_at = now
    session.flush()
    return liveness(attempt, now, away_seconds=away)


def liveness(attempt: Attempt, now: datetime, away_seconds: float = 0.0) -> Liveness:
    return Liveness(
        attempt,
        rules.inactivity_seconds_left(attempt, now),
        rules.time_limit_seconds_left(attempt.deadline_at, now),
        away_seconds,
        rules.engagement_seconds_left(attempt, now),
    )


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
    try:
        from lti_tool.grades.outbox import enqueue_grade
    except ModuleNotFoundError as missing:  # grade passback not installed in this build
        if missing.name in {"lti_tool.grades", "lti_tool.grades.outbox"}:
            return
        raise
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


# -- reading -------------------------------------------------------------------------------


def attempt_with_questions(session: Session, attempt_id: int) -> Attempt | None:
    return session.scalars(
        select(Attempt)
        .where(Attempt.id == attempt_id)
        .options(selectinload(Attempt.questions).selectinload(AttemptQuestion.item_version))
    ).first()


def answered_count(attempt: Attempt) -> int:
    from item_bank.responses import is_answered

    return sum(1 for q in attempt.questions if q.response and is_answered(q.response))


def attempts_count(session: Session, *, placement_id: int, user_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Attempt)
            .where(Attempt.placement_id == placement_id, Attempt.user_id == user_id)
        )
        or 0
    )


def settle_all(session: Session, now: datetime) -> int:
    """Settle every attempt still marked in progress (a sweep: abandoned attempts end, and
    time-limited ones get their score and grade, without waiting for the learner's next
    request). Returns how many ended."""
    return len(settle_live(session, now))
