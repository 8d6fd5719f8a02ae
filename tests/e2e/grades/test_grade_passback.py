"""Grade passback against the AGS endpoints of a live lti1p3platform-based platform: tokens,
score posts, line item lookup and creation; the platform ends with each learner's best."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lti_tool.grades.models import DELIVERED
from lti_tool.launch.models import Placement
from tests.e2e.grades.conftest import LEARNERS, assert_never_lowered_never_reordered

pytestmark = pytest.mark.e2e


def test_the_platform_ends_with_each_learner_s_best_score(ags_env):
    env = ags_env
    attempts = {"4": [40, 75, 60], "5": [90, 30], "6": [0], "7": [55, 55, 80, 79]}
    worker = env.worker()
    for round_scores in zip(*(s + [None] * (4 - len(s)) for s in attempts.values()), strict=True):
        for sub, score in zip(attempts, round_scores, strict=True):
            if score is not None:
                env.enqueue(sub, score)
        env.clock.advance(minutes=7)
        worker.run_due()
    env.drain(worker)
    assert env.gradebook() == {"4": 75, "5": 90, "6": 0, "7": 80}
    assert {sub: row.state for sub, row in env.rows().items()} == dict.fromkeys(LEARNERS, DELIVERED)
    assert_never_lowered_never_reordered(env, LEARNERS)
    # Only rises were ever sent: 4 -> 40, 75; 5 -> 90; 6 -> 0; 7 -> 55, 80.
    assert {sub: [p.body["scoreGiven"] for p in env.posts(sub)] for sub in LEARNERS} == {
        "4": [40, 75],
        "5": [90],
        "6": [0],
        "7": [55, 80],
    }
    posted = env.posts("4")[0].body
    assert (posted["activityProgress"], posted["gradingProgress"], posted["scoreMaximum"]) == (
        "Completed",
        "FullyGraded",
        100,
    )
    # One access token served every request (cached per platform and scope set).
    assert env.state.faults.received("token") == 1
    assert env.state.issued_access_tokens()[0].scopes == [
        "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
        "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
        "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
        "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    ]


def test_a_token_is_renewed_when_it_expires_by_time_and_when_the_platform_ends_it(ags_env):
    env = ags_env
    worker = env.worker()
    env.enqueue("4", 10)
    env.drain(worker)
    env.clock.advance(seconds=3600)  # the token's hour is over
    env.enqueue("4", 20)
    env.drain(worker)
    assert env.state.faults.received("token") == 2
    # Mid-batch the platform ends every token it issued: the next post gets 401, a new token.
    answered = []
    original = worker.client.post_score

    def post_then_expire(*args, **kwargs):
        original(*args, **kwargs)
        answered.append(1)
        if len(answered) == 2:
            env.state.expire_access_tokens()

    worker.client.post_score = post_then_expire
    for sub in LEARNERS:
        env.enqueue(sub, 50)
    env.drain(worker)
    assert env.state.faults.received("token") == 3
    assert env.gradebook() == dict.fromkeys(LEARNERS, 50)
    assert worker.stats.failed == 0


def test_a_line_item_is_found_for_the_resource_link_when_the_launch_has_none(ags_env):
    env = ags_env
    with env.app.app_context(), env.sessions.begin() as session:
        session.get(Placement, env.course.placement_id).ags_lineitem_url = None
    other = env.state.create_line_item(
        label="Other activity", score_maximum=10, resource_link_id=None
    )
    worker = env.worker()
    for sub in LEARNERS:
        env.enqueue(sub, 70)
    env.drain(worker)
    assert env.gradebook() == dict.fromkeys(LEARNERS, 70)
    assert env.gradebook(other.id) == {}
    assert env.state.faults.received("lineitems") == 1  # looked up once, then remembered


def test_a_line_item_is_created_once_when_the_platform_has_none(ags_env):
    env = ags_env
    env.state.delete_line_item(env.line_item_id)
    with env.sessions.begin() as session:
        session.get(Placement, env.course.placement_id).ags_lineitem_url = None
    worker = env.worker()
    for sub in LEARNERS:
        env.enqueue(sub, 8, maximum=10)
    env.drain(worker)
    [item] = env.state.line_items(resource_link_id="1")
    assert (item.label, item.score_maximum, item.tag, item.resource_id) == (
        "Final assessment",
        10,
        "emm-assessment",
        "final-exam",
    )
    assert env.gradebook(item.id) == dict.fromkeys(LEARNERS, 8)  # rescaled to the item's 10
    assert env.state.faults.received("lineitems") == 2  # one lookup, one creation


def test_a_deleted_gradebook_column_is_reported_then_fixed_and_requeued(ags_env):
    env = ags_env
    worker = env.worker()
    env.enqueue("4", 30)
    env.drain(worker)
    env.state.delete_line_item(env.line_item_id)
    env.clock.advance(minutes=1)
    env.enqueue("4", 60)
    env.drain(worker)
    row = env.rows()["4"]
    assert (row.state, row.last_error_code, row.last_http_status) == (
        "failed",
        "lineitem_gone",
        404,
    )
    # The instructor restores the column (a new line item; the next launch carries its URL).
    item = env.state.create_line_item(
        label="Final assessment", score_maximum=100, resource_link_id="1"
    )
    with env.sessions.begin() as session:
        session.get(
            Placement, env.course.placement_id
        ).ags_lineitem_url = env.platform.config.lineitem_url(item.id)
    result = env.app.test_cli_runner().invoke(args=["grades", "requeue-failed"])
    assert "Queued 1 failed grade(s) again." in result.output
    env.drain(worker)
    assert env.gradebook(item.id) == {"4": 60}
    assert env.rows()["4"].state == DELIVERED


def test_a_learner_without_a_graded_role_is_reported_with_the_platform_s_answer(ags_env):
    env = ags_env
    env.add_learner("8", enrol=False)
    worker = env.worker()
    env.enqueue("8", 66)
    env.enqueue("4", 50)
    env.drain(worker)
    row = env.rows()["8"]
    assert (row.state, row.last_error_code, row.last_http_status) == (
        "failed",
        "user_not_gradable",
        400,
    )
    assert "not gradable" in row.last_error_detail
    assert env.gradebook() == {"4": 50}
    out = env.app.test_cli_runner().invoke(args=["grades", "status"]).output
    assert "delivered: 1, pending: 0, failed: 1" in out and "user_not_gradable" in out
    env.state.enrol("8", ["Learner"])  # the fix, on the platform
    env.app.test_cli_runner().invoke(
        args=["grades", "requeue-failed", "--reason", "user_not_gradable"]
    )
    env.drain(worker)
    assert env.gradebook() == {"4": 50, "8": 66}


def test_reconcile_requeues_what_the_platform_lost_and_leaves_higher_grades(ags_env):
    env = ags_env
    worker = env.worker()
    for sub, score in (("4", 70), ("5", 80), ("6", 90)):
        env.enqueue(sub, score)
    env.drain(worker)
    env.clock.advance(minutes=5)
    # Out of band on the platform: 4's grade emptied by a newer post, 5 raised by hand,
    # 6's line item results wiped (grade deleted).
    state = env.state
    from demo_platform.gradebook import apply_score, validate_score

    def out_of_band(sub, body):
        parsed = validate_score(
            {
                "userId": sub,
                "timestamp": env.clock.now().isoformat(),
                "activityProgress": "Completed",
                **body,
            }
        )
        state.accept_score(
            env.line_item_id,
            sub,
            lambda stored, member, item: apply_score(parsed, None, member, item),
        )

    out_of_band("4", {"gradingProgress": "Pending"})
    out_of_band("5", {"gradingProgress": "FullyGraded", "scoreGiven": 95, "scoreMaximum": 100})
    with state._lock:
        del state._grades[(env.line_item_id, "6")]
    assert env.gradebook() == {"4": None, "5": 95}
    result = env.app.test_cli_runner().invoke(args=["grades", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "3 checked, 2 queued again, 1 higher on the platform (left alone)" in result.output
    env.drain(worker)
    assert env.gradebook() == {"4": 70, "5": 95, "6": 90}
    # Nothing left to reconcile.
    again = env.app.test_cli_runner().invoke(args=["grades", "reconcile"])
    assert "3 checked, 0 queued again" in again.output


def test_the_worker_command_delivers_what_is_due(ags_env):
    env = ags_env
    env.enqueue("4", 33)
    result = env.app.test_cli_runner().invoke(args=["grades", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 delivered" in result.output
    assert env.gradebook() == {"4": 33}


def test_grades_wait_for_their_timestamps_not_for_a_fixed_order(ags_env):
    """A newer best for one learner never waits behind another learner's retries."""
    env = ags_env
    worker = env.worker()
    env.add_learner("9", enrol=False)
    env.enqueue("9", 10)
    env.enqueue("4", 20)
    worker.run_due()
    env.clock.advance(seconds=1)
    env.enqueue("4", 30)
    worker.run_due()
    assert env.gradebook() == {"4": 30}
    assert env.rows()["9"].state == "failed"
    assert env.clock.now() - env.rows()["4"].delivered_at < timedelta(seconds=2)
