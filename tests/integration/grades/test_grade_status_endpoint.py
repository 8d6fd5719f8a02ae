"""The grade status endpoint the result page polls while a grade is on its way
(static/grade_status.js): the learner's own state and the message to show, never cached."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lti_tool import db
from lti_tool.grades.models import DELIVERED, GradeOutbox
from lti_tool.grades.outbox import enqueue_grade
from lti_tool.launch.models import LtiUser, Placement
from tests.integration.attempts.conftest import launch_person
from tests.support.signed_launches import FakeMoodle, register


@pytest.fixture
def moodle(app):
    fake = FakeMoodle()
    register(app, fake)
    return fake


@pytest.fixture
def learner(app, client, clock, moodle):
    return launch_person(app, client, moodle, clock, slug="final-exam", sub="4")


def _enqueue(app, clock, sub="4", score=7.5):
    with app.app_context(), db.session_scope() as session:
        placement = session.scalars(select(Placement)).one()
        user = session.scalars(select(LtiUser).where(LtiUser.sub == sub)).one()
        enqueue_grade(
            session,
            placement_id=placement.id,
            user_id=user.id,
            attempt_id=1,
            score_given=score,
            score_maximum=10,
            timestamp=clock.now(),
        )


def _poll(learner):
    answer = learner.client.get(
        "/assessment/grade-status",
        query_string={"lt": learner.token},
        headers={"Accept": "application/json"},
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.headers["Cache-Control"] == "no-store"
    return answer.get_json()


def test_the_endpoint_follows_the_grade_from_waiting_to_the_gradebook(app, clock, learner):
    assert _poll(learner) == {"state": "none", "html": ""}
    _enqueue(app, clock)
    waiting = _poll(learner)
    assert waiting["state"] == "waiting"
    assert 'data-grade-status="waiting"' in waiting["html"]
    assert "7.5 out of 10" in waiting["html"]
    with app.app_context(), db.session_scope() as session:
        row = session.scalars(select(GradeOutbox)).one()
        row.state, row.delivered_version, row.delivered_score = DELIVERED, row.version, 7.5
    done = _poll(learner)
    assert done["state"] == "in_gradebook"
    assert "Your best score (7.5 out of 10) is in the course gradebook." in done["html"]


def test_a_learner_sees_only_their_own_grade(app, client, clock, moodle, learner):
    _enqueue(app, clock, sub="4")
    other = launch_person(app, client, moodle, clock, slug="final-exam", sub="5")
    assert _poll(other)["state"] == "none"
    assert _poll(learner)["state"] == "waiting"


def test_without_a_launch_the_answer_is_a_clear_refusal(client):
    answer = client.get("/assessment/grade-status", headers={"Accept": "application/json"})
    assert 400 <= answer.status_code < 500
