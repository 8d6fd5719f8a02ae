"""A certificate exists exactly when it is deserved: the rules, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lti_tool import db
from lti_tool.certificates import codes
from lti_tool.certificates.eligibility import (
    AVAILABLE,
    FORMS_PENDING,
    ISSUED,
    NAME_MISSING,
    NO_ASSESSMENT,
    NOT_PASSED,
    REVOKED,
    learner_certificate_state,
)
from lti_tool.certificates.issuing import CertificateNotFound, issue_if_eligible, reissue, revoke
from lti_tool.certificates.models import Certificate
from lti_tool.certificates.verification import VALID, verify
from lti_tool.forms.attachments import AttachmentError, attach_form
from lti_tool.forms.models import FormAttachment
from lti_tool.forms.submissions import (
    CLOSED,
    NOT_YET,
    OPEN,
    SUBMITTED,
    FormRefused,
    InvalidAnswers,
    learner_forms,
    submit_form,
)
from tests.integration.certificates import factories

EVALUATION = {
    "objectives-clear": "5",
    "content-relevant": "4",
    "materials-quality": "4",
    "assessment-fair": "3",
    "recommend": "5",
    "liked-most": "The case studies",
}
SELF = {"programme": "4", "iom": "3", "migof": "4", "cooperation": "2"}


@pytest.fixture
def world(app, clock):
    with app.app_context():
        session = db.session()
        now = clock.now()
        version = factories.make_assessment(session, now)
        deployment = factories.make_platform(session, now)
        placement = factories.make_placement(session, deployment, now)
        learner = factories.make_learner(session, deployment, now, "Ana Pérez")
        session.commit()
        yield session, version, placement, learner, deployment


def certificate_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Certificate))


def test_no_completed_attempt_means_no_certificate(world, clock):
    session, _version, placement, learner, _ = world
    state = learner_certificate_state(session, placement.id, learner.id)
    assert state.status == NOT_PASSED and not state.eligible and state.best is None
    assert issue_if_eligible(session, placement.id, learner.id, now=clock.now()) is None
    assert certificate_count(session) == 0


def test_a_score_below_the_pass_mark_gives_no_certificate(world, clock):
    session, version, placement, learner, _ = world
    factories.finish_attempt(session, version, placement.id, learner.id, 69.9, clock.now())
    assert learner_certificate_state(session, placement.id, learner.id).status == NOT_PASSED
    assert issue_if_eligible(session, placement.id, learner.id, now=clock.now()) is None
    assert certificate_count(session) == 0


def test_the_certificate_reads_the_attempt_engines_pass(world, clock):
    # One definition of "passed" (attempts.rules.has_passed): a best score below the current
    # pass mark still counts as passed when an earlier attempt passed under its own version's.
    session, version, placement, learner, _ = world
    factories.finish_attempt(session, version, placement.id, learner.id, 50.0, clock.now())
    from lti_tool.attempts.models import BestScore

    best = session.scalar(select(BestScore))
    assert learner_certificate_state(session, placement.id, learner.id).status == NOT_PASSED
    best.passed = True  # as an earlier attempt at a lower pass mark leaves it
    session.flush()
    assert learner_certificate_state(session, placement.id, learner.id).status == AVAILABLE


def test_a_placement_without_assessment_has_no_certificate(world, clock):
    session, _version, placement, learner, _ = world
    placement.assessment_slug = None
    session.flush()
    assert learner_certificate_state(session, placement.id, learner.id).status == NO_ASSESSMENT
    assert learner_certificate_state(session, None, learner.id).status == NO_ASSESSMENT


def test_passing_at_exactly_the_pass_mark_issues_one_certificate_with_a_snapshot(world, clock):
    session, version, placement, learner, _ = world
    failed_at = clock.now()
    factories.finish_attempt(session, version, placement.id, learner.id, 55.0, failed_at)
    passed_at = clock.advance(days=2)
    attempt = factories.finish_attempt(session, version, placement.id, learner.id, 70.0, passed_at)
    assert learner_certificate_state(session, placement.id, learner.id).status == AVAILABLE

    issued_at = clock.advance(hours=1)
    certificate = issue_if_eligible(session, placement.id, learner.id, now=issued_at)
    session.commit()
    assert certificate is not None and len(certificate.code) == 16
    assert (certificate.learner_name, certificate.course_title) == ("Ana Pérez", factories.COURSE)
    assert certificate.assessment_title == factories.TITLES
    assert certificate.attempt_id == attempt.id and certificate.score_percent == 70.0
    assert certificate.achieved_at == passed_at and certificate.issued_at == issued_at

    again = issue_if_eligible(session, placement.id, learner.id, now=clock.advance(hours=1))
    assert again.id == certificate.id and certificate_count(session) == 1
    state = learner_certificate_state(session, placement.id, learner.id)
    assert state.status == ISSUED and state.eligible and state.certificate.id == certificate.id


def test_a_later_higher_score_does_not_change_an_issued_certificate(world, clock):
    session, version, placement, learner, _ = world
    factories.finish_attempt(session, version, placement.id, learner.id, 75.0, clock.now())
    certificate = issue_if_eligible(session, placement.id, learner.id, now=clock.now())
    factories.finish_attempt(
        session, version, placement.id, learner.id, 95.0, clock.advance(days=1)
    )
    assert (
        issue_if_eligible(session, placement.id, learner.id, now=clock.now()).id == certificate.id
    )
    assert certificate.score_percent == 75.0  # what was printed is what verifies


def test_a_learner_whose_name_the_platform_withholds_gets_no_certificate(world, clock):
    session, version, placement, _learner, deployment = world
    anonymous = factories.make_learner(session, deployment, clock.now(), name="")
    factories.finish_attempt(session, version, placement.id, anonymous.id, 90.0, clock.now())
    assert learner_certificate_state(session, placement.id, anonymous.id).status == NAME_MISSING
    assert issue_if_eligible(session, placement.id, anonymous.id, now=clock.now()) is None
    # Given and family names are enough.
    named = factories.make_learner(
        session, deployment, clock.now(), name="", given_name="Dewi", family_name="Lestari"
    )
    factories.finish_attempt(session, version, placement.id, named.id, 90.0, clock.now())
    assert (
        issue_if_eligible(session, placement.id, named.id, now=clock.now()).learner_name
        == "Dewi Lestari"
    )


def test_certificates_are_per_learner_and_per_placement(world, clock):
    session, version, placement, learner, deployment = world
    other_placement = factories.make_placement(
        session, deployment, clock.now(), course="Another course"
    )
    other = factories.make_learner(session, deployment, clock.now(), "Ben Okafor")
    factories.finish_attempt(session, version, placement.id, learner.id, 80.0, clock.now())
    factories.finish_attempt(session, version, other_placement.id, other.id, 40.0, clock.now())
    assert issue_if_eligible(session, placement.id, learner.id, now=clock.now()) is not None
    assert issue_if_eligible(session, placement.id, other.id, now=clock.now()) is None
    assert issue_if_eligible(session, other_placement.id, learner.id, now=clock.now()) is None
    assert issue_if_eligible(session, other_placement.id, other.id, now=clock.now()) is None


def test_the_database_refuses_a_second_valid_certificate_for_one_learner(world, clock):
    session, version, placement, learner, _ = world
    factories.finish_attempt(session, version, placement.id, learner.id, 80.0, clock.now())
    first = issue_if_eligible(session, placement.id, learner.id, now=clock.now())
    session.commit()
    duplicate = Certificate(
        code=codes.new_code(),
        placement_id=placement.id,
        user_id=learner.id,
        attempt_id=first.attempt_id,
        assessment_version_id=version.id,
        learner_name="Ana Pérez",
        course_title="x",
        assessment_title={},
        assessment_default_language="en",
        score_percent=80.0,
        achieved_at=clock.now(),
        issued_at=clock.now(),
        revoked_at=None,
        revoked_reason=None,
    )
    session.add(duplicate)
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_revoked_certificates_verify_as_revoked_and_are_not_reissued_by_passing_again(world, clock):
    session, version, placement, learner, _ = world
    factories.finish_attempt(session, version, placement.id, learner.id, 80.0, clock.now())
    certificate = issue_if_eligible(session, placement.id, learner.id, now=clock.now())
    with pytest.raises(ValueError):
        revoke(session, certificate.code, reason="   ", now=clock.now())
    with pytest.raises(CertificateNotFound):
        revoke(session, "0000-0000-0000-0000", reason="x", now=clock.now())
    revoked_at = clock.advance(days=3)
    revoke(
        session,
        codes.display(certificate.code).lower(),
        reason="Academic misconduct",
        now=revoked_at,
    )
    revoke(session, certificate.code, reason="again", now=clock.advance(days=1))  # idempotent
    session.commit()
    assert (certificate.revoked_at, certificate.revoked_reason) == (
        revoked_at,
        "Academic misconduct",
    )

    state = learner_certificate_state(session, placement.id, learner.id)
    assert state.status == REVOKED and not state.eligible
    factories.finish_attempt(
        session, version, placement.id, learner.id, 100.0, clock.advance(days=1)
    )
    assert issue_if_eligible(session, placement.id, learner.id, now=clock.now()) is None
    assert certificate_count(session) == 1
    result = verify(session, certificate.code)
    assert (
        result.status == "revoked" and result.revoked_at == revoked_at and result.learner_name == ""
    )


def test_reissuing_replaces_the_code_and_takes_the_corrected_name(world, clock):
    session, version, placement, learner, _ = world
    factories.finish_attempt(session, version, placement.id, learner.id, 80.0, clock.now())
    old = issue_if_eligible(session, placement.id, learner.id, now=clock.now())
    learner.name = "Ana María Pérez"
    new = reissue(session, old.code, now=clock.advance(days=1))
    session.commit()
    assert (
        new.code != old.code
        and new.learner_name == "Ana María Pérez"
        and new.attempt_id == old.attempt_id
    )
    assert old.revoked_reason == f"Replaced by {codes.display(new.code)}"
    assert verify(session, old.code).status == "revoked"
    assert verify(session, new.code).status == VALID
    assert learner_certificate_state(session, placement.id, learner.id).certificate.id == new.id


def test_required_forms_hold_the_certificate_until_both_are_submitted(world, clock):
    session, version, placement, learner, _ = world
    now = clock.now()
    factories.load_forms(session, now)
    factories.attach(session, now, "emm2-course-evaluation", required=True)
    factories.attach(session, now, "emm2-self-assessment", required=True)
    factories.finish_attempt(session, version, placement.id, learner.id, 85.0, now)

    state = learner_certificate_state(session, placement.id, learner.id)
    assert state.status == FORMS_PENDING and not state.eligible
    assert {f.slug for f in state.pending_forms} == {
        "emm2-course-evaluation",
        "emm2-self-assessment",
    }
    assert issue_if_eligible(session, placement.id, learner.id, now=now) is None

    submit_form(session, placement, learner.id, "emm2-course-evaluation", EVALUATION, now=now)
    state = learner_certificate_state(session, placement.id, learner.id)
    assert state.status == FORMS_PENDING and [f.slug for f in state.pending_forms] == [
        "emm2-self-assessment"
    ]

    submit_form(
        session, placement, learner.id, "emm2-self-assessment", SELF, now=clock.advance(minutes=5)
    )
    assert learner_certificate_state(session, placement.id, learner.id).status == AVAILABLE
    assert issue_if_eligible(session, placement.id, learner.id, now=clock.now()) is not None


def test_optional_forms_do_not_hold_the_certificate(world, clock):
    session, version, placement, learner, _ = world
    factories.load_forms(session, clock.now())
    factories.attach(session, clock.now(), "emm2-course-evaluation", required=False)
    factories.finish_attempt(session, version, placement.id, learner.id, 85.0, clock.now())
    state = learner_certificate_state(session, placement.id, learner.id)
    assert state.status == AVAILABLE and [f.slug for f in state.open_forms] == [
        "emm2-course-evaluation"
    ]


def test_when_each_form_opens_and_closes(world, clock):
    session, version, placement, learner, _ = world
    factories.load_forms(session, clock.now())
    factories.attach(session, clock.now(), "emm2-course-evaluation", required=True)
    factories.attach(session, clock.now(), "emm2-entry-questionnaire")
    before = {f.slug: f.status for f in learner_forms(session, placement, learner.id)}
    assert before == {"emm2-course-evaluation": NOT_YET, "emm2-entry-questionnaire": OPEN}
    with pytest.raises(FormRefused) as refused:
        submit_form(
            session, placement, learner.id, "emm2-course-evaluation", EVALUATION, now=clock.now()
        )
    assert refused.value.code == NOT_YET

    factories.finish_attempt(session, version, placement.id, learner.id, 40.0, clock.now())
    after = {f.slug: f.status for f in learner_forms(session, placement, learner.id)}
    assert after == {"emm2-course-evaluation": OPEN, "emm2-entry-questionnaire": CLOSED}
    with pytest.raises(FormRefused) as refused:
        submit_form(session, placement, learner.id, "emm2-entry-questionnaire", {}, now=clock.now())
    assert refused.value.code == CLOSED
    with pytest.raises(FormRefused) as refused:
        submit_form(session, placement, learner.id, "emm2-self-assessment", SELF, now=clock.now())
    assert refused.value.code == "not_found"  # not attached to this assessment


def test_a_form_is_submitted_once_and_invalid_answers_store_nothing(world, clock):
    session, version, placement, learner, _ = world
    factories.load_forms(session, clock.now())
    factories.attach(session, clock.now(), "emm2-course-evaluation", required=True)
    factories.finish_attempt(session, version, placement.id, learner.id, 85.0, clock.now())
    with pytest.raises(InvalidAnswers) as invalid:
        submit_form(
            session,
            placement,
            learner.id,
            "emm2-course-evaluation",
            {**EVALUATION, "recommend": "", "objectives-clear": "6"},
            now=clock.now(),
        )
    assert invalid.value.problems == {"objectives-clear": "not_on_scale", "recommend": "required"}
    assert learner_forms(session, placement, learner.id)[0].status == OPEN

    submission = submit_form(
        session, placement, learner.id, "emm2-course-evaluation", EVALUATION, now=clock.now()
    )
    session.commit()
    assert {a.question_id: a.value for a in submission.answers} == {
        "objectives-clear": 5,
        "content-relevant": 4,
        "materials-quality": 4,
        "assessment-fair": 3,
        "recommend": 5,
        "liked-most": "The case studies",
    }
    with pytest.raises(FormRefused) as refused:
        submit_form(
            session, placement, learner.id, "emm2-course-evaluation", EVALUATION, now=clock.now()
        )
    assert refused.value.code == SUBMITTED


def test_the_entry_questionnaire_stores_its_knowledge_score(world, clock):
    session, _version, placement, learner, _ = world
    factories.load_forms(session, clock.now())
    factories.attach(session, clock.now(), "emm2-entry-questionnaire")
    submission = submit_form(
        session,
        placement,
        learner.id,
        "emm2-entry-questionnaire",
        {
            "self-rating": "2",
            "flagship": "a",
            "approach": "a",
            "frameworks": "a",
            "components": "b",
        },
        now=clock.now(),
    )
    assert (
        submission.knowledge_percent == 75.0
    )  # 3 of 4 right; the self-rating is not a knowledge question


def test_an_entry_questionnaire_cannot_be_required(world, clock):
    session, *_ = world
    factories.load_forms(session, clock.now())
    with pytest.raises(AttachmentError):
        attach_form(
            session, "emm2-final", "emm2-entry-questionnaire", required=True, now=clock.now()
        )
    from lti_tool.forms.publishing import form_by_slug

    entry_form = form_by_slug(session, "emm2-entry-questionnaire")
    session.add(
        FormAttachment(
            assessment_slug="emm2-final",
            form_id=entry_form.id,
            kind="entry",
            required_for_certificate=True,
            updated_at=clock.now(),
        )
    )
    with pytest.raises(IntegrityError):  # the database refuses it too
        session.flush()
    session.rollback()


def test_attaching_a_form_of_the_same_kind_replaces_the_previous_one(world, clock):
    session, *_ = world
    factories.load_forms(session, clock.now())
    factories.attach(session, clock.now(), "emm2-entry-questionnaire")
    factories.make_assessment(session, clock.now(), slug="tendencias-latam-final")
    attach_form(
        session,
        "emm2-final",
        "tendencias-latam-entry",
        required=False,
        now=clock.now() + timedelta(1),
    )
    rows = session.scalars(
        select(FormAttachment).where(FormAttachment.assessment_slug == "emm2-final")
    ).all()
    assert [(r.kind, r.form.slug) for r in rows] == [("entry", "tendencias-latam-entry")]
    with pytest.raises(AttachmentError):
        attach_form(
            session, "no-such-assessment", "emm2-course-evaluation", required=False, now=clock.now()
        )
    with pytest.raises(AttachmentError):
        attach_form(session, "emm2-final", "no-such-form", required=False, now=clock.now())
