"""`flask certificates ...` (revoke, reissue, show, list) and `flask forms ...` (import, attach,
detach, options, list): admin commands, plain English output."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from item_bank.forms import FORMS_DIR
from lti_tool.certificates import codes
from lti_tool.certificates.issuing import CertificateNotFound, find_by_code, reissue, revoke
from lti_tool.certificates.models import Certificate
from lti_tool.db import session_scope
from lti_tool.services import services

certificates_cli = AppGroup(
    "certificates", help="Certificates of completion: look up, revoke, replace."
)
forms_cli = AppGroup(
    "forms", help="Course evaluation, self-assessment and entry/final questionnaires."
)


def _describe(c: Certificate) -> str:
    status = f"REVOKED {c.revoked_at:%Y-%m-%d} ({c.revoked_reason})" if c.revoked_at else "valid"
    return (
        f"{codes.display(c.code)}  {status}  {c.learner_name!r}  course {c.course_title!r}  "
        f"completed {c.achieved_at:%Y-%m-%d}  score {c.score_percent:g}%  "
        f"issued {c.issued_at:%Y-%m-%d %H:%M}Z"
    )


@certificates_cli.command("revoke")
@click.argument("code")
@click.option(
    "--reason", required=True, help="Why (kept with the certificate; not shown publicly)."
)
def revoke_cmd(code: str, reason: str) -> None:
    """Revoke the certificate CODE: its verification page then says "revoked"."""
    try:
        with session_scope() as session:
            certificate = revoke(session, code, reason=reason, now=services().clock.now())
            click.echo(_describe(certificate))
    except CertificateNotFound:
        raise click.ClickException(f"No certificate has the code {code!r}.") from None
    except ValueError as error:
        raise click.UsageError(str(error)) from None


@certificates_cli.command("reissue")
@click.argument("code")
def reissue_cmd(code: str) -> None:
    """Replace CODE by a new certificate with the learner's current name (revoking the old)."""
    try:
        with session_scope() as session:
            new = reissue(session, code, now=services().clock.now())
            click.echo(_describe(new))
    except CertificateNotFound:
        raise click.ClickException(f"No certificate has the code {code!r}.") from None
    except ValueError as error:
        raise click.ClickException(str(error)) from None


@certificates_cli.command("show")
@click.argument("code")
def show_cmd(code: str) -> None:
    """Show one certificate."""
    with session_scope() as session:
        certificate = find_by_code(session, code)
        if certificate is None:
            raise click.ClickException(f"No certificate has the code {code!r}.")
        click.echo(_describe(certificate))


@certificates_cli.command("list")
@click.option("--limit", default=50, show_default=True)
def list_cmd(limit: int) -> None:
    """The latest certificates issued."""
    with session_scope() as session:
        for certificate in session.scalars(
            select(Certificate).order_by(Certificate.issued_at.desc()).limit(limit)
        ):
            click.echo(_describe(certificate))


# --------------------------------------------------------------------------- forms
@forms_cli.command("import")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def import_cmd(path: Path | None) -> None:
    """Import form files (YAML; default: the shipped item_bank/forms/). All or nothing."""
    from lti_tool.forms.publishing import import_forms

    with session_scope() as session:
        report = import_forms(session, path or FORMS_DIR, now=services().clock.now())
        click.echo(report.to_text())
    if not report.ok:
        raise click.exceptions.Exit(1)


@forms_cli.command("attach")
@click.argument("assessment")
@click.argument("form")
@click.option(
    "--required/--optional",
    default=False,
    show_default=True,
    help="Whether the certificate waits until the learner has submitted this form.",
)
def attach_cmd(assessment: str, form: str, required: bool) -> None:
    """Use FORM for ASSESSMENT (replaces the assessment's form of the same kind)."""
    from lti_tool.forms.attachments import AttachmentError, attach_form

    try:
        with session_scope() as session:
            attachment = attach_form(
                session, assessment, form, required=required, now=services().clock.now()
            )
            click.echo(
                f"{assessment}: {attachment.kind} form {form}"
                + (" (required for the certificate)" if attachment.required_for_certificate else "")
            )
    except AttachmentError as error:
        raise click.ClickException(str(error)) from None


@forms_cli.command("detach")
@click.argument("assessment")
@click.argument("form")
def detach_cmd(assessment: str, form: str) -> None:
    """Stop using FORM for ASSESSMENT (submissions are kept)."""
    from lti_tool.forms.attachments import detach_form

    with session_scope() as session:
        if not detach_form(session, assessment, form):
            raise click.ClickException(f"{form} is not attached to {assessment}.")
    click.echo(f"{assessment}: {form} detached")


@forms_cli.command("options")
@click.argument("assessment")
@click.option("--show-score/--hide-score", default=None, help="Print the score on the certificate.")
@click.option(
    "--names-beside-answers/--anonymous",
    default=None,
    help="Let instructors see each learner's evaluation answers next to their name.",
)
def options_cmd(
    assessment: str, show_score: bool | None, names_beside_answers: bool | None
) -> None:
    """Show or change the certificate and report options of ASSESSMENT."""
    from lti_tool.forms.attachments import AttachmentError, set_completion_options

    try:
        with session_scope() as session:
            options = set_completion_options(
                session,
                assessment,
                now=services().clock.now(),
                certificate_shows_score=show_score,
                answers_beside_names=names_beside_answers,
            )
    except AttachmentError as error:
        raise click.ClickException(str(error)) from None
    shows_score = "yes" if options.certificate_shows_score else "no"
    beside_names = "yes" if options.answers_beside_names else "no (anonymous)"
    click.echo(
        f"{assessment}: score on certificate: {shows_score}; answers beside names: {beside_names}"
    )


@forms_cli.command("list")
def list_forms_cmd() -> None:
    """Forms and which assessments use them."""
    from lti_tool.forms.models import FormAttachment, FormDefinition
    from lti_tool.forms.publishing import latest_version

    with session_scope() as session:
        for form in session.scalars(select(FormDefinition).order_by(FormDefinition.slug)):
            version = latest_version(session, form.id)
            uses = session.scalars(
                select(FormAttachment)
                .where(FormAttachment.form_id == form.id)
                .order_by(FormAttachment.assessment_slug)
            ).all()
            used = (
                ", ".join(
                    a.assessment_slug + (" (required)" if a.required_for_certificate else "")
                    for a in uses
                )
                or "not attached"
            )
            click.echo(
                f"{form.slug}  [{form.kind}]  v{version.number if version else '?'}  "
                f"languages {','.join(version.languages) if version else '-'}  used by: {used}"
            )
