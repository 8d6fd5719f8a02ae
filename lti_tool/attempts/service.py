"""Taking an attempt: start, open (resume), take over, save an answer, heartbeat.

Each function takes the request's Session, `now` and plain values, changes rows and flushes;
it never commits: the learner's actions (`learner_actions`) run it inside the request's unit
of work, which commits before the view answers, so an acknowledgement means committed.
Domain outcomes a person can act on are raised as `AttemptError` subclasses (`errors`); the
state they leave behind (an attempt just found void, say) is consistent and committed too.

Concurrency: every function that changes an attempt first locks its row, then settles it
(inactivity, time limit) against `now`, then acts (see `finishing`). So a save racing a
submit is either in the score or refused, never acknowledged and lost.

The end of an attempt (settling, submit, scoring) lives in `finishing`; its functions and the
errors are re-exported here, so callers have one module for the attempt's transactions.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from item_bank.models import AssessmentVersion
from item_bank.responses import InvalidResponse, validate_response
from lti_tool.attempts import rules
from lti_tool.attempts.answer_tokens import AnswerTokens
from lti_tool.attempts.errors import (
    AttemptError,
    AttemptNotFound,
    AttemptOver,
    AttemptVoid,
    InvalidAnswer,
    QuestionNotFound,
    SittingMoved,
    StartRefused,
    TooManyHeartbeats,
)
from lti_tool.attempts.finishing import (
    SubmitOutcome,
    get_attempt,
    settle,
    settle_all,
    settle_history,
    settle_live,
    submit,
)
from lti_tool.attempts.models import (
    IN_PROGRESS,
    SUBMITTED,
    VOID,
    Accommodation,
    Attempt,
    AttemptQuestion,
)
from lti_tool.attempts.starting import StartOutcome, start_attempt

__all__ = [
    "AttemptError",
    "AttemptNotFound",
    "AttemptOver",
    "AttemptVoid",
    "InvalidAnswer",
    "Liveness",
    "QuestionNotFound",
    "SittingMoved",
    "StartOutcome",
    "StartRefused",
    "SubmitOutcome",
    "TooManyHeartbeats",
    "attempt_with_questions",
    "get_attempt",
    "heartbeat",
    "history",
    "live_attempt",
    "liveness",
    "resume",
    "rules_for",
    "save_answer",
    "settle",
    "settle_all",
    "settle_live",
    "start_attempt",
    "submit",
    "take_over",
]

# -- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Liveness:
    attempt: Attempt
    inactivity_seconds_left: float
    time_limit_seconds_left: float | None
    away_seconds: float  # how long there had been no activity before this one
    engagement_seconds_left: float  # to save an answer or open a page (heartbeats do not count)


# -- loading and settling ------------------------------------------------------------------


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
    return settle_history(session, now, placement_id=placement_id, user_id=user_id)


def live_attempt(attempts: list[Attempt]) -> Attempt | None:
    return next((a for a in attempts if a.status == IN_PROGRESS), None)


def accommodation_seconds(session: Session, *, placement_id: int, user_id: int) -> int | None:
    return session.scalar(
        select(Accommodation.inactivity_timeout_seconds).where(
            Accommodation.placement_id == placement_id, Accommodation.user_id == user_id
        )
    )


def accommodation_of(session: Session, *, placement_id: int, user_id: int) -> Accommodation | None:
    return session.scalar(
        select(Accommodation).where(
            Accommodation.placement_id == placement_id, Accommodation.user_id == user_id
        )
    )


def rules_for(
    session: Session, version: AssessmentVersion, *, placement_id: int, user_id: int
) -> rules.AttemptRules:
    """The version's rules with the learner's accommodation (all of it) applied."""
    found = accommodation_of(session, placement_id=placement_id, user_id=user_id)
    if found is None:
        return rules.AttemptRules.for_version(version)
    return rules.AttemptRules.for_version(
        version,
        found.inactivity_timeout_seconds,
        time_limit_seconds=found.time_limit_seconds,
        retake_delay_seconds=found.retake_delay_seconds,
    )


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


# -- reading -------------------------------------------------------------------------------


def attempt_with_questions(session: Session, attempt_id: int) -> Attempt | None:
    return session.scalars(
        select(Attempt)
        .where(Attempt.id == attempt_id)
        .options(selectinload(Attempt.questions).selectinload(AttemptQuestion.item_version))
    ).first()
