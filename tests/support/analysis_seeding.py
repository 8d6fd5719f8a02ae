"""Item-analysis data for tests: an assessment of ten single-choice items, and learners'
submitted attempts written straight into the database (hundreds of learners through HTTP would
test the attempt pages, not the analysis), each learner with a launch in their language before
the attempt, as the tool records it."""

from __future__ import annotations

import itertools
import secrets
from datetime import timedelta
from pathlib import Path

import yaml
from sqlalchemy import insert, select

from item_bank.catalog import latest_version
from item_bank.loading import import_files
from lti_tool import db
from lti_tool.attempts.models import SUBMITTED, Attempt, AttemptQuestion, BestScore
from lti_tool.launch.models import LaunchSession, LtiUser, Placement
from tests.support.item_responses import ITEMS

_subs = itertools.count(1000)
KEY, DISTRACTORS = "b", ("a", "c")


def ten_items(slug: str) -> dict:
    def item(n: int) -> dict:
        return {
            "id": f"{slug}-q{n}",
            "type": "single_choice",
            "points": 1,
            "source": "test.txt",
            "stem": {"en": f"Question {n}", "es": f"Pregunta {n}"},
            "options": [
                {"id": o, "text": {"en": f"Option {o}", "es": f"Opción {o}"}, "correct": o == KEY}
                for o in "abc"
            ],
        }

    return {
        "assessment": {
            "slug": slug,
            "default_language": "en",
            "title": {"en": "Analysis test", "es": "Prueba de análisis"},
            "instructions": {"en": "Answer.", "es": "Responda."},
            "pass_mark_percent": 70,
            "rules": {"inactivity_timeout_minutes": 10, "review": "full"},
        },
        "pools": [
            {
                "id": "all",
                "title": {"en": "All"},
                "draw": ITEMS,
                "items": [item(n) for n in range(ITEMS)],
            }
        ],
    }


def import_ten_items(app, directory: Path, now) -> str:
    """Publish a fresh ten-item assessment in `app`; its slug."""
    slug = "analysis-" + secrets.token_hex(3)
    path = directory / f"{slug}.yaml"
    path.write_text(yaml.safe_dump(ten_items(slug), allow_unicode=True))
    with app.app_context(), db.session_scope() as session:
        report = import_files(session, [path], now=now)
        assert report.validation.ok, [str(i) for i in report.validation.issues]
    return slug


def seed_attempts(app, slug: str, answers: list[tuple[str, list[bool]]], now, *, number: int = 1):
    """One submitted attempt per (language, right-or-wrong per item), each by a new learner
    who launched in that language a minute before starting; wrong answers alternate between
    the two distractors."""
    with app.app_context(), db.session_scope() as session:
        placement = session.scalars(
            select(Placement).where(Placement.assessment_slug == slug)
        ).one()
        version = latest_version(session, slug)
        items = [m.item_version for m in version.pools[0].members]
        platform_id = placement.deployment.platform_id
        started = now - timedelta(minutes=30)
        for index, (language, rights) in enumerate(answers):
            user = LtiUser(
                platform_id=platform_id,
                sub=str(next(_subs)),
                name=f"Learner {index}",
                updated_at=now,
            )
            session.add(user)
            session.flush()
            session.add(
                LaunchSession(
                    id=secrets.token_hex(16),
                    user_id=user.id,
                    deployment_id=placement.deployment_id,
                    placement_id=placement.id,
                    message_type="LtiResourceLinkRequest",
                    role="learner",
                    locale=language,
                    claims={},
                    created_at=started - timedelta(minutes=1),
                    expires_at=now + timedelta(hours=8),
                )
            )
            points = float(sum(rights))
            attempt_id = session.execute(
                insert(Attempt)
                .values(
                    placement_id=placement.id,
                    user_id=user.id,
                    assessment_version_id=version.id,
                    number=number,
                    seed=index,
                    status=SUBMITTED,
                    sitting_key="k",
                    started_at=started,
                    last_activity_at=now,
                    last_answer_or_page_at=now,
                    inactivity_timeout_seconds=600,
                    finished_at=now,
                    points=points,
                    max_points=float(len(rights)),
                    score_percent=100 * points / len(rights),
                    passed=100 * points / len(rights) >= version.pass_mark_percent,
                )
                .returning(Attempt.id)
            ).scalar_one()
            if number == 1:  # each seeded learner's only attempt is their best
                session.add(
                    BestScore(
                        placement_id=placement.id,
                        user_id=user.id,
                        best_percent=100 * points / len(rights),
                        attempt_id=attempt_id,
                        achieved_at=now,
                        passed=100 * points / len(rights) >= version.pass_mark_percent,
                    )
                )
            session.execute(
                insert(AttemptQuestion),
                [
                    dict(
                        attempt_id=attempt_id,
                        position=position + 1,
                        item_version_id=item.id,
                        option_order=list("abc"),
                        response={"choice": KEY if right else DISTRACTORS[(index + position) % 2]},
                        saved_at=now,
                        points_awarded=1.0 if right else 0.0,
                    )
                    for position, (item, right) in enumerate(zip(items, rights, strict=True))
                ],
            )
