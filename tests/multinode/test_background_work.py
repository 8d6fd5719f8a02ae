"""Two grade workers and two attempt sweepers at once, as separate processes on the shared
PostgreSQL: each grade reaches the platform once (no duplicate, never a lower score after a
higher one), each abandoned attempt is settled once."""

from __future__ import annotations

import re
import signal
import subprocess
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from tests.multinode.cluster import REPO, wait_for
from tests.multinode.learners import Learner
from tests.multinode.test_outages import finish, started_learners

pytestmark = [
    pytest.mark.multinode,
    pytest.mark.xdist_group("multinode"),
    pytest.mark.timeout(1200),
]


def _outbox_states(stack) -> Counter:
    from lti_tool.grades.models import GradeOutbox

    with stack.session() as session:
        rows = session.execute(select(GradeOutbox.state, func.count()).group_by(GradeOutbox.state))
        return Counter(dict(rows.all()))


def _spawn(stack, *args: str) -> subprocess.Popen:
    env = stack.node_env(EMM_PUBLIC_BASE_URL=stack.proxy.url)
    return subprocess.Popen(
        stack.flask_command(*args),
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_two_grade_workers_deliver_each_grade_once(stack, platform, slug, numbers):
    before = _outbox_states(stack)
    # The workers run while learners submit, so both find grades to claim as they arrive.
    workers = [
        _spawn(stack, "grades", "worker", "--name", f"grades-{n}", "--poll", "0.1") for n in (1, 2)
    ]
    try:
        learners = started_learners(stack, platform, slug, 500, 8)
        for learner in learners:
            finish(learner)
        waiting = sum(_outbox_states(stack).values()) - sum(before.values())
        assert waiting == len(learners)
        wait_for(lambda: _outbox_states(stack)["pending"] == 0, "the workers to drain the outbox")
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        outputs = [worker.communicate(timeout=120)[0] for worker in workers]
    states = _outbox_states(stack)
    assert states["failed"] == 0, outputs
    delivered_by = [
        int(re.search(r": (\d+) delivered", out).group(1))
        for out in outputs  # type: ignore[union-attr]
    ]
    posts = platform.state.score_posts()
    accepted = [p for p in posts if p.status == 200]
    sent = Counter((p.line_item_id, p.body["userId"], p.body["timestamp"]) for p in accepted)
    assert max(sent.values()) == 1  # no grade posted twice
    best: dict[tuple[str, str], float] = {}
    for post in accepted:  # in the order the platform received them
        key = (post.line_item_id, post.body["userId"])
        assert post.body["scoreGiven"] >= best.get(key, 0.0), post  # never lowered
        best[key] = post.body["scoreGiven"]
    assert sum(delivered_by) == len(accepted) == states["delivered"]
    numbers(
        f"{waiting} grades to send, delivered {delivered_by} by two workers, "
        f"{len(accepted)} score posts accepted by the platform, 0 duplicates, 0 lowered"
    )


def test_two_sweepers_settle_each_abandoned_attempt_once(stack, platform, slug, numbers):
    from lti_tool.attempts.models import IN_PROGRESS, VOID, Attempt

    learners: list[Learner] = started_learners(stack, platform, slug, 600, 4)
    for learner in learners:
        assert learner.save(1, learner.answers[1]).status_code == 200
    ids = [learner.attempt_id for learner in learners]
    # Abandoned: last seen a day ago (their data, not the clock, is moved).
    long_ago = datetime.now(UTC) - timedelta(days=1)
    with stack.session() as session:
        session.execute(
            update(Attempt)
            .where(Attempt.id.in_(ids))
            .values(started_at=long_ago, last_activity_at=long_ago, last_answer_or_page_at=long_ago)
        )
        live = session.scalar(select(func.count()).where(Attempt.status == IN_PROGRESS))
    assert live == len(ids)  # only these: the other scenarios' learners all submitted

    sweepers = [_spawn(stack, "attempts", "settle") for _ in range(2)]
    outputs = [sweeper.communicate(timeout=300)[0] for sweeper in sweepers]
    assert all(sweeper.returncode == 0 for sweeper in sweepers), outputs
    ended = [int(re.search(r"(\d+) attempt\(s\) ended", out).group(1)) for out in outputs]  # type: ignore[union-attr]
    assert sum(ended) == len(ids), outputs
    with stack.session() as session:
        rows = session.execute(
            select(Attempt.status, Attempt.void_reason).where(Attempt.id.in_(ids))
        ).all()
        statuses = Counter((status, reason) for status, reason in rows)
    assert statuses == {(VOID, "inactivity"): len(ids)}, statuses
    numbers(f"{len(ids)} abandoned attempts, ended {ended} by two sweepers at once, each once")
