"""Comparing our best scores with what the platform's gradebook holds (`flask grades reconcile`).

For one line item: read the platform's AGS results, and for every learner whose grade there is
missing, empty or lower than our best, queue the best again (a new version, re-stamped after the
platform's timestamp so "newer wins" lets it in). A platform grade *higher* than our best is
reported and left alone: passback never lowers a grade (an instructor may have overridden it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lti_tool.clock import Clock
from lti_tool.grades.ags_client import AgsClient, PlatformAccess
from lti_tool.grades.delivery import FRACTION_TOLERANCE, result_fraction, token_scopes
from lti_tool.grades.lineitems import cached_lineitem
from lti_tool.grades.models import PENDING, GradeOutbox
from lti_tool.grades.outbox import strictly_after
from lti_tool.launch.claims import SCOPE_RESULT_READONLY
from lti_tool.launch.models import LtiUser, Placement


class ReconcileError(Exception):
    """Reconciliation cannot run for this placement; the message says why (admins read it)."""


@dataclass
class Difference:
    user_sub: str
    ours: float  # fraction 0..1
    platform: float | None  # None: no grade or an empty one


@dataclass
class ReconcileReport:
    placement_id: int
    lineitem_url: str
    checked: int = 0
    requeued: list[Difference] = field(default_factory=list)
    platform_higher: list[Difference] = field(default_factory=list)
    unknown_on_platform: int = 0  # results for people we hold no grade for


def reconcile_placement(
    sessions: sessionmaker, client: AgsClient, clock: Clock, placement_id: int
) -> ReconcileReport:
    with sessions() as session:
        placement = session.get(Placement, placement_id)
        if placement is None:
            raise ReconcileError(f"no placement {placement_id}")
        lineitem_url = placement.ags_lineitem_url or cached_lineitem(session, placement_id)
        if not lineitem_url:
            raise ReconcileError(f"placement {placement_id} has no known line item yet")
        platform = placement.deployment.platform
        access = PlatformAccess.of(platform)
        scopes = token_scopes(placement.ags_scopes or ())
    if SCOPE_RESULT_READONLY not in scopes:
        raise ReconcileError(
            f"placement {placement_id}: the launch did not grant the "
            "result.readonly scope, so the platform's grades cannot be read"
        )
    results = client.results(access, scopes, lineitem_url)  # AgsError propagates to the caller
    held = {str(r.get("userId")): r for r in results}
    report = ReconcileReport(placement_id=placement_id, lineitem_url=lineitem_url)
    with sessions.begin() as session:
        rows = session.execute(
            select(GradeOutbox, LtiUser.sub)
            .join(LtiUser, LtiUser.id == GradeOutbox.user_id)
            .where(GradeOutbox.placement_id == placement_id)
            .with_for_update(of=GradeOutbox)
        ).all()
        ours_subs = set()
        for row, sub in rows:
            ours_subs.add(sub)
            report.checked += 1
            fraction, held_at = result_fraction(held.get(sub))
            difference = Difference(sub, row.fraction, fraction)
            if fraction is not None and fraction > row.fraction + FRACTION_TOLERANCE:
                report.platform_higher.append(difference)
                continue
            if fraction is not None and fraction >= row.fraction - FRACTION_TOLERANCE:
                continue
            _requeue(row, held_at, clock.now())
            report.requeued.append(difference)
        report.unknown_on_platform = len(set(held) - ours_subs)
    return report


def _requeue(row: GradeOutbox, held_at: datetime | None, now: datetime) -> None:
    """A new version of the same best: an in-flight post of the old one cannot mark it done."""
    if held_at is not None:
        row.score_timestamp = strictly_after(row.score_timestamp, held_at)
    row.version += 1
    row.state = PENDING
    row.tries = 0
    row.next_attempt_at = now
    row.updated_at = now
    row.last_error_code = row.last_http_status = row.last_error_detail = None


def reconcilable_placements(session: Session) -> list[int]:
    """Placements holding grades to compare."""
    return list(
        session.scalars(
            select(GradeOutbox.placement_id).distinct().order_by(GradeOutbox.placement_id)
        )
    )
