"""Open and close dates per placement (issue 15, parity with Moodle's quiz), over HTTP on both
backends: instructors set them, learners see them, starting outside is refused with a reason,
and an attempt in progress at the close is submitted at the close."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lti_tool import db
from lti_tool.launch.models import Placement
from tests.integration.attempts.conftest import attempt_rows
from tests.integration.attempts.test_time_and_retake_overrides import _set as set_time_limit
from tests.integration.attempts.test_time_and_retake_overrides import _user_id as user_id_of


def _form(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M") if moment else ""


def _set(teacher, opens=None, closes=None):
    return teacher.post(
        "/instructor/availability", {"opens_at": _form(opens), "closes_at": _form(closes)}
    )


def _window(app):
    with app.app_context():
        placement = db.session().scalar(select(Placement))
        return placement.opens_at, placement.closes_at


def test_before_the_opening_starting_is_refused_and_the_home_page_says_when(
    app, make_assessment, learner_of, instructor_of, clock
):
    slug = make_assessment()
    teacher = instructor_of(slug)
    opens = (clock.now() + timedelta(hours=2)).replace(second=0, microsecond=0)
    saved = _set(teacher, opens=opens)
    assert saved.status_code == 303 and "saved=availability" in saved.headers["Location"]
    assert _window(app) == (opens, None)
    ana = learner_of(slug)
    page = ana.home().get_data(as_text=True)
    assert 'id="opens-at"' in page and 'id="start-refused"' in page and "opens at" in page
    assert 'id="start-attempt"' not in page
    refused = ana.post("/assessment/attempts")
    assert refused.status_code == 303 and "/questions/" not in refused.headers["Location"]
    clock.advance(hours=2)
    ana.start()
    assert ana.attempt_id is not None


def test_after_the_close_starting_is_refused(
    app, make_assessment, learner_of, instructor_of, clock
):
    slug = make_assessment()
    teacher = instructor_of(slug)
    closes = (clock.now() + timedelta(hours=1)).replace(second=0, microsecond=0)
    _set(teacher, closes=closes)
    ana = learner_of(slug)
    page = ana.home().get_data(as_text=True)
    assert 'id="closes-at"' in page and 'id="close-explained"' in page
    clock.advance(hours=2)
    page = ana.home().get_data(as_text=True)
    assert 'id="start-refused"' in page and "closed" in page
    assert (
        ana.post("/assessment/attempts").headers["Location"].endswith("/assessment?lt=" + ana.token)
        or "/questions/" not in ana.post("/assessment/attempts").headers["Location"]
    )


def test_an_attempt_in_progress_at_the_close_is_submitted_at_the_close(
    app, make_assessment, learner_of, instructor_of, clock
):
    slug = make_assessment(inactivity_minutes=120)
    teacher = instructor_of(slug)
    ana = learner_of(slug)
    ana.start()
    ana.answer_form(1, go="next", text="IOM")
    closes = (clock.now() + timedelta(minutes=30)).replace(second=0, microsecond=0)
    _set(teacher, closes=closes)  # set while the attempt runs: its deadline moves
    assert attempt_rows(app, ana.attempt_id).deadline_at == closes
    clock.advance(minutes=31)
    result = ana.result()
    text = result.get_data(as_text=True)
    row = attempt_rows(app, ana.attempt_id)
    assert row.status == "submitted" and row.auto_submitted and row.finished_at == closes
    assert "The assessment closed" in text


def test_an_attempt_started_before_a_close_gets_the_close_as_deadline(
    app, make_assessment, learner_of, instructor_of, clock
):
    slug = make_assessment(time_limit_minutes=60)
    closes = (clock.now() + timedelta(minutes=20)).replace(second=0, microsecond=0)
    _set(instructor_of(slug), closes=closes)
    ana = learner_of(slug)
    ana.start()
    assert attempt_rows(app, ana.attempt_id).deadline_at == closes


def test_bad_dates_are_refused_with_a_reason_and_change_nothing(
    app, make_assessment, instructor_of, clock
):
    teacher = instructor_of(make_assessment())
    now = clock.now()
    backwards = _set(teacher, opens=now + timedelta(days=2), closes=now + timedelta(days=1))
    assert backwards.status_code == 400 and "after the opening" in backwards.get_data(as_text=True)
    junk = teacher.post("/instructor/availability", {"opens_at": "tomorrow", "closes_at": ""})
    assert junk.status_code == 400
    assert _window(app) == (None, None)
    cleared = _set(teacher)
    assert cleared.status_code == 303 and _window(app) == (None, None)


def test_learners_cannot_set_dates(app, make_assessment, learner_of):
    ana = learner_of(make_assessment())
    assert (
        ana.post("/instructor/availability", {"opens_at": "", "closes_at": ""}).status_code == 403
    )


def test_moving_the_close_keeps_a_learners_extra_time_and_a_reopened_deadline(
    app, make_assessment, learner_of, instructor_of, clock
):
    """The close only ever shortens a deadline to honour an earlier close: a learner's own
    time limit (ADR 0018) and the time a re-opened attempt was given survive a change of the
    dates, and so does a staff preview's (dates never apply to it, ADR 0019)."""
    slug = make_assessment(time_limit_minutes=30, inactivity_minutes=10)
    ana, ben = learner_of(slug, sub="4"), learner_of(slug, sub="5")
    ana.home()
    teacher = instructor_of(slug)
    assert set_time_limit(teacher, user_id_of(app, "4"), limit="90").status_code == 303
    ben.start()
    clock.advance(minutes=11)  # Ben's attempt ends for inactivity, 20 minutes left
    assert teacher.get(f"/instructor/attempts/{ben.attempt_id}").status_code == 200
    clock.advance(minutes=60)
    reopened = teacher.post(f"/instructor/attempts/{ben.attempt_id}/reopen", {"reason": "x"})
    assert reopened.status_code == 303
    ana.start()
    teacher.start()  # a preview
    ana_deadline = attempt_rows(app, ana.attempt_id).started_at + timedelta(minutes=90)
    ben_deadline = attempt_rows(app, ben.attempt_id).deadline_at
    preview_deadline = attempt_rows(app, teacher.attempt_id).deadline_at
    assert ben_deadline == clock.now() + timedelta(minutes=20)
    for closes in (clock.now() + timedelta(days=1), None):
        assert _set(teacher, closes=closes).status_code == 303
        assert attempt_rows(app, ana.attempt_id).deadline_at == ana_deadline
        assert attempt_rows(app, ben.attempt_id).deadline_at == ben_deadline
        assert attempt_rows(app, teacher.attempt_id).deadline_at == preview_deadline
    soon = (clock.now() + timedelta(minutes=5)).replace(second=0, microsecond=0)
    _set(teacher, closes=soon)  # an earlier close still ends them all at the close
    assert attempt_rows(app, ana.attempt_id).deadline_at == soon
    assert attempt_rows(app, ben.attempt_id).deadline_at == soon
    assert attempt_rows(app, teacher.attempt_id).deadline_at == preview_deadline
    assert attempt_rows(app, ana.attempt_id).status == "in_progress"
