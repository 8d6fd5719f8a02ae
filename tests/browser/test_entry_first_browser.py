"""The entry questionnaire comes first, in real Chromium (issue 15 items 2 and 3): the home
page leads to it, starting without it asks for a confirmation (a second button, no script),
and its page leads back to the assessment. In English and Spanish, desktop and 375 px wide,
each page checked with axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.launching import launch_in_browser
from tests.support.axe import axe_check, describe

pytestmark = pytest.mark.browser

ASSESSMENT = "emm2-final"
ENTRY_TITLE = {"en": "Entry questionnaire", "es": "Cuestionario de entrada"}
QUESTION_PAGE = re.compile(r"/assessment/attempts/\d+/questions/1")
WIDTHS = {"desktop": 1280, "phone": 375}


def _accessible(page: Page) -> None:
    violations = axe_check(page)
    assert not violations, describe(violations)


def _attach_demo_forms(lti) -> None:
    from lti_tool.forms.demo import load_demo_forms

    with lti.tool.session() as session:
        lines = list(load_demo_forms(session, now=lti.tool.now()))
    assert any("emm2-entry-questionnaire" in line for line in lines), lines


@pytest.mark.parametrize("width", WIDTHS, ids=str)
@pytest.mark.parametrize("locale", ["en", "es"])
def test_the_entry_questionnaire_comes_first_and_skipping_it_is_confirmed(
    tool_and_platform, page, locale, width
):
    lti = tool_and_platform
    _attach_demo_forms(lti)
    page.set_viewport_size({"width": WIDTHS[width], "height": 800})
    launch_in_browser(
        page, lti.platform, "learner", custom_assessment=ASSESSMENT, locale=locale, user_id="51"
    )
    expect(page.locator("html")).to_have_attribute("lang", locale)

    # Home: the entry questionnaire is the first step, above a secondary start button.
    first_step = page.locator("#first-step-entry_questionnaire")
    expect(page.locator("#first-steps")).to_be_visible()
    expect(first_step).to_contain_text(ENTRY_TITLE[locale])
    expect(page.locator("#start-attempt")).to_have_class(re.compile(r"\bsecondary\b"))
    first_box, start_box = first_step.bounding_box(), page.locator("#start-attempt").bounding_box()
    assert first_box and start_box and first_box["y"] < start_box["y"]
    _accessible(page)

    # Start: a confirmation page, not an attempt.
    page.locator("#start-attempt").click()
    page.wait_for_url(re.compile(r"/assessment/before-you-start"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("#entry-will-close")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", locale)
    _accessible(page)

    # The questionnaire is one click away, and its page leads back.
    page.locator("#first-step-entry_questionnaire").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ENTRY_TITLE[locale])
    page.locator("#back-to-assessment").click()
    expect(page.locator("#first-steps")).to_be_visible()

    # Starting anyway takes the second, explicit button.
    page.locator("#start-attempt").click()
    page.locator("#start-without-entry").click()
    page.wait_for_url(QUESTION_PAGE)
    assert "lt=" in page.url


def test_after_the_entry_questionnaire_start_goes_straight_to_the_questions(
    tool_and_platform, page
):
    lti = tool_and_platform
    _attach_demo_forms(lti)
    launch_in_browser(page, lti.platform, "learner", custom_assessment=ASSESSMENT, user_id="52")
    page.locator("#first-step-entry_questionnaire").click()
    # `.all()` does not wait: without this the loop can run on the home page still showing.
    expect(page.get_by_role("heading", level=1)).to_have_text(ENTRY_TITLE["en"])
    for group in page.locator("fieldset.question").all():
        group.locator("input[type=radio]").first.check()
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("status").first).to_contain_text("Your answers were received")
    _accessible(page)
    page.locator("#back-to-assessment").click()
    # The questionnaire's page has no #first-steps either: pin the home page first.
    expect(page.locator("#assessment-title")).to_be_visible()
    expect(page.locator("#first-steps")).to_have_count(0)
    page.locator("#start-attempt").click()
    page.wait_for_url(QUESTION_PAGE)
