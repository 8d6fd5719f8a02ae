"""The demo course has its activities from the start (issue 15 item 5): the default learner
launch opens the EMM2.0 final assessment instead of an activity without an assessment."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from demo_platform import CourseActivity, PlatformConfig, create_platform_app
from lti_tool.demo import COURSE_ACTIVITIES, course_activities

TOOL = "http://tool.invalid"


@pytest.fixture(scope="module")
def key() -> str:
    from demo_platform import generate_platform_key

    return generate_platform_key()


def _platform(key: str, activities: tuple[CourseActivity, ...] = ()):
    return create_platform_app(
        PlatformConfig(
            private_key_pem=key,
            issuer="http://platform.invalid",
            tool_login_url=f"{TOOL}/lti/login",
            tool_launch_url=f"{TOOL}/lti/launch",
            tool_jwks_url=f"{TOOL}/.well-known/jwks.json",
            course_activities=activities,
        )
    )


def _launched_custom(app, path: str) -> dict[str, str]:
    """The custom claim the platform will sign for the launch `path` starts."""
    response = app.test_client().get(path)
    assert response.status_code == 302, response.get_data(as_text=True)
    hint = json.loads(parse_qs(urlsplit(response.headers["Location"]).query)["lti_message_hint"][0])
    pending = app.extensions["lti_platform"].pending_launch(hint["launchid"])
    return pending.custom


def test_the_demo_course_opens_emm2_by_default(key):
    import demo_platform

    app = _platform(key, course_activities(demo_platform))
    assert _launched_custom(app, "/launch/learner") == {"assessment": "emm2-final"}
    assert _launched_custom(app, "/launch/instructor") == {"assessment": "emm2-final"}
    assert _launched_custom(app, "/launch/learner?resource_link_id=2") == {
        "assessment": "tendencias-latam-final"
    }
    # The launch form's own value still wins, as a site-level custom parameter does in Moodle.
    assert _launched_custom(app, "/launch/learner?custom_assessment=other") == {
        "assessment": "other"
    }


def test_the_index_says_where_to_start(key):
    import demo_platform

    page = (
        _platform(key, course_activities(demo_platform))
        .test_client()
        .get("/")
        .get_data(as_text=True)
    )
    assert 'id="course-activities"' in page
    for link_id, title, slug in COURSE_ACTIVITIES:
        assert title in page and f"<code>{slug}</code>" in page
        assert f'id="launch-learner-{link_id}"' in page
    # The launch form starts from the default activity's assessment, not an empty one.
    assert 'name="custom_assessment" value="emm2-final"' in page


def test_a_platform_without_activities_is_as_before(key):
    app = _platform(key)
    assert _launched_custom(app, "/launch/learner") == {}
    page = app.test_client().get("/").get_data(as_text=True)
    assert 'id="course-activities"' not in page and 'name="custom_assessment" value=""' in page
