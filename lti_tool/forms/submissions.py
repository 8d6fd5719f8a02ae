"""A learner's forms in a placement (what is open, what is done) and submitting one.

When a form opens: the entry questionnaire before the learner's first completed attempt (after
that it would no longer measure knowledge *before* the course); the end-of-course forms
(evaluation, self-assessment, final questionnaire) once the learner has completed an attempt.
Each form is submitted once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from item_bank.forms import ENTRY, LIKERT, SINGLE_CHOICE, Answer, check_answers, knowledge_percent
from lti_tool.forms.attachments import AttachedForm, attached_forms
from lti_tool.forms.models import FormAnswer, FormSubmission
from lti_tool.launch.models import Placement

OPEN, SUBMITTED, NOT_YET, CLOSED = "open", "submitted", "not_yet", "closed"


@dataclass(frozen=True)
class LearnerForm:
    form: AttachedForm
    status: str
    submitted_at: datetime | None = None

    @property
    def slug(self) -> str:
        return self.form.slug

    @property
    def kind(self) -> str:
        return self.form.kind

    @property
    def required(self) -> bool:
        return self.form.required_for_certificate

    @property
    def is_open(self) -> bool:
        return self.status == OPEN


class FormRefused(Exception):
    """Submitting is not possible; `code` says why (not_found | submitted | not_yet | closed)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class InvalidAnswers(Exception):
    def __init__(self, problems: dict[str, str], answers: dict[str, Answer]):
        super().__init__(", ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems
        self.answers = answers


def has_completed_attempt(session: Session, placement_id: int, user_id: int) -> bool:
    from lti_tool.attempts.best import best_result

    return best_result(session, placement_id, user_id) is not None


def learner_forms(
    session: Session,
    placement: Placement | None,
    user_id: int,
    *,
    completed_attempt: bool | None = None,
) -> list[LearnerForm]:
    if placement is None or not placement.assessment_slug:
        return []
    forms = attached_forms(session, placement.assessment_slug)
    if not forms:
        return []
    if completed_attempt is None:
        completed_attempt = has_completed_attempt(session, placement.id, user_id)
    submitted = dict(
        session.execute(
            select(FormSubmission.form_id, FormSubmission.submitted_at).where(
                FormSubmission.placement_id == placement.id, FormSubmission.user_id == user_id
            )
        ).all()
    )
    out = []
    for form in forms:
        if form.form_id in submitted:
            out.append(LearnerForm(form, SUBMITTED, submitted[form.form_id]))
        elif form.kind == ENTRY:
            out.append(LearnerForm(form, CLOSED if completed_attempt else OPEN))
        else:
            out.append(LearnerForm(form, OPEN if completed_attempt else NOT_YET))
    return out


def learner_form(
    session: Session, placement: Placement | None, user_id: int, slug: str
) -> LearnerForm:
    found = next((f for f in learner_forms(session, placement, user_id) if f.slug == slug), None)
    if found is None:
        raise FormRefused("not_found")
    return found


def submit_form(
    session: Session,
    placement: Placement | None,
    user_id: int,
    slug: str,
    raw: Mapping[str, str],
    *,
    now: datetime,
) -> FormSubmission:
    """Check and store one submission (flushes, never commits)."""
    learner = learner_form(session, placement, user_id, slug)
    if learner.status != OPEN:
        raise FormRefused(learner.status)
    doc = learner.form.doc
    answers, problems = check_answers(doc, raw)
    if problems:
        raise InvalidAnswers(problems, answers)
    assert placement is not None  # learner_form found a form, so there is a placement
    submission = FormSubmission(
        form_id=learner.form.form_id,
        form_version_id=learner.form.version_id,
        placement_id=placement.id,
        user_id=user_id,
        kind=learner.kind,
        knowledge_percent=knowledge_percent(doc, answers),
        submitted_at=now,
    )
    for question in doc.questions:
        if question.id not in answers:
            continue
        value = answers[question.id]
        submission.answers.append(
            FormAnswer(
                question_id=question.id,
                likert_value=int(value) if question.type == LIKERT else None,
                choice=str(value) if question.type == SINGLE_CHOICE else None,
                text=str(value) if question.type not in (LIKERT, SINGLE_CHOICE) else None,
            )
        )
    try:
        with session.begin_nested():
            session.add(submission)
            session.flush()
    except IntegrityError:  # the same form submitted twice at once (two tabs): the first one counts
        raise FormRefused(SUBMITTED) from None
    return submission
