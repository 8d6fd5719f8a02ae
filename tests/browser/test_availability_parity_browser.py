"""Open and close dates per placement in real Chromium (issue 15, parity with Moodle's quiz):
the instructor sets them on the placement page, the learner sees them on the home page and
cannot start before the opening; both changes show in the audit log. In English and Spanish,
desktop and 375 px wide, with axe."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.attempt_helpers import launch_learner, publish_small
from tests.browser.launching import launch_in_browser
from tests.support.axe import axe_check, describe

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": 1280, "phone": 375}


def _accessible(page: Page) -> None:
    violations = axe_check(page)
    assert not violations, describe(violations)


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


def _field(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize("width", WIDTHS, ids=str)
@pytest.mark.parametrize("locale", ["en", "es"])
def test_the_instructor_sets_dates_and_the_learner_sees_them(
    tool_and_platform, context, page, tmp_path, locale, width
):
    lti = tool_and_platform
    size = {"width": WIDTHS[width], "height": 800}
    page.set_viewport_size(size)
    slug = publish_small(lti, tmp_path / "content")
    now = lti.tool.now()

    staff = context.new_page()
    staff.set_viewport_size(size)
    launch_in_browser(staff, lti.platform, "instructor", custom_assessment=slug, locale=locale)
    form = staff.locator("#availability-form")
    expect(form).to_be_visible()
    staff.locator("#opens-at").fill(_field(now + timedelta(hours=2)))
    staff.locator("#closes-at").fill(_field(now + timedelta(days=7)))
    staff.locator("#save-availability").click()
    expect(staff.locator("#availability-saved")).to_be_visible()
    expect(staff.locator("#opens-at")).to_have_value(_field(now + timedelta(hours=2)))
    _accessible(staff)
    _no_sideways_scroll(staff)

    # The learner sees both dates and why they cannot start yet.
    launch_learner(page, lti, slug, locale=locale, user_id="71")
    expect(page.locator("#opens-at")).to_be_visible()
    expect(page.locator("#closes-at")).to_be_visible()
    expect(page.locator("#start-refused")).to_be_visible()
    expect(page.locator("#start-attempt")).to_have_count(0)
    _accessible(page)
    _no_sideways_scroll(page)

    # Opened now: the learner can start, and is told what the close does.
    staff.locator("#opens-at").fill("")
    staff.locator("#save-availability").click()
    expect(staff.locator("#availability-saved")).to_be_visible()
    page.reload()
    expect(page.locator("#start-attempt")).to_be_visible()
    expect(page.locator("#close-explained")).to_be_visible()

    # Both changes are in the audit log, newest first, readable at both widths.
    staff.locator("#audit-log-link").click()
    rows = staff.locator("#audit-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-action", "availability_set")
    _accessible(staff)
    _no_sideways_scroll(staff)
