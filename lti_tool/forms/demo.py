"""The shipped forms (item_bank/forms/*.yaml) and how the demo assessments use them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from item_bank.forms import FORMS_DIR
from item_bank.models import Assessment
from lti_tool.forms.attachments import attach_form
from lti_tool.forms.models import FormAttachment
from lti_tool.forms.publishing import form_by_slug, import_forms

# (assessment, form, required for the certificate). EMM2.0: "participants will be asked to
# complete the course evaluation and self-assessment forms ... Upon receipt of the evaluation
# forms, a certification of completion will be issued" (seed 000). The Latin-America programme
# has an entry and a final questionnaire (seed 002).
DEMO_ATTACHMENTS: tuple[tuple[str, str, bool], ...] = (
    ("emm2-final", "emm2-course-evaluation", True),
    ("emm2-final", "emm2-self-assessment", True),
    ("emm2-final", "emm2-entry-questionnaire", False),
    ("tendencias-latam-final", "tendencias-latam-entry", False),
    ("tendencias-latam-final", "tendencias-latam-final-questionnaire", False),
)


def load_demo_forms(session: Session, *, now: datetime) -> Iterator[str]:
    """Import the shipped forms and attach them to the demo assessments that exist, without
    changing an attachment an admin already made (idempotent)."""
    report = import_forms(session, FORMS_DIR, now=now)
    if not report.ok:
        yield report.to_text()
        return
    for published in report.published:
        yield f"Form {published.slug}: version {published.version}" + (
            " (new)" if published.created else ""
        )
    for assessment_slug, form_slug, required in DEMO_ATTACHMENTS:
        form = form_by_slug(session, form_slug)
        if (
            form is None
            or session.scalar(select(Assessment.id).where(Assessment.slug == assessment_slug))
            is None
        ):
            continue
        taken = session.scalar(
            select(FormAttachment.id).where(
                FormAttachment.assessment_slug == assessment_slug, FormAttachment.kind == form.kind
            )
        )
        if taken is None:
            attach_form(session, assessment_slug, form_slug, required=required, now=now)
            yield f"Assessment {assessment_slug} uses form {form_slug}" + (
                " (required)" if required else ""
            )
