"""The embedded default: one in-process daemon thread delivers grades as they are queued."""

from __future__ import annotations

import time

import pytest

from lti_tool.grades.embedded import start_embedded_worker

pytestmark = pytest.mark.e2e


def wait_for(condition, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.02)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_embedded_worker_delivers_grades_as_they_are_queued(ags_env, backend):
    env = ags_env
    handle = start_embedded_worker(env.app)
    try:
        assert start_embedded_worker(env.app) is handle  # once per app
        assert handle.thread.daemon and handle.alive
        env.enqueue("4", 42)
        wait_for(lambda: env.gradebook() == {"4": 42})
        env.clock.advance(seconds=5)
        env.enqueue("4", 84)
        env.enqueue("5", 21)
        wait_for(lambda: env.gradebook() == {"4": 84, "5": 21})
        wait_for(lambda: env.pending() == 0)
    finally:
        handle.stop()
    assert not handle.alive
