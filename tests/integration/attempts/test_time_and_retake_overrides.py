"""A learner's own time limit and retake delay (issue 15, parity with Moodle's user
overrides), over HTTP on both backends: set by an instructor, audited, applied at the start
and at once to an attempt in progress; the start's statement budget untouched when the
assessment has neither rule."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lti_tool import db
from lti_tool.attempts.models import Accommodation
from lti_tool.audit.models import AuditEvent
from lti_tool.launch.models import LtiUser
from tests.integration.attempts.conftest import attempt_rows


def _user_id(app, sub: str) -> int:
    with app.app_context():
        return db.session().scalar(select(LtiUser.id).where(LtiUser.sub == sub))


def _set(teacher, user_id: int, limit: str = "", delay: str = ""):
    return teacher.post(
        f"/instructor/learners/{user_id}/time-and-retake",
        {"time_limit_minutes": limit, "retake_delay_minutes": delay},
    )


def test_a_longer_time_limit_applies_at_the_start_and_to_the_live_attempt(
    app, make_assessment, learner_of, instructor_of, clock
):
    slug = make_assessment(time_limit_minutes=30)
    ana, ben = learner_of(slug, sub="4"), learner_of(slug, sub="5")
    ana.home()
    ben.start()  # in progress with the assessment's 30 minutes
    teacher = instructor_of(slug)
    assert _set(teacher, _user_id(app, "4"), limit="45").status_code == 303
    assert _set(teacher, _user_id(app, "5"), limit="60").status_code == 303
    ana.start()
    started = attempt_rows(app, ana.attempt_id)
    assert started.deadline_at == started.started_at + timedelta(minutes=45)
    live = attempt_rows(app, ben.attempt_id)
    assert live.deadline_at == live.started_at + timedelta(minutes=60)
    home = ana.home().get_data(as_text=True)
    assert "45 minutes" in home
    with app.app_context():
        actions = db.session().scalars(select(AuditEvent.action)).all()
    assert actions == ["time_and_retake_set", "time_and_retake_set"]


def test_a_shorter_time_limit_never_shortens_the_assessments(
    app, make_assessment, learner_of, instructor_of
):
    slug = make_assessment(time_limit_minutes=30)
    ana = learner_of(slug)
    ana.home()
    _set(instructor_of(slug), _user_id(app, "4"), limit="10")
    ana.start()
    row = attempt_rows(app, ana.attempt_id)
    assert row.deadline_at == row.started_at + timedelta(minutes=30)


def test_an_earlier_retake_and_a_later_one(app, make_assessment, learner_of, instructor_of, clock):
    slug = make_assessment(retake_delay_minutes=60)
    ana, ben = learner_of(slug, sub="4"), learner_of(slug, sub="5")
    ana.home()
    ben.home()
    teacher = instructor_of(slug)
    _set(teacher, _user_id(app, "4"), delay="0")
    _set(teacher, _user_id(app, "5"), delay="120")
    for person in (ana, ben):
        person.start()
        person.submit()
    clock.advance(minutes=61)
    again = ana.post("/assessment/attempts")
    assert "/questions/" in again.headers["Location"]  # at once, and so after an hour too
    refused = ben.post("/assessment/attempts")
    assert "/questions/" not in refused.headers["Location"]  # 120 minutes for Ben
    clock.advance(minutes=60)
    assert "/questions/" in ben.post("/assessment/attempts").headers["Location"]


def test_bad_values_are_refused_and_empty_ones_remove_the_arrangement(
    app, make_assessment, learner_of, instructor_of
):
    slug = make_assessment(time_limit_minutes=30)
    learner_of(slug).home()
    teacher = instructor_of(slug)
    user_id = _user_id(app, "4")
    assert _set(teacher, user_id, limit="abc").status_code == 400
    assert _set(teacher, user_id, limit="0").status_code == 400
    assert _set(teacher, user_id, delay="-5").status_code == 400
    assert _set(teacher, user_id, limit="40").status_code == 303
    page = teacher.get(f"/instructor/learners/{user_id}").get_data(as_text=True)
    assert 'id="time-limit-minutes"' in page and 'value="40"' in page
    assert _set(teacher, user_id).status_code == 303
    with app.app_context():
        assert db.session().scalar(select(Accommodation.id)) is None


def test_learners_cannot_set_their_own(app, make_assessment, learner_of):
    ana = learner_of(make_assessment())
    assert _set(ana, 1, limit="600").status_code == 403
