"""The issue's requirement: in real Chromium (headless, Debian's chromium, driven by
Playwright) a launch inside an iframe of another site, with third-party cookies blocked,
reaches the landing page, and a follow-up request of that launch succeeds.

The "Moodle course page" is on the platform's site (http://127.0.0.1:<port>), the tool on
http://localhost:<port>: another site, so everything the tool does inside the iframe is
third-party. The profile blocks third-party cookies; a control cookie proves it.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from tests.browser.cookie_probe import ECHO_PATH, SET_PATH, with_cookie_probe
from tests.browser.launching import COURSE_PAGE_PATH, launch_in_course_page, open_course_page

pytestmark = pytest.mark.browser


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _site(url: str) -> str:
    """What Chromium keys partitioned cookies by: the top-level site (scheme and host)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}"


def _assert_third_party_cookies_blocked(page, tool, platform) -> None:
    """The control: in this profile a plain SameSite=None cookie set by the tool's origin inside
    the course page's iframe is neither stored nor sent back; a partitioned (CHIPS) one is."""
    frame = open_course_page(page, platform, tool.url + SET_PATH)
    frame.wait_for_url(tool.url + SET_PATH)
    frame.locator("#probe").wait_for()
    assert frame.evaluate("document.hasStorageAccess()") is False
    assert frame.evaluate("document.cookie") == "probe_partitioned=1"

    frame.goto(tool.url + ECHO_PATH)
    assert json.loads(frame.locator("body").inner_text()) == {"probe_partitioned": "1"}
    stored = {c["name"]: c for c in page.context.cookies(tool.url)}
    assert set(stored) == {"probe_partitioned"}
    assert stored["probe_partitioned"]["partitionKey"] == _site(platform.url)
    page.context.clear_cookies()


def test_embedded_launch_reaches_landing_page_and_follow_up_succeeds(
    tool_and_platform, cookie_blocking_page
):
    lti = tool_and_platform
    tool, platform = lti.tool, lti.platform
    tool.server.mount(with_cookie_probe(tool.app))
    page = cookie_blocking_page
    _assert_third_party_cookies_blocked(page, tool, platform)

    learner = platform.state.member("4")  # the demo platform's default learner
    assert learner is not None

    landed = launch_in_course_page(
        page, platform, "learner", user_id=learner.user_id, custom_assessment=lti.assessment
    )

    # Still Moodle's page at top level, the tool's learner page inside its iframe.
    assert _origin(page.url) == platform.url
    assert urlsplit(page.url).path == COURSE_PAGE_PATH
    assert landed.frame.parent_frame == page.main_frame
    assert _origin(landed.url) == tool.url
    assert landed.path == "/learner"
    assert learner.name in landed.frame.locator("main").inner_text()
    # Third-party cookies really were blocked in that frame during the launch.
    assert landed.frame.evaluate("document.hasStorageAccess()") is False
    assert not [c for c in page.context.cookies(tool.url) if not c.get("partitionKey")]

    # Follow-up 1: the landing page requested again through its own URL (token in ?lt=).
    response = landed.frame.goto(landed.url)
    assert response is not None and response.status == 200
    assert urlsplit(landed.frame.url).path == "/learner"
    assert learner.name in landed.frame.locator("main").inner_text()

    # Follow-up 2: a script request from inside the frame with the token in X-Launch-Token,
    # as the tool's JavaScript sends it.
    answer = landed.frame.evaluate(
        """async token => {
            const r = await fetch('/learner', {headers: {'X-Launch-Token': token}});
            return {status: r.status, text: await r.text()};
        }""",
        landed.token,
    )
    assert answer["status"] == 200
    assert learner.name in answer["text"]

    # The follow-ups succeed because of the token, not because of some cookie: without it
    # the same frame is refused.
    refused = landed.frame.goto(tool.url + "/learner")
    assert refused is not None and refused.status == 401
    assert landed.frame.get_by_role("alert").is_visible()
