"""The leases a delivery worker holds on outbox rows (`claimed_by`, `claim_expires_at`).

A claim is taken in a short transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so workers
never wait for each other; on SQLite `BEGIN IMMEDIATE` serialises them) and comes back as plain
snapshots (`ClaimedGrade`), so no transaction stays open while the worker talks to a platform.
`claim_id` is the worker's name plus a per-process nonce: two live workers with one name never
mistake each other's claims, and a restarted worker takes back the claims of its dead self.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from lti_tool.clock import Clock
from lti_tool.db import rows_matched
from lti_tool.grades.ags_client import PlatformAccess
from lti_tool.grades.delivery import ClaimedGrade
from lti_tool.grades.models import PENDING, GradeLineItem, GradeOutbox
from lti_tool.grades.worker_config import WorkerConfig
from lti_tool.launch.models import LtiUser, Placement
from lti_tool.platforms.models import Deployment, Platform


def claimable(now: datetime) -> ColumnElement[bool]:
    """Pending, due, and claimed by nobody (or by someone whose lease has run out)."""
    return and_(
        GradeOutbox.state == PENDING,
        GradeOutbox.next_attempt_at <= now,
        or_(GradeOutbox.claimed_by.is_(None), GradeOutbox.claim_expires_at <= now),
    )


def placements_of(platform_id: int) -> Select[int]:
    return (
        select(Placement.id)
        .join(Deployment, Deployment.id == Placement.deployment_id)
        .where(Deployment.platform_id == platform_id)
    )


class ClaimBook:
    """Takes, renews and gives back one worker's claims."""

    def __init__(
        self, sessions: sessionmaker[Session], clock: Clock, claim_id: str, config: WorkerConfig
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.claim_id = claim_id
        self.config = config

    def claim(self, size: int, *, platform_id: int | None = None) -> list[ClaimedGrade]:
        """Claim up to `size` due rows (of one platform's placements if `platform_id`)."""
        now = self.clock.now()
        query = (
            select(GradeOutbox.id)
            .where(claimable(now))
            .order_by(GradeOutbox.next_attempt_at, GradeOutbox.id)
            .limit(size)
            .with_for_update(skip_locked=True)
        )
        if platform_id is not None:
            query = query.where(GradeOutbox.placement_id.in_(placements_of(platform_id)))
        with self.sessions.begin() as session:
            ids = list(session.scalars(query).all())
            if not ids:
                return []
            session.execute(
                update(GradeOutbox)
                .where(GradeOutbox.id.in_(ids))
                .values(claimed_by=self.claim_id, claim_expires_at=now + self.config.lease)
            )
            return self._snapshots(session, ids)

    def _snapshots(self, session: Session, ids: list[int]) -> list[ClaimedGrade]:
        rows = session.execute(
            select(GradeOutbox, Placement, LtiUser, Platform, GradeLineItem.lineitem_url)
            .join(Placement, Placement.id == GradeOutbox.placement_id)
            .join(LtiUser, LtiUser.id == GradeOutbox.user_id)
            .join(Deployment, Deployment.id == Placement.deployment_id)
            .join(Platform, Platform.id == Deployment.platform_id)
            .outerjoin(GradeLineItem, GradeLineItem.placement_id == Placement.id)
            .where(GradeOutbox.id.in_(ids))
            .order_by(GradeOutbox.next_attempt_at, GradeOutbox.id)
            .execution_options(populate_existing=True)
        ).all()
        return [
            ClaimedGrade(
                outbox_id=row.id,
                version=row.version,
                claimed_by=self.claim_id,
                tries=row.tries,
                placement_id=placement.id,
                resource_link_id=placement.resource_link_id,
                resource_link_title=placement.resource_link_title,
                assessment_slug=placement.assessment_slug,
                lineitem_url=placement.ags_lineitem_url or looked_up,
                lineitem_from_lookup=not placement.ags_lineitem_url and looked_up is not None,
                lineitems_url=placement.ags_lineitems_url,
                scopes=tuple(placement.ags_scopes or ()),
                user_sub=user.sub,
                score_given=row.score_given,
                score_maximum=row.score_maximum,
                score_timestamp=row.score_timestamp,
                access=PlatformAccess.of(platform),
            )
            for row, placement, user, platform, looked_up in rows
        ]

    def take_over(self, name: str) -> int:
        """Release claims left by an earlier process called `name` (it died)."""
        with self.sessions.begin() as session:
            result = session.execute(
                update(GradeOutbox)
                .where(
                    GradeOutbox.claimed_by.startswith(f"{name}/", autoescape=True),
                    GradeOutbox.claimed_by != self.claim_id,
                )
                .values(claimed_by=None, claim_expires_at=None)
            )
            return rows_matched(result)

    def release(self, ids: list[int]) -> None:
        if not ids:
            return
        with self.sessions.begin() as session:
            session.execute(
                update(GradeOutbox)
                .where(GradeOutbox.id.in_(ids), GradeOutbox.claimed_by == self.claim_id)
                .values(claimed_by=None, claim_expires_at=None)
            )

    def renew(self, ids: list[int]) -> datetime:
        until = self.clock.now() + self.config.lease
        with self.sessions.begin() as session:
            session.execute(
                update(GradeOutbox)
                .where(GradeOutbox.id.in_(ids), GradeOutbox.claimed_by == self.claim_id)
                .values(claim_expires_at=until)
            )
        return until
