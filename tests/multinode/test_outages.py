"""Outages in the middle of learners' attempts, on three nodes behind nginx: a node killed with
SIGKILL, Redis restarted, PostgreSQL restarted. No acknowledged answer is lost, no attempt is
voided by the outage, requests during an outage get 503 with Retry-After (never a 500), and the
service heals by itself when the server is back."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.multinode.cluster import wait_for
from tests.multinode.conftest import committed, right_answers
from tests.multinode.learners import Call, Learner

pytestmark = [
    pytest.mark.multinode,
    pytest.mark.xdist_group("multinode"),
    pytest.mark.timeout(1200),
]


def started_learners(stack, platform, slug, first_sub: int, count: int) -> list[Learner]:
    learners = [Learner(sub=str(first_sub + n), proxy=stack.proxy.url) for n in range(count)]
    for learner in learners:
        learner.launch(platform, slug)
        learner.start()
        learner.answers = right_answers(stack, learner.attempt_id)
    return learners


def finish(learner: Learner) -> None:
    """Every answer (again), a heartbeat and the submission, retrying what the page retries."""
    for position, answer in learner.answers.items():
        assert learner.save(position, answer).status_code == 200
    assert learner.heartbeat().status_code == 200
    assert learner.submit().status_code == 303


def assert_nothing_lost(stack, learners: list[Learner]) -> tuple[int, int]:
    acknowledged = found = 0
    for learner in learners:
        assert learner.acknowledged, learner.sub
        status, saved, right = committed(stack, learner.attempt_id)
        assert status == "submitted", (learner.sub, status)  # not voided by the outage
        for position in learner.acknowledged:
            acknowledged += 1
            assert saved[position] == right[position], (learner.sub, position)
            found += 1
        assert not [c for c in learner.calls if c.status == 500], learner.calls
    return acknowledged, found


def test_a_node_killed_with_sigkill_mid_run(stack, platform, slug, numbers):
    learners = started_learners(stack, platform, slug, 200, 4)
    killed = threading.Event()

    def sit(learner: Learner) -> None:
        for round_ in range(3):  # each answer saved three times: the kill falls amid saves
            for position, answer in learner.answers.items():
                assert learner.save(position, answer).status_code == 200
                assert learner.heartbeat().status_code == 200
            if round_ == 0:
                killed.wait(timeout=600)
        assert learner.submit().status_code == 303

    victim = stack.nodes[1]
    with ThreadPoolExecutor(len(learners)) as pool:
        running = [pool.submit(sit, learner) for learner in learners]
        wait_for(lambda: all(len(x.acknowledged) >= 2 for x in learners), "answers before")
        victim.kill()
        killed.set()
        for future in running:
            future.result()
    victim.start()  # as the orchestrator would; later scenarios use three nodes again

    acknowledged, found = assert_nothing_lost(stack, learners)
    statuses = Counter(c.status for learner in learners for c in learner.calls)
    saves = sum(1 for x in learners for c in x.calls if c.what == "answer" and c.status == 200)
    numbers(
        f"{len(learners)} learners, node {victim.name} killed; statuses {dict(statuses)}; "
        f"{saves} saves acknowledged; the last acknowledged answer of each of {acknowledged} "
        f"questions: {found} found in the database"
    )


def during_outage(learners: list[Learner], newcomer: Learner, platform, slug) -> list[Call]:
    """What the learners' pages send during an outage, once each (no retry), and a launch."""
    marks = {id(x): len(x.calls) for x in [*learners, newcomer]}
    for learner in learners:
        learner.save_once(2, learner.answers[2])
        learner.heartbeat_once()
        learner.page_once(1)
    newcomer.login(platform, slug)
    return [c for x in [*learners, newcomer] for c in x.calls[marks[id(x)] :]]


def _outage(stack, platform, slug, numbers, server, first_sub: int) -> None:
    learners = started_learners(stack, platform, slug, first_sub, 3)
    for learner in learners:
        assert learner.save(1, learner.answers[1]).status_code == 200
    newcomer = Learner(sub=str(first_sub + 50), proxy=stack.proxy.url)

    server.stop()
    try:
        during = during_outage(learners, newcomer, platform, slug)
    finally:
        server.start()
    assert during and all(c.status in (200, 302, 303, 503) for c in during), during
    unavailable = [c for c in during if c.status == 503]
    assert unavailable, during  # the outage was seen ...
    assert all(c.retry_after and int(c.retry_after) > 0 for c in unavailable)  # ... and said so

    # Heals by itself: a launch goes through again, then everyone finishes.
    wait_for(
        lambda: (
            Learner(sub=str(first_sub + 51), proxy=stack.proxy.url)
            .login(platform, slug)
            .status_code
            == 302
        ),
        "the service to heal",
    )
    newcomer.launch(platform, slug)
    for learner in learners:
        finish(learner)
    acknowledged, found = assert_nothing_lost(stack, learners)
    by_kind = Counter(f"{c.what} {c.status}" for c in during)
    numbers(
        f"{len(during)} requests during the outage: {dict(sorted(by_kind.items()))}; "
        f"{acknowledged} answers acknowledged, {found} found in the database"
    )


def test_redis_restarted_mid_run(stack, platform, slug, numbers):
    _outage(stack, platform, slug, numbers, stack.redis, 300)


def test_postgresql_restarted_mid_run(stack, platform, slug, numbers):
    _outage(stack, platform, slug, numbers, stack.postgres, 400)
