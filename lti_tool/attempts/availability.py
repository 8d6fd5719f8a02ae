"""When learners may start attempts in a placement: an instructor's open and close dates
(Moodle's quiz "open the quiz" / "close the quiz"; Moodle's own access restrictions on the
activity still apply before any launch reaches the tool).

* Starting is refused before `opens_at` and from `closes_at` on (`rules.window_refusal`).
* An attempt in progress at the close ends at the close as at a time limit: it is submitted
  with the answers saved by then (Moodle's default "open attempts are submitted
  automatically"). Its `deadline_at` is the earlier of its time limit and the close, set at
  the start, and moved when an instructor moves the close: never later than its time limit
  (the learner's own when longer, ADR 0018, or the time a re-opened attempt was given),
  never earlier than it was except to honour an earlier close, and never before the moment
  of the change (answers already saved count). A staff preview ignores the dates.
Times are UTC, as every time the service shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.attempts import rules
from lti_tool.attempts.models import IN_PROGRESS, Accommodation, Attempt
from lti_tool.launch.models import Placement


@dataclass(frozen=True)
class Window:
    opens_at: datetime | None = None
    closes_at: datetime | None = None

    @classmethod
    def of(cls, placement: Placement) -> Window:
        return cls(placement.opens_at, placement.closes_at)

    @property
    def is_set(self) -> bool:
        return self.opens_at is not None or self.closes_at is not None

    def refusal(self, now: datetime) -> rules.Refusal | None:
        return rules.window_refusal(self.opens_at, self.closes_at, now)


class InvalidWindow(ValueError):
    """The close is not after the opening."""


def set_window(session: Session, placement_id: int, window: Window, now: datetime) -> Placement:
    """Store the placement's window and move the deadline of its live attempts to the new
    close (see the module's rules). Flushes; the caller's unit of work commits."""
    if window.opens_at and window.closes_at and window.closes_at <= window.opens_at:
        raise InvalidWindow()
    placement = session.get(Placement, placement_id)
    if placement is None:  # pragma: no cover - the launch named it a moment ago
        raise LookupError(placement_id)
    from lti_tool.attempts import service  # service imports the attempt modules this one does

    service.settle_live(session, now, placement_id=placement_id)
    placement.opens_at, placement.closes_at = window.opens_at, window.closes_at
    live = session.scalars(
        select(Attempt).where(
            Attempt.placement_id == placement_id,
            Attempt.status == IN_PROGRESS,
            Attempt.preview.is_(False),  # the dates never apply to a staff preview (ADR 0019)
        )
    ).all()
    own_limits = _own_time_limits(session, placement_id)
    close = None if window.closes_at is None else max(window.closes_at, now)
    for attempt in live:
        attempt.deadline_at = rules.earliest(
            _deadline_without_close(attempt, own_limits.get(attempt.user_id)), close
        )
    session.flush()
    return placement


def _own_time_limits(session: Session, placement_id: int) -> dict[int, int]:
    """The learners' own time limits here (ADR 0018), by user id."""
    rows = session.execute(
        select(Accommodation.user_id, Accommodation.time_limit_seconds).where(
            Accommodation.placement_id == placement_id,
            Accommodation.time_limit_seconds.is_not(None),
        )
    ).all()
    return {user_id: seconds for user_id, seconds in rows if seconds is not None}


def _deadline_without_close(attempt: Attempt, own_limit: int | None) -> datetime | None:
    """When the attempt would end if there were no close: at its time limit (the learner's
    own when longer), or later when staff gave it more time (a re-opened attempt keeps the
    time it had left). The current deadline is one of these or an earlier close, so it
    never makes the deadline earlier than the time limit. An untimed attempt has none."""
    version_limit = attempt.assessment_version.time_limit_seconds
    if version_limit is None:
        return None
    limit = rules.deadline_for(attempt.started_at, max(version_limit, own_limit or 0))
    assert limit is not None
    current = attempt.deadline_at
    return limit if current is None else max(limit, current)
