"""What staff may do to one learner's attempt (issue 15, ADR 0018), over HTTP on both
backends: review it question by question, re-open a void one, delete one made by mistake,
raise a score by hand; each with a reason in the audit log, within the highest-score rule."""

from __future__ import annotations

from sqlalchemy import select

from lti_tool import db
from lti_tool.attempts.models import Attempt, BestScore
from lti_tool.audit.models import AuditEvent
from lti_tool.grades.models import GradeOutbox
from tests.integration.attempts.conftest import attempt_rows
from tests.integration.attempts.test_learner_flow import answers_for


def _scalar(app, statement):
    with app.app_context():
        return db.session().scalar(statement)


def _audited(app) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session().execute(select(AuditEvent.action, AuditEvent.reason)).all()
        return [tuple(row) for row in rows]


def _submitted(app, person, right: int) -> int:
    person.start()
    for position, response in answers_for(app, person, right=right):
        assert person.save(position, response).status_code == 200
    assert person.submit().status_code == 303
    return person.attempt_id


def test_the_instructor_reviews_an_attempt_with_answers_key_and_points(
    app, make_assessment, learner_of, instructor_of
):
    slug = make_assessment(review="none")  # the learner sees nothing; staff see everything
    ana = learner_of(slug)
    attempt_id = _submitted(app, ana, right=1)
    teacher = instructor_of(slug)
    page = teacher.get(f"/instructor/attempts/{attempt_id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and text.count('class="card review-item"') == 4
    assert "1 of 1 points" in text and "0 of 1 points" in text
    assert 'id="score-form"' in text and 'id="cannot-delete"' in text  # it is the best
    assert learner_of(slug, sub="5").get(f"/instructor/attempts/{attempt_id}").status_code == 403


def test_a_void_attempt_is_reopened_with_a_reason_and_continues(
    app, make_assessment, learner_of, instructor_of, clock
):
    slug = make_assessment()
    ana = learner_of(slug)
    ana.start()
    ana.save(1, answers_for(app, ana, right=1)[0][1])
    clock.advance(minutes=11)
    teacher = instructor_of(slug)
    assert teacher.get(f"/instructor/attempts/{ana.attempt_id}").status_code == 200  # settles
    assert attempt_rows(app, ana.attempt_id).status == "void"
    no_reason = teacher.post(f"/instructor/attempts/{ana.attempt_id}/reopen", {"reason": " "})
    assert no_reason.status_code == 400 and _audited(app) == []
    done = teacher.post(
        f"/instructor/attempts/{ana.attempt_id}/reopen", {"reason": "Power cut at the centre"}
    )
    assert done.status_code == 303 and "done=reopened" in done.headers["Location"]
    row = attempt_rows(app, ana.attempt_id)
    assert row.status == "in_progress" and row.questions[0].response is not None
    assert _audited(app) == [("attempt_reopened", "Power cut at the centre")]
    home = ana.home().get_data(as_text=True)
    assert 'id="continue-attempt"' in home
    again = teacher.post(f"/instructor/attempts/{ana.attempt_id}/reopen", {"reason": "twice"})
    assert again.status_code == 409


def test_an_attempt_made_by_mistake_is_deleted_but_never_the_best(
    app, make_assessment, learner_of, instructor_of
):
    slug = make_assessment()
    ana = learner_of(slug)
    best = _submitted(app, ana, right=3)
    mistake = _submitted(app, ana, right=0)
    teacher = instructor_of(slug)
    refused = teacher.post(f"/instructor/attempts/{best}/delete", {"reason": "oops"})
    assert refused.status_code == 409 and "best score" in refused.get_data(as_text=True)
    done = teacher.post(f"/instructor/attempts/{mistake}/delete", {"reason": "Wrong learner"})
    assert done.status_code == 303
    assert _scalar(app, select(Attempt.id).where(Attempt.id == mistake)) is None
    assert _scalar(app, select(Attempt.id).where(Attempt.id == best)) == best
    assert _audited(app) == [("attempt_deleted", "Wrong learner")]
    assert teacher.get(f"/instructor/attempts/{mistake}").status_code == 404
    audit_page = teacher.get("/instructor/audit").get_data(as_text=True)
    assert "Attempt deleted" in audit_page and "Wrong learner" in audit_page


def test_a_raised_score_becomes_the_best_and_goes_to_the_gradebook(
    app, make_assessment, learner_of, instructor_of
):
    slug = make_assessment()
    ana = learner_of(slug)
    attempt_id = _submitted(app, ana, right=2)  # 50 %
    teacher = instructor_of(slug)
    lower = teacher.post(
        f"/instructor/attempts/{attempt_id}/score", {"percent": "40", "reason": "x"}
    )
    assert lower.status_code == 400
    junk = teacher.post(
        f"/instructor/attempts/{attempt_id}/score", {"percent": "nan", "reason": "x"}
    )
    assert junk.status_code == 400
    done = teacher.post(
        f"/instructor/attempts/{attempt_id}/score",
        {"percent": "75", "reason": "Question 3 accepted both spellings"},
    )
    assert done.status_code == 303
    row = attempt_rows(app, attempt_id)
    assert row.score_percent == 75 and row.passed is True
    assert _scalar(app, select(BestScore.best_percent)) == 75
    assert _scalar(app, select(GradeOutbox.score_given)) == 75
    assert _audited(app) == [("score_overridden", "Question 3 accepted both spellings")]


def test_another_placements_attempt_is_not_found(app, make_assessment, learner_of, instructor_of):
    slug = make_assessment()
    ana = learner_of(slug)
    attempt_id = _submitted(app, ana, right=1)
    teacher = instructor_of(slug)
    assert teacher.get(f"/instructor/attempts/{attempt_id + 1000}").status_code == 404
    assert (
        teacher.post(
            f"/instructor/attempts/{attempt_id + 1000}/delete", {"reason": "x"}
        ).status_code
        == 404
    )


def test_an_attempt_a_certificate_names_is_not_deleted(
    app, make_assessment, learner_of, instructor_of, clock
):
    from lti_tool.certificates.models import Certificate

    slug = make_assessment()
    ana = learner_of(slug)
    passed = _submitted(app, ana, right=4)
    later = _submitted(app, ana, right=4)  # equal: the first keeps the best
    row = attempt_rows(app, later)
    with app.app_context(), db.session_scope() as session:
        session.add(
            Certificate(
                code="TESTCODE00000001",
                placement_id=row.placement_id,
                user_id=row.user_id,
                attempt_id=later,
                assessment_version_id=row.assessment_version_id,
                learner_name="Ana",
                course_title="Course",
                assessment_title={"en": "Test"},
                assessment_default_language="en",
                score_percent=100.0,
                achieved_at=clock.now(),
                issued_at=clock.now(),
            )
        )
    teacher = instructor_of(slug)
    refused = teacher.post(f"/instructor/attempts/{later}/delete", {"reason": "oops"})
    assert refused.status_code == 409 and "certificate" in refused.get_data(as_text=True)
    assert _scalar(app, select(Attempt.id).where(Attempt.id == later)) == later
    assert _scalar(app, select(Attempt.id).where(Attempt.id == passed)) == passed
    assert _audited(app) == []
