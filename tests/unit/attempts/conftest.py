"""A real SQLite database (same engine setup as the app: WAL, BEGIN IMMEDIATE), one placement
with two learners, and test assessments imported through the item-bank loader."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from lti_tool.db import build_engine
from lti_tool.launch.models import LtiUser, Placement
from lti_tool.models import metadata
from lti_tool.platforms.models import Deployment, Platform
from tests.support.attempt_content import publish


@dataclass
class World:
    session: Session
    placement_id: int
    learner_id: int
    other_learner_id: int
    instructor_id: int


@pytest.fixture
def engine(tmp_path):
    engine = build_engine(Settings(data_dir=tmp_path / "data", secret_key="x" * 40))
    metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine):
    return sessionmaker(engine, expire_on_commit=False)


@pytest.fixture
def world(session_factory, clock) -> World:
    session = session_factory()
    now = clock.now()
    platform = Platform(
        name="Moodle",
        issuer="https://moodle.test",
        client_id="c",
        auth_login_url="https://moodle.test/auth",
        key_set_url="https://moodle.test/k",
        auth_token_url="https://moodle.test/t",
        created_at=now,
    )
    deployment = Deployment(platform=platform, deployment_id="1", created_at=now)
    placement = Placement(
        deployment=deployment, resource_link_id="rl-1", updated_at=now, ags_scopes=[]
    )
    users = [
        LtiUser(platform=platform, sub=str(n), name=name, updated_at=now)
        for n, name in ((1, "Ana"), (2, "Ben"), (3, "Teacher"))
    ]
    session.add_all([placement, *users])
    session.commit()
    yield World(session, placement.id, users[0].id, users[1].id, users[2].id)
    session.close()


@pytest.fixture
def make_version(world, tmp_path, clock):
    """make_version(time_limit_minutes=30, max_attempts=2, ...) -> a committed AssessmentVersion."""

    def make(**rules):
        version = publish(world.session, tmp_path, clock.now(), **rules)
        world.session.commit()
        return version

    return make
