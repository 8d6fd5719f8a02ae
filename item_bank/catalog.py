"""What assessments exist: their latest published versions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from item_bank.models import Assessment, AssessmentVersion


@dataclass(frozen=True)
class AssessmentSummary:
    slug: str
    titles: dict[str, str]
    languages: list[str]
    default_language: str
    questions_drawn: int
    pass_mark_percent: float
    version_id: int
    version_number: int


def _latest_numbers():
    return (
        select(AssessmentVersion.assessment_id, func.max(AssessmentVersion.number).label("number"))
        .group_by(AssessmentVersion.assessment_id)
        .subquery()
    )


def list_assessments(
    session: Session, *, include_archived: bool = False
) -> list[AssessmentSummary]:
    """The latest version of each assessment; archived ones only when asked for."""
    latest = _latest_numbers()
    query = (
        select(Assessment.slug, AssessmentVersion)
        .join(AssessmentVersion, AssessmentVersion.assessment_id == Assessment.id)
        .join(
            latest,
            (latest.c.assessment_id == AssessmentVersion.assessment_id)
            & (latest.c.number == AssessmentVersion.number),
        )
        .order_by(Assessment.slug)
    )
    if not include_archived:
        query = query.where(Assessment.archived_at.is_(None))
    rows = session.execute(query)
    return [
        AssessmentSummary(
            slug=slug,
            titles=dict(version.title),
            languages=list(version.languages),
            default_language=version.default_language,
            questions_drawn=version.questions_drawn,
            pass_mark_percent=version.pass_mark_percent,
            version_id=version.id,
            version_number=version.number,
        )
        for slug, version in rows
    ]


def latest_version(session: Session, slug: str) -> AssessmentVersion | None:
    return session.scalar(
        select(AssessmentVersion)
        .join(Assessment, Assessment.id == AssessmentVersion.assessment_id)
        .where(Assessment.slug == slug)
        .order_by(AssessmentVersion.number.desc())
        .limit(1)
    )
