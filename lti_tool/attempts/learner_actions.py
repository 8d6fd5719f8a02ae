"""What a learner's request does, one unit of work each (ADR 0012).

A view parses the request, calls one of these, maps its `AttemptError` to a page or a JSON
reply, and renders. Each function commits before it returns, so a view's 200 (or redirect)
means committed; an `AttemptError` commits what settling found before it reaches the view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from item_bank.catalog import latest_version
from item_bank.models import AssessmentVersion
from lti_tool import db
from lti_tool.attempts import answer_saving, flags, rules, service
from lti_tool.attempts.answer_tokens import AnswerTokens
from lti_tool.attempts.availability import Window
from lti_tool.attempts.best import BestResult, best_result
from lti_tool.attempts.first_steps import FirstStep, pending_first_steps
from lti_tool.attempts.models import Attempt, AttemptQuestion
from lti_tool.attempts.previews import discard_finished_previews
from lti_tool.db import unit_of_work
from lti_tool.grades.status import LearnerGradeStatus, learner_grade_status
from lti_tool.launch.models import Placement


@dataclass(frozen=True)
class AttemptIds:
    """Whose attempt: the request's launch says placement and learner, the URL the attempt."""

    attempt_id: int
    placement_id: int
    user_id: int

    def kwargs(self) -> dict[str, int]:
        return {
            "attempt_id": self.attempt_id,
            "placement_id": self.placement_id,
            "user_id": self.user_id,
        }


@dataclass(frozen=True)
class Standing:
    """The learner's attempts at the placement's assessment, with its rules and best result."""

    version: AssessmentVersion
    attempts: list[Attempt]
    rules: rules.AttemptRules
    best: BestResult | None


@dataclass(frozen=True)
class Result:
    attempt: Attempt
    standing: Standing
    grade_status: LearnerGradeStatus | None


def _version(session: Session, slug: str | None) -> AssessmentVersion | None:
    return latest_version(session, slug) if slug else None


def _standing(
    session: Session, version: AssessmentVersion, *, placement_id: int, user_id: int, now: datetime
) -> Standing:
    attempts = service.history(session, placement_id=placement_id, user_id=user_id, now=now)
    return Standing(
        version,
        attempts,
        service.rules_for(session, version, placement_id=placement_id, user_id=user_id),
        best_result(session, placement_id, user_id),
    )


def standing(
    *, placement_id: int, user_id: int, slug: str | None, now: datetime
) -> Standing | None:
    """The home page's facts (the live attempt settled first), or None: no assessment yet."""
    with unit_of_work() as session:
        version = _version(session, slug)
        if version is None:
            return None
        return _standing(session, version, placement_id=placement_id, user_id=user_id, now=now)


def start(
    *,
    placement_id: int,
    user_id: int,
    slug: str | None,
    now: datetime,
    window: Window | None = None,
    preview: bool = False,
) -> Attempt | None:
    """A new attempt, None when the placement has no assessment, or StartRefused (outside
    the placement's `window` too: not open yet, or closed). A `preview` (staff) ignores the
    window and throws the staff member's earlier previews away first (previews.py)."""
    window = window or Window()
    refusal = None if preview else window.refusal(now)
    if refusal is not None:
        raise service.StartRefused(refusal)
    with unit_of_work() as session:
        version = _version(session, slug)
        if version is None:
            return None
        if preview:
            discard_finished_previews(session, placement_id=placement_id, user_id=user_id)
        # The learner's time limit or retake delay matter only if the version has either:
        # read only then (the start's statement budget, ADR 0014).
        changeable = version.time_limit_seconds or version.retake_delay_seconds
        accommodation = (
            service.accommodation_of(session, placement_id=placement_id, user_id=user_id)
            if changeable
            else None
        )
        outcome = service.start_attempt(
            session,
            placement_id=placement_id,
            user_id=user_id,
            version=version,
            now=now,
            closes_at=None if preview else window.closes_at,
            accommodation=accommodation,
            preview=preview,
        )
        return outcome.attempt


def take_over(ids: AttemptIds, *, now: datetime) -> Attempt:
    with unit_of_work() as session:
        return service.take_over(session, **ids.kwargs(), now=now)


def open_page(
    ids: AttemptIds, *, sitting: str, now: datetime, position: int | None = None
) -> Attempt:
    """A question (or, without `position`, the review) page opened: it takes the sitting."""
    with unit_of_work() as session:
        return service.resume(
            session, **ids.kwargs(), sitting=sitting, now=now, position=position, new_sitting=True
        )


def question_at(attempt: Attempt, position: int) -> AttemptQuestion:
    if not 1 <= position <= len(attempt.questions):
        raise service.QuestionNotFound(attempt)
    return attempt.questions[position - 1]


