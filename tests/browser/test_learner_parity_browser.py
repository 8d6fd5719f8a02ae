"""Parity with Moodle's quiz for learners, in real Chromium (issue 15): flag a question for
later (a toggle in place, kept on the server: it survives a reload and shows in the navigation
and on the review page), a modal dialog that asks before the final submit, and the overall
feedback of the score's band on the result page. In English and
Spanish, desktop and 375 px wide, each state checked with axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.attempt_helpers import launch_learner, publish_small, start, stored
from tests.support.axe import axe_check, describe

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": 1280, "phone": 375}
BANDS = [
    {"min_percent": 0, "text": {"en": "Review the modules first.", "es": "Repase los módulos."}},
    {"min_percent": 70, "text": {"en": "Well done.", "es": "Bien hecho."}},
]


def _accessible(page: Page) -> None:
    violations = axe_check(page)
    assert not violations, describe(violations)


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("width", WIDTHS, ids=str)
@pytest.mark.parametrize("locale", ["en", "es"])
def test_flag_for_later_and_confirm_before_submitting(
    tool_and_platform, page, tmp_path, locale, width
):
    lti = tool_and_platform
    page.set_viewport_size({"width": WIDTHS[width], "height": 800})
    slug = publish_small(lti, tmp_path / "content", feedback_bands=BANDS)
    launch_learner(page, lti, slug, locale=locale, user_id="61")
    expect(page.locator("html")).to_have_attribute("lang", locale)
    attempt = start(page)

    # Flag question 1 in place: the toggle is pressed, the navigation marks and names it.
    toggle, nav = page.locator("#flag-toggle"), page.locator("#nav-q-1")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    with page.expect_response(lambda r: r.url.split("?")[0].endswith("/questions/1/flag")) as done:
        toggle.click()
    assert done.value.status == 200
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(nav).to_have_class(re.compile(r"\bflagged\b"))
    expect(page.locator("#announcer")).not_to_be_empty()
    _accessible(page)
    _no_sideways_scroll(page)

    # Kept on the server: a reload shows it again.
    page.reload()
    expect(page.locator("#flag-toggle")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#nav-q-1")).to_have_class(re.compile(r"\bflagged\b"))
    assert page.locator("#nav-q-2").get_attribute("class") == "nav-q"

    # The review page lists it as flagged.
    page.locator("#btn-review").click()
    expect(page.locator("#review-flag-1")).to_be_visible()
    expect(page.locator("#review-flag-2")).to_have_count(0)
    _accessible(page)
    _no_sideways_scroll(page)

    # "Submit" asks first, in a modal dialog; Escape keeps the attempt going.
    page.locator("#submit-attempt").click()
    dialog = page.locator("#submit-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#cancel-submit")).to_be_focused()
    expect(dialog.locator("#confirm-flagged")).to_be_visible()
    expect(dialog.locator("#confirm-unanswered")).to_be_visible()
    _accessible(page)
    _no_sideways_scroll(page)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator("#submit-attempt")).to_be_focused()
    assert stored(lti, attempt).status == "in_progress"

    # Confirming submits; nothing answered: the lowest band's feedback, in the learner's language.
    page.locator("#submit-attempt").click()
    page.locator("#confirm-submit").click()
    expect(page.locator("#result-heading")).to_be_visible()
    assert stored(lti, attempt).status == "submitted"
    feedback = page.locator("#overall-feedback")
    expect(feedback).to_contain_text(BANDS[0]["text"][locale])
    _accessible(page)
    _no_sideways_scroll(page)
