"""What a delivery worker writes back after a try: delivered, retry later, or failed.

Each recording checks the claim is still ours, so a worker that lost its lease never
overwrites the row. Successes may be recorded together (one transaction for a run of them).
After a platform-wide failure (timeout, network error, 5xx, 429) the platform's other pending
grades are pushed back as far as the retry, and the caller opens the platform's breaker.
"""

from __future__ import annotations

import logging
import random
import threading
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, case, select, update
from sqlalchemy.orm import Session, sessionmaker

from lti_tool.clock import Clock
from lti_tool.grades import failures
from lti_tool.grades.claims import placements_of
from lti_tool.grades.delivery import DELIVERED, FAILED, ClaimedGrade, Outcome
from lti_tool.grades.lineitems import LineItemResolver
from lti_tool.grades.models import DELIVERED as STATE_DELIVERED
from lti_tool.grades.models import FAILED as STATE_FAILED
from lti_tool.grades.models import PENDING, GradeOutbox
from lti_tool.grades.try_log import log_failed_try
from lti_tool.grades.worker_config import WorkerConfig, WorkerStats, backoff

# Named after the worker: operators' log settings and the tests select this name.
log = logging.getLogger("lti_tool.grades.worker")


class OutcomeRecorder:
    """Records outcomes for the claims of `claim_id` and counts them in `stats` (lanes run in
    threads: the counters are guarded by a lock)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        claim_id: str,
        config: WorkerConfig,
        rng: random.Random,
        resolve_lineitem: LineItemResolver,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.claim_id = claim_id
        self.config = config
        self.rng = rng
        self.resolve_lineitem = resolve_lineitem
        self.stats = WorkerStats()
        self._lock = threading.Lock()

    def record(self, grade: ClaimedGrade, outcome: Outcome) -> datetime | None:
        """Apply the outcome if the claim is still ours; returns a pause-until for the platform
        when it is down or throttling (its other pending grades were pushed back)."""
        now = self.clock.now()
        if outcome.forget_lineitem and outcome.lineitem_url:
            self.resolve_lineitem.forget(grade.placement_id, outcome.lineitem_url)
        if outcome.kind == DELIVERED:
            self.record_delivered([grade])
            return None
        with self.sessions.begin() as session:
            row = session.scalars(
                select(GradeOutbox)
                .where(GradeOutbox.id == grade.outbox_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            ).first()
            if row is None or row.claimed_by != self.claim_id:
                with self._lock:
                    self.stats.lost_claims += 1
                log.warning(
                    "grade %s: claim lost before recording (%s)", grade.outbox_id, outcome.kind
                )
                return None
            row.claimed_by = None
            row.claim_expires_at = None
            row.updated_at = now
            newer = row.version != grade.version
            self._count(outcome)
            until: datetime | None = None  # a failure pauses nobody
            if outcome.kind == FAILED:
                _failed(row, outcome, newer, now)
            else:
                until = self._retry(session, row, grade, outcome, newer, now)
            log_failed_try(grade, outcome, row, self.config.max_tries)
        return until

    def _count(self, outcome: Outcome) -> None:
        with self._lock:
            if outcome.kind == FAILED:
                self.stats.failed += 1
            else:
                self.stats.retried += 1
            if outcome.code:
                self.stats.by_code[outcome.code] = self.stats.by_code.get(outcome.code, 0) + 1

    def record_delivered(self, grades: list[ClaimedGrade]) -> None:
        """Mark sent rows delivered, in one transaction; empties `grades`. A row whose
        `version` moved on while it was on the wire (a newer best arrived) stays pending and
        is due at once: it goes next. Tries and errors are cleared either way (enqueue
        cleared them for the newer best). Rows whose claim is no longer ours are left alone."""
        if not grades:
            return
        now = self.clock.now()
        sent_is_current = GradeOutbox.version == bindparam("sent_version")
        statement = (
            update(GradeOutbox)
            .where(
                GradeOutbox.id == bindparam("outbox_id"), GradeOutbox.claimed_by == self.claim_id
            )
            .values(
                claimed_by=None,
                claim_expires_at=None,
                updated_at=now,
                delivered_version=bindparam("sent_version"),
                delivered_score=bindparam("sent_score"),
                delivered_at=now,
                tries=0,
                last_error_code=None,
                last_http_status=None,
                last_error_detail=None,
                state=case((sent_is_current, STATE_DELIVERED), else_=PENDING),
                next_attempt_at=case((sent_is_current, GradeOutbox.next_attempt_at), else_=now),
            )
            .execution_options(synchronize_session=False)
        )
        params = [
            {"outbox_id": g.outbox_id, "sent_version": g.version, "sent_score": g.score_given}
            for g in grades
        ]
        with self.sessions.begin() as session:
            result = session.connection().execute(statement, params)
        recorded = (
            result.rowcount if result.rowcount is not None and result.rowcount >= 0 else len(grades)
        )
        lost = len(grades) - recorded
        with self._lock:
            self.stats.delivered += recorded
            self.stats.lost_claims += lost
        if lost:
            log.warning("%s delivered grade(s) had lost their claim before recording", lost)
        grades.clear()

    def _retry(
        self,
        session: Session,
        row: GradeOutbox,
        grade: ClaimedGrade,
        outcome: Outcome,
        newer: bool,
        now: datetime,
    ) -> datetime | None:
        if outcome.restamp is not None and outcome.restamp > row.score_timestamp:
            # Only moves forward, so it stays after every earlier version's timestamp.
            row.score_timestamp = outcome.restamp
        row.last_error_code = outcome.code
        row.last_http_status = outcome.http_status
        row.last_error_detail = outcome.detail
        if not newer:
            row.tries += 1
        if row.tries >= self.config.max_tries:
            row.state = STATE_FAILED
            row.last_error_code = failures.GAVE_UP  # the last cause is in the log line
            return None
        if outcome.code == failures.STALE_TIMESTAMP and row.tries <= 1:
            delay = timedelta(0)  # re-stamped: send again at once (only the first time)
        elif outcome.retry_after is not None:
            delay = max(outcome.retry_after, timedelta(seconds=1))  # never a tight loop
        else:
            delay = backoff(max(row.tries, 1), self.config, self.rng)
        row.next_attempt_at = now + delay
        if outcome.code not in failures.PLATFORM_WIDE or delay <= timedelta(0):
            return None
        pause_platform(session, grade.access.platform_id, row.next_attempt_at)
        return row.next_attempt_at


def _failed(row: GradeOutbox, outcome: Outcome, newer: bool, now: datetime) -> None:
    row.last_error_code = outcome.code
    row.last_http_status = outcome.http_status
    row.last_error_detail = outcome.detail
    if newer:  # the newer best deserves its own try (the cause may be fixed by now)
        row.state = PENDING
        row.next_attempt_at = now
        return
    row.state = STATE_FAILED


def pause_platform(session: Session, platform_id: int, until: datetime) -> None:
    """The platform is down or throttling: its other pending grades wait as long, instead
    of each making a request that will fail the same way."""
    session.execute(
        update(GradeOutbox)
        .where(
            and_(
                GradeOutbox.state == PENDING,
                GradeOutbox.next_attempt_at < until,
                GradeOutbox.placement_id.in_(placements_of(platform_id)),
            )
        )
        .values(next_attempt_at=until)
        .execution_options(synchronize_session=False)
    )
