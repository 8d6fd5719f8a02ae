"""axe-core finds no serious or critical accessibility problem on the tool's pages."""

from __future__ import annotations

import pytest

from tests.browser.launching import launch_in_browser
from tests.support.axe import axe_check, describe

pytestmark = pytest.mark.browser


def _assert_accessible(target) -> None:
    violations = axe_check(target)
    assert not violations, describe(violations)


def test_configuration_page(tool_and_platform, page):
    response = page.goto(tool_and_platform.tool.url + "/lti/config")
    assert response is not None and response.status == 200
    _assert_accessible(page)


def test_learner_landing(tool_and_platform, page):
    lti = tool_and_platform
    landed = launch_in_browser(page, lti.platform, "learner", custom_assessment=lti.assessment)
    assert landed.path == "/learner"
    _assert_accessible(page)


def test_instructor_landing(tool_and_platform, page):
    landed = launch_in_browser(page, tool_and_platform.platform, "instructor")
    assert landed.path == "/instructor"
    _assert_accessible(page)


def test_error_page(tool_and_platform, page):
    response = page.goto(tool_and_platform.tool.url + "/learner")  # no launch token
    assert response is not None and response.status == 401
    assert page.get_by_role("alert").is_visible()
    _assert_accessible(page)


def test_deep_linking_catalogue(tool_and_platform, page):
    landed = launch_in_browser(page, tool_and_platform.platform, "deeplink")
    assert landed.path == "/deep-linking"
    assert tool_and_platform.assessment_slugs
    assert page.get_by_role("button", name="Use this assessment").count() == len(
        tool_and_platform.assessment_slugs
    )
    _assert_accessible(page)
