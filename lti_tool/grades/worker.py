"""The delivery worker: claims due outbox rows, sends them, records what happened.

Claims are leases written in the row (lti_tool.grades.claims); outcomes are written back by
lti_tool.grades.recording; this module is the loop that hands claimed grades to `deliver`. No
database transaction stays open during HTTP, so a learner's submission (which rewrites the row
through `enqueue_grade`) never waits for a slow platform. A worker that dies leaves its claims
behind: they are taken over when the lease ends, or at once when a worker with the same `--name`
starts again (the name says "I am the one who died"; a per-process nonce keeps two live workers
with one name from mistaking each other's claims). Each recording checks the claim is still
ours, so a worker that lost its lease never overwrites the row. See docs/grades.md.

Platforms are isolated from each other: each is served by a lane of its own (one request at a
time to it), so a platform that hangs until the HTTP deadline, or is down, only delays its own
grades; after a platform-wide failure (timeout, network error, 5xx, 429) the platform's grades
wait out the backoff (a breaker: even grades queued meanwhile are not tried before it ends).
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from lti_tool.clock import Clock
from lti_tool.grades import failures
from lti_tool.grades.ags_client import AgsClient, PlatformAccess
from lti_tool.grades.claims import ClaimBook, claimable
from lti_tool.grades.delivery import DELIVERED, FAILED, RETRY, ClaimedGrade, Outcome, deliver
from lti_tool.grades.lineitems import LineItemResolver
from lti_tool.grades.models import PENDING, GradeOutbox
from lti_tool.grades.recording import OutcomeRecorder, pause_platform
from lti_tool.grades.worker_config import (  # noqa: F401 - re-exported: callers import them here
    WorkerConfig,
    WorkerStats,
    backoff,
    default_worker_name,
)
from lti_tool.launch.models import Placement
from lti_tool.platforms.models import Deployment, Platform

if TYPE_CHECKING:
    from flask import Flask

    from lti_tool.outbound import OutboundClient
    from lti_tool.platforms.keys import SigningKey

log = logging.getLogger(__name__)


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


class GradeWorker:
    def __init__(
        self,
        sessions: sessionmaker[Session],
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
        self.claims = ClaimBook(sessions, clock, self.claim_id, self.config)
        self.recorder = OutcomeRecorder(
            sessions, clock, self.claim_id, self.config, self.rng, self.resolve_lineitem
        )
        self.stats = self.recorder.stats
        self._lock = threading.Lock()  # breakers: lanes run in threads
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
                .where(claimable(now))
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
                pause_platform(session, platform_id, until)
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

    # --- claims (lti_tool.grades.claims) ------------------------------------------------------
    def claim(self, size: int, *, platform_id: int | None = None) -> list[ClaimedGrade]:
        """Claim up to `size` due rows (of one platform's placements if `platform_id`)."""
        return self.claims.claim(size, platform_id=platform_id)

    def take_over_own_claims(self) -> int:
        """Release claims left by an earlier process with this worker's name (it died)."""
        return self.claims.take_over(self.name)

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
                    self.claims.release(remaining)
                    break
                if grade.access.platform_id in paused:
                    self.claims.release([grade.outbox_id])
                    continue
                if lease_ends - self.clock.now() < self.config.delivery_budget:
                    self.recorder.record_delivered(delivered)
                    lease_ends = self.claims.renew(remaining)
                outcome = self._deliver_one(grade)
                handled += 1
                if outcome.kind == DELIVERED and not outcome.forget_lineitem:
                    delivered.append(grade)
                    first_delivered_at = first_delivered_at or self.clock.now()
                    if self.clock.now() - first_delivered_at >= self.config.record_every:
                        self.recorder.record_delivered(delivered)
                        first_delivered_at = None
                    continue
                until = self.record(grade, outcome)
                if until is not None:
                    paused[grade.access.platform_id] = until
        finally:
            self.recorder.record_delivered(delivered)
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

    # --- recording (lti_tool.grades.recording) -----------------------------------------------
    def record(self, grade: ClaimedGrade, outcome: Outcome) -> datetime | None:
        """Apply the outcome if the claim is still ours; after a platform-wide failure the
        platform's breaker opens until the returned moment."""
        until = self.recorder.record(grade, outcome)
        if until is not None:
            self._open_breaker(grade.access.platform_id, until)
        return until


def client_id_holders(
    sessions: sessionmaker[Session],
) -> Callable[[PlatformAccess], list[PlatformAccess]]:
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
    app: Flask,
    *,
    name: str | None = None,
    clock: Clock | None = None,
    http: OutboundClient | None = None,
    rng: random.Random | None = None,
    config: WorkerConfig | None = None,
    timeout: float | None = None,
    sleep: Callable[[float], object] | None = None,
) -> GradeWorker:
    """A worker wired to an app's database, clock, secret, outbound policy and HTTP deadline
    (`timeout` overrides the setting). `http`: an OutboundClient (the app's by default)."""
    from lti_tool.platforms.keys import signing_key

    settings = app.config["EMM_SETTINGS"]
    sessions: sessionmaker[Session] = app.extensions["emm_sessionmaker"]
    clock = clock or app.extensions["emm_clock"]
    secret = app.config["SECRET_KEY"]
    if http is None:
        http = app.extensions["emm_services"].http

    def current_signing_key() -> SigningKey:
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
