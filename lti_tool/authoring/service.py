"""What the authoring pages do. Each function a view calls owns its unit of work (ADR 0012);
the item bank does the content work (validation, import, publishing)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from item_bank.catalog import AssessmentSummary, latest_version, list_assessments
from item_bank.loading import import_upload, validate_upload
from item_bank.models import Assessment, AssessmentVersion
from item_bank.publishing import publish
from item_bank.reports import AssessmentImportResult, ImportReport, Issue, ValidationReport
from item_bank.republishing import with_settings
from item_bank.translation_status import missing_translations
from lti_tool import db
from lti_tool.authoring.models import AuthoringPlatform, PendingUpload
from lti_tool.launch.models import LaunchSession

UPLOAD_MAX_BYTES = 32 * 1024 * 1024
UPLOAD_TTL = timedelta(hours=2)


class AuthoringError(Exception):
    code = "authoring_error"


class NotAllowed(AuthoringError):
    code = "authoring_not_allowed"


class UploadGone(AuthoringError):
    code = "upload_gone"


class UnknownAssessment(AuthoringError):
    code = "unknown_assessment"


def may_author(session: Session, launch: LaunchSession) -> bool:
    """Staff of a platform an admin allowed (`flask item-bank authors allow`)."""
    if not launch.is_staff:
        return False
    platform_id = launch.deployment.platform_id
    return session.get(AuthoringPlatform, platform_id) is not None


# --------------------------------------------------------------------------- uploads
def stage_upload(
    launch: LaunchSession, name: str, data: bytes, now: datetime
) -> tuple[ValidationReport, str | None]:
    """The report of an uploaded file and, when it can be imported, the token that confirms
    it. Nothing of the bank changes; the file waits server-side, bound to this launch."""
    report = validate_upload(name, data)
    with db.unit_of_work() as session:
        session.execute(delete(PendingUpload).where(PendingUpload.created_at < now - UPLOAD_TTL))
        if not report.ok:
            return report, None
        token = secrets.token_urlsafe(32)
        label = report.files[0] if report.files else "upload"
        session.add(
            PendingUpload(
                token=token, launch_id=launch.id, file_name=label, data=data, created_at=now
            )
        )
    return report, token


def confirm_upload(launch: LaunchSession, token: str, now: datetime) -> ImportReport:
    """Import the file `token` names (only the launch that uploaded it may): all or nothing.
    Two confirmations at once (a double click, two tabs) import it once: the row is locked,
    so the second waits, then finds it gone (UploadGone)."""
    with db.unit_of_work() as session:
        pending = session.scalar(
            select(PendingUpload)
            .where(
                PendingUpload.token == token,
                PendingUpload.launch_id == launch.id,
                PendingUpload.created_at >= now - UPLOAD_TTL,
            )
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if pending is None:
            raise UploadGone()
        report = import_upload(session, pending.file_name, pending.data, now=now)
        if report.imported:
            session.delete(pending)
        return report


# --------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class AssessmentRow:
    summary: AssessmentSummary
    archived: bool
    missing: dict[str, list[str]]  # language -> item ids lacking it


def assessment_rows() -> list[AssessmentRow]:
    session = db.session()
    rows = []
    archived = set(
        session.scalars(select(Assessment.slug).where(Assessment.archived_at.isnot(None)))
    )
    for summary in list_assessments(session, include_archived=True):
        version = session.get(AssessmentVersion, summary.version_id)
        assert version is not None
        rows.append(AssessmentRow(summary, summary.slug in archived, missing_translations(version)))
    return rows


def versions_of(slug: str) -> list[AssessmentVersion]:
    session = db.session()
    assessment = session.scalar(select(Assessment).where(Assessment.slug == slug))
    if assessment is None:
        raise UnknownAssessment()
    return list(assessment.versions)


def version_of(slug: str, number: int | None) -> AssessmentVersion:
    """Version `number` of `slug`, or its latest."""
    session = db.session()
    if number is None:
        version = latest_version(session, slug)
    else:
        version = session.scalar(
            select(AssessmentVersion)
            .join(Assessment, Assessment.id == AssessmentVersion.assessment_id)
            .where(Assessment.slug == slug, AssessmentVersion.number == number)
        )
    if version is None:
        raise UnknownAssessment()
    return version


# --------------------------------------------------------------------------- changing
def archive(slug: str, now: datetime, *, archived: bool = True) -> None:
    with db.unit_of_work() as session:
        assessment = session.scalar(select(Assessment).where(Assessment.slug == slug))
        if assessment is None:
            raise UnknownAssessment()
        assessment.archived_at = now if archived else None


def change_settings(
    slug: str, raw: dict, now: datetime
) -> tuple[AssessmentImportResult | None, list[Issue]]:
    """Publish `slug` again with the rules and draws of `raw` (settings_of's shape); the
    items keep their versions, attempts in progress keep the version they started with."""
    with db.unit_of_work() as session:
        doc, issues = with_settings(version_of(slug, None), raw, f"{slug}: settings")
        if doc is None:
            return None, issues
        return publish(session, doc, now=now), []
