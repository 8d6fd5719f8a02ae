"""Staff and learners driving the authoring pages and the media route (Flask test client), on
both backends; the launched people are those of the attempts tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from lti_tool import db
from tests.integration.attempts.conftest import (  # noqa: F401 - fixtures used by these tests
    instructor_of,
    learner_of,
    moodle,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "item_bank"
WITH_IMAGE = FIXTURES / "moodle_with_image.xml"
IMAGE_SLUG = "moodle-with-image"


@pytest.fixture
def image_assessment(app, clock) -> str:
    """Imports the Moodle XML fixture with a picture; returns the picture's SHA-256."""
    from item_bank.loading import import_path
    from item_bank.models import MediaFile

    with app.app_context(), db.session_scope() as session:
        report = import_path(session, WITH_IMAGE, now=clock.now())
        assert report.imported, report.to_text()
        return session.query(MediaFile.sha256).scalar()
