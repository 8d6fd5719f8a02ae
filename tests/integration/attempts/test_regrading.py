"""Regrading after a corrected key (issue 15, ADR 0019), over HTTP on both backends: the
instructor sees the changes first; applying raises scores (and the best and the grade), never
lowers one, and records each rise in the audit log."""

from __future__ import annotations

import yaml
from sqlalchemy import select

from lti_tool import db
from lti_tool.audit.models import AuditEvent
from lti_tool.grades.models import GradeOutbox
from tests.integration.attempts.conftest import attempt_rows
from tests.support.attempt_content import assessment_yaml


def _publish_corrected(app, tmp_path, clock, slug: str) -> None:
    """The same assessment with the key of the choice questions moved from b to a."""
    from item_bank.loading import import_files

    raw = assessment_yaml(slug)
    for item in raw["pools"][0]["items"]:
        for option in item["options"]:
            option["correct"] = option["id"] == "a"
    path = tmp_path / f"{slug}-corrected.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True))
    with app.app_context(), db.session_scope() as session:
        assert import_files(session, [path], now=clock.now()).validation.ok


def _answer_choices(app, person, choice: str) -> None:
    for q in attempt_rows(app, person.attempt_id).questions:
        if q.item_version.type == "single_choice":
            assert person.save(q.position, {"choice": choice}).status_code == 200


def test_the_changes_are_shown_then_only_rises_are_applied(
    app, make_assessment, learner_of, instructor_of, clock, tmp_path
):
    slug = make_assessment(slug="regrade-me")
    ana, ben = learner_of(slug, sub="4"), learner_of(slug, sub="5")
    for person, choice in ((ana, "a"), (ben, "b")):
        person.start()
        _answer_choices(app, person, choice)
        assert person.submit().status_code == 303
    assert attempt_rows(app, ana.attempt_id).score_percent == 0
    assert attempt_rows(app, ben.attempt_id).score_percent == 50
    teacher = instructor_of(slug)
    assert 'id="no-rises"' in teacher.get("/instructor/regrade").get_data(as_text=True)

    _publish_corrected(app, tmp_path, clock, slug)
    page = teacher.get("/instructor/regrade").get_data(as_text=True)
    assert f'id="rise-{ana.attempt_id}"' in page and f'id="fall-{ben.attempt_id}"' in page
    assert attempt_rows(app, ana.attempt_id).score_percent == 0  # showing changes nothing

    assert teacher.post("/instructor/regrade", {"reason": ""}).status_code == 400
    done = teacher.post("/instructor/regrade", {"reason": "Key of Q1-Q3 corrected"})
    assert done.status_code == 303 and "applied=1" in done.headers["Location"]
    assert attempt_rows(app, ana.attempt_id).score_percent == 50
    assert attempt_rows(app, ben.attempt_id).score_percent == 50  # would fall: kept
    with app.app_context():
        rows = db.session().execute(select(GradeOutbox.user_id, GradeOutbox.score_given))
        grades = {user_id: score for user_id, score in rows}
        audited = db.session().scalars(select(AuditEvent.action)).all()
    assert sorted(grades.values()) == [50.0, 50.0]
    assert audited == ["attempt_regraded"]
    # Regrading again changes nothing more.
    again = teacher.get("/instructor/regrade").get_data(as_text=True)
    assert 'id="no-rises"' in again


def test_learners_cannot_regrade(app, make_assessment, learner_of):
    ana = learner_of(make_assessment())
    assert ana.get("/instructor/regrade").status_code == 403
    assert ana.post("/instructor/regrade", {"reason": "x"}).status_code == 403
