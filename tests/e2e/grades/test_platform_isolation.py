"""Two live platforms, one hanging: the other's grades reach its gradebook in the same worker
pass while the hanging platform's request is still waiting for its deadline (ended by the test,
not by a real timer); the hanging
platform is asked once, not once per grade, and gets every grade once it answers again."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from lti_tool.grades.models import DELIVERED, PENDING, GradeOutbox
from tests.e2e.grades.conftest import LEARNERS
from tests.support.held_answers import BACKSTOP_SECONDS, HandDeadlines, HeldAnswers

pytestmark = pytest.mark.e2e


def wait_for(condition, seconds: float = BACKSTOP_SECONDS) -> None:
    """Wait for the worker thread's work, not for time: the limit is only a backstop."""
    ends = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > ends:
            raise AssertionError("condition not reached")
        time.sleep(0.01)


@pytest.mark.timing
def test_a_hanging_platform_does_not_delay_another_platform_s_grades(ags_env, monkeypatch):
    env = ags_env
    hanging = env.add_platform(client_id="tool-on-the-hanging-platform")
    # Its token request hangs until the test ends the tool's call: no real deadline to race.
    deadlines = HandDeadlines.install(monkeypatch)
    held = HeldAnswers.install(hanging.platform.state, on_arrival=lambda: None)
    held.hold("token")
    for sub in LEARNERS:  # the hanging platform's grades are older: first in line
        env.enqueue(sub, 40, course=hanging.course)
    env.clock.advance(seconds=1)
    for sub in LEARNERS:
        env.enqueue(sub, 60)

    worker = env.worker()
    passes: list[int] = []
    runner = threading.Thread(target=lambda: passes.append(worker.run_due()))
    runner.start()
    try:
        wait_for(lambda: env.gradebook() == dict.fromkeys(LEARNERS, 60))
        assert held.held  # the healthy grades went out while the hanging request was waiting
        # The platform has the grades; the tool may still be reading the last answer.
        wait_for(lambda: deadlines.open_calls == 1)
        with env.sessions() as session:
            hanging_rows = session.scalars(
                select(GradeOutbox).where(GradeOutbox.placement_id == hanging.course.placement_id)
            ).all()
            still_waiting = [row.last_error_code for row in hanging_rows]
    finally:
        deadlines.expire_open_calls()  # now the hanging call's deadline passes
        runner.join(timeout=BACKSTOP_SECONDS)
    # Recorded while the hanging platform's token request was still waiting.
    assert still_waiting == [None] * len(LEARNERS)
    assert deadlines.expired_by_hand == 1  # only the hanging call was still open
    assert passes == [len(LEARNERS) + 1]  # one worker pass: 4 delivered, 1 timed out
    assert hanging.platform.state.faults.received("token") == 1  # asked once, not per grade

    rows = env.rows_of(hanging.course)
    assert sorted(row.last_error_code or "" for row in rows) == ["", "", "", "timeout"]
    assert {row.state for row in rows} == {PENDING}

    # It answers again: the held request ends now (it checks the assertion against the tool's
    # key set, a database read, which must not outlive the test).
    held.release()
    wait_for(lambda: len(hanging.platform.state.issued_access_tokens()) == 1)
    env.drain(env.worker())
    assert hanging.gradebook() == dict.fromkeys(LEARNERS, 40)
    assert {row.state for row in env.rows_of(hanging.course)} == {DELIVERED}
