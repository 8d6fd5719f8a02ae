"""Dynamic registration in Moodle's dialog: Moodle frames startltiadvregistration.php, which
redirects to the Tool URL the admin pasted. The tool's answer must show inside that frame,
whether it registered (and then tell Moodle to close the dialog) or refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Frame, Page, expect

from demo_platform import PlatformConfig, generate_platform_key
from tests.browser.launching import open_course_page
from tests.support.axe import axe_check, describe
from tests.support.clock import FakeClock
from tests.support.live_server import LiveTool, start_live_tool
from tests.support.platform_server import run_platform

pytestmark = pytest.mark.browser

# What Moodle's tool_configure_controller does with the dialog's close message.
LISTEN_FOR_CLOSE = """window.addEventListener("message", function (event) {
  if (event.data && event.data.subject === "org.imsglobal.lti.close") { window.ltiClosed = true; }
});"""


@pytest.fixture
def tool_and_new_platform(tmp_path: Path) -> Iterator[tuple[LiveTool, object]]:
    with start_live_tool(tmp_path / "tool", clock=FakeClock(datetime.now(UTC))) as tool:
        config = PlatformConfig(
            private_key_pem=generate_platform_key(),
            tool_login_url=f"{tool.url}/lti/login",
            tool_launch_url=f"{tool.url}/lti/launch",
            tool_jwks_url=f"{tool.url}/.well-known/jwks.json",
        )
        with run_platform(config) as platform:
            yield tool, platform


def _add_lti_advantage(page: Page, platform, tool_url: str) -> Frame:
    """Moodle's Manage tools page framing startltiadvregistration.php?url=<tool_url>."""
    start = f"{platform.url}/start-registration?{urlencode({'tool_registration_url': tool_url})}"
    frame = open_course_page(page, platform, start)
    frame.wait_for_load_state("load")
    return frame


def test_an_invited_registration_shows_in_moodle_s_dialog_and_closes_it(
    tool_and_new_platform, page
):
    tool, platform = tool_and_new_platform
    printed = tool.app.test_cli_runner().invoke(args=["platform", "invite"]).output
    (invite,) = re.findall(re.escape(tool.url) + r"/lti/register/\S+", printed)
    page.add_init_script(LISTEN_FOR_CLOSE)

    frame = _add_lti_advantage(page, platform, invite)
    expect(frame.get_by_role("status")).to_contain_text("The assessment tool is registered")
    page.wait_for_function("window.ltiClosed === true")
    violations = axe_check(frame)
    assert not violations, describe(violations)


def test_a_refused_registration_is_readable_in_moodle_s_dialog(tool_and_new_platform, page):
    tool, platform = tool_and_new_platform
    frame = _add_lti_advantage(page, platform, tool.url + "/lti/register")
    alert = frame.get_by_role("alert")
    expect(alert).to_contain_text("needs an invitation")
    expect(alert).to_contain_text("flask platform invite")
    assert platform.state.registrations() == []
    violations = axe_check(frame)
    assert not violations, describe(violations)
