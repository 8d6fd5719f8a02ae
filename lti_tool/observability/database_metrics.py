"""Metrics read from the database at scrape time: what every node agrees on.

Attempts started, submitted and voided (by reason), the grade outbox (rows by state and
platform, how many wait and since when) and certificates issued are rows, so they are counted
where they are kept, whichever process wrote them: a web node, a grade worker or a sweeper. Every
node reports the same values: aggregate them with `max`, not `sum` (docs/dashboard.json does).
Four grouped queries a scrape, on indexed or small tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session


class DatabaseCollector(Collector):
    def __init__(self, session: Session, now: datetime):
        self._session = session
        self._now = now

    def collect(self) -> Iterator[Metric]:
        yield from self._attempts()
        yield from self._grade_outbox()
        yield from self._certificates()

    def _attempts(self) -> Iterator[Metric]:
        from lti_tool.attempts.models import IN_PROGRESS, SUBMITTED, VOID, Attempt

        rows = self._session.execute(
            select(Attempt.status, Attempt.void_reason, func.count()).group_by(
                Attempt.status, Attempt.void_reason
            )
        ).all()
        started = CounterMetricFamily("emm_attempts_started", "Attempts ever started.")
        submitted = CounterMetricFamily("emm_attempts_submitted", "Attempts submitted.")
        voided = CounterMetricFamily("emm_attempts_voided", "Attempts voided.", labels=["reason"])
        live = GaugeMetricFamily("emm_attempts_in_progress", "Attempts in progress now.")
        by_status = {IN_PROGRESS: 0, SUBMITTED: 0}
        for status, reason, count in rows:
            if status == VOID:
                voided.add_metric([reason or "unknown"], count)
            else:
                by_status[status] = by_status.get(status, 0) + count
        started.add_metric([], sum(count for _status, _reason, count in rows))
        submitted.add_metric([], by_status[SUBMITTED])
        live.add_metric([], by_status[IN_PROGRESS])
        yield from (started, submitted, voided, live)

    def _grade_outbox(self) -> Iterator[Metric]:
        from lti_tool.grades.models import PENDING, GradeOutbox
        from lti_tool.launch.models import Placement
        from lti_tool.platforms.models import Deployment, Platform

        rows = self._session.execute(
            select(
                GradeOutbox.state,
                Platform.issuer,
                func.count(),
                func.min(GradeOutbox.score_timestamp),
            )
            .join(Placement, Placement.id == GradeOutbox.placement_id)
            .join(Deployment, Deployment.id == Placement.deployment_id)
            .join(Platform, Platform.id == Deployment.platform_id)
            .group_by(GradeOutbox.state, Platform.issuer)
        ).all()
        by_state = GaugeMetricFamily(
            "emm_grade_outbox_rows",
            "Grades in the outbox by state (pending, delivered, failed) and platform issuer.",
            labels=["state", "platform"],
        )
        pending = 0
        oldest: datetime | None = None
        for state, issuer, count, earliest in rows:
            by_state.add_metric([state, issuer], count)
            if state == PENDING:
                pending += count
                oldest = earliest if oldest is None or earliest < oldest else oldest
        depth = GaugeMetricFamily("emm_grade_outbox_pending", "Grades waiting to be delivered.")
        depth.add_metric([], pending)
        age = GaugeMetricFamily(
            "emm_grade_outbox_oldest_pending_seconds",
            "How long the oldest waiting grade has waited (0 when none waits).",
        )
        age.add_metric([], max(0.0, (self._now - oldest).total_seconds()) if oldest else 0.0)
        yield from (by_state, depth, age)

    def _certificates(self) -> Iterator[Metric]:
        from lti_tool.certificates.models import Certificate

        issued, revoked = self._session.execute(
            select(func.count(), func.count(Certificate.revoked_at)).select_from(Certificate)
        ).one()
        issued_family = CounterMetricFamily("emm_certificates_issued", "Certificates issued.")
        issued_family.add_metric([], issued)
        revoked_family = CounterMetricFamily("emm_certificates_revoked", "Certificates revoked.")
        revoked_family.add_metric([], revoked)
        yield from (issued_family, revoked_family)
