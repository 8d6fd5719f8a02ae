"""A dynamically registered platform starts with a made-up name (Moodle 4.5 advertises none while
registering), the completion page says how to brand and rename it, and the site name Moodle
sends in launches replaces the made-up name, never an admin's."""

from __future__ import annotations

from lti_tool import db
from lti_tool.platforms.models import Platform
from tests.integration.launch.test_dynamic_registration import (
    _invite,
    _moodle_opens,
    _moodle_routes,
)
from tests.support.http_stub import serve
from tests.support.signed_launches import ISSUER, FakeMoodle, launch, register

TOOL_PLATFORM = "https://purl.imsglobal.org/spec/lti/claim/tool_platform"
# What Moodle 4.5 sends (its launch capture): short name and full name of the site.
ADVERTISED = {"product_family_code": "moodle", "name": "ltitest", "description": "LTI Test Moodle"}


def _platform(app) -> Platform:
    with app.app_context():
        row = db.session().query(Platform).one()
        db.session().expunge(row)
        return row


def test_the_registration_page_says_how_to_brand_and_rename(app, client, runner):
    invite = _invite(runner)
    with serve(_moodle_routes()) as moodle:
        response = _moodle_opens(client, invite, moodle)
    assert response.status_code == 200, response.get_data(as_text=True)
    platform = _platform(app)
    assert platform.name == f"moodle {moodle.url.split('://')[1]}"
    assert platform.name_is_automatic
    page = response.get_data(as_text=True)
    assert f"flask platform brand {moodle.url} --organisation" in page
    assert f"flask platform rename {moodle.url}" in page
    assert "made up at registration" in runner.invoke(args=["platform", "list"]).output


def _launch_advertising(app, client, clock, moodle, advertised) -> None:
    def edit(claims: dict) -> None:
        claims[TOOL_PLATFORM] = advertised

    response, _ = launch(client, moodle, clock.now().timestamp(), claims_edit=edit)
    assert response.status_code == 303, response.get_data(as_text=True)


def _make_name_automatic(app) -> None:
    with app.app_context():
        db.session().query(Platform).update({"name_is_automatic": True})
        db.session().commit()


def test_a_launch_replaces_a_made_up_name_by_the_sites_full_name(app, client, clock):
    moodle = FakeMoodle()
    register(app, moodle)
    _make_name_automatic(app)
    _launch_advertising(app, client, clock, moodle, ADVERTISED)
    assert _platform(app).name == "LTI Test Moodle"
    _launch_advertising(app, client, clock, moodle, {"name": "ltitest", "description": " "})
    assert _platform(app).name == "ltitest"  # no full name: the short one


def test_a_launch_never_replaces_an_admins_name(app, client, clock, runner):
    moodle = FakeMoodle()
    register(app, moodle)
    _make_name_automatic(app)
    assert runner.invoke(args=["platform", "rename", ISSUER, "IOM E-Campus"]).exit_code == 0
    _launch_advertising(app, client, clock, moodle, ADVERTISED)
    assert _platform(app).name == "IOM E-Campus"


def test_a_launch_without_a_usable_name_keeps_the_made_up_one(app, client, clock):
    moodle = FakeMoodle()
    register(app, moodle)
    _make_name_automatic(app)
    _launch_advertising(app, client, clock, moodle, {"name": 42, "description": "\u0007"})
    assert _platform(app).name == "E-Campus"
