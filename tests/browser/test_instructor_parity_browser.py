"""An instructor sets a learner's own retake delay, reviews their attempt question by
question, raises its score with a reason and reads the responses report, in real Chromium
(issue 15, parity with Moodle's quiz). In English and Spanish, desktop and 375 px wide, with axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.attempt_helpers import (
    launch_learner,
    publish_small,
    start,
    stored,
    submit_attempt,
)
from tests.browser.launching import launch_in_browser
from tests.support.axe import axe_check, describe

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": 1280, "phone": 375}


def _accessible(page: Page) -> None:
    violations = axe_check(page)
    assert not violations, describe(violations)


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("width", WIDTHS, ids=str)
@pytest.mark.parametrize("locale", ["en", "es"])
def test_review_an_attempt_and_raise_its_score(
    tool_and_platform, context, page, tmp_path, locale, width
):
    lti = tool_and_platform
    size = {"width": WIDTHS[width], "height": 800}
    page.set_viewport_size(size)
    slug = publish_small(lti, tmp_path / "content", review="none")
    launch_learner(page, lti, slug, locale=locale, user_id="81")
    start(page)
    page.locator("#btn-review").click()
    submit_attempt(page)
    expect(page.locator("#result-heading")).to_be_visible()

    staff = context.new_page()
    staff.set_viewport_size(size)
    launch_in_browser(staff, lti.platform, "instructor", custom_assessment=slug, locale=locale)
    staff.locator("#learners-table a[id^=learner-link-]").first.click()

    # The learner's own time limit and retake delay (Moodle's user overrides).
    staff.locator("#retake-delay-minutes").fill("0")
    staff.locator("#save-time-retake").click()
    expect(staff.locator("#time-retake-saved")).to_be_visible()
    expect(staff.locator("#retake-delay-minutes")).to_have_value("0")
    _accessible(staff)
    _no_sideways_scroll(staff)

    staff.locator("#attempt-link-1").click()
    expect(staff.locator("#staff-answers .review-item")).to_have_count(4)
    expect(staff.locator("#score-form")).to_be_visible()
    _accessible(staff)
    _no_sideways_scroll(staff)

    staff.locator("#score-percent").fill("80")
    staff.locator("#score-reason").fill("Accepted another spelling")
    staff.locator("#override-score").click()
    expect(staff.locator("#override-done")).to_be_visible()
    expect(staff.locator("#staff-attempt-score")).to_contain_text("80")
    _accessible(staff)

    # The responses report: a row for the attempt, a column per question, the histogram.
    staff.locator("#back-to-learner").click()
    staff.locator("#back-to-learners").click()
    staff.locator("#responses-link").click()
    expect(staff.locator("#responses-table tbody tr")).to_have_count(1)
    expect(staff.locator("#responses-table thead th")).to_have_count(5 + 4)
    expect(staff.locator("#score-histogram rect")).to_have_count(10)
    staff.locator("#filter-outcome").select_option("not_passed")
    staff.locator("#apply-filters").click()
    expect(staff.locator("#no-responses")).to_be_visible()  # 80 % passed
    _accessible(staff)
    _no_sideways_scroll(staff)


@pytest.mark.parametrize("width", WIDTHS, ids=str)
@pytest.mark.parametrize("locale", ["en", "es"])
def test_preview_as_a_learner(tool_and_platform, page, tmp_path, locale, width):
    lti = tool_and_platform
    page.set_viewport_size({"width": WIDTHS[width], "height": 800})
    slug = publish_small(lti, tmp_path / "content")
    launch_in_browser(page, lti.platform, "instructor", custom_assessment=slug, locale=locale)
    page.locator("#preview-link").click()
    expect(page.locator("#preview-notice")).to_be_visible()
    _accessible(page)
    _no_sideways_scroll(page)
    attempt = start(page)
    expect(page.locator("#preview-mark")).to_be_visible()
    page.locator("#btn-review").click()
    submit_attempt(page)
    expect(page.locator("#result-heading")).to_be_visible()
    expect(page.locator("#preview-notice")).to_be_visible()
    _accessible(page)
    _no_sideways_scroll(page)
    assert stored(lti, attempt).status == "submitted"


@pytest.mark.parametrize("width", WIDTHS, ids=str)
@pytest.mark.parametrize("locale", ["en", "es"])
def test_the_regrade_and_audit_pages(tool_and_platform, page, tmp_path, locale, width):
    lti = tool_and_platform
    page.set_viewport_size({"width": WIDTHS[width], "height": 800})
    slug = publish_small(lti, tmp_path / "content")
    launch_in_browser(page, lti.platform, "instructor", custom_assessment=slug, locale=locale)
    page.locator("#regrade-link").click()
    expect(page.locator("#regrade-heading")).to_be_visible()
    expect(page.locator("#no-rises")).to_be_visible()
    _accessible(page)
    _no_sideways_scroll(page)
    page.locator("#back-to-learners").click()
    page.locator("#audit-log-link").click()
    expect(page.locator("#audit-empty")).to_be_visible()
    _accessible(page)
    _no_sideways_scroll(page)


@pytest.mark.parametrize("width", WIDTHS, ids=str)
@pytest.mark.parametrize("locale", ["en", "es"])
def test_delete_an_attempt_made_by_mistake_with_a_reason(
    tool_and_platform, context, page, tmp_path, locale, width
):
    lti = tool_and_platform
    size = {"width": WIDTHS[width], "height": 800}
    page.set_viewport_size(size)
    slug = publish_small(lti, tmp_path / "content")
    launch_learner(page, lti, slug, locale=locale, user_id="91")
    for _ in range(2):  # two attempts at 0 %: the first keeps the best, the second does not
        start(page)
        page.locator("#btn-review").click()
        submit_attempt(page)
        expect(page.locator("#result-heading")).to_be_visible()
        page.locator("#assessment-home").click()
        # The result page has a #start-attempt too: start() must press the home page's.
        expect(page.locator("#assessment-title")).to_be_visible()

    staff = context.new_page()
    staff.set_viewport_size(size)
    launch_in_browser(staff, lti.platform, "instructor", custom_assessment=slug, locale=locale)
    staff.locator("#learners-table a[id^=learner-link-]").first.click()
    staff.locator("#attempt-link-2").click()
    staff.locator("#delete-reason").fill("Started by mistake")
    staff.locator("#delete-attempt").click()
    row = staff.locator("#audit-table tbody tr").first
    expect(row).to_have_attribute("data-action", "attempt_deleted")
    expect(row).to_contain_text("Started by mistake")
    _accessible(staff)
    _no_sideways_scroll(staff)


@pytest.mark.parametrize("width", WIDTHS, ids=str)
@pytest.mark.parametrize("locale", ["en", "es"])
def test_reopen_a_void_attempt_with_a_reason(
    tool_and_platform, context, page, tmp_path, locale, width
):
    lti = tool_and_platform
    size = {"width": WIDTHS[width], "height": 800}
    page.set_viewport_size(size)
    slug = publish_small(lti, tmp_path / "content")
    launch_learner(page, lti, slug, locale=locale, user_id="95")
    attempt = start(page)
    page.goto("about:blank")  # the learner leaves; no page of the attempt is open any more
    lti.clock.advance(minutes=11)  # past the 10-minute inactivity allowance

    staff = context.new_page()
    staff.set_viewport_size(size)
    launch_in_browser(staff, lti.platform, "instructor", custom_assessment=slug, locale=locale)
    staff.locator("#learners-table a[id^=learner-link-]").first.click()
    staff.locator("#attempt-link-1").click()
    expect(staff.locator("#reopen-form")).to_be_visible()  # settled: void
    _accessible(staff)
    _no_sideways_scroll(staff)
    staff.locator("#reopen-reason").fill("Power cut at the test centre")
    staff.locator("#reopen-attempt").click()
    expect(staff.locator("#override-done")).to_be_visible()
    assert stored(lti, attempt).status == "in_progress"
    _accessible(staff)
