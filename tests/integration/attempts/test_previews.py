"""Staff previews (issue 15, ADR 0019), over HTTP on both backends: an instructor takes the
assessment from the learner's pages in a throwaway attempt that is scored and shown but never
becomes a best score or a grade, never appears in the reports, ignores the dates, and is
replaced by the next preview."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from lti_tool import db
from lti_tool.attempts.models import Attempt, BestScore
from lti_tool.grades.models import GradeOutbox
from tests.integration.attempts.conftest import attempt_rows
from tests.integration.attempts.test_learner_flow import answers_for


def _count(app, model) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model))


def test_a_preview_is_scored_but_never_counts(app, make_assessment, instructor_of, learner_of):
    slug = make_assessment(max_attempts=1, retake_delay_minutes=60)
    teacher = instructor_of(slug)
    landing = teacher.get("/instructor").get_data(as_text=True)
    assert 'id="preview-link"' in landing
    home = teacher.home().get_data(as_text=True)
    assert 'id="preview-notice"' in home and 'id="start-attempt"' in home
    teacher.start()
    first = teacher.attempt_id
    assert "preview" in teacher.question(1).get_data(as_text=True)
    for position, response in answers_for(app, teacher, right=4):
        assert teacher.save(position, response).status_code == 200
    assert teacher.submit().status_code == 303
    result = teacher.result().get_data(as_text=True)
    assert 'id="preview-notice"' in result and "100 %" in result
    row = attempt_rows(app, first)
    assert row.preview and row.status == "submitted" and row.score_percent == 100
    assert _count(app, BestScore) == 0 and _count(app, GradeOutbox) == 0

    # Not in the reports, and the assessment can still change (no learner attempted it).
    overview = teacher.get("/instructor").get_data(as_text=True)
    assert 'id="no-learners"' in overview
    assert 'id="no-responses"' in teacher.get("/instructor/responses").get_data(as_text=True)

    # The next preview replaces it, whatever the attempt limit or retake delay.
    teacher.start()
    with app.app_context():
        statuses = db.session().scalars(select(Attempt.status)).all()
    assert statuses == ["in_progress"]  # the finished preview is gone (SQLite may reuse its id)
    learner_of(slug).home()  # a learner is unaffected


def test_a_preview_ignores_the_dates_a_learner_does_not(
    app, make_assessment, instructor_of, learner_of, clock
):
    slug = make_assessment()
    teacher = instructor_of(slug)
    opens = (clock.now() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    teacher.post("/instructor/availability", {"opens_at": opens, "closes_at": ""})
    teacher.start()
    assert attempt_rows(app, teacher.attempt_id).preview
    ana = learner_of(slug)
    assert "/questions/" not in ana.post("/assessment/attempts").headers["Location"]


def test_a_learners_attempt_is_never_a_preview(app, make_assessment, learner_of):
    ana = learner_of(make_assessment())
    ana.start()
    assert attempt_rows(app, ana.attempt_id).preview is False
    assert 'id="preview-notice"' not in ana.home().get_data(as_text=True)


def test_staff_cannot_score_review_reopen_or_delete_a_preview(app, make_assessment, instructor_of):
    """A preview is no learner's attempt: raising its score by hand would give the staff
    member a best score and a grade (ADR 0019), so the attempt pages do not know it."""
    slug = make_assessment()
    teacher = instructor_of(slug)
    teacher.start()
    for position, response in answers_for(app, teacher, right=1):
        assert teacher.save(position, response).status_code == 200
    assert teacher.submit().status_code == 303
    preview = teacher.attempt_id
    colleague = instructor_of(slug, sub="98")
    for person in (teacher, colleague):
        raised = person.post(
            f"/instructor/attempts/{preview}/score", {"percent": "100", "reason": "mine"}
        )
        assert raised.status_code == 404
        assert person.get(f"/instructor/attempts/{preview}").status_code == 404
        for action in ("reopen", "delete"):
            done = person.post(f"/instructor/attempts/{preview}/{action}", {"reason": "x"})
            assert done.status_code == 404
    row = attempt_rows(app, preview)
    assert row.score_percent == 25 and row.status == "submitted"
    assert _count(app, BestScore) == 0 and _count(app, GradeOutbox) == 0
