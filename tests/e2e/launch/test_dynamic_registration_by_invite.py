"""The admin's whole dynamic-registration flow over HTTP: `flask platform invite` on the tool,
"Add LTI Advantage" on a live platform that registers tools the way Moodle 4.5 does
(demo_platform), "Activate", then a launch with the client id the platform chose."""

from __future__ import annotations

import re

import pytest

from demo_platform import PlatformConfig, generate_platform_key
from tests.e2e.launch.test_launch_with_real_platform import browse_launch, loopback_browser
from tests.support.platform_server import run_platform

pytestmark = pytest.mark.e2e


def _admin_runs(live_tool, *args: str) -> str:
    result = live_tool.app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def unregistered_platform(live_tool):
    config = PlatformConfig(
        private_key_pem=generate_platform_key(),
        tool_login_url=live_tool.url + "/lti/login",
        tool_launch_url=live_tool.url + "/lti/launch",
        tool_jwks_url=live_tool.url + "/.well-known/jwks.json",
    )
    with run_platform(config, host="localhost") as running:
        yield running


def test_an_invited_platform_registers_and_launches(live_tool, unregistered_platform):
    platform = unregistered_platform
    _admin_runs(live_tool, "keys", "generate")
    printed = _admin_runs(live_tool, "platform", "invite", "--note", "demo Moodle")
    (invite,) = re.findall(re.escape(live_tool.url) + r"/lti/register/\S+", printed)

    # The Moodle admin pastes the URL into "Tool URL" and presses "Add LTI Advantage".
    browser = loopback_browser()
    page = browser.get(
        platform.url + "/start-registration", params={"tool_registration_url": invite}, timeout=10
    )
    assert page.status_code == 200, page.text[:500]
    assert "The assessment tool is registered" in page.text
    (record,) = platform.state.registrations()
    tool = platform.state.tool(record.client_id)
    assert not tool.active
    with live_tool.session() as session:
        from lti_tool.platforms.registry import list_platforms

        (registered,) = [
            (p.issuer, p.client_id, [d.deployment_id for d in p.deployments])
            for p in list_platforms(session)
        ]
    assert registered == (platform.url, tool.client_id, [tool.deployment_id])

    # "Activate" in Moodle, then a teacher opens the tool.
    platform.state.activate_tool(tool.client_id)
    landing = browse_launch(platform, "instructor", client_id=tool.client_id)
    assert landing.status_code == 200, landing.text[:500]
    assert "Terry Teacher" in landing.text

    # The same URL pasted again registers nothing.
    again = browser.get(
        platform.url + "/start-registration", params={"tool_registration_url": invite}, timeout=10
    )
    assert again.status_code == 403
    assert "already been used" in again.text
    assert len(platform.state.registrations()) == 1, "refused before the platform was asked"


def test_the_bare_registration_address_registers_nothing(live_tool, unregistered_platform):
    platform = unregistered_platform
    page = loopback_browser().get(
        platform.url + "/start-registration",
        params={"tool_registration_url": live_tool.url + "/lti/register"},
        timeout=10,
    )
    assert page.status_code == 403
    assert "flask platform invite" in page.text
    assert platform.state.registrations() == []
