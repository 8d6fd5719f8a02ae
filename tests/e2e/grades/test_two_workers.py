"""Two workers draining one outbox on PostgreSQL while learners keep improving: no grade is
sent twice, none out of order, every best arrives (claims with FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from tests.e2e.grades.conftest import assert_never_lowered_never_reordered

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("backend", ["postgres"])
def test_two_workers_on_postgresql_never_duplicate_or_reorder(ags_env, backend):
    env = ags_env
    subs = [str(n) for n in range(100, 140)]
    for sub in subs:
        env.add_learner(sub)
    workers = [env.worker(name=f"grades-{n}", batch_size=4) for n in (1, 2)]
    start = threading.Barrier(3)
    enqueuing_done = threading.Event()
    errors: list[BaseException] = []

    def work(worker):
        try:
            start.wait()
            while True:
                handled = worker.run_due()
                if handled == 0:
                    if enqueuing_done.is_set() and env.pending() == 0:
                        return
                    worker.stop_event.wait(0.005)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    start.wait()
    for round_ in (1, 2, 3):  # every learner improves three times while the workers drain
        for sub in subs:
            env.enqueue(sub, round_ * 30 + int(sub) % 10)
    enqueuing_done.set()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)

    assert env.gradebook() == {sub: 90 + int(sub) % 10 for sub in subs}
    assert_never_lowered_never_reordered(env, subs)
    posts = env.state.score_posts(env.line_item_id)
    assert {p.status for p in posts} == {200}  # not one 409: nothing stale was ever sent
    sent = Counter((p.body["userId"], p.body["timestamp"]) for p in posts)
    assert max(sent.values()) == 1  # no (learner, timestamp) posted twice
    assert all(w.stats.delivered > 0 for w in workers), [w.stats for w in workers]
    assert sum(w.stats.lost_claims for w in workers) == 0
