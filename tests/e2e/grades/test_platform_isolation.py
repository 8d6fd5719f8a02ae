"""Two live platforms, one hanging: the other's grades reach its gradebook in the same worker
pass while the hanging platform's request is still waiting for its deadline; the hanging
platform is asked once, not once per grade, and gets every grade once it answers again."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from lti_tool.demo_platform import Fault
from lti_tool.grades.models import DELIVERED, PENDING, GradeOutbox
from tests.e2e.grades.conftest import LEARNERS

pytestmark = pytest.mark.e2e

DEADLINE = 3.0  # far more than the healthy platform needs; the hanging one uses all of it


def wait_for(condition, seconds: float) -> bool:
    """Wait for the worker thread's work (not for time); False if it never happens."""
    ends = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > ends:
            return False
        time.sleep(0.01)
    return True


def test_a_hanging_platform_does_not_delay_another_platform_s_grades(ags_env):
    env = ags_env
    hanging = env.add_platform(client_id="tool-on-the-hanging-platform")
    hanging.platform.state.faults.script("token", Fault.slow(60))  # never answers in time
    for sub in LEARNERS:  # the hanging platform's grades are older: first in line
        env.enqueue(sub, 40, course=hanging.course)
    env.clock.advance(seconds=1)
    for sub in LEARNERS:
        env.enqueue(sub, 60)

    worker = env.worker(timeout=DEADLINE)
    passes: list[int] = []
    started = time.monotonic()
    runner = threading.Thread(target=lambda: passes.append(worker.run_due()))
    runner.start()
    try:
        healthy_done = wait_for(
            lambda: env.gradebook() == dict.fromkeys(LEARNERS, 60), seconds=DEADLINE * 2
        )
        took = time.monotonic() - started
        with env.sessions() as session:
            hanging_rows = session.scalars(
                select(GradeOutbox).where(GradeOutbox.placement_id == hanging.course.placement_id)
            ).all()
            still_waiting = [row.last_error_code for row in hanging_rows]
    finally:
        runner.join(timeout=DEADLINE * 3)
    assert healthy_done and took < DEADLINE, took
    # Recorded while the hanging platform's token request was still waiting.
    assert still_waiting == [None] * len(LEARNERS)
    assert passes == [len(LEARNERS) + 1]  # one worker pass: 4 delivered, 1 timed out
    assert hanging.platform.state.faults.received("token") == 1  # asked once, not per grade

    rows = env.rows_of(hanging.course)
    assert sorted(row.last_error_code or "" for row in rows) == ["", "", "", "timeout"]
    assert {row.state for row in rows} == {PENDING}

    # It answers again: the held request ends now (it checks the assertion against the tool's
    # key set, a database read, which must not outlive the test).
    hanging.platform.state.stop()
    assert wait_for(lambda: len(hanging.platform.state.issued_access_tokens()) == 1, seconds=10)
    env.drain(env.worker())
    assert hanging.gradebook() == dict.fromkeys(LEARNERS, 40)
    assert {row.state for row in env.rows_of(hanging.course)} == {DELIVERED}
