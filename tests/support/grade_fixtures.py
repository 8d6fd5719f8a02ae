"""Rows the grade tests need (platform, deployment, placement, learners) and a scripted AGS
client for worker tests that do not need a real platform."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from lti_tool.grades.ags_client import AGS_SCOPES, PlatformAccess
from lti_tool.launch.models import LtiUser, Placement
from lti_tool.platforms.models import Deployment, Platform


@dataclass
class Course:
    platform_id: int
    deployment_id: int
    placement_id: int
    users: dict[str, int] = field(default_factory=dict)  # sub -> LtiUser.id


def seed_course(
    session: Session,
    now: datetime,
    *,
    issuer: str = "https://moodle.test",
    client_id: str = "client-1",
    token_url: str | None = None,
    lineitem_url: str | None = "https://moodle.test/lineitems/7?type_id=1",
    lineitems_url: str | None = "https://moodle.test/lineitems?type_id=1",
    scopes: tuple[str, ...] = AGS_SCOPES,
    resource_link_id: str = "1",
    learners: tuple[str, ...] = ("4",),
    title: str = "Final assessment",
) -> Course:
    platform = Platform(
        name="Moodle",
        issuer=issuer,
        client_id=client_id,
        auth_login_url=issuer + "/auth",
        auth_token_url=token_url or issuer + "/token",
        key_set_url=issuer + "/jwks",
        created_at=now,
    )
    deployment = Deployment(platform=platform, deployment_id="1", created_at=now)
    placement = Placement(
        deployment=deployment,
        resource_link_id=resource_link_id,
        resource_link_title=title,
        context_id="2",
        assessment_slug="final-exam",
        ags_lineitem_url=lineitem_url,
        ags_lineitems_url=lineitems_url,
        ags_scopes=list(scopes),
        updated_at=now,
    )
    session.add_all([platform, deployment, placement])
    session.flush()
    course = Course(platform.id, deployment.id, placement.id)
    for sub in learners:
        add_learner(session, course, sub, now)
    return course


def add_learner(session: Session, course: Course, sub: str, now: datetime) -> int:
    user = LtiUser(platform_id=course.platform_id, sub=sub, name=f"Learner {sub}", updated_at=now)
    session.add(user)
    session.flush()
    course.users[sub] = user.id
    return user.id


def add_placement(session: Session, course: Course, now: datetime, **fields: Any) -> int:
    placement = Placement(
        deployment_id=course.deployment_id,
        updated_at=now,
        **{"resource_link_title": "Another", "ags_scopes": list(AGS_SCOPES), **fields},
    )
    session.add(placement)
    session.flush()
    return placement.id


@dataclass
class ScriptedAgsClient:
    """Stands in for AgsClient in worker tests: records calls, answers from `on_score`."""

    on_score: Callable[[str, dict], None] = lambda url, score: None
    scores: list[tuple[str, dict]] = field(default_factory=list)
    results_answer: list[dict] = field(default_factory=list)
    lineitems: list[dict] = field(default_factory=list)
    created: list[dict] = field(default_factory=list)

    def access_token(self, access: PlatformAccess, scopes) -> str:
        return "token"

    def post_score(self, access, scopes, lineitem_url, score) -> None:
        self.scores.append((lineitem_url, dict(score)))
        self.on_score(lineitem_url, score)

    def results(self, access, scopes, lineitem_url, user_id=None) -> list[dict]:
        return [r for r in self.results_answer if user_id is None or r["userId"] == user_id]

    def find_lineitems(self, access, scopes, lineitems_url, resource_link_id) -> list[dict]:
        return [i for i in self.lineitems if i.get("resourceLinkId") == resource_link_id]

    def create_lineitem(self, access, scopes, lineitems_url, body) -> dict:
        item = {**body, "id": f"https://moodle.test/lineitems/{100 + len(self.created)}?type_id=1"}
        self.created.append(item)
        self.lineitems.append(item)
        return item
