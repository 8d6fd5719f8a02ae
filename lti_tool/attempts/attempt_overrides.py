"""What staff may do to one learner's attempt, each audited in the same transaction
(ADR 0018): re-open a void attempt, delete an attempt made by mistake, raise a score by hand.

The highest-score rule bounds all three: the learner's best score never falls, in the
database or in the gradebook. So an attempt holding the best score (or a certificate) cannot
be deleted, and a manual score may only raise an attempt's score; a raise that beats the best
is recorded and sent to the gradebook through the grade outbox, like a submitted attempt.
Each function is its own unit of work (ADR 0012) and raises an `OverrideError` (nothing
written) when the rules say no.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool.attempts import published, rules
from lti_tool.attempts.best_recording import record_best_and_queue_grade
from lti_tool.attempts.finishing import settle, settle_live
from lti_tool.attempts.models import IN_PROGRESS, SUBMITTED, VOID, Attempt, BestScore
from lti_tool.audit import log as audit
from lti_tool.db import unit_of_work
from lti_tool.launch.models import Placement

MIN_REOPEN_SECONDS = 5 * 60  # a re-opened timed attempt gets at least this long


class OverrideError(Exception):
    code = "override_refused"


class AttemptNotHere(OverrideError):
    code = "attempt_not_found"


class ReasonRequired(OverrideError):
    code = "reason_required"


class NotVoid(OverrideError):
    code = "not_void"


class LiveAttemptExists(OverrideError):
    code = "live_attempt_exists"


class HoldsBest(OverrideError):
    code = "holds_best"


class HasCertificate(OverrideError):
    code = "has_certificate"


class NotSubmitted(OverrideError):
    code = "not_submitted"


class ScoreNotHigher(OverrideError):
    code = "score_not_higher"


def _of_learner(placement_id: int, attempt_id: int) -> ColumnElement[bool]:
    """The attempt, if it is a learner's in this placement: a staff preview is nobody's
    attempt to review or change (its score must never become a best or a grade, ADR 0019)."""
    return and_(
        Attempt.id == attempt_id,
        Attempt.placement_id == placement_id,
        Attempt.preview.is_(False),
    )


def _locked(session: Session, placement_id: int, attempt_id: int, reason: str) -> Attempt:
    if not reason.strip():
        raise ReasonRequired()
    attempt = session.scalars(
        select(Attempt)
        .where(_of_learner(placement_id, attempt_id))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if attempt is None:
        raise AttemptNotHere()
    return attempt


def _subject(attempt: Attempt) -> audit.Subject:
    return audit.Subject(attempt.user_id, attempt.id, attempt.number)


def reopen(
    placement: Placement, attempt_id: int, *, staff_user_id: int, reason: str, now: datetime
) -> Attempt:
    """A void attempt in progress again, with its saved answers, a fresh inactivity allowance
    from now, and the time it had left (at least 5 minutes) when it has a time limit; only
    while the learner has no other attempt in progress. The learner continues it from the
    assessment page."""
    with unit_of_work() as session:
        attempt = _locked(session, placement.id, attempt_id, reason)
        if attempt.status != VOID:
            raise NotVoid()
        settle_live(session, now, placement_id=placement.id, user_id=attempt.user_id)
        if _has_live(session, placement.id, attempt.user_id):
            raise LiveAttemptExists()
        ended, void_reason = attempt.finished_at, attempt.void_reason
        assert ended is not None
        if attempt.deadline_at is not None:
            left = max((attempt.deadline_at - ended).total_seconds(), MIN_REOPEN_SECONDS)
            close = (
                placement.closes_at if placement.closes_at and placement.closes_at > now else None
            )
            attempt.deadline_at = rules.earliest(now + timedelta(seconds=left), close)
        attempt.status, attempt.finished_at, attempt.void_reason = IN_PROGRESS, None, None
        attempt.last_activity_at = attempt.last_answer_or_page_at = now
        attempt.sitting_key = secrets.token_urlsafe(16)
        session.flush()
        audit.record(
            session,
            placement_id=placement.id,
            staff_user_id=staff_user_id,
            action=audit.ATTEMPT_REOPENED,
            now=now,
            subject=_subject(attempt),
            reason=reason,
            details={"void_reason": void_reason, "ended": ended.isoformat()},
        )
        return attempt


def _has_live(session: Session, placement_id: int, user_id: int) -> bool:
    return (
        session.scalar(
            select(Attempt.id).where(
                Attempt.placement_id == placement_id,
                Attempt.user_id == user_id,
                Attempt.status == IN_PROGRESS,
            )
        )
        is not None
    )


def delete(
    placement: Placement, attempt_id: int, *, staff_user_id: int, reason: str, now: datetime
) -> None:
    """Delete an attempt made by mistake, with its answers. Refused for the attempt that holds
    the learner's best score (the best never falls) and for one a certificate names."""
    with unit_of_work() as session:
        attempt = _locked(session, placement.id, attempt_id, reason)
        settle(session, attempt, now)
        best_attempt = session.scalar(
            select(BestScore.attempt_id).where(
                BestScore.placement_id == placement.id, BestScore.user_id == attempt.user_id
            )
        )
        if best_attempt == attempt.id:
            raise HoldsBest()
        facts = {"status": attempt.status, "score": attempt.score_percent}
        subject = _subject(attempt)
        try:
            with session.begin_nested():  # a certificate's RESTRICT refuses: undo just this
                session.delete(attempt)
                session.flush()
        except IntegrityError:
            raise HasCertificate() from None
        audit.record(
            session,
            placement_id=placement.id,
            staff_user_id=staff_user_id,
            action=audit.ATTEMPT_DELETED,
            now=now,
            subject=subject,
            reason=reason,
            details=facts,
        )


