"""Certificates, evaluation forms and reports in real Chromium (launched through the demo
platform's real OIDC flow). Writes tests/artifacts/certificate-first-page.png: the downloaded
certificate's first page rendered with pypdfium2."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.browser.conftest import ARTIFACTS
from tests.browser.launching import launch_in_browser
from tests.support.axe import axe_check, describe

pytestmark = pytest.mark.browser

ASSESSMENT = "emm2-final"


def _ids(tool, token: str) -> tuple[int, int]:
    """(user id, placement id) of the launch behind `token`."""
    from lti_tool.launch import tokens
    from lti_tool.launch.models import LaunchSession

    with tool.session() as session:
        launch = session.get(
            LaunchSession, tokens.read(tool.app.config["SECRET_KEY"], token, tool.now())
        )
        return launch.user_id, launch.placement_id


def _finish(tool, token: str, percent: float) -> int:
    """A submitted attempt with `percent` and the best score, as the attempt engine leaves them."""
    from item_bank.catalog import latest_version
    from tests.integration.certificates.factories import finish_attempt

    user_id, placement_id = _ids(tool, token)
    with tool.session() as session:
        attempt = finish_attempt(
            session, latest_version(session, ASSESSMENT), placement_id, user_id, percent, tool.now()
        )
        return attempt.id


def _certificate_code(tool) -> str:
    from lti_tool.certificates.models import Certificate

    with tool.session() as session:
        return session.scalars(select(Certificate.code)).one()


def _accessible(page: Page) -> None:
    violations = axe_check(page)
    assert not violations, describe(violations)


def _result_page(page: Page, tool, token: str, attempt_id: int) -> None:
    response = page.goto(f"{tool.url}/assessment/attempts/{attempt_id}/result?lt={token}")
    assert response is not None and response.status == 200
    expect(page.locator("#result-heading")).to_be_visible()


def test_the_certificate_link_appears_after_a_pass_and_not_before(tool_and_platform, page):
    lti = tool_and_platform
    landed = launch_in_browser(
        page,
        lti.platform,
        "learner",
        custom_assessment=ASSESSMENT,
        given_name="Şükrü",
        family_name="Ğüneş İnce",
        locale="tr",
        user_id="41",
    )
    token = landed.token

    _result_page(page, lti.tool, token, _finish(lti.tool, token, 55.0))
    expect(page.locator("[data-certificate-status='not_passed']")).to_be_visible()
    assert page.locator("[data-certificate-link]").count() == 0

    _result_page(page, lti.tool, token, _finish(lti.tool, token, 85.0))
    link = page.locator("[data-certificate-link]")
    expect(link).to_be_visible()
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.startswith("certificate-")
    pdf = Path(download.path()).read_bytes()

    code = _certificate_code(lti.tool)
    from lti_tool.certificates.codes import display

    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Şükrü Ğüneş İnce" in text and display(code) in text
    # The assessment's own Turkish title, as the learner took it.
    assert "Göç Yönetiminin Temelleri (EMM2.0): final değerlendirmesi" in text

    import pypdfium2 as pdfium

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    document = pdfium.PdfDocument(pdf)
    try:
        image = document[0].render(scale=2).to_pil()
        target = ARTIFACTS / "certificate-first-page.png"
        image.save(target)
    finally:
        document.close()
    assert target.stat().st_size > 10_000 and image.size[0] > image.size[1]  # landscape A4

    # The printed verification address opens the public page.
    response = page.goto(f"{lti.tool.url}/verify/{display(code)}")
    assert response is not None and response.status == 200
    valid = page.locator("[data-verification='valid']")
    expect(valid).to_be_visible()
    expect(valid).to_contain_text("Şükrü Ğüneş İnce")
    _accessible(page)


def test_the_verification_page_for_unknown_and_typed_codes(tool_and_platform, page):
    tool = tool_and_platform.tool
    response = page.goto(f"{tool.url}/verify")
    assert response is not None and response.status == 200
    page.get_by_label("Verification code").fill("12345")
    page.get_by_role("button", name="Check").click()
    expect(page.locator("#code-error")).to_contain_text("16 letters and digits")
    _accessible(page)
    page.get_by_label("Verification code").fill("zzzz zzzz zzzz zzzz")
    page.get_by_role("button", name="Check").click()
    expect(page).to_have_url(f"{tool.url}/verify/ZZZZ-ZZZZ-ZZZZ-ZZZZ")
    expect(page.locator("[data-verification='unknown']")).to_be_visible()
    _accessible(page)


def _fill_likert(page: Page, question_ids: list[str], value: str) -> None:
    for qid in question_ids:
        page.locator(f"input[name='q:{qid}'][value='{value}']").check()


def test_required_forms_then_certificate_and_instructor_reports(tool_and_platform, page, context):
    lti = tool_and_platform
    from lti_tool.forms.demo import load_demo_forms

    with lti.tool.session() as session:
        lines = list(load_demo_forms(session, now=lti.tool.now()))
    assert any("emm2-course-evaluation (required)" in line for line in lines), lines

    landed = launch_in_browser(
        page,
        lti.platform,
        "learner",
        custom_assessment=ASSESSMENT,
        given_name="Dewi",
        family_name="Lestari",
        user_id="42",
    )
    token = landed.token
    _result_page(page, lti.tool, token, _finish(lti.tool, token, 90.0))
    expect(page.locator("[data-certificate-status='forms_pending']")).to_be_visible()
    assert page.locator("[data-certificate-link]").count() == 0

    page.get_by_role("link", name="Course evaluation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Course evaluation")
    _accessible(page)
    page.get_by_role("button", name="Submit").click()  # nothing answered
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    _accessible(page)
    _fill_likert(
        page,
        [
            "objectives-clear",
            "content-relevant",
            "materials-quality",
            "assessment-fair",
            "recommend",
        ],
        "4",
    )
    page.get_by_label("How could the training materials be improved?").fill(
        "More examples from Asia."
    )
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("status").first).to_contain_text("Your answers were received")
    assert page.locator("[data-certificate-link]").count() == 0  # the self-assessment is still due

    page.get_by_role("link", name="Self-assessment").click()
    _fill_likert(page, ["programme", "iom", "migof", "cooperation"], "5")
    page.get_by_role("button", name="Submit").click()
    link = page.locator("[data-certificate-link]")
    expect(link).to_be_visible()
    _accessible(page)
    with page.expect_download() as download_info:
        link.click()
    assert download_info.value.suggested_filename.endswith(".pdf")

    # The instructor's side: aggregates without names, the knowledge report.
    instructor_page = context.new_page()
    staff = launch_in_browser(
        instructor_page, lti.platform, "instructor", custom_assessment=ASSESSMENT
    )
    for path, heading in (
        ("/instructor/forms", "Course evaluation and questionnaires"),
        ("/instructor/forms/emm2-course-evaluation", "Course evaluation"),
        ("/instructor/knowledge", "Change in knowledge"),
        ("/instructor/certificates", "Certificates issued"),
    ):
        response = instructor_page.goto(f"{lti.tool.url}{path}?lt={staff.token}")
        assert response is not None and response.status == 200, path
        expect(instructor_page.get_by_role("heading", level=1)).to_have_text(heading)
        _accessible(instructor_page)
    instructor_page.goto(f"{lti.tool.url}/instructor/forms/emm2-course-evaluation?lt={staff.token}")
    # One respondent of an anonymous form: nothing of their answers, only how many more are
    # needed (lti_tool.forms.reports.MIN_ANONYMOUS_GROUP).
    expect(instructor_page.locator("#report-withheld")).to_contain_text("4 more submissions")
    assert "More examples from Asia." not in instructor_page.content()
    assert "Lestari" not in instructor_page.content()
