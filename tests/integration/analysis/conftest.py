"""Fixtures of the item-analysis integration tests: a ten-item assessment, a placement
launched by an instructor, a learner of it (tests.support.analysis_seeding writes attempts)."""

from __future__ import annotations

import pytest

from tests.integration.attempts.conftest import Person, launch_person
from tests.support.analysis_seeding import import_ten_items
from tests.support.signed_launches import FakeMoodle, register


@pytest.fixture
def moodle(app):
    fake = FakeMoodle()
    register(app, fake)
    return fake


@pytest.fixture
def analysis_slug(app, tmp_path, clock) -> str:
    return import_ten_items(app, tmp_path, clock.now())


@pytest.fixture
def staff(app, client, moodle, clock, analysis_slug) -> Person:
    return launch_person(
        app, client, moodle, clock, slug=analysis_slug, role="Instructor", sub="99"
    )


@pytest.fixture
def learner(app, client, moodle, clock, analysis_slug) -> Person:
    return launch_person(app, client, moodle, clock, slug=analysis_slug, sub="5")
