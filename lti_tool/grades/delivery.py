"""Sending one claimed grade: the score POST, the line item lookup when the launch had none,
and what a 409 means. Plain data in, an `Outcome` out; the worker turns it into row updates."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from lti_tool.grades import failures
from lti_tool.grades.ags_client import AgsClient, AgsError, PlatformAccess, StaleTimestamp
from lti_tool.grades.outbox import strictly_after
from lti_tool.launch.claims import (
    SCOPE_LINEITEM,
    SCOPE_LINEITEM_READONLY,
    SCOPE_RESULT_READONLY,
    SCOPE_SCORE,
)

# Moodle keeps grades with 5 decimals rescaled to the grade item's maximum: compare fractions
# with a tolerance well below any difference a quiz can make.
FRACTION_TOLERANCE = 1e-6

DELIVERED = "delivered"
RETRY = "retry"
FAILED = "failed"


@dataclass(frozen=True)
class ClaimedGrade:
    """A snapshot of an outbox row and where it goes, taken when the row was claimed."""

    outbox_id: int
    version: int
    claimed_by: str
    tries: int
    placement_id: int
    resource_link_id: str
    resource_link_title: str
    assessment_slug: str | None
    lineitem_url: str | None  # from the launch, else the one found/created earlier
    lineitem_from_lookup: bool  # True when lineitem_url came from our lookup cache
    lineitems_url: str | None
    scopes: tuple[str, ...]  # AGS scopes the launch announced
    user_sub: str
    score_given: float
    score_maximum: float
    score_timestamp: datetime
    access: PlatformAccess

    @property
    def fraction(self) -> float:
        return self.score_given / self.score_maximum


@dataclass(frozen=True)
class Outcome:
    kind: str  # delivered | retry | failed
    code: str | None = None
    http_status: int | None = None
    detail: str | None = None
    retry_after: timedelta | None = None
    restamp: datetime | None = None  # send again with this timestamp (409 over a lower grade)
    note: str | None = None
    lineitem_url: str | None = None
    forget_lineitem: bool = False  # the looked-up line item is gone: look it up again next time
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_error(cls, error: AgsError, **kwargs: Any) -> Outcome:
        return cls(
            RETRY if error.transient else FAILED,
            code=error.code,
            http_status=error.http_status,
            detail=error.detail or str(error),
            retry_after=error.retry_after,
            **kwargs,
        )


def score_body(grade: ClaimedGrade) -> dict[str, Any]:
    """The AGS score. Whole seconds: Moodle compares timestamps in seconds (see outbox)."""
    return {
        "userId": grade.user_sub,
        "scoreGiven": _number(grade.score_given),
        "scoreMaximum": _number(grade.score_maximum),
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": grade.score_timestamp.replace(microsecond=0).isoformat(),
    }


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def token_scopes(announced: Iterable[str]) -> tuple[str, ...]:
    """Every AGS scope the launch announced, asked for at once (in a fixed order, so one cached
    token serves the score, the line item lookup and the result check)."""
    announced = set(announced)
    wanted = (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_RESULT_READONLY, SCOPE_SCORE)
    return tuple(scope for scope in wanted if scope in announced)


LineItemResolver = Callable[[ClaimedGrade, AgsClient, tuple[str, ...]], str]


def deliver(
    grade: ClaimedGrade,
    client: AgsClient,
    resolve_lineitem: LineItemResolver,
    now: Callable[[], datetime],
) -> Outcome:
    scopes = token_scopes(grade.scopes)
    if SCOPE_SCORE not in scopes or not (grade.lineitem_url or grade.lineitems_url):
        return Outcome(
            FAILED,
            code=failures.AGS_UNAVAILABLE,
            detail="the launch announced no AGS score scope or line item",
        )
    lineitem_url = grade.lineitem_url
    try:
        if lineitem_url is None:
            lineitem_url = resolve_lineitem(grade, client, scopes)
        client.post_score(grade.access, scopes, lineitem_url, score_body(grade))
    except StaleTimestamp as conflict:
        assert lineitem_url is not None  # only a score post answers 409
        return _after_conflict(grade, client, scopes, lineitem_url, conflict, now)
    except AgsError as error:
        # A looked-up line item that is gone: look it up (or create it) again after requeue.
        forget = error.code == failures.LINEITEM_GONE and (
            grade.lineitem_from_lookup or grade.lineitem_url is None
        )
        return Outcome.from_error(error, lineitem_url=lineitem_url, forget_lineitem=forget)
    return Outcome(DELIVERED, lineitem_url=lineitem_url)


def _after_conflict(
    grade: ClaimedGrade,
    client: AgsClient,
    scopes: tuple[str, ...],
    lineitem_url: str,
    conflict: StaleTimestamp,
    now: Callable[[], datetime],
) -> Outcome:
    """409: the platform holds a score with an equal or newer timestamp. Typically our own
    earlier post whose answer was lost (timeout, worker killed): then the grade is there.
    If the platform can tell us and holds less than our best, send again with a later
    timestamp; if it cannot (no result scope), our posts only ever rise, so it holds ours."""
    if SCOPE_RESULT_READONLY not in scopes:
        return Outcome(
            DELIVERED,
            lineitem_url=lineitem_url,
            note="409 without result.readonly: the platform holds a newer post of ours",
        )
    try:
        results = client.results(grade.access, scopes, lineitem_url, user_id=grade.user_sub)
    except AgsError as error:
        return Outcome.from_error(error, lineitem_url=lineitem_url)
    held = next((r for r in results if str(r.get("userId")) == grade.user_sub), None)
    fraction, held_at = result_fraction(held)
    if fraction is not None and fraction >= grade.fraction - FRACTION_TOLERANCE:
        return Outcome(
            DELIVERED,
            lineitem_url=lineitem_url,
            note="409: the platform already held an equal or newer best",
        )
    # After the platform's timestamp, and always after ours (a 409 said ours was not enough).
    restamp = strictly_after(grade.score_timestamp, max(grade.score_timestamp, held_at or now()))
    return Outcome(
        RETRY,
        code=failures.STALE_TIMESTAMP,
        http_status=conflict.http_status,
        detail=f"the platform held {held!r}",
        restamp=restamp,
        lineitem_url=lineitem_url,
    )


def result_fraction(result: dict[str, Any] | None) -> tuple[float | None, datetime | None]:
    if result is None:
        return None, None
    held_at = None
    raw_time = result.get("timestamp")
    if isinstance(raw_time, str):
        try:
            held_at = datetime.fromisoformat(raw_time)
            if held_at.tzinfo is None:
                held_at = None
        except ValueError:
            held_at = None
    score, maximum = result.get("resultScore"), result.get("resultMaximum", 1)
    try:
        if score is None or float(maximum) <= 0:
            return None, held_at
        return float(score) / float(maximum), held_at
    except (TypeError, ValueError):
        return None, held_at
