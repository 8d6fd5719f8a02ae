"""Which forms an assessment uses, and its completion settings (admin choices, per slug)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from item_bank.forms import ENTRY, FormDoc
from item_bank.models import Assessment
from lti_tool.forms.models import CompletionSettings, FormAttachment, FormDefinition
from lti_tool.forms.publishing import form_by_slug, latest_version


class AttachmentError(ValueError):
    """An admin asked for something impossible; the message says what (plain English, CLI)."""


@dataclass(frozen=True)
class AttachedForm:
    form_id: int
    slug: str
    kind: str
    required_for_certificate: bool
    version_id: int
    doc: FormDoc


@dataclass(frozen=True)
class CompletionOptions:
    certificate_shows_score: bool = True
    answers_beside_names: bool = False


def attach_form(
    session: Session, assessment_slug: str, form_slug: str, *, required: bool, now: datetime
) -> FormAttachment:
    """Use `form_slug` for `assessment_slug`, replacing the form of the same kind if any."""
    if session.scalar(select(Assessment.id).where(Assessment.slug == assessment_slug)) is None:
        raise AttachmentError(f"No assessment {assessment_slug!r} (import it first).")
    form = form_by_slug(session, form_slug)
    if form is None:
        raise AttachmentError(f"No form {form_slug!r} (run `flask forms import` first).")
    if required and form.kind == ENTRY:
        raise AttachmentError(
            "An entry questionnaire cannot be required for the certificate: it is "
            "only offered before the first attempt."
        )
    attachment = session.scalar(
        select(FormAttachment).where(
            FormAttachment.assessment_slug == assessment_slug, FormAttachment.kind == form.kind
        )
    )
    if attachment is None:
        attachment = FormAttachment(assessment_slug=assessment_slug, kind=form.kind)
        session.add(attachment)
    attachment.form_id = form.id
    attachment.required_for_certificate = required
    attachment.updated_at = now
    session.flush()
    return attachment


def detach_form(session: Session, assessment_slug: str, form_slug: str) -> bool:
    attachment = session.scalar(
        select(FormAttachment)
        .join(FormDefinition, FormDefinition.id == FormAttachment.form_id)
        .where(FormAttachment.assessment_slug == assessment_slug, FormDefinition.slug == form_slug)
    )
    if attachment is None:
        return False
    session.delete(attachment)
    session.flush()
    return True


def attached_forms(session: Session, assessment_slug: str | None) -> list[AttachedForm]:
    """The forms of an assessment, each with its latest version, in a stable order."""
    if not assessment_slug:
        return []
    rows = session.scalars(
        select(FormAttachment)
        .where(FormAttachment.assessment_slug == assessment_slug)
        .order_by(FormAttachment.kind)
    ).all()
    out: list[AttachedForm] = []
    for row in rows:
        version = latest_version(session, row.form_id)
        if version is None:  # a definition always has a version; be safe rather than crash a page
            continue
        out.append(
            AttachedForm(
                form_id=row.form_id,
                slug=row.form.slug,
                kind=row.kind,
                required_for_certificate=row.required_for_certificate,
                version_id=version.id,
                doc=version.doc,
            )
        )
    return out


def completion_options(session: Session, assessment_slug: str | None) -> CompletionOptions:
    row = (
        session.scalar(
            select(CompletionSettings).where(CompletionSettings.assessment_slug == assessment_slug)
        )
        if assessment_slug
        else None
    )
    if row is None:
        return CompletionOptions()
    return CompletionOptions(
        certificate_shows_score=row.certificate_shows_score,
        answers_beside_names=row.answers_beside_names,
    )


def set_completion_options(
    session: Session,
    assessment_slug: str,
    *,
    now: datetime,
    certificate_shows_score: bool | None = None,
    answers_beside_names: bool | None = None,
) -> CompletionOptions:
    if session.scalar(select(Assessment.id).where(Assessment.slug == assessment_slug)) is None:
        raise AttachmentError(f"No assessment {assessment_slug!r} (import it first).")
    row = session.scalar(
        select(CompletionSettings).where(CompletionSettings.assessment_slug == assessment_slug)
    )
    if row is None:
        row = CompletionSettings(
            assessment_slug=assessment_slug,
            certificate_shows_score=True,
            answers_beside_names=False,
        )
        session.add(row)
    if certificate_shows_score is not None:
        row.certificate_shows_score = certificate_shows_score
    if answers_beside_names is not None:
        row.answers_beside_names = answers_beside_names
    row.updated_at = now
    session.flush()
    return CompletionOptions(row.certificate_shows_score, row.answers_beside_names)
