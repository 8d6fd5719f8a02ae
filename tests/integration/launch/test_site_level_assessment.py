"""A site-level `assessment=` must not erase the assessment Deep Linking gave an activity.

Moodle lets a tool's site-level custom parameters override each activity's own, and stores a
pasted `assessment=<slug>` as `assessment=`: launches of a Deep-Linked activity then carry an
empty `assessment` (issue 16, bug 1). The placement keeps the assessment it already has.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from lti_tool import db
from lti_tool.deep_linking.response import resource_for
from lti_tool.launch.models import Placement
from lti_tool.launch.sessions import named_assessment
from tests.support.attempt_content import publish
from tests.support.signed_launches import FakeMoodle, launch, register


@pytest.fixture
def moodle(app):
    fake = FakeMoodle()
    register(app, fake)
    return fake


@pytest.fixture
def slug(app, tmp_path, clock) -> str:
    with app.app_context(), db.session_scope() as session:
        return publish(session, tmp_path, clock.now()).assessment.slug


def _learner_home(app, client, moodle, clock, custom: dict) -> str:
    """Launch the learner into resource link 1 with `custom`; the assessment home page."""
    response, _token = launch(client, moodle, clock.now().timestamp(), custom=custom)
    assert response.status_code == 303, response.get_data(as_text=True)
    token = parse_qs(urlsplit(response.headers["Location"]).query)["lt"][0]
    home = app.test_client(use_cookies=False).get("/assessment", query_string={"lt": token})
    assert home.status_code == 200
    return home.get_data(as_text=True)


def _placement_slug(app) -> str | None:
    with app.app_context():
        return db.session().scalar(select(Placement.assessment_slug))


def _deep_linked_custom(slug: str) -> dict:
    """The custom parameters Moodle stores with an activity created by our Deep Linking."""
    return resource_for(slug, "Final", "http://tool.test/lti/launch").to_dict()["custom"]


@pytest.mark.parametrize("site_value", ["", "   "], ids=["empty", "blank"])
def test_an_empty_assessment_keeps_the_deep_linked_one(
    app, client, moodle, clock, slug, site_value
):
    first = _learner_home(app, client, moodle, clock, _deep_linked_custom(slug))
    assert 'id="start-attempt"' in first and _placement_slug(app) == slug
    # The admin then adds `assessment=` at site level: Moodle sends it instead of the activity's.
    later = _learner_home(app, client, moodle, clock, {"assessment": site_value})
    assert _placement_slug(app) == slug
    assert 'id="start-attempt"' in later and 'id="not-configured"' not in later


def test_an_empty_assessment_on_a_new_activity_names_none(app, client, moodle, clock, slug):
    page = _learner_home(app, client, moodle, clock, {"assessment": ""})
    assert _placement_slug(app) is None
    assert 'id="not-configured"' in page and 'id="start-attempt"' not in page


def test_a_named_assessment_still_replaces_the_placements(app, client, moodle, clock, tmp_path):
    with app.app_context(), db.session_scope() as session:
        first = publish(session, tmp_path, clock.now()).assessment.slug
        second = publish(session, tmp_path, clock.now()).assessment.slug
    _learner_home(app, client, moodle, clock, {"assessment": first})
    _learner_home(app, client, moodle, clock, {"assessment": f" {second} "})
    assert _placement_slug(app) == second


@pytest.mark.parametrize(
    ("custom", "named"),
    [
        (None, ""),
        ("assessment=x", ""),
        ({}, ""),
        ({"assessment": None}, ""),
        ({"assessment": " \t"}, ""),
        ({"assessment": " emm2-final "}, "emm2-final"),
    ],
)
def test_named_assessment_reads_only_a_non_blank_value(custom, named):
    assert named_assessment(custom) == named
