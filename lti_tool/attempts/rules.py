"""The attempt rules as pure functions of plain values and an explicit `now`.

Time is judged by the server's clock only. Boundaries, stated once:
* inactivity: an attempt is alive while `now <= last_activity + timeout`; the first instant
  after that it is void (activity arriving exactly at the limit still counts);
* time limit: answers are taken while `now < deadline`; from the deadline on the attempt is
  submitted with the answers saved before it;
* when both have run out, whichever came first decides (a learner who went silent before the
  deadline has a void attempt; one still active at the deadline is submitted);
* heartbeats alone: a heartbeat only says that a page is open in front of someone, so it keeps
  the inactivity allowance going but not the attempt for ever. An attempt is alive while
  `now <= last_answer_or_page + ENGAGEMENT_ALLOWANCES x timeout` (an answer saved or a page
  of the attempt opened); after that it is void too (docs/decisions/0010).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from lti_tool import score_order
from lti_tool.attempts.models import (
    IN_PROGRESS,
    SUBMITTED,
    VOID,
    VOID_INACTIVITY,
    VOID_NO_ANSWER_OR_PAGE,
)

DEFAULT_PASS_MARK_PERCENT = 70.0
DEFAULT_INACTIVITY_TIMEOUT_SECONDS = 600
# How many inactivity allowances heartbeats alone keep an attempt going: 30 minutes without an
# answer saved or a page opened by default, three times what a hidden page gets. A learner
# who works answers or moves between questions far more often than that; a page left open
# (or a script that only sends heartbeats) does not.
ENGAGEMENT_ALLOWANCES = 3
# Scores are kept to 2 decimals (what people read); the pass mark tolerates float noise.
PERCENT_DECIMALS = 2
_EPSILON = 1e-9


class VersionRules(Protocol):
    """What an assessment version says about its attempts (item_bank's AssessmentVersion fits)."""

    @property
    def pass_mark_percent(self) -> float: ...
    @property
    def inactivity_timeout_seconds(self) -> int: ...
    @property
    def time_limit_seconds(self) -> int | None: ...
    @property
    def max_attempts(self) -> int | None: ...
    @property
    def retake_delay_seconds(self) -> int: ...


@dataclass(frozen=True)
class AttemptRules:
    pass_mark_percent: float = DEFAULT_PASS_MARK_PERCENT
    inactivity_timeout_seconds: int = DEFAULT_INACTIVITY_TIMEOUT_SECONDS
    time_limit_seconds: int | None = None
    max_attempts: int | None = None
    retake_delay_seconds: int = 0

    @classmethod
    def for_version(
        cls,
        version: VersionRules,
        accommodation_seconds: int | None = None,
        *,
        time_limit_seconds: int | None = None,
        retake_delay_seconds: int | None = None,
    ) -> AttemptRules:
        """The rules of an assessment version, with a learner's accommodation applied.
        An accommodation only ever lengthens the allowance and a time limit (an assessment
        without a time limit stays without one); a retake delay of the learner's own replaces
        the assessment's (earlier or later)."""
        timeout = int(version.inactivity_timeout_seconds)
        if accommodation_seconds is not None:
            timeout = max(timeout, int(accommodation_seconds))
        limit = version.time_limit_seconds
        if limit is not None and time_limit_seconds is not None:
            limit = max(limit, int(time_limit_seconds))
        delay = int(version.retake_delay_seconds)
        return cls(
            pass_mark_percent=float(version.pass_mark_percent),
            inactivity_timeout_seconds=timeout,
            time_limit_seconds=limit,
            max_attempts=version.max_attempts,
            retake_delay_seconds=delay if retake_delay_seconds is None else retake_delay_seconds,
        )

    @property
    def engagement_limit_seconds(self) -> int:
        return engagement_limit_seconds(self.inactivity_timeout_seconds)


class LiveAttempt(Protocol):
    last_activity_at: datetime  # answer, page or heartbeat
    last_answer_or_page_at: datetime  # answer or page only
    inactivity_timeout_seconds: int
    deadline_at: datetime | None


class PastAttempt(Protocol):
    status: str
    started_at: datetime
    finished_at: datetime | None


# -- inactivity ----------------------------------------------------------------------------


def inactivity_expires_at(last_activity_at: datetime, timeout_seconds: int) -> datetime:
    return last_activity_at + timedelta(seconds=timeout_seconds)


def is_inactive(attempt: LiveAttempt, timeout_seconds: int, now: datetime) -> bool:
    return now > inactivity_expires_at(attempt.last_activity_at, timeout_seconds)


def inactivity_seconds_left(attempt: LiveAttempt, now: datetime) -> float:
    expires = inactivity_expires_at(attempt.last_activity_at, attempt.inactivity_timeout_seconds)
    return max(0.0, (expires - now).total_seconds())


def engagement_limit_seconds(timeout_seconds: int) -> int:
    """How long heartbeats alone keep an attempt going (no answer saved, no page opened)."""
    return ENGAGEMENT_ALLOWANCES * timeout_seconds


def engagement_expires_at(last_answer_or_page_at: datetime, timeout_seconds: int) -> datetime:
    return last_answer_or_page_at + timedelta(seconds=engagement_limit_seconds(timeout_seconds))


def engagement_seconds_left(attempt: LiveAttempt, now: datetime) -> float:
    """Seconds left to save an answer or open a page before the attempt ends."""
    expires = engagement_expires_at(
        attempt.last_answer_or_page_at, attempt.inactivity_timeout_seconds
    )
    return max(0.0, (expires - now).total_seconds())


def warning_seconds(timeout_seconds: int) -> int:
    """How long before the inactivity limit the page warns: a third of the allowance,
    between one and three minutes (never more than the allowance itself)."""
    return min(timeout_seconds, max(60, min(180, timeout_seconds // 3)))


def heartbeat_interval_seconds(timeout_seconds: int) -> int:
    """Often enough that several heartbeats fit in the allowance (a lost one never voids)."""
    return max(10, min(60, timeout_seconds // 10))


# -- time limit ----------------------------------------------------------------------------


def deadline_for(started_at: datetime, time_limit_seconds: int | None) -> datetime | None:
    if time_limit_seconds is None:
        return None
    return started_at + timedelta(seconds=time_limit_seconds)


def is_past_deadline(deadline_at: datetime | None, now: datetime) -> bool:
    return deadline_at is not None and now >= deadline_at


def time_limit_seconds_left(deadline_at: datetime | None, now: datetime) -> float | None:
    if deadline_at is None:
        return None
    return max(0.0, (deadline_at - now).total_seconds())


# -- settling an attempt -------------------------------------------------------------------


@dataclass(frozen=True)
class Settlement:
    """What has happened to a live attempt by `now`: `kind` is VOID (with `void_reason`:
    inactivity, or no answer or page for too long) or SUBMITTED (time limit), `at` the moment
    it happened."""

    kind: str
    at: datetime
    void_reason: str | None = None


def _void_at(attempt: LiveAttempt) -> tuple[datetime, str]:
    """When the attempt runs out of allowance, and which one: the earlier of the two (the
    plain inactivity allowance on a tie, the simpler explanation)."""
    timeout = attempt.inactivity_timeout_seconds
    inactive_at = inactivity_expires_at(attempt.last_activity_at, timeout)
    disengaged_at = engagement_expires_at(attempt.last_answer_or_page_at, timeout)
    if disengaged_at < inactive_at:
        return disengaged_at, VOID_NO_ANSWER_OR_PAGE
    return inactive_at, VOID_INACTIVITY


def settlement(attempt: LiveAttempt, now: datetime) -> Settlement | None:
    """None while the attempt is still alive at `now`."""
    void_at, reason = _void_at(attempt)
    timed_out = is_past_deadline(attempt.deadline_at, now)
    void = now > void_at
    if void and (not timed_out or void_at < attempt.deadline_at):  # type: ignore[operator]
        return Settlement(VOID, void_at, reason)
    if timed_out:
        return Settlement(SUBMITTED, attempt.deadline_at)  # type: ignore[arg-type]
    return None


# -- starting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """Why a new attempt cannot start now. code: in_progress | max_attempts | retake_delay."""

    code: str
    until: datetime | None = None


IN_PROGRESS_REFUSAL = "in_progress"
MAX_ATTEMPTS_REFUSAL = "max_attempts"
RETAKE_DELAY_REFUSAL = "retake_delay"
NOT_OPEN_REFUSAL = "not_open"  # the placement opens later (`until`: when)
CLOSED_REFUSAL = "closed"  # the placement has closed


def window_refusal(
    opens_at: datetime | None, closes_at: datetime | None, now: datetime
) -> Refusal | None:
    """Attempts start while `opens_at <= now < closes_at` (either end may be open)."""
    if opens_at is not None and now < opens_at:
        return Refusal(NOT_OPEN_REFUSAL, opens_at)
    if closes_at is not None and now >= closes_at:
        return Refusal(CLOSED_REFUSAL)
    return None


def earliest(*moments: datetime | None) -> datetime | None:
    """The first of the moments given (None: no moment)."""
    present = [m for m in moments if m is not None]
    return min(present) if present else None


def attempts_used(history: Iterable[PastAttempt]) -> int:
    """Every attempt started counts, void ones included: each showed a fresh draw."""
    return sum(1 for _ in history)


def next_start_at(history: Iterable[PastAttempt], rules: AttemptRules) -> datetime | None:
    """When the retake delay allows a new attempt. The delay runs from the last *submitted*
    attempt (one whose score the learner saw); a void attempt sets no delay."""
    if rules.retake_delay_seconds <= 0:
        return None
    finished = [a.finished_at for a in history if a.status == SUBMITTED and a.finished_at]
    if not finished:
        return None
    return max(finished) + timedelta(seconds=rules.retake_delay_seconds)


def can_start(history: Iterable[PastAttempt], rules: AttemptRules, now: datetime) -> Refusal | None:
    """None when a new attempt may start; `history` holds every attempt of the learner in the
    placement, settled at `now` (see `settlement`)."""
    attempts = list(history)
    if any(a.status == IN_PROGRESS for a in attempts):
        return Refusal(IN_PROGRESS_REFUSAL)
    if rules.max_attempts is not None and attempts_used(attempts) >= rules.max_attempts:
        return Refusal(MAX_ATTEMPTS_REFUSAL)
    allowed_at = next_start_at(attempts, rules)
    if allowed_at is not None and now < allowed_at:
        return Refusal(RETAKE_DELAY_REFUSAL, allowed_at)
    return None


def attempts_left(history: Iterable[PastAttempt], rules: AttemptRules) -> int | None:
    if rules.max_attempts is None:
        return None
    return max(0, rules.max_attempts - attempts_used(history))


# -- scores --------------------------------------------------------------------------------


def percent(points: float, max_points: float) -> float:
    if max_points <= 0:
        raise ValueError("max_points must be positive")
    value = 100.0 * points / max_points
    return round(min(100.0, max(0.0, value)), PERCENT_DECIMALS)


def passes(score_percent: float, pass_mark_percent: float) -> bool:
    """Whether one attempt passed: its score against the pass mark of the version it took."""
    return score_percent + _EPSILON >= pass_mark_percent


def has_passed(passed_before: bool, attempt_passed: bool) -> bool:
    """The learner has passed the placement once any attempt passed (`passes`), whatever
    came after: a lower retake, or a best score set under a later version with a higher pass
    mark. A pass is never taken back. This is the one definition: the result page, the
    certificate and the instructor's report all read it (stored as `BestScore.passed`)."""
    return passed_before or attempt_passed


def is_new_best(best_percent: float | None, score_percent: float) -> bool:
    """Strictly higher only: an equal score keeps the earlier attempt as the best. The same
    comparison as the grade outbox's "never lower" (`score_order.is_higher`)."""
    return best_percent is None or score_order.is_higher(score_percent, 100.0, best_percent, 100.0)
