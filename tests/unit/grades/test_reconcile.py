from __future__ import annotations

import pytest
from sqlalchemy import select

from lti_tool.grades.ags_client import SCOPE_SCORE
from lti_tool.grades.models import DELIVERED, PENDING, GradeOutbox
from lti_tool.grades.outbox import enqueue_grade
from lti_tool.grades.reconcile import ReconcileError, reconcile_placement
from lti_tool.launch.models import Placement
from tests.support.grade_fixtures import ScriptedAgsClient


def _delivered(sessions, course, clock, scores):
    with sessions.begin() as session:
        for sub, score in scores.items():
            row = enqueue_grade(
                session,
                placement_id=course.placement_id,
                user_id=course.users[sub],
                attempt_id=1,
                score_given=score,
                score_maximum=10,
                timestamp=clock.now(),
            )
            row.state, row.delivered_version = DELIVERED, 1


def test_differences_are_requeued_as_a_new_version_after_the_platform_s_timestamp(
    sessions, course, clock
):
    _delivered(sessions, course, clock, {"4": 7, "5": 5})
    client = ScriptedAgsClient(
        results_answer=[
            {
                "userId": "4",
                "resultScore": 40,
                "resultMaximum": 100,
                "timestamp": "2026-11-23T10:00:00+00:00",
            },
            {"userId": "5", "resultScore": 50, "resultMaximum": 100},
            {"userId": "99", "resultScore": 1, "resultMaximum": 100},
        ]
    )
    report = reconcile_placement(sessions, client, clock, course.placement_id)
    assert report.checked == 2 and report.unknown_on_platform == 1
    assert [(d.user_sub, d.ours, d.platform) for d in report.requeued] == [("4", 0.7, 0.4)]
    with sessions() as session:
        rows = {r.user_id: r for r in session.scalars(select(GradeOutbox))}
    four = rows[course.users["4"]]
    assert (four.state, four.version, four.score_timestamp.isoformat()) == (
        PENDING,
        2,
        "2026-11-23T10:00:01+00:00",
    )
    assert rows[course.users["5"]].state == DELIVERED


def test_a_placement_without_the_result_scope_cannot_be_reconciled(sessions, course, clock):
    with sessions.begin() as session:
        session.get(Placement, course.placement_id).ags_scopes = [SCOPE_SCORE]
    with pytest.raises(ReconcileError, match=r"result\.readonly"):
        reconcile_placement(sessions, ScriptedAgsClient(), clock, course.placement_id)
