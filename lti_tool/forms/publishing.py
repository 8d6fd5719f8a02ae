"""Form files -> immutable form versions (a new version only when the content changed).

All-or-nothing like the item-bank import: every file is validated first and nothing is
written when anything is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from item_bank.forms import FormDoc, read_forms
from item_bank.reports import Issue
from lti_tool.forms.models import FormDefinition, FormVersion


@dataclass(frozen=True)
class PublishedForm:
    slug: str
    version: int
    created: bool  # False: the content was already the latest version


@dataclass
class FormsImport:
    issues: list[Issue] = field(default_factory=list)
    published: list[PublishedForm] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues

    def to_text(self) -> str:
        lines = [str(issue) for issue in self.issues]
        lines += [
            f"{p.slug}: version {p.version}" + (" (new)" if p.created else " (unchanged)")
            for p in self.published
        ]
        lines.append(
            ("Imported" if self.ok else "Nothing imported:")
            + f" {len(self.published)} form(s), {len(self.issues)} problem(s)"
        )
        return "\n".join(lines)


def latest_version(session: Session, form_id: int) -> FormVersion | None:
    return session.scalar(
        select(FormVersion)
        .where(FormVersion.form_id == form_id)
        .order_by(FormVersion.number.desc())
        .limit(1)
    )


def form_by_slug(session: Session, slug: str) -> FormDefinition | None:
    return session.scalar(select(FormDefinition).where(FormDefinition.slug == slug))


def publish_form(
    session: Session, doc: FormDoc, *, now: datetime, source_file: str = ""
) -> PublishedForm:
    form = form_by_slug(session, doc.slug)
    if form is None:
        form = FormDefinition(slug=doc.slug, kind=doc.kind, created_at=now)
        session.add(form)
        session.flush()
    elif form.kind != doc.kind:
        raise ValueError(f"form {doc.slug!r} is a {form.kind} form and cannot become {doc.kind}")
    latest = latest_version(session, form.id)
    if latest is not None and latest.content_hash == doc.content_hash:
        return PublishedForm(doc.slug, latest.number, created=False)
    number = (
        session.scalar(select(func.max(FormVersion.number)).where(FormVersion.form_id == form.id))
        or 0
    ) + 1
    session.add(
        FormVersion(
            form_id=form.id,
            number=number,
            content_hash=doc.content_hash,
            content=doc.content_json(),
            languages=doc.languages,
            source_file=source_file[:500],
            published_at=now,
        )
    )
    session.flush()
    return PublishedForm(doc.slug, number, created=True)


def import_forms(session: Session, path: Path, *, now: datetime) -> FormsImport:
    docs, issues = read_forms(path)
    report = FormsImport(issues=list(issues))
    for _path, doc in docs:
        existing = form_by_slug(session, doc.slug)
        if existing is not None and existing.kind != doc.kind:
            report.issues.append(
                Issue(
                    doc.slug,
                    f"Already imported as a {existing.kind} form; a form "
                    f"cannot change its kind (give the {doc.kind} form a new slug).",
                    field="form.kind",
                )
            )
    if not report.ok:
        return report
    with session.begin_nested():
        report.published = [
            publish_form(session, doc, now=now, source_file=file_path.name)
            for file_path, doc in docs
        ]
    return report
