"""Authoring in real Chromium (issue 11): a staff member of an allowed platform uploads a Moodle
XML export with a picture, reads the report, imports, previews the question in Spanish with
its picture, publishes a new version; a learner's next attempt shows the picture with its alt
text; a learner's token gets 403 on the authoring pages. axe finds nothing serious."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from tests.browser.attempt_helpers import launch_learner, start
from tests.browser.launching import launch_in_browser
from tests.support.axe import axe_check, describe

pytestmark = pytest.mark.browser

WITH_IMAGE = (
    Path(__file__).resolve().parents[1] / "fixtures" / "item_bank" / "moodle_with_image.xml"
)
SLUG = "moodle-with-image"
ALT = "Map with a blue square region and a red circle"


def _no_serious_violations(page: Page, where: str) -> None:
    violations = axe_check(page)
    assert not violations, f"{where}:\n{describe(violations)}"


def _picture_loaded(page: Page) -> None:
    picture = page.get_by_role("img", name=ALT)
    expect(picture).to_be_visible()
    # Visible is not loaded (the preview page is not waited for its load event): wait for both.
    expect(picture).to_have_js_property("complete", True)
    expect(picture).to_have_js_property("naturalWidth", 64)


def _allow_the_platform(lti) -> None:
    from lti_tool.authoring.permissions import allow

    with lti.tool.session() as session:
        allow(session, lti.platform.config.client_id, lti.tool.now())


def test_staff_upload_preview_publish_and_a_learner_sees_the_picture(
    tool_and_platform, page, context
):
    lti = tool_and_platform
    _allow_the_platform(lti)
    launch_in_browser(page, lti.platform, "instructor", custom_assessment=lti.assessment)
    page.locator("#authoring-link").click()
    expect(page.locator("#authoring-heading")).to_be_visible()
    _no_serious_violations(page, "assessment list")

    page.get_by_label("File to upload").set_input_files(str(WITH_IMAGE))
    page.locator("#upload-submit").click()
    expect(page.locator("#report-summary")).to_contain_text("1 question(s); 0 error(s)")
    _no_serious_violations(page, "import report")
    page.locator("#confirm-import").click()
    expect(page.locator("#import-results")).to_contain_text("version 1 published")

    page.get_by_role("link", name=SLUG).click()
    expect(page.locator("#assessment-heading")).to_be_visible()
    _no_serious_violations(page, "assessment page")
    page.locator("#preview-q1-es").click()
    expect(page.locator("#preview-item")).to_contain_text("sombreada en azul")
    expect(page.locator("#preview-item")).to_contain_text("El cuadrado")
    _picture_loaded(page)
    _no_serious_violations(page, "preview")

    page.get_by_role("link", name="Back to the assessment").click()
    page.get_by_label("Pass mark (percent)").fill("60")
    page.locator("#publish-settings").click()
    expect(page.locator("#published")).to_contain_text("Version 2 is published")

    learner_page = context.new_page()
    launch_learner(learner_page, lti, SLUG, locale="es")
    start(learner_page)
    expect(learner_page.locator("#question-stem")).to_contain_text("sombreada en azul")
    _picture_loaded(learner_page)


def test_a_learners_token_gets_403_on_authoring_pages(tool_and_platform, page):
    lti = tool_and_platform
    _allow_the_platform(lti)
    landed = launch_learner(page, lti, lti.assessment)
    query = urlencode({"lt": landed.token})

    for path in ("/authoring/", f"/authoring/assessments/{lti.assessment}"):
        response = page.goto(f"{lti.tool.url}{path}?{query}")
        assert response is not None and response.status == 403, path
