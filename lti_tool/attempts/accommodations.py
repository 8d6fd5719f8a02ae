"""An instructor's arrangements for one learner (an accommodation): a longer inactivity
allowance, a longer time limit, an earlier or later retake. One row per learner and placement;
a column left None keeps the assessment's own rule, and a row with none left is deleted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.attempts.models import IN_PROGRESS, Accommodation, Attempt

MAX_ACCOMMODATION_SECONDS = 24 * 3600


def set_accommodation(
    session: Session,
    *,
    placement_id: int,
    user_id: int,
    seconds: int | None,
    set_by_user_id: int | None,
    now: datetime,
) -> Accommodation | None:
    """Give (or with None, take away) the learner's own inactivity timeout. The attempt in
    progress, if any, gets it at once: an allowance is only useful while it is needed."""
    if seconds is not None and not 0 < seconds <= MAX_ACCOMMODATION_SECONDS:
        raise ValueError("the allowance must be between 1 second and 24 hours")
    row = session.scalar(
        select(Accommodation).where(
            Accommodation.placement_id == placement_id, Accommodation.user_id == user_id
        )
    )
    if seconds is None:
        if row is not None:
            row.inactivity_timeout_seconds = None
            _drop_if_empty(session, row)
    elif row is None:
        row = Accommodation(
            placement_id=placement_id,
            user_id=user_id,
            inactivity_timeout_seconds=seconds,
            set_by_user_id=set_by_user_id,
            updated_at=now,
        )
        session.add(row)
    else:
        row.inactivity_timeout_seconds = seconds
        row.set_by_user_id = set_by_user_id
        row.updated_at = now
    from lti_tool.attempts import service

    # Settle first: an attempt that already ran out is not revived by a new allowance. The
    # one still live (if any) stays locked by settle_live until this transaction ends.
    service.settle_live(session, now, placement_id=placement_id, user_id=user_id)
    live = session.scalars(
        select(Attempt).where(
            Attempt.placement_id == placement_id,
            Attempt.user_id == user_id,
            Attempt.status == IN_PROGRESS,
        )
    ).first()
    if live is not None:
        base = live.assessment_version.inactivity_timeout_seconds
        live.inactivity_timeout_seconds = max(base, seconds or 0)
    session.flush()
    return None if seconds is None else row


def _drop_if_empty(session: Session, row: Accommodation) -> None:
    if (
        row.inactivity_timeout_seconds is None
        and row.time_limit_seconds is None
        and row.retake_delay_seconds is None
    ):
        session.delete(row)


def set_time_and_retake(
    session: Session,
    *,
    placement_id: int,
    user_id: int,
    time_limit_seconds: int | None,
    retake_delay_seconds: int | None,
    closes_at: datetime | None,
    set_by_user_id: int | None,
    now: datetime,
) -> None:
    """The learner's own time limit (only ever longer than the assessment's) and retake delay
    (None: the assessment's). The attempt in progress gets the time limit at once, within the
    placement's close (`closes_at`)."""
    row = session.scalar(
        select(Accommodation).where(
            Accommodation.placement_id == placement_id, Accommodation.user_id == user_id
        )
    )
    if row is None:
        row = Accommodation(placement_id=placement_id, user_id=user_id)
        session.add(row)
    row.time_limit_seconds, row.retake_delay_seconds = time_limit_seconds, retake_delay_seconds
    row.set_by_user_id, row.updated_at = set_by_user_id, now
    session.flush()
    _drop_if_empty(session, row)
    from lti_tool.attempts import rules, service

    # Settled first: an attempt whose time already ran out is not revived.
    service.settle_live(session, now, placement_id=placement_id, user_id=user_id)
    attempt = session.scalars(
        select(Attempt).where(
            Attempt.placement_id == placement_id,
            Attempt.user_id == user_id,
            Attempt.status == IN_PROGRESS,
        )
    ).first()
    if attempt is not None and attempt.assessment_version.time_limit_seconds is not None:
        limit = max(attempt.assessment_version.time_limit_seconds, time_limit_seconds or 0)
        attempt.deadline_at = rules.earliest(
            rules.deadline_for(attempt.started_at, limit), closes_at
        )
    session.flush()
