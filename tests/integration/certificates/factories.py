"""Rows for certificate tests: an assessment version with titles in every language, placements,
learners, and finished attempts with the learner's best score (through the attempt models)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from item_bank.forms import FORMS_DIR
from item_bank.models import Assessment, AssessmentVersion
from lti_tool.attempts.models import SUBMITTED, Attempt, BestScore
from lti_tool.forms.attachments import attach_form
from lti_tool.forms.publishing import import_forms
from lti_tool.launch.models import LtiUser, Placement
from lti_tool.platforms.models import Deployment, Platform

TITLES = {
    "en": "Essentials of Migration Management (EMM2.0): final assessment",
    "es": "Fundamentos en gestión de la migración (EMM2.0): evaluación final",
    "fr": "Essentiels de la gestion des migrations (EMM2.0) : évaluation finale",
    "tr": "Göç Yönetiminin Temelleri (EMM2.0): final değerlendirmesi",
    "id": "Dasar-Dasar Manajemen Migrasi (EMM2.0): penilaian akhir",
}
COURSE = "Essentials of Migration Management"

_numbers = itertools.count(1)


def make_assessment(
    session: Session,
    now: datetime,
    *,
    slug: str = "emm2-final",
    pass_mark: float = 70.0,
    titles: dict[str, str] | None = None,
) -> AssessmentVersion:
    assessment = session.scalar(select(Assessment).where(Assessment.slug == slug))
    if assessment is None:
        assessment = Assessment(slug=slug, created_at=now)
        session.add(assessment)
        session.flush()
    number = len(assessment.versions) + 1
    version = AssessmentVersion(
        assessment_id=assessment.id,
        number=number,
        content_hash=f"{slug}-{number}".ljust(64, "0"),
        published_at=now,
        source_file="test",
        default_language="en",
        languages=list(titles or TITLES),
        title=dict(titles or TITLES),
        instructions={"en": "Answer."},
        pass_mark_percent=pass_mark,
        questions_drawn=4,
        inactivity_timeout_seconds=600,
        time_limit_seconds=None,
        max_attempts=None,
        retake_delay_seconds=0,
        review_policy="responses",
    )
    session.add(version)
    session.flush()
    return version


def make_platform(session: Session, now: datetime) -> Deployment:
    n = next(_numbers)
    platform = Platform(
        name="E-Campus",
        issuer=f"https://moodle{n}.test",
        client_id="c",
        auth_login_url="https://moodle.test/auth",
        key_set_url="https://moodle.test/k",
        auth_token_url="https://moodle.test/t",
        created_at=now,
    )
    deployment = Deployment(platform=platform, deployment_id="1", created_at=now)
    session.add(deployment)
    session.flush()
    return deployment


def make_placement(
    session: Session,
    deployment: Deployment,
    now: datetime,
    *,
    slug: str = "emm2-final",
    course: str = COURSE,
) -> Placement:
    placement = Placement(
        deployment=deployment,
        resource_link_id=f"rl-{next(_numbers)}",
        updated_at=now,
        context_title=course,
        resource_link_title="Final assessment",
        assessment_slug=slug,
        ags_scopes=[],
    )
    session.add(placement)
    session.flush()
    return placement


def make_learner(
    session: Session, deployment: Deployment, now: datetime, name: str = "Ana Pérez", **names: str
) -> LtiUser:
    user = LtiUser(
        platform_id=deployment.platform_id,
        sub=str(next(_numbers)),
        name=name,
        given_name=names.get("given_name", ""),
        family_name=names.get("family_name", ""),
        updated_at=now,
    )
    session.add(user)
    session.flush()
    return user


def finish_attempt(
    session: Session,
    version: AssessmentVersion,
    placement_id: int,
    user_id: int,
    percent: float,
    finished_at: datetime,
) -> Attempt:
    """A submitted attempt with `percent`, and the best score kept as the attempt engine does
    (the highest; a pass is never taken back)."""
    number = (
        len(
            session.scalars(
                select(Attempt.id).where(
                    Attempt.placement_id == placement_id, Attempt.user_id == user_id
                )
            ).all()
        )
        + 1
    )
    passed = percent >= version.pass_mark_percent
    attempt = Attempt(
        placement_id=placement_id,
        user_id=user_id,
        assessment_version_id=version.id,
        number=number,
        seed=number,
        status=SUBMITTED,
        sitting_key=f"s{number}",
        started_at=finished_at - timedelta(minutes=20),
        last_activity_at=finished_at,
        inactivity_timeout_seconds=600,
        deadline_at=None,
        finished_at=finished_at,
        auto_submitted=False,
        last_position=1,
        points=percent / 25,
        max_points=4.0,
        score_percent=percent,
        passed=passed,
    )
    session.add(attempt)
    session.flush()
    best = session.scalar(
        select(BestScore).where(
            BestScore.placement_id == placement_id, BestScore.user_id == user_id
        )
    )
    if best is None:
        session.add(
            BestScore(
                placement_id=placement_id,
                user_id=user_id,
                best_percent=percent,
                attempt_id=attempt.id,
                achieved_at=finished_at,
                passed=passed,
            )
        )
    elif percent > best.best_percent:
        best.best_percent, best.attempt_id, best.achieved_at = percent, attempt.id, finished_at
        best.passed = best.passed or passed
    session.flush()
    return attempt


def load_forms(session: Session, now: datetime) -> None:
    report = import_forms(session, FORMS_DIR, now=now)
    assert report.ok, report.to_text()


def attach(
    session: Session,
    now: datetime,
    form_slug: str,
    *,
    slug: str = "emm2-final",
    required: bool = False,
) -> None:
    attach_form(session, slug, form_slug, required=required, now=now)
