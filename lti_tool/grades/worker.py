"""The delivery worker: claims due outbox rows, sends them, records what happened.

Claims are leases written in the row (`claimed_by`, `claim_expires_at`), taken in a short
transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so workers never wait for each other; on
SQLite `BEGIN IMMEDIATE` serialises them). No database transaction stays open during HTTP, so a
learner's submission (which rewrites the row through `enqueue_grade`) never waits for a slow
platform. A worker that dies leaves its claims behind: they are taken over when the lease ends,
or at once when a worker with the same `--name` starts again (the name says "I am the one who
died"; a per-process nonce keeps two live workers with one name from mistaking each other's
claims). Each recording checks the claim is still ours, so a worker that lost its lease never
overwrites the row. See docs/grades.md.

Platforms are isolated from each other: each is served by a lane of its own (one request at a
time to it), so a platform that hangs until the HTTP deadline, or is down, only delays its own
grades; after a platform-wide failure (timeout, network error, 5xx, 429) the platform's grades
wait out the backoff (a breaker: even grades queued meanwhile are not tried before it ends).
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, case, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from lti_tool.clock import Clock
from lti_tool.grades import failures
from lti_tool.grades.ags_client import AgsClient, PlatformAccess
from lti_tool.grades.delivery import DELIVERED, FAILED, RETRY, ClaimedGrade, Outcome, deliver
from lti_tool.grades.lineitems import LineItemResolver
from lti_tool.grades.models import DELIVERED as STATE_DELIVERED
from lti_tool.grades.models import FAILED as STATE_FAILED
from lti_tool.grades.models import PENDING, GradeLineItem, GradeOutbox
from lti_tool.grades.try_log import log_failed_try
from lti_tool.launch.models import LtiUser, Placement
from lti_tool.platforms.models import Deployment, Platform

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerConfig:
    batch_size: int = 20
    # Longest a delivery may take (token, lookup, creation, score, result check, one token
    # renewal: 7 requests, each ending at the HTTP deadline); claims are renewed before this
    # runs out.
    delivery_budget: timedelta = timedelta(seconds=70)
    lease: timedelta = timedelta(seconds=140)
    poll_interval: float = 1.0  # seconds between looks at an empty outbox
    # Successful sends are recorded together, at the latest this long after the first one.
    record_every: timedelta = timedelta(seconds=1)
    base_delay: timedelta = timedelta(seconds=5)
    max_delay: timedelta = timedelta(hours=1)
    # About a day of retries at the capped delay before a person is asked to look.
    max_tries: int = 30
    # Platforms served at once, each by one lane sending its grades one after the other.
    parallel_platforms: int = 8

    @classmethod
    def for_timeout(cls, http_timeout: float, **changes) -> WorkerConfig:
        budget = timedelta(seconds=7 * http_timeout)
        return cls(delivery_budget=budget, lease=2 * budget, **changes)


def backoff(tries: int, config: WorkerConfig, rng: random.Random) -> timedelta:
    """Exponential, capped, with jitter (half to full delay) so retries of many grades spread."""
    exponent = min(max(tries - 1, 0), 30)
    delay = min(config.base_delay * (2**exponent), config.max_delay)
    return delay * rng.uniform(0.5, 1.0)


def default_worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class _Budget:
    """How many more rows one pass may claim (`run_due(limit=...)`), shared by its lanes."""

    def __init__(self, limit: int | None) -> None:
        self._left = limit
        self._lock = threading.Lock()

    def take(self, wanted: int) -> int:
        with self._lock:
            if self._left is None:
                return wanted
            granted = min(wanted, self._left)
            self._left -= granted
            return granted

    def give_back(self, count: int) -> None:
        with self._lock:
            if self._left is not None:
                self._left += count

    @property
    def spent(self) -> bool:
        with self._lock:
            return self._left is not None and self._left <= 0


@dataclass
class WorkerStats:
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    lost_claims: int = 0
    by_code: dict[str, int] = field(default_factory=dict)


class GradeWorker:
    def __init__(
        self,
        sessions: sessionmaker,
        client: AgsClient,
        clock: Clock,
        *,
        name: str | None = None,
        config: WorkerConfig | None = None,
        rng: random.Random | None = None,
        sleep: Callable[[float], object] | None = None,
    ) -> None:
        self.sessions = sessions
        self.client = client
        self.clock = clock
        self.name = name or default_worker_name()
        self.claim_id = f"{self.name}/{uuid.uuid4().hex[:12]}"
        self.config = config or WorkerConfig()
        self.rng = rng or random.Random()
        self.stop_event = threading.Event()
        self.sleep = sleep or self.stop_event.wait
        self.resolve_lineitem = LineItemResolver(sessions, clock)
        self.stats = WorkerStats()
        self._lock = threading.Lock()  # stats and breakers: lanes run in threads
        self._paused_until: dict[int, datetime] = {}  # platform id -> its breaker is open until

    # --- the loop --------------------------------------------------------------------------------
    def run(self) -> None:
        """Deliver until `stop()`; sleeps (through the injected `sleep`) when nothing is due."""
        self.take_over_own_claims()
        while not self.stop_event.is_set():
            try:
                handled = self.run_due()
            except Exception:
                log.exception("grade worker %s: pass failed; trying again", self.name)
                handled = 0
            if handled == 0 and not self.stop_event.is_set():
                self.sleep(self.idle_seconds())

    def stop(self) -> None:
        self.stop_event.set()

    def run_due(self, limit: int | None = None) -> int:
        """Deliver rows that are due now until none is left (or `limit` rows were handled).
        Returns how many rows were handled.

        Each platform with due grades gets a lane (a thread claiming and sending its grades,
        batch after batch), up to `parallel_platforms` at once. While lanes are busy, a
        platform whose grades become due gets a lane too: nobody waits for a slow platform
        but that platform's own grades."""
        budget = _Budget(limit)
        lanes: dict[int, Future[int]] = {}
        idle: set[int] = set()  # lanes that found nothing to claim: not restarted in this pass
        handled = 0
        executor: ThreadPoolExecutor | None = None
        try:
            while True:
                for platform_id, lane in list(lanes.items()):
                    if lane.done():
                        del lanes[platform_id]
                        done = lane.result()  # a lane's database error surfaces here
                        handled += done
                        if done == 0:
                            idle.add(platform_id)
                stopping = self.stop_event.is_set() or budget.spent
                waiting = (
                    []
                    if stopping
                    else [p for p in self.due_platforms() if p not in lanes and p not in idle]
                )
                if not lanes and not waiting:
                    return handled
                slots = max(self.config.parallel_platforms, 1)
                for platform_id in waiting[: slots - len(lanes)]:
                    if executor is None:
                        executor = ThreadPoolExecutor(slots, thread_name_prefix="grades-lane")
                    lanes[platform_id] = executor.submit(self._run_lane, platform_id, budget)
                wait(lanes.values(), timeout=self.config.poll_interval, return_when=FIRST_COMPLETED)
        finally:
            if executor is not None:
                executor.shutdown(wait=True)

    def _run_lane(self, platform_id: int, budget: _Budget) -> int:
        """One platform's due grades, batch after batch, until none is left or its breaker
        opens. Returns how many rows were handled."""
        handled = 0
        while not self.stop_event.is_set() and self.paused_until(platform_id) is None:
            size = budget.take(self.config.batch_size)
            if size == 0:
                break
            batch = self.claim(size, platform_id=platform_id)
            if not batch:
                budget.give_back(size)
                break
            done = self.deliver_batch(batch)
            budget.give_back(size - done)
            handled += done
        return handled

    def due_platforms(self) -> list[int]:
        """Platforms with grades due and claimable now, the longest waiting first. A platform
        whose breaker is open is left out, and its newly queued grades are held back until
        the breaker closes (so that idle_seconds sees them wait)."""
        now = self.clock.now()
        with self.sessions() as session:
            rows = session.execute(
                select(Deployment.platform_id, func.min(GradeOutbox.next_attempt_at))
                .select_from(GradeOutbox)
                .join(Placement, Placement.id == GradeOutbox.placement_id)
                .join(Deployment, Deployment.id == Placement.deployment_id)
                .where(self._claimable(now))
                .group_by(Deployment.platform_id)
                .order_by(func.min(GradeOutbox.next_attempt_at), Deployment.platform_id)
            ).all()
        due = []
        for platform_id, _oldest in rows:
            until = self.paused_until(platform_id)
            if until is None:
                due.append(platform_id)
                continue
            with self.sessions.begin() as session:
                self._pause_platform(session, platform_id, until)
        return due

    def paused_until(self, platform_id: int) -> datetime | None:
        """When the platform's breaker closes; None when it is closed."""
        with self._lock:
            until = self._paused_until.get(platform_id)
            if until is not None and until <= self.clock.now():
                del self._paused_until[platform_id]
                until = None
            return until

    def _open_breaker(self, platform_id: int, until: datetime) -> None:
        with self._lock:
            self._paused_until[platform_id] = max(until, self._paused_until.get(platform_id, until))

    def idle_seconds(self) -> float:
        """Until the next row is due (or a claim on a due row runs out), at most the poll
        interval."""
        with self.sessions() as session:
            free = session.scalar(
                select(func.min(GradeOutbox.next_attempt_at)).where(
                    GradeOutbox.state == PENDING, GradeOutbox.claimed_by.is_(None)
                )
            )
            held = session.scalar(
                select(func.min(GradeOutbox.claim_expires_at)).where(
                    GradeOutbox.state == PENDING, GradeOutbox.claimed_by.is_not(None)
                )
            )
        moments = [m for m in (free, held) if m is not None]
        if not moments:
            return self.config.poll_interval
        wait = (min(moments) - self.clock.now()).total_seconds()
        return min(max(wait, 0.05), self.config.poll_interval)

    # --- claims ----------------------------------------------------------------------------------
    @staticmethod
    def _claimable(now: datetime):
        return and_(
            GradeOutbox.state == PENDING,
            GradeOutbox.next_attempt_at <= now,
            or_(GradeOutbox.claimed_by.is_(None), GradeOutbox.claim_expires_at <= now),
        )

    def claim(self, size: int, *, platform_id: int | None = None) -> list[ClaimedGrade]:
        """Claim up to `size` due rows (of one platform's placements if `platform_id`)."""
        now = self.clock.now()
        query = (
            select(GradeOutbox.id)
            .where(self._claimable(now))
            .order_by(GradeOutbox.next_attempt_at, GradeOutbox.id)
            .limit(size)
            .with_for_update(skip_locked=True)
        )
        if platform_id is not None:
            query = query.where(GradeOutbox.placement_id.in_(_placements_of(platform_id)))
        with self.sessions.begin() as session:
            ids = session.scalars(query).all()
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
        claimed = []
        for row, placement, user, platform, looked_up in rows:
            claimed.append(
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
            )
        return claimed

    def take_over_own_claims(self) -> int:
        """Release claims left by an earlier process with this worker's name (it died)."""
        with self.sessions.begin() as session:
            result = session.execute(
                update(GradeOutbox)
                .where(
                    GradeOutbox.claimed_by.startswith(f"{self.name}/", autoescape=True),
                    GradeOutbox.claimed_by != self.claim_id,
                )
                .values(claimed_by=None, claim_expires_at=None)
            )
            return result.rowcount or 0

    def release(self, ids: list[int]) -> None:
        if not ids:
            return
        with self.sessions.begin() as session:
            session.execute(
                update(GradeOutbox)
                .where(GradeOutbox.id.in_(ids), GradeOutbox.claimed_by == self.claim_id)
                .values(claimed_by=None, claim_expires_at=None)
            )

    def _renew(self, ids: list[int]) -> datetime:
        until = self.clock.now() + self.config.lease
        with self.sessions.begin() as session:
            session.execute(
                update(GradeOutbox)
                .where(GradeOutbox.id.in_(ids), GradeOutbox.claimed_by == self.claim_id)
                .values(claim_expires_at=until)
            )
        return until

    # --- one batch -------------------------------------------------------------------------------
    def deliver_batch(self, batch: list[ClaimedGrade]) -> int:
        """Send the claimed rows one after the other. Successes are recorded together (one
        transaction for a run of them, at the latest `record_every` after the first): a crash
        before that only means the platform answers 409 to the repeat, which counts as
        delivered. Anything else is recorded at once."""
        lease_ends = self.clock.now() + self.config.lease
        paused: dict[int, datetime] = {}  # platform id -> not before (it is down or throttling)
        delivered: list[ClaimedGrade] = []
        first_delivered_at: datetime | None = None
        handled = 0
        try:
            for index, grade in enumerate(batch):
                remaining = [g.outbox_id for g in batch[index:]]
                if self.stop_event.is_set():
                    self.release(remaining)
                    break
                if grade.access.platform_id in paused:
                    self.release([grade.outbox_id])
                    continue
                if lease_ends - self.clock.now() < self.config.delivery_budget:
                    self._record_delivered(delivered)
                    lease_ends = self._renew(remaining)
                outcome = self._deliver_one(grade)
                handled += 1
                if outcome.kind == DELIVERED and not outcome.forget_lineitem:
                    delivered.append(grade)
                    first_delivered_at = first_delivered_at or self.clock.now()
                    if self.clock.now() - first_delivered_at >= self.config.record_every:
                        self._record_delivered(delivered)
                        first_delivered_at = None
                    continue
                until = self.record(grade, outcome)
                if until is not None:
                    paused[grade.access.platform_id] = until
        finally:
            self._record_delivered(delivered)
        return handled

    def _deliver_one(self, grade: ClaimedGrade) -> Outcome:
        try:
            return deliver(grade, self.client, self.resolve_lineitem, self.clock.now)
        except LookupError as error:  # signing_key(): the tool has no key yet
            return Outcome(FAILED, code=failures.NO_SIGNING_KEY, detail=str(error))
        except Exception as error:
            log.exception("grade %s: unexpected error while delivering", grade.outbox_id)
            return Outcome(
                RETRY,
                code=failures.INTERNAL_ERROR,
                detail=f"{type(error).__name__}: {error}"[:2000],
            )

    # --- recording -------------------------------------------------------------------------------
    def record(self, grade: ClaimedGrade, outcome: Outcome) -> datetime | None:
        """Apply the outcome if the claim is still ours; returns a pause-until for the platform
        when it is down or throttling (its other pending grades were pushed back)."""
        now = self.clock.now()
        if outcome.forget_lineitem and outcome.lineitem_url:
            self.resolve_lineitem.forget(grade.placement_id, outcome.lineitem_url)
        if outcome.kind == DELIVERED:
            self._record_delivered([grade])
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
            if outcome.kind == FAILED:
                until = self._failed(row, outcome, newer, now)
            else:
                until = self._retry(session, row, grade, outcome, newer, now)
            log_failed_try(grade, outcome, row, self.config.max_tries)
        if until is not None:
            self._open_breaker(grade.access.platform_id, until)
        return until

    def _count(self, outcome: Outcome) -> None:
        with self._lock:
            if outcome.kind == FAILED:
                self.stats.failed += 1
            else:
                self.stats.retried += 1
            if outcome.code:
                self.stats.by_code[outcome.code] = self.stats.by_code.get(outcome.code, 0) + 1

    def _record_delivered(self, grades: list[ClaimedGrade]) -> None:
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

    @staticmethod
    def _failed(row: GradeOutbox, outcome: Outcome, newer: bool, now: datetime) -> None:
        row.last_error_code = outcome.code
        row.last_http_status = outcome.http_status
        row.last_error_detail = outcome.detail
        if newer:  # the newer best deserves its own try (the cause may be fixed by now)
            row.state = PENDING
            row.next_attempt_at = now
            return None
        row.state = STATE_FAILED
        return None

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
        self._pause_platform(session, grade.access.platform_id, row.next_attempt_at)
        return row.next_attempt_at

    @staticmethod
    def _pause_platform(session: Session, platform_id: int, until: datetime) -> None:
        """The platform is down or throttling: its other pending grades wait as long, instead
        of each making a request that will fail the same way."""
        session.execute(
            update(GradeOutbox)
            .where(
                and_(
                    GradeOutbox.state == PENDING,
                    GradeOutbox.next_attempt_at < until,
                    GradeOutbox.placement_id.in_(_placements_of(platform_id)),
                )
            )
            .values(next_attempt_at=until)
            .execution_options(synchronize_session=False)
        )


