"""The audit log (issue 15): staff changes are recorded in the same transaction, with who,
what, whom, why and when; instructors read them on a page and as CSV; learners cannot."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import select

from lti_tool import db
from lti_tool.audit.models import AuditEvent


def _events(app) -> list[AuditEvent]:
    """The entries as committed, detached with their columns loaded."""
    with app.app_context():
        session = db.session()
        events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        session.expunge_all()
        return events


def test_dates_and_allowances_are_audited_and_shown_to_instructors(
    app, make_assessment, learner_of, instructor_of, clock
):
    slug = make_assessment()
    ana = learner_of(slug)
    ana.home()
    teacher = instructor_of(slug)
    closes = (clock.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    teacher.post("/instructor/availability", {"opens_at": "", "closes_at": closes})
    user_id = _learner_id(app)
    teacher.post(f"/instructor/learners/{user_id}/accommodation", {"minutes": "45"})
    events = _events(app)
    assert [e.action for e in events] == ["availability_set", "allowance_set"]
    assert events[0].details["closes_at"].endswith("UTC") and events[0].staff_user_id
    assert events[1].learner_user_id == user_id and events[1].details == {"minutes": 45}

    page = teacher.get("/instructor/audit")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="audit-table"' in text
    assert "Availability dates set" in text and "Inactivity allowance set" in text
    assert "45 minutes" in text
    assert 'id="audit-log-link"' in teacher.get("/instructor").get_data(as_text=True)

    exported = teacher.get("/instructor/audit/export.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["when_utc", "action", "staff"]
    assert [row[1] for row in rows[1:]] == ["allowance_set", "availability_set"]  # newest first


def test_a_refused_change_leaves_no_entry(app, make_assessment, instructor_of):
    teacher = instructor_of(make_assessment())
    assert teacher.post("/instructor/availability", {"opens_at": "junk"}).status_code == 400
    assert _events(app) == []
    page = teacher.get("/instructor/audit").get_data(as_text=True)
    assert 'id="audit-empty"' in page


def test_learners_cannot_read_the_audit_log(app, make_assessment, learner_of):
    ana = learner_of(make_assessment())
    assert ana.get("/instructor/audit").status_code == 403
    assert ana.get("/instructor/audit/export.csv").status_code == 403


def test_an_instructor_sees_only_the_entries_of_their_own_placement(
    app, make_assessment, instructor_of, moodle, client, clock
):
    from tests.integration.attempts.conftest import Person
    from tests.support.signed_launches import launch

    slug = make_assessment()
    teacher = instructor_of(slug)
    teacher.post("/instructor/availability", {"opens_at": "", "closes_at": ""})
    response, _token = launch(
        client,
        moodle,
        clock.now().timestamp(),
        role="Instructor",
        sub="98",
        custom={"assessment": slug},
        claims_edit=_another_activity,
    )
    from urllib.parse import parse_qs, urlsplit

    other = Person(app, parse_qs(urlsplit(response.headers["Location"]).query)["lt"][0])
    page = other.get("/instructor/audit").get_data(as_text=True)
    assert 'id="audit-empty"' in page


def _another_activity(claims: dict) -> None:
    claims["https://purl.imsglobal.org/spec/lti/claim/resource_link"] = {"id": "another-activity"}


def _learner_id(app) -> int:
    from lti_tool.launch.models import LtiUser

    with app.app_context():
        return db.session().scalar(select(LtiUser.id).where(LtiUser.sub == "4"))