def save_answer(
    request: answer_saving.SittingRequest,
    *,
    position: int,
    read_response: Callable[[str], Any],
    answer_tokens: AnswerTokens,
    ids: Callable[[], AttemptIds],
) -> answer_saving.SavedAnswer:
    """Save what `read_response` reads from the request (given the question's item type) for
    the question at `position`. The hot path (answer_saving) takes the common case in one
    round trip of checks and one of writing; any other case (a refusal, an answer that does
    not fit, a race) runs the locked path below, which says why. `ids` says whose attempt
    (it loads the launch): only the locked path needs it."""
    saved = answer_saving.save_answer(
        request, position=position, read_response=read_response, answer_tokens=answer_tokens
    )
    if saved is not None:
        return saved
    whose = ids()
    with unit_of_work() as session:
        # Locked at once: the save below works on this read instead of reading it again.
        attempt = service.get_attempt(session, **whose.kwargs(), lock=True)
        question = question_at(attempt, position)
        question = service.save_answer(
            session,
            **whose.kwargs(),
            sitting=request.sitting,
            position=position,
            response=read_response(question.item_version.type),
            now=request.now,
            locked=attempt,
            answer_tokens=answer_tokens,
        )
    assert question.saved_at is not None and question.response is not None  # just saved
    return answer_saving.SavedAnswer(
        attempt.id,
        position,
        attempt.sitting_key,
        len(attempt.questions),
        question.saved_at,
        question.response,
        answer_saving.timing_of(attempt, request.now),
    )


def heartbeat(
    request: answer_saving.SittingRequest,
    *,
    too_many: Callable[[int], bool],
    ids: Callable[[], AttemptIds],
) -> answer_saving.Pulse:
    """Whose attempt first (AttemptNotFound for anyone else's, not counted), then the rate
    limit `too_many(user_id)` (TooManyHeartbeats): another learner can never use up
    someone's heartbeats. The hot path takes the live case; the locked path the rest (the
    rate limit is asked at most once per request, whichever path asks)."""
    counted = _asked_once(too_many)
    pulse = answer_saving.heartbeat(request, too_many=counted)
    if pulse is not None:
        return pulse
    whose = ids()
    with unit_of_work() as session:
        attempt = service.get_attempt(session, **whose.kwargs(), lock=True)
        if counted(whose.user_id):
            raise service.TooManyHeartbeats(attempt)
        life = service.heartbeat(
            session, **whose.kwargs(), sitting=request.sitting, now=request.now, locked=attempt
        )
    timing = answer_saving.timing_of(attempt, request.now)
    return answer_saving.Pulse(attempt.status, timing, life.away_seconds)


def _asked_once(too_many: Callable[[int], bool]) -> Callable[[int], bool]:
    """The rate limit counts a hit each time it is asked: ask it once per request."""
    answers: list[bool] = []

    def ask(user_id: int) -> bool:
        if not answers:
            answers.append(too_many(user_id))
        return answers[0]

    return ask


def set_flag(ids: AttemptIds, *, sitting: str, position: int, flagged: bool, now: datetime) -> bool:
    """Flag (or unflag) a question for later; what the flag is now."""
    with unit_of_work() as session:
        question = flags.set_flag(
            session, **ids.kwargs(), sitting=sitting, position=position, flagged=flagged, now=now
        )
        return question.flagged


def submit(ids: AttemptIds, *, sitting: str, now: datetime) -> service.SubmitOutcome:
    with unit_of_work() as session:
        return service.submit(session, **ids.kwargs(), sitting=sitting, now=now)


def result(ids: AttemptIds, *, slug: str | None, now: datetime) -> Result | None:
    """A finished attempt with what comes next (judged by the placement's current version),
    or None while the attempt is still live (its time is not up yet)."""
    with unit_of_work() as session:
        attempt = service.get_attempt(session, **ids.kwargs(), lock=True)
        service.settle(session, attempt, now)
        if attempt.is_live:
            return None
        version = _version(session, slug) or attempt.assessment_version
        facts = _standing(
            session, version, placement_id=ids.placement_id, user_id=ids.user_id, now=now
        )
        grade = learner_grade_status(session, ids.placement_id, ids.user_id)
        return Result(attempt, facts, grade)


def grade_status(*, placement_id: int, user_id: int) -> LearnerGradeStatus | None:
    """Read only (no unit of work): the result page polls it while a grade is on its way."""
    return learner_grade_status(db.session(), placement_id, user_id)


def first_steps(placement: Placement, user_id: int) -> list[FirstStep]:
    """Read only: what the learner should do before starting (the entry questionnaire)."""
    return pending_first_steps(db.session(), placement, user_id)
