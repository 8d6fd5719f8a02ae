"""The instructor's view of a placement: learners, attempts, void reasons, CSV, allowances,
and choosing the assessment when the placement names none (or an unknown one)."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from lti_tool import db
from lti_tool.launch.models import Placement


def _placement_slug(app):
    with app.app_context():
        return db.session().scalar(select(Placement.assessment_slug))


def test_without_an_assessment_learners_are_told_to_contact_the_instructor(
    app, make_assessment, learner_of, instructor_of
):
    slug = make_assessment()
    ana = learner_of(None)
    page = ana.home().get_data(as_text=True)
    assert 'id="not-configured"' in page and "contact your instructor" in page
    assert ana.post("/assessment/attempts").status_code == 303  # nothing to start: back home
    teacher = instructor_of(None)
    choose = teacher.get("/instructor").get_data(as_text=True)
    assert 'id="choose-assessment-form"' in choose and f'id="assessment-{slug}"' in choose
    assert teacher.post("/instructor/assessment", {"assessment": slug}).status_code == 303
    assert _placement_slug(app) == slug
    assert 'id="start-attempt"' in ana.home().get_data(as_text=True)


def test_an_unknown_assessment_is_named_and_can_be_replaced(
    app, make_assessment, learner_of, instructor_of
):
    slug = make_assessment()
    teacher = instructor_of("no-such-thing")
    page = teacher.get("/instructor").get_data(as_text=True)
    assert "no-such-thing" in page and 'id="choose-assessment-form"' in page
    assert "contact your instructor" in learner_of(None).home().get_data(as_text=True)
    assert (
        teacher.post("/instructor/assessment", {"assessment": "still-unknown"}).status_code == 404
    )
    assert teacher.post("/instructor/assessment", {"assessment": slug}).status_code == 303
    assert _placement_slug(app) == slug


def test_the_assessment_cannot_change_once_learners_made_attempts(
    app, make_assessment, learner_of, instructor_of
):
    first, second = make_assessment(), make_assessment()
    learner_of(first).start()
    teacher = instructor_of(None)
    refused = teacher.post("/instructor/assessment", {"assessment": second})
    assert refused.status_code == 409 and _placement_slug(app) == first


def test_learners_cannot_use_instructor_pages(app, make_assessment, learner_of):
    ana = learner_of(make_assessment())
    assert ana.get("/instructor").status_code == 403
    assert ana.get("/instructor/export.csv").status_code == 403
    assert ana.post("/instructor/learners/1/accommodation", {"minutes": "60"}).status_code == 403


def test_the_overview_lists_learners_best_scores_and_void_attempts(
    app, make_assessment, learner_of, instructor_of, clock
):
    slug = make_assessment()
    ana = learner_of(slug)
    ana.start()
    clock.advance(minutes=11)  # walks away: void (found when the instructor looks)
    ben = learner_of(slug, sub="5")
    ben.start()
    ben.submit()
    teacher = instructor_of(slug)
    page = teacher.get("/instructor").get_data(as_text=True)
    assert 'id="learners-table"' in page and page.count('id="learner-link-') == 2
    assert "0 %" in page  # Ben's best
    text = teacher.get("/instructor/export.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    by_status = {row["status"]: row for row in rows}
    assert (
        by_status["void"]["void_reason"] == "inactivity"
        and by_status["void"]["score_percent"] == ""
    )
    assert by_status["submitted"]["score_percent"] == "0.0"
    void_row = by_status["void"]
    detail = teacher.get("/instructor/learners/1").get_data(as_text=True)
    assert "Void: no activity from" in detail and "10 minutes" in detail
    assert void_row["inactivity_timeout_seconds"] == "600"


def test_csv_cells_that_look_like_formulas_are_neutralised(
    app, make_assessment, instructor_of, moodle, clock
):
    from tests.integration.attempts.conftest import launch_person
    from tests.support.signed_launches import launch

    slug = make_assessment()
    client = app.test_client()

    def evil(claims):
        claims["name"] = '=HYPERLINK("http://x")'

    launch(
        client,
        moodle,
        clock.now().timestamp(),
        sub="7",
        custom={"assessment": slug},
        claims_edit=evil,
    )
    teacher = launch_person(app, client, moodle, clock, slug=slug, role="Instructor", sub="99")
    text = teacher.get("/instructor/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text


def test_an_allowance_keeps_a_learners_live_attempt_going(
    app, make_assessment, learner_of, instructor_of, clock
):
    slug = make_assessment()
    ana = learner_of(slug)
    ana.start()
    teacher = instructor_of(slug)
    saved = teacher.post(
        "/instructor/learners/1/accommodation", {"minutes": "30", "action": "save"}
    )
    assert saved.status_code == 303
    assert "30 minutes" in teacher.get("/instructor").get_data(as_text=True)
    clock.advance(minutes=25)
    assert ana.save(1, {"choice": "a"}).status_code == 200
    assert (
        teacher.post("/instructor/learners/1/accommodation", {"minutes": "abc"}).status_code == 400
    )
    assert teacher.post("/instructor/learners/1/accommodation", {"minutes": "0"}).status_code == 400
    assert (
        teacher.post("/instructor/learners/1/accommodation", {"action": "remove"}).status_code
        == 303
    )
    assert "Standard" in teacher.get("/instructor").get_data(as_text=True)
    assert (
        teacher.post("/instructor/learners/999/accommodation", {"minutes": "30"}).status_code == 404
    )
