from __future__ import annotations

import pytest
from sqlalchemy.orm import sessionmaker

from config.settings import Settings
from lti_tool.db import build_engine
from lti_tool.models import metadata
from tests.support.grade_fixtures import seed_course


@pytest.fixture
def sessions(tmp_path):
    """A SQLite file configured like the app's (WAL, BEGIN IMMEDIATE), with every table."""
    engine = build_engine(Settings(data_dir=tmp_path))
    metadata.create_all(engine)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


@pytest.fixture
def course(sessions, clock):
    with sessions.begin() as session:
        return seed_course(session, clock.now(), learners=("4", "5"))
