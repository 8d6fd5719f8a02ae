"""`flask grades status`: administrators find a stuck grade by the names they know (learner,
activity, course, platform), with the reason and the platform's last answer."""

from __future__ import annotations

from lti_tool.db import session_scope
from lti_tool.grades.models import FAILED, GradeOutbox
from lti_tool.grades.outbox import enqueue_grade
from tests.support.grade_fixtures import seed_course


def test_status_names_learners_and_activities(app, clock, runner):
    with app.app_context(), session_scope() as session:
        course = seed_course(session, clock.now(), learners=("4", "5", "6"), title="Final exam")
        for sub in ("4", "5", "6"):
            enqueue_grade(
                session,
                placement_id=course.placement_id,
                user_id=course.users[sub],
                attempt_id=1,
                score_given=8,
                score_maximum=10,
                timestamp=clock.now(),
            )
        session.flush()
        rows = {r.user_id: r for r in session.query(GradeOutbox)}
        failed = rows[course.users["5"]]
        failed.state, failed.last_error_code, failed.last_http_status = (
            FAILED,
            "user_not_gradable",
            400,
        )
        failed.last_error_detail = "User not enrolled"
        retrying = rows[course.users["4"]]
        retrying.tries, retrying.last_error_code, retrying.last_http_status = 2, "server_error", 503
        placement_id = course.placement_id

    result = runner.invoke(args=["grades", "status"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "delivered: 0, pending: 2, failed: 1"
    assert lines[1] == f'"Final exam" on Moodle (--placement {placement_id})'
    assert lines[2].startswith("  Learner 4 (user 4): pending, 2 tries, server_error (HTTP 503)")
    assert "next try at 2026-" in lines[2]
    assert lines[4] == "  Learner 5 (user 5): failed, 0 tries, user_not_gradable (HTTP 400)"
    assert "not enrolled with a graded role" in lines[5]
    assert lines[6] == "    platform said: User not enrolled"
    assert "Learner 6" not in result.output  # waiting for its first try: not a problem
