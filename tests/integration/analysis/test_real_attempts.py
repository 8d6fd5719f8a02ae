"""Attempts taken through the learner pages (every item type), read back by the analysis:
the language of each attempt is its launch's, each drawn item appears once with the options
the learner chose, and the figures agree with the scores the attempts got."""

from __future__ import annotations

import csv
import io

from tests.integration.attempts.conftest import (  # noqa: F401 - fixtures
    attempt_rows,
    instructor_of,
    learner_of,
    make_assessment,
    moodle,
)
from tests.support.attempt_content import right_response


def _take(app, person, right: bool) -> None:
    person.start()
    for q in attempt_rows(app, person.attempt_id).questions:
        if right:
            assert person.save(q.position, right_response(q.item_version)).status_code == 200
    assert person.submit().status_code == 303


def _csv(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True)[1:])))


def test_attempts_of_every_item_type(app, make_assessment, learner_of, instructor_of):  # noqa: F811
    slug = make_assessment(all_types=True)
    _take(app, learner_of(slug, sub="4", locale="es"), right=True)
    _take(app, learner_of(slug, sub="5", locale="en"), right=False)
    teacher = instructor_of(slug)
    page = teacher.get("/instructor/analysis/", selection="all")
    assert page.status_code == 200, page.get_data(as_text=True)

    responses = _csv(teacher.get("/instructor/analysis/responses.csv"))
    assert {r["language"] for r in responses} == {"es", "en"}
    assert len(responses) == 2 * 7  # seven questions drawn per attempt
    right = [r for r in responses if r["language"] == "es"]
    assert all(r["score"] == "1.0" for r in right)
    chosen = {r["item"].rsplit("-", 1)[1]: r["options_chosen"] for r in right}
    assert chosen["tf"] == "true" and chosen["mr"] == "a b" and chosen["sa"] == ""
    assert {r["attempt_score_percent"] for r in right} == {"100.0"}

    items = {
        r["item"].rsplit("-", 1)[1]: r
        for r in _csv(teacher.get("/instructor/analysis/items.csv", selection="all"))
    }
    assert items["tf"]["attempts"] == "2" and items["tf"]["facility"] == "0.5"
    assert items["tf"]["options"] == "true*=1; false=0"
    assert items["mr"]["options"].startswith("a*=1; b*=1; c=0")


def test_a_staff_preview_is_left_out_of_every_figure(
    app,
    make_assessment,  # noqa: F811
    learner_of,  # noqa: F811
    instructor_of,  # noqa: F811
):
    slug = make_assessment(all_types=True)
    _take(app, learner_of(slug, sub="4"), right=False)
    teacher = instructor_of(slug)
    _take(app, teacher, right=True)  # from a staff launch: a throwaway preview (ADR 0019)

    responses = _csv(teacher.get("/instructor/analysis/responses.csv", selection="all"))
    assert {r["attempt_score_percent"] for r in responses} == {"0.0"}  # the learner's only
    assert len(responses) == 7
    items = _csv(teacher.get("/instructor/analysis/items.csv", selection="all"))
    assert sum(int(r["attempts"]) for r in items) == 7  # one attempt's seven draws


def test_the_data_stamp_moves_when_a_score_changes_by_hand(app, make_assessment, learner_of):  # noqa: F811
    from sqlalchemy import select, update

    from lti_tool import db
    from lti_tool.analysis.reading import data_stamp
    from lti_tool.attempts.models import Attempt

    learner = learner_of(make_assessment(all_types=True), sub="4")
    _take(app, learner, right=False)
    with app.app_context(), db.session_scope() as session:
        attempt = session.scalars(select(Attempt)).one()
        before = data_stamp(session, attempt.placement_id, attempt.assessment_version_id)
        session.execute(update(Attempt).values(score_percent=80.0))  # a manual override, say
        after = data_stamp(session, attempt.placement_id, attempt.assessment_version_id)
    assert (after.attempts, after.last_attempt_id) == (before.attempts, before.last_attempt_id)
    assert after != before  # so the cached figures are computed again
