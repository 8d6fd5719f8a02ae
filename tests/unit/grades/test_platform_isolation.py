"""One slow or failing platform never delays another platform's grades: each platform has a
lane of its own in a worker pass, and after a platform-wide failure a breaker holds that
platform's grades (even ones queued meanwhile) until its backoff ends."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import replace

import pytest
from sqlalchemy import select

from lti_tool.grades import failures
from lti_tool.grades.ags_client import AgsError, PlatformAccess
from lti_tool.grades.models import DELIVERED, PENDING, GradeOutbox
from lti_tool.grades.outbox import enqueue_grade
from lti_tool.grades.worker import GradeWorker, client_id_holders
from lti_tool.platforms.models import Platform
from tests.support.grade_fixtures import ScriptedAgsClient, seed_course
from tests.unit.grades.test_worker import CONFIG

SLOW = "https://slow.test"
FAST = "https://fast.test"


def wait_until(condition, seconds: float = 60.0) -> bool:
    """Wait for another thread's work (not for time); False if it never happens. The limit is a
    backstop for a loaded machine, not a measurement."""
    ends = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > ends:
            return False
        time.sleep(0.005)
    return True


def two_platforms(sessions, clock):
    with sessions.begin() as session:
        slow = seed_course(
            session,
            clock.now(),
            issuer=SLOW,
            client_id="slow-client",
            lineitem_url=SLOW + "/lineitems/1",
            lineitems_url=SLOW + "/lineitems",
            learners=("1", "2", "3"),
        )
        fast = seed_course(
            session,
            clock.now(),
            issuer=FAST,
            client_id="fast-client",
            lineitem_url=FAST + "/lineitems/1",
            lineitems_url=FAST + "/lineitems",
            learners=("1", "2", "3"),
        )
    return slow, fast


def enqueue(sessions, course, sub, score, clock, attempt=1):
    with sessions.begin() as session:
        enqueue_grade(
            session,
            placement_id=course.placement_id,
            user_id=course.users[sub],
            attempt_id=attempt,
            score_given=score,
            score_maximum=10,
            timestamp=clock.now(),
        )


def states(sessions, course) -> dict[str, tuple[str, str | None]]:
    with sessions() as session:
        rows = session.scalars(
            select(GradeOutbox).where(GradeOutbox.placement_id == course.placement_id)
        ).all()
        subs = {user_id: sub for sub, user_id in course.users.items()}
        return {subs[r.user_id]: (r.state, r.last_error_code) for r in rows}


@pytest.mark.timing
def test_a_hanging_platform_does_not_hold_up_another_platform_s_grades(sessions, clock):
    slow, fast = two_platforms(sessions, clock)
    for sub in ("1", "2", "3"):  # the slow platform's grades are the oldest: first in line
        enqueue(sessions, slow, sub, 5, clock)
    clock.advance(seconds=1)
    for sub in ("1", "2", "3"):
        enqueue(sessions, fast, sub, 7, clock)
    seen_while_hanging: dict = {}
    slow_calls = []

    def on_score(url, score):
        if url.startswith(SLOW):
            slow_calls.append(score["userId"])
            # Hang like a platform that never answers, until the other platform's grades are
            # all in (or give up after the backstop: that would be the bug).
            wait_until(lambda: states(sessions, fast) == dict.fromkeys("123", (DELIVERED, None)))
            seen_while_hanging.update(states(sessions, fast))
            raise AgsError(failures.TIMEOUT, "no complete answer within 10 s")

    worker = GradeWorker(
        sessions,
        ScriptedAgsClient(on_score=on_score),
        clock,
        name="w",
        config=CONFIG,
        rng=random.Random(1),
        sleep=lambda s: None,
    )
    handled = worker.run_due()
    # Delivered while the slow platform was still hanging, in the same pass.
    assert seen_while_hanging == dict.fromkeys("123", (DELIVERED, None))
    assert handled == 4
    # The slow platform was asked once; its breaker held back its other grades.
    assert len(slow_calls) == 1
    slow_rows = states(sessions, slow)
    assert Counter(slow_rows.values()) == {(PENDING, None): 2, (PENDING, failures.TIMEOUT): 1}
    paused_until = worker.paused_until(slow.platform_id)
    assert paused_until is not None and paused_until > clock.now()
    with sessions() as session:
        due = {
            r.next_attempt_at
            for r in session.scalars(
                select(GradeOutbox).where(GradeOutbox.placement_id == slow.placement_id)
            )
        }
    assert due == {paused_until}


def test_grades_queued_for_a_paused_platform_wait_for_its_backoff(sessions, clock):
    slow, fast = two_platforms(sessions, clock)
    down = [True]

    def on_score(url, score):
        if url.startswith(SLOW) and down[0]:
            raise AgsError(failures.NETWORK_ERROR, "connection refused")

    client = ScriptedAgsClient(on_score=on_score)
    worker = GradeWorker(
        sessions, client, clock, name="w", config=CONFIG, rng=random.Random(1), sleep=lambda s: None
    )
    enqueue(sessions, slow, "1", 5, clock)
    worker.run_due()
    until = worker.paused_until(slow.platform_id)
    assert until is not None
    # A learner of the paused platform finishes now; another platform's learner too.
    clock.advance(seconds=1)
    enqueue(sessions, slow, "2", 6, clock)
    enqueue(sessions, fast, "1", 7, clock)
    calls_before = len(client.scores)
    assert worker.run_due() == 1  # only the other platform's grade
    assert [url for url, _ in client.scores[calls_before:]] == [FAST + "/lineitems/1"]
    assert worker.idle_seconds() == CONFIG.poll_interval  # nothing due: no busy loop
    with sessions() as session:  # the new grade waits for the breaker as well
        assert {
            r.next_attempt_at
            for r in session.scalars(
                select(GradeOutbox).where(GradeOutbox.placement_id == slow.placement_id)
            )
        } == {until}
    down[0] = False
    clock.set(until)
    assert worker.run_due() == 2
    assert states(sessions, slow) == dict.fromkeys("12", (DELIVERED, None))


@pytest.mark.timing
def test_a_platform_whose_grades_arrive_while_another_hangs_gets_its_own_lane(sessions, clock):
    slow, fast = two_platforms(sessions, clock)
    enqueue(sessions, slow, "1", 5, clock)
    release = threading.Event()
    fast_delivered = []

    def on_score(url, score):
        if url.startswith(SLOW):
            # The fast platform's learner finishes while this request hangs.
            enqueue(sessions, fast, "1", 9, clock)
            fast_delivered.append(
                wait_until(lambda: states(sessions, fast) == {"1": (DELIVERED, None)})
            )
            release.set()
            raise AgsError(failures.TIMEOUT, "no complete answer")

    config = replace(CONFIG, poll_interval=0.01)
    worker = GradeWorker(
        sessions,
        ScriptedAgsClient(on_score=on_score),
        clock,
        name="w",
        config=config,
        rng=random.Random(1),
        sleep=lambda s: None,
    )
    assert worker.run_due() == 2
    assert release.is_set() and fast_delivered == [True]


def test_the_worker_reads_who_holds_a_client_id_from_the_platforms_table(sessions, clock):
    _slow, fast = two_platforms(sessions, clock)
    holders = client_id_holders(sessions)
    with sessions() as session:
        row = session.get(Platform, fast.platform_id)
        access = PlatformAccess.of(row)
    assert holders(access) == [access]
    assert access.token_url == FAST + "/token" and access.client_id == "fast-client"
    assert holders(replace(access, client_id="nobody")) == []


def test_lanes_respect_the_limit_of_a_pass(sessions, clock):
    slow, fast = two_platforms(sessions, clock)
    for sub in ("1", "2", "3"):
        enqueue(sessions, slow, sub, 5, clock)
        enqueue(sessions, fast, sub, 5, clock)
    worker = GradeWorker(
        sessions,
        ScriptedAgsClient(),
        clock,
        name="w",
        config=replace(CONFIG, batch_size=2),
        rng=random.Random(1),
        sleep=lambda s: None,
    )
    assert worker.run_due(limit=3) == 3
    assert worker.run_due() == 3
    assert worker.run_due() == 0
