"""The item analysis pages in a real browser: reached from the instructor's placement page,
rendered in the five interface languages, sortable by a column header, with no serious axe
violation; a learner's launch gets 403."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.launching import launch_in_browser
from tests.support.analysis_seeding import import_ten_items, seed_attempts
from tests.support.axe import axe_check, describe
from tests.support.item_responses import rasch_answers

pytestmark = pytest.mark.browser

LINK = "42"  # a course activity of its own, opened with the ten-item assessment
LANGUAGES = ("en", "es", "fr", "tr", "id")


@pytest.fixture
def analysed(tool_and_platform, page, tmp_path):
    """A placement with 40 learners' attempts in each of the five languages."""
    lti = tool_and_platform
    slug = import_ten_items(lti.tool.app, tmp_path, lti.clock.now())
    launch_in_browser(
        page, lti.platform, "instructor", custom_assessment=slug, resource_link_id=LINK
    )
    answers = rasch_answers(40, languages=LANGUAGES, harder_item=3)
    seed_attempts(lti.tool.app, slug, answers, lti.clock.now())
    return slug


def _accessible(page) -> None:
    violations = axe_check(page)
    assert not violations, describe(violations)


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_in_each_language(tool_and_platform, page, analysed, language):
    lti = tool_and_platform
    launch_in_browser(
        page,
        lti.platform,
        "instructor",
        custom_assessment=analysed,
        resource_link_id=LINK,
        locale=language,
    )
    page.locator("#item-analysis-link").click()
    page.wait_for_selector("#items-table")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("#score-distribution svg title")).to_have_count(1)
    expect(page.locator("#items-table tbody tr")).to_have_count(10)
    _accessible(page)

    page.locator("#sort-facility").click()
    page.wait_for_selector('#items-table th[aria-sort="ascending"]')
    page.locator("#items-table tbody tr th a").first.click()
    page.wait_for_selector("#languages-table")
    expect(page.locator("#languages-table tbody tr")).to_have_count(len(LANGUAGES))
    expect(page.locator("#options-figure svg desc")).to_have_count(1)
    _accessible(page)


def test_a_learner_gets_403(tool_and_platform, page, analysed):
    lti = tool_and_platform
    landed = launch_in_browser(
        page, lti.platform, "learner", custom_assessment=analysed, resource_link_id=LINK
    )
    token = landed.url.split("lt=", 1)[1].split("&", 1)[0]
    response = page.goto(f"{lti.tool.url}/instructor/analysis/?lt={token}")
    assert response is not None and response.status == 403
    _accessible(page)


def test_roster_from_the_demo_platforms_membership_service(tool_and_platform, page, context):
    """End to end against lti1p3platform's NRPS (Moodle-shaped): the learner who launched is
    listed with their status, and the page passes axe."""
    lti = tool_and_platform
    launch_in_browser(context.new_page(), lti.platform, "learner", custom_assessment=lti.assessment)
    launch_in_browser(page, lti.platform, "instructor", custom_assessment=lti.assessment)
    page.locator("#roster-link").click()
    page.wait_for_selector("#roster-table")
    expect(page.locator("#roster-time")).to_have_count(1)
    row = page.locator("#roster-table tbody tr", has_text="Sam Student")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Not started")
    _accessible(page)
    # The refresh posts and comes back to this page: #roster-table is already on the old one.
    with page.expect_navigation():
        page.locator("#roster-refresh").click()
    page.wait_for_selector("#roster-table")
