"""Staff and learners driving the authoring pages and the media route (Flask test client), on
both backends; the launched people are those of the attempts tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from lti_tool import db
from tests.integration.attempts import conftest as attempts

# The launched people of the attempts tests, as fixtures here too.
moodle = attempts.moodle
learner_of = attempts.learner_of
instructor_of = attempts.instructor_of

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


@pytest.fixture
def allow_authors(app, moodle, runner):
    """`flask item-bank authors allow` for the fake Moodle the people are launched from."""
    from tests.support.signed_launches import CLIENT_ID

    def allow() -> None:
        result = runner.invoke(args=["item-bank", "authors", "allow", CLIENT_ID])
        assert result.exit_code == 0, result.output

    return allow


@pytest.fixture
def author(instructor_of, allow_authors):
    """A launched instructor of an allowed platform (no assessment in the activity needed)."""
    allow_authors()
    return instructor_of(None)
