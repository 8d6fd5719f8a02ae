"""What an instructor's request does, one unit of work each (ADR 0012): the placement's
overview, choosing its assessment, a learner's details and inactivity allowance, the export.

Reports settle every live attempt first (so they tell the truth) and commit what settling
found. The rules of choosing an assessment and of an allowance live here, not in the views;
their refusals are `InstructorError`s the views map to pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from item_bank.catalog import AssessmentSummary, latest_version, list_assessments
from item_bank.models import AssessmentVersion
from lti_tool.attempts import reports
from lti_tool.attempts.accommodations import (
    MAX_ACCOMMODATION_SECONDS,
    set_accommodation,
    set_time_and_retake,
)
from lti_tool.attempts.availability import InvalidWindow, Window, set_window
from lti_tool.attempts.models import Attempt
from lti_tool.audit import log as audit
from lti_tool.db import KeepsWork, unit_of_work
from lti_tool.grades.status import PlacementDeliveries, placement_deliveries
from lti_tool.launch.models import Placement

MAX_ALLOWANCE_MINUTES = MAX_ACCOMMODATION_SECONDS // 60


class InstructorError(Exception):
    code = "instructor_error"


class UnknownAssessment(InstructorError):
    code = "unknown_assessment"


class AssessmentInUse(InstructorError):
    """Learners have attempts: another assessment would make their scores incomparable."""

    code = "assessment_in_use"


class InvalidAllowance(InstructorError):
    code = "invalid_allowance"


class InvalidAvailability(InstructorError):
    """A date that does not read as one, or a close not after the opening."""

    code = "invalid_availability"


class InvalidTimeOrRetake(InstructorError):
    code = "invalid_time_or_retake"


MAX_TIME_LIMIT_MINUTES = 24 * 60
MAX_RETAKE_DELAY_MINUTES = 30 * 24 * 60


class LearnerNotFound(InstructorError, KeepsWork):
    """Raised after the placement was settled: what settling found is committed."""

    code = "learner_not_found"


@dataclass(frozen=True)
class Overview:
    version: AssessmentVersion | None  # None: the placement's assessment is still to choose
    assessments: list[AssessmentSummary]
    rows: list[reports.LearnerRow]
    can_change: bool
    deliveries: PlacementDeliveries | None


@dataclass(frozen=True)
class LearnerDetail:
    row: reports.LearnerRow
    version: AssessmentVersion | None


def _version(session: Session, placement: Placement) -> AssessmentVersion | None:
    slug = placement.assessment_slug
    return latest_version(session, slug) if slug else None


def _has_attempts(session: Session, placement_id: int) -> bool:
    real = exists().where(Attempt.placement_id == placement_id, Attempt.preview.is_(False))
    return bool(session.scalar(select(real)))


def overview(placement: Placement, now: datetime) -> Overview:
    with unit_of_work() as session:
        version = _version(session, placement)
        if version is None:
            return Overview(None, list_assessments(session), [], True, None)
        return Overview(
            version,
            list_assessments(session),
            reports.placement_report(session, placement.id, now),
            not _has_attempts(session, placement.id),
            placement_deliveries(session, placement.id),
        )


def choose_assessment(placement: Placement, slug: str) -> None:
    """Set the placement's assessment; it may change only while no learner has attempts."""
    with unit_of_work() as session:
        if latest_version(session, slug) is None:
            raise UnknownAssessment()
        current = _version(session, placement)
        changing = current is not None and slug != placement.assessment_slug
        if changing and _has_attempts(session, placement.id):
            raise AssessmentInUse()
        placement.assessment_slug = slug


def _learner_row(session: Session, placement: Placement, user_id: int, now: datetime):
    row = reports.learner_row(session, placement.id, user_id, now)
    if row is None:
        raise LearnerNotFound()
    return row


def learner_detail(placement: Placement, user_id: int, now: datetime) -> LearnerDetail:
    with unit_of_work() as session:
        row = _learner_row(session, placement, user_id, now)
        return LearnerDetail(row, _version(session, placement))


def set_allowance(
    placement: Placement, user_id: int, *, minutes: int | None, set_by_user_id: int, now: datetime
) -> None:
    """Give the learner `minutes` of inactivity allowance (1 to 24 hours), or with None take
    it away; the live attempt gets it at once (see `set_accommodation`)."""
    with unit_of_work() as session:
        _learner_row(session, placement, user_id, now)
        if minutes is not None and not 1 <= minutes <= MAX_ALLOWANCE_MINUTES:
            raise InvalidAllowance()
        set_accommodation(
            session,
            placement_id=placement.id,
            user_id=user_id,
            seconds=None if minutes is None else minutes * 60,
            set_by_user_id=set_by_user_id,
            now=now,
        )
        audit.record(
            session,
            placement_id=placement.id,
            staff_user_id=set_by_user_id,
            action=audit.ALLOWANCE_SET,
            now=now,
            subject=audit.Subject(learner_user_id=user_id),
            details={"minutes": minutes},
        )


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")


def set_availability(
    placement: Placement, window: Window, *, set_by_user_id: int, now: datetime
) -> None:
    """The placement's open and close dates (availability.py says what they do), audited."""
    with unit_of_work() as session:
        try:
            set_window(session, placement.id, window, now)
        except InvalidWindow:
            raise InvalidAvailability() from None
        audit.record(
            session,
            placement_id=placement.id,
            staff_user_id=set_by_user_id,
            action=audit.AVAILABILITY_SET,
            now=now,
            details={"opens_at": _iso(window.opens_at), "closes_at": _iso(window.closes_at)},
        )


def set_time_and_retake_delay(
    placement: Placement,
    user_id: int,
    *,
    time_limit_minutes: int | None,
    retake_delay_minutes: int | None,
    set_by_user_id: int,
    now: datetime,
) -> None:
    """The learner's own time limit (1 minute to 24 hours; only ever longer than the
    assessment's) and retake delay (0 to 30 days); None keeps the assessment's. Audited."""
    limit_ok = time_limit_minutes is None or 1 <= time_limit_minutes <= MAX_TIME_LIMIT_MINUTES
    delay_ok = retake_delay_minutes is None or 0 <= retake_delay_minutes <= MAX_RETAKE_DELAY_MINUTES
    with unit_of_work() as session:
        _learner_row(session, placement, user_id, now)
        if not (limit_ok and delay_ok):
            raise InvalidTimeOrRetake()
        set_time_and_retake(
            session,
            placement_id=placement.id,
            user_id=user_id,
            time_limit_seconds=None if time_limit_minutes is None else time_limit_minutes * 60,
            retake_delay_seconds=None
            if retake_delay_minutes is None
            else retake_delay_minutes * 60,
            closes_at=placement.closes_at,
            set_by_user_id=set_by_user_id,
            now=now,
        )
        audit.record(
            session,
            placement_id=placement.id,
            staff_user_id=set_by_user_id,
            action=audit.TIME_AND_RETAKE_SET,
            now=now,
            subject=audit.Subject(learner_user_id=user_id),
            details={
                "time_limit_minutes": time_limit_minutes,
                "retake_delay_minutes": retake_delay_minutes,
            },
        )


def report(placement: Placement, now: datetime) -> list[reports.LearnerRow]:
    with unit_of_work() as session:
        return reports.placement_report(session, placement.id, now)