def _placements_of(platform_id: int):
    return (
        select(Placement.id)
        .join(Deployment, Deployment.id == Placement.deployment_id)
        .where(Deployment.platform_id == platform_id)
    )


def client_id_holders(sessions: sessionmaker) -> Callable[[PlatformAccess], list[PlatformAccess]]:
    """Every registration holding the client id of `access`, read when a token is requested."""

    def holders(access: PlatformAccess) -> list[PlatformAccess]:
        with sessions() as session:
            return [
                PlatformAccess.of(platform)
                for platform in session.scalars(
                    select(Platform)
                    .where(Platform.client_id == access.client_id)
                    .order_by(Platform.id)
                )
            ]

    return holders


def build_worker(
    app,
    *,
    name: str | None = None,
    clock: Clock | None = None,
    http=None,
    rng: random.Random | None = None,
    config: WorkerConfig | None = None,
    timeout: float | None = None,
    sleep: Callable[[float], object] | None = None,
) -> GradeWorker:
    """A worker wired to an app's database, clock, secret, outbound policy and HTTP deadline
    (`timeout` overrides the setting). `http`: an OutboundClient (the app's by default)."""
    from lti_tool.platforms.keys import signing_key

    settings = app.config["EMM_SETTINGS"]
    sessions: sessionmaker = app.extensions["emm_sessionmaker"]
    clock = clock or app.extensions["emm_clock"]
    secret = app.config["SECRET_KEY"]
    if http is None:
        http = app.extensions["emm_services"].http

    def current_signing_key():
        with sessions() as session:
            return signing_key(session, secret)

    timeout = timeout or settings.http_timeout_seconds
    client = AgsClient(
        http,
        clock,
        timeout=timeout,
        signing_key=current_signing_key,
        client_id_holders=client_id_holders(sessions),
    )
    return GradeWorker(
        sessions,
        client,
        clock,
        name=name,
        rng=rng,
        sleep=sleep,
        config=config or WorkerConfig.for_timeout(timeout),
    )
