"""What learners and instructors are shown about grade delivery (status functions + the two
templates the attempts pages include)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import render_template

from lti_tool.db import session_scope
from lti_tool.grades.models import DELIVERED, FAILED, GradeOutbox
from lti_tool.grades.outbox import enqueue_grade
from lti_tool.grades.status import learner_grade_status, placement_deliveries
from tests.support.grade_fixtures import seed_course


def _setup(app, clock):
    with app.app_context(), session_scope() as session:
        course = seed_course(session, clock.now(), learners=("4", "5", "6"))
        for sub, score in (("4", 7), ("5", 4.5), ("6", 9)):
            enqueue_grade(
                session,
                placement_id=course.placement_id,
                user_id=course.users[sub],
                attempt_id=1,
                score_given=score,
                score_maximum=10,
                timestamp=clock.now(),
            )
    return course


def _row(session, course, sub):
    return session.query(GradeOutbox).filter_by(user_id=course.users[sub]).one()


def _render_learner(app, status, locale="en"):
    with app.test_request_context(headers={"Accept-Language": locale}):
        return render_template("grades/_learner_status.html", grade_status=status)


def test_learner_status_follows_the_outbox_row(app, clock):
    course = _setup(app, clock)
    with app.app_context(), session_scope() as session:
        assert learner_grade_status(session, course.placement_id, 999) is None
        waiting = learner_grade_status(session, course.placement_id, course.users["4"])
        assert (waiting.state, waiting.score_given, waiting.delivered_score) == ("waiting", 7, None)
        row = _row(session, course, "4")
        row.state, row.delivered_version, row.delivered_score = DELIVERED, 1, 7
        row.delivered_at = clock.now()
        failed = _row(session, course, "5")
        failed.state, failed.last_error_code = FAILED, "user_not_gradable"
    with app.app_context(), session_scope() as session:
        assert learner_grade_status(session, course.placement_id, course.users["4"]).in_gradebook
        assert learner_grade_status(session, course.placement_id, course.users["5"]).failed
        # A newer best on its way while the older one is in the gradebook.
        enqueue_grade(
            session,
            placement_id=course.placement_id,
            user_id=course.users["4"],
            attempt_id=2,
            score_given=9.5,
            score_maximum=10,
            timestamp=clock.now() + timedelta(minutes=5),
        )
    with app.app_context(), session_scope() as session:
        newer = learner_grade_status(session, course.placement_id, course.users["4"])
        assert (newer.state, newer.score_given, newer.delivered_score) == ("waiting", 9.5, 7)


def test_the_learner_template_says_where_the_grade_is(app, clock):
    course = _setup(app, clock)
    with app.app_context(), session_scope() as session:
        waiting = learner_grade_status(session, course.placement_id, course.users["4"])
        row = _row(session, course, "5")
        row.state, row.last_error_code = FAILED, "forbidden"
        session.flush()
        failed = learner_grade_status(session, course.placement_id, course.users["5"])
        row = _row(session, course, "6")
        row.state, row.delivered_version, row.delivered_score = DELIVERED, 1, 9
        session.flush()
        done = learner_grade_status(session, course.placement_id, course.users["6"])
    html = _render_learner(app, waiting)
    assert 'data-grade-status="waiting"' in html and 'role="status"' in html
    assert "Your best score (7 out of 10) is waiting to be sent" in html
    assert 'aria-labelledby="grade-status-heading"' in html and 'id="grade-status-heading"' in html
    # While waiting, the page asks again by itself (a script file: the CSP forbids inline ones).
    assert 'data-poll-url="/assessment/grade-status' in html and "grade_status.js" in html
    assert "<script>" not in html
    html = _render_learner(app, failed)
    assert 'data-grade-status="failed"' in html and 'aria-live="polite"' in html
    assert "4.5 out of 10" in html and "your instructor has been told" in html
    assert "data-poll-url" not in html and "grade_status.js" not in html
    html = _render_learner(app, done)
    assert "Your best score (9 out of 10) is in the course gradebook." in html
    assert "data-poll-url" not in html
    assert _render_learner(app, None).strip() == ""
    assert "4,5" in _render_learner(app, failed, locale="fr") or "4,5" in _render_learner(
        app, failed, locale="es"
    )  # numbers in the reader's locale


def test_instructors_see_pending_and_failed_deliveries_with_the_reason(app, clock):
    course = _setup(app, clock)
    with app.app_context(), session_scope() as session:
        row = _row(session, course, "5")
        row.state, row.last_error_code, row.last_http_status = FAILED, "user_not_gradable", 400
        row.last_error_detail = '<script>alert("x")</script> user is not gradable'
        row = _row(session, course, "6")
        row.state, row.delivered_version = DELIVERED, 1
        row = _row(session, course, "4")
        row.tries, row.last_error_code, row.last_http_status = 2, "server_error", 503
        session.flush()
        deliveries = placement_deliveries(session, course.placement_id)
    assert deliveries.delivered == 1 and deliveries.total == 3 and deliveries.has_problems
    [pending] = deliveries.pending
    [failed] = deliveries.failed
    assert (pending.learner_name, pending.tries, pending.http_status) == ("Learner 4", 2, 503)
    assert "retried automatically" in pending.reason
    assert failed.is_failed and "not enrolled with a graded role" in failed.reason
    with app.test_request_context():
        html = render_template("grades/_instructor_deliveries.html", deliveries=deliveries)
    assert "In the gradebook: 1. Waiting: 1. Could not be sent: 1." in html
    assert 'data-grade-deliveries="failed"' in html and 'data-grade-deliveries="pending"' in html
    assert '<th scope="row">Learner 5</th>' in html
    # A body starting with markup is somebody's page: named, never quoted.
    assert "The platform answered HTTP 400 with an HTML page." in html
    assert "script" not in html
    assert "administrator to send them again" in html and "flask" not in html
    assert "The platform had an internal error." in html and "HTTP 503." in html
    assert html.count("<caption>") == 2


def _failed_delivery(app, clock, code, status, detail):
    """The instructor's view of learner 5's grade failed with `code`: the item and the HTML."""
    course = _setup(app, clock)
    with app.app_context(), session_scope() as session:
        row = _row(session, course, "5")
        row.state, row.last_error_code = FAILED, code
        row.last_http_status, row.last_error_detail = status, detail
        session.flush()
        deliveries = placement_deliveries(session, course.placement_id)
    with app.test_request_context():
        html = render_template("grades/_instructor_deliveries.html", deliveries=deliveries)
    [failed] = deliveries.failed
    return failed, html


@pytest.mark.parametrize(
    ("status", "detail", "shown"),
    [
        (400, "User not enrolled", "HTTP 400: User not enrolled"),
        (404, "2048 bytes of text/html", "The platform answered HTTP 404 with an HTML page."),
        # Rows written before pages were recognised hold the page's first line.
        (404, "<!DOCTYPE html>", "The platform answered HTTP 404 with an HTML page."),
        (400, "", "The platform answered HTTP 400."),
    ],
)
def test_instructors_read_a_short_account_of_the_platform_s_answer(
    app, clock, status, detail, shown
):
    failed, html = _failed_delivery(app, clock, "user_not_gradable", status, detail)
    assert failed.answer_line == shown
    assert "DOCTYPE" not in html and "bytes of" not in html
    assert "not enrolled with a graded role" in failed.instructor_reason


@pytest.mark.parametrize(
    "code", ["destination_refused", "no_signing_key", "client_id_shared", "internal_error"]
)
def test_a_fault_of_the_tool_s_setup_sends_the_instructor_to_its_administrator(app, clock, code):
    failed, html = _failed_delivery(app, clock, code, None, "10.0.0.7 is not a public address")
    assert "Ask the tool's administrator" in failed.instructor_reason
    assert "nothing needs to change in your course" in failed.instructor_reason
    # Settings, commands and addresses only an administrator can use stay out of the page.
    for admin_only in ("EMM_", "flask", "10.0.0.7"):
        assert admin_only not in html
    assert failed.reason != failed.instructor_reason  # administrators keep the full sentence


@pytest.mark.parametrize(("code", "status"), [("token_refused", 400), ("forbidden", 403)])
def test_a_fault_of_the_platform_s_registration_sends_the_instructor_to_its_administrator(
    app, clock, code, status
):
    failed, html = _failed_delivery(app, clock, code, status, "invalid_client")
    assert "Ask the platform's administrator" in failed.instructor_reason
    assert "nothing needs to change in your course" in failed.instructor_reason
    assert f"HTTP {status}: invalid_client" in html and "flask" not in html


def test_instructors_see_that_all_is_well(app, clock):
    course = _setup(app, clock)
    with app.app_context(), session_scope() as session:
        for row in session.query(GradeOutbox):
            row.state, row.delivered_version = DELIVERED, 1
        session.flush()
        deliveries = placement_deliveries(session, course.placement_id)
    with app.test_request_context():
        html = render_template("grades/_instructor_deliveries.html", deliveries=deliveries)
    assert "Every grade is in the course gradebook." in html and "<table" not in html


def test_instructors_see_when_there_is_nothing_to_send_yet(app, clock):
    with app.app_context(), session_scope() as session:
        course = seed_course(session, clock.now())
        deliveries = placement_deliveries(session, course.placement_id)
    with app.test_request_context():
        html = render_template("grades/_instructor_deliveries.html", deliveries=deliveries)
    assert "no grade to send" in html and "Every grade" not in html
