"""A worker process killed (SIGKILL) in the middle of a delivery: after a restart under the
same name the grade is delivered, and the platform accepts it exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from demo_platform import Fault
from lti_tool.grades.models import DELIVERED, PENDING

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[3]


def wait_for(condition, seconds: float = 20.0) -> None:
    """Wait for another process or thread to get somewhere, not for time."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.02)


def worker_process(app, *args: str) -> subprocess.Popen:
    settings = app.config["EMM_SETTINGS"]
    env = {key: value for key, value in os.environ.items() if not key.startswith("EMM_")}
    env.update(
        EMM_SECRET_KEY=settings.secret_key,
        EMM_DATA_DIR=str(settings.data_dir),
        EMM_PUBLIC_BASE_URL=settings.public_base_url,
    )
    if settings.database_url:
        env["EMM_DATABASE_URL"] = settings.database_url
    flask = str(Path(sys.executable).with_name("flask"))
    return subprocess.Popen(
        [flask, "--app", "lti_tool:create_app", "grades", "worker", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture
def wall_clock_env(ags_env):
    """The worker process reads the wall clock: put the test clock (the platform's) there."""
    ags_env.clock.set(datetime.now(UTC))
    return ags_env


@pytest.mark.parametrize("dies_while", ["score_post_in_flight", "token_request_in_flight"])
def test_a_killed_worker_s_grade_is_delivered_after_restart_once(wall_clock_env, dies_while):
    env = wall_clock_env
    endpoint = "scores" if dies_while == "score_post_in_flight" else "token"
    env.state.faults.script(endpoint, Fault.slow(1.5))  # holds the request while we kill
    env.enqueue("4", 88)
    first = worker_process(env.app, "--name", "grades-1", "--poll", "0.1")
    try:
        wait_for(lambda: env.state.faults.received(endpoint) == 1)
    finally:
        first.kill()
        output = first.communicate()[0]
    assert first.returncode == -9, output
    row = env.rows()["4"]
    assert row.state == PENDING and row.claimed_by.startswith("grades-1/")
    if endpoint == "scores":
        # The platform finishes the post nobody waits for any more: the grade is in.
        wait_for(lambda: len(env.posts("4")) == 1)
        assert env.gradebook() == {"4": 88}

    second = worker_process(env.app, "--name", "grades-1", "--once")
    output = second.communicate(timeout=60)[0]
    assert second.returncode == 0, output
    assert "1 delivered" in output
    row = env.rows()["4"]
    assert (row.state, row.claimed_by, row.delivered_version) == (DELIVERED, None, 1)
    assert env.gradebook() == {"4": 88}
    assert len(env.accepted("4")) == 1
    expected = [200, 409] if endpoint == "scores" else [200]
    assert [p.status for p in env.posts("4")] == expected
