"""From a real launch to the gradebook: the AGS claim the platform sent is what the worker
uses (the launch's line item, or a line item created for the resource link when the launch
had none)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from demo_platform import PlatformConfig, generate_platform_key
from lti_tool.grades.outbox import enqueue_grade
from lti_tool.grades.worker import build_worker
from lti_tool.launch.models import LaunchSession
from tests.e2e.launch.test_launch_with_real_platform import browse_launch
from tests.support.live_server import start_live_tool
from tests.support.platform_server import run_platform

pytestmark = pytest.mark.e2e


@pytest.fixture
def tool_and_platform(tmp_path):
    tool = start_live_tool(tmp_path / "tool", host="127.0.0.1")
    config = PlatformConfig(
        private_key_pem=generate_platform_key(),
        tool_login_url=tool.url + "/lti/login",
        tool_launch_url=tool.url + "/lti/launch",
        tool_jwks_url=tool.url + "/.well-known/jwks.json",
    )
    platform = run_platform(config, host="localhost")
    tool.register_platform(platform)
    yield tool, platform
    platform.shutdown()
    tool.shutdown()


@pytest.mark.parametrize("with_lineitem", [True, False])
def test_a_launched_learner_s_best_reaches_the_platform(tool_and_platform, with_lineitem):
    tool, platform = tool_and_platform
    params = {} if with_lineitem else {"lineitem": "0"}
    landing = browse_launch(
        platform,
        "learner",
        custom_assessment="final-exam",
        resource_link_id="31",
        resource_link_title="Final exam",
        **params,
    )
    assert landing.status_code == 200, landing.text[:300]
    with tool.session() as session:
        launch = session.scalars(select(LaunchSession)).one()
        assert bool(launch.placement.ags_lineitem_url) is with_lineitem
        enqueue_grade(
            session,
            placement_id=launch.placement_id,
            user_id=launch.user_id,
            attempt_id=1,
            score_given=17,
            score_maximum=20,
            timestamp=datetime.now(UTC),
        )
        sub = launch.user.sub
    worker = build_worker(tool.app, name="after-launch", rng=random.Random(3), sleep=lambda s: None)
    assert worker.run_due() == 1 and worker.stats.delivered == 1
    [item] = platform.state.line_items(resource_link_id="31")
    if not with_lineitem:
        assert item.tag == "emm-assessment" and item.score_maximum == 20
    grade = platform.state.grade(item.id, sub)
    assert grade.grade == pytest.approx(item.score_maximum * 17 / 20)
    assert grade.grading_progress == "FullyGraded"