def override_score(
    placement: Placement,
    attempt_id: int,
    *,
    percent: float,
    staff_user_id: int,
    reason: str,
    now: datetime,
) -> Attempt:
    """Raise a submitted attempt's score to `percent` (0-100, 2 decimals; strictly higher than
    now), its pass judged again against its version's pass mark. A new best is recorded and
    queued for the gradebook in this same transaction."""
    with unit_of_work() as session:
        attempt = _locked(session, placement.id, attempt_id, reason)
        if attempt.status != SUBMITTED or attempt.score_percent is None:
            raise NotSubmitted()
        new = round(float(percent), rules.PERCENT_DECIMALS)
        before = attempt.score_percent
        if not 0 <= new <= 100 or not rules.is_new_best(before, new):
            raise ScoreNotHigher()
        pass_mark = published.pass_mark_of(session, attempt.assessment_version_id)
        attempt.score_percent = new
        attempt.points = round(attempt.max_points * new / 100, 6)
        attempt.passed = rules.passes(new, pass_mark)
        session.flush()
        # _locked never returns a preview; the function refuses one too, should that change.
        best_rose = record_best_and_queue_grade(session, attempt, now=now, timestamp=now)
        audit.record(
            session,
            placement_id=placement.id,
            staff_user_id=staff_user_id,
            action=audit.SCORE_OVERRIDDEN,
            now=now,
            subject=_subject(attempt),
            reason=reason,
            details={"before": before, "after": new, "best_rose": best_rose},
        )
        return attempt


def for_staff(placement: Placement, attempt_id: int, now: datetime) -> tuple[Attempt, bool]:
    """An attempt of the placement (settled first) with its questions and items loaded, and
    whether it holds its learner's best score. AttemptNotHere for any other attempt."""
    with unit_of_work() as session:
        attempt = session.scalars(
            select(Attempt).where(_of_learner(placement.id, attempt_id)).with_for_update()
        ).first()
        if attempt is None:
            raise AttemptNotHere()
        settle(session, attempt, now)
        for question in attempt.questions:
            question.item_version  # noqa: B018 - loaded for the page, after the session ends
        attempt.assessment_version  # noqa: B018
        best_attempt = session.scalar(
            select(BestScore.attempt_id).where(
                BestScore.placement_id == placement.id, BestScore.user_id == attempt.user_id
            )
        )
        return attempt, best_attempt == attempt.id
