"""Question, form and instructor pages at desktop and phone (375 px) widths, in English and
Spanish (issue 15 item 4), measured in real Chromium: the page never scrolls sideways, a radio
or checkbox keeps its size beside a long label, a matching select shows the whole chosen answer,
the answered counter and its bar follow an autosave without a reload, the time left stays in
view while scrolling, and the instructor table scrolls in its own labelled, focusable region.
axe finds no serious or critical violation on any of them."""

from __future__ import annotations

import re
import typing as t
from itertools import count

import pytest
from playwright.sync_api import Page, expect

from tests.browser.attempt_helpers import QUESTION_PATH, SAVED, start
from tests.browser.launching import launch_in_browser
from tests.support.axe import axe_check, describe
from tests.support.long_label_content import publish_long_labels

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": 1280, "phone": 375}
LOCALES = ("en", "es")
# The counter after the first autosave, in the catalogues' words (3 questions).
ONE_ANSWERED = {"en": "1 of 3 answered", "es": "1 de 3 respondidas"}
CONTROL_SIZE_PX = 1.2 * 16  # .option input in app.css: 1.2rem at the 16 px root size
_slugs = count(1)

# How many lines the chosen answer needs at the select's inner width, against how many lines
# the select shows. A native select shows one line and cuts the rest off; the probe wraps the
# same text in the same font at the width left inside the select (less 2em for the arrow).
SELECT_LINES = """select => {
    const style = getComputedStyle(select);
    const lineHeight = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.2;
    const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    const inner = select.clientWidth - padding - 2 * parseFloat(style.fontSize);
    const probe = document.createElement('div');
    probe.style.cssText = 'position:absolute;visibility:hidden;white-space:normal;'
        + 'overflow-wrap:anywhere;font:' + style.font + ';line-height:' + lineHeight + 'px;'
        + 'width:' + inner + 'px';
    probe.textContent = select.options[select.selectedIndex].text;
    document.body.appendChild(probe);
    const needed = Math.round(probe.getBoundingClientRect().height / lineHeight);
    probe.remove();
    const inside = select.getBoundingClientRect().height
        - parseFloat(style.borderTopWidth) - parseFloat(style.borderBottomWidth)
        - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    const shown = Math.floor(inside / lineHeight + 0.1);  // 0.1: sub-pixel rounding
    return {needed, shown, text: probe.textContent, appearance: style.appearance};
}"""


def _accessible(page: Page) -> None:
    violations = axe_check(page)
    assert not violations, describe(violations)


def _no_sideways_scroll(page: Page) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the page is {widths[0]} px wide in a {widths[1]} px window"


def _controls_keep_their_size(page: Page) -> None:
    # Measured on the page as shown: its stylesheet loaded (the load event waits for it). The
    # questions can be in the DOM, and laid out unstyled, while the sheet is still on its way.
    page.wait_for_load_state("load")
    boxes = page.locator(".option input").evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; })"
    )
    assert boxes, "no radio or checkbox on this page"
    for width, height in boxes:
        assert width >= CONTROL_SIZE_PX - 0.5 and height >= CONTROL_SIZE_PX - 0.5, boxes


def _choose_longest_answers(page: Page) -> None:
    """Choose, in every matching select, its longest answer; each must show in full."""
    selects = page.locator("#question-form select")
    for index in range(selects.count()):
        select = selects.nth(index)
        texts = select.locator("option").all_inner_texts()
        select.select_option(label=max(texts, key=len).strip())
        lines = select.evaluate(SELECT_LINES)
        assert lines["needed"] <= lines["shown"], f"the chosen answer is cut off: {lines}"


def _launch(
    page: Page, lti: t.Any, slug: str, locale: str, width: str, kind: str = "learner", **params: str
) -> t.Any:
    page.set_viewport_size({"width": WIDTHS[width], "height": 740})
    landed = launch_in_browser(
        page, lti.platform, kind, custom_assessment=slug, locale=locale, **params
    )
    expect(page.locator("html")).to_have_attribute("lang", locale)
    return landed


def _publish(lti: t.Any, directory) -> str:
    with lti.tool.session() as session:
        return publish_long_labels(session, directory, lti.tool.now(), f"long-{next(_slugs)}")


def _visit_every_question(page: Page) -> list[str]:
    """Go through the questions with the navigation; the kinds of control seen on each."""
    seen = []
    for number in range(1, page.locator(".nav-q").count() + 1):
        page.goto(re.sub(r"/questions/\d+", f"/questions/{number}", page.url))
        expect(page.locator("#question-heading")).to_be_visible()
        _no_sideways_scroll(page)
        if page.locator("#question-form select").count():
            _choose_longest_answers(page)
            seen.append("select")
        if page.locator(".option input").count():
            _controls_keep_their_size(page)
            seen.append("option")
        _no_sideways_scroll(page)
        _accessible(page)
    return seen


@pytest.mark.parametrize("width", WIDTHS, ids=str)
@pytest.mark.parametrize("locale", LOCALES)
def test_question_pages_fit_and_keep_controls_whole(
    tool_and_platform, page, tmp_path, locale, width
):
    lti = tool_and_platform
    _launch(page, lti, _publish(lti, tmp_path / "content"), locale, width, user_id="61")
    start(page)
    assert sorted(set(_visit_every_question(page))) == ["option", "select"]


@pytest.mark.parametrize("width", WIDTHS, ids=str)
@pytest.mark.parametrize("locale", LOCALES)
def test_the_counter_follows_an_autosave_and_the_time_stays_in_view(
    tool_and_platform, page, tmp_path, locale, width
):
    lti = tool_and_platform
    _launch(page, lti, _publish(lti, tmp_path / "content"), locale, width, user_id="62")
    start(page)
    counter, bar = page.locator("#answered-count"), page.locator("#progress-bar")
    before = counter.inner_text()
    expect(bar).to_have_attribute("value", "0")
    loaded = page.url

    with page.expect_response(lambda r: r.url.endswith("/answer") and r.request.method == "POST"):
        page.locator("#question-form input[type=radio], #question-form select").first.evaluate(
            "el => { if (el.tagName === 'SELECT') { el.selectedIndex = 1; }"
            " else { el.checked = true; } el.dispatchEvent(new Event('change', {bubbles: true})); }"
        )
    expect(page.locator("#save-status")).not_to_have_text("")
    if locale == "en":
        expect(page.locator("#save-status")).to_have_text(SAVED)
    expect(counter).to_have_text(ONE_ANSWERED[locale])
    assert counter.inner_text() != before and page.url == loaded  # no reload
    assert bar.evaluate("b => b.value") == 1
    expect(bar).to_have_accessible_name(ONE_ANSWERED[locale])

    # The time left: still on screen at the bottom of a page longer than the window (a short
    # window makes any question long); not a live region (the script announces 5:00 and 1:00
    # left through #announcer, not every second).
    page.set_viewport_size({"width": WIDTHS[width], "height": 320})
    scrolled = page.evaluate(
        "() => { window.scrollTo(0, document.documentElement.scrollHeight);"
        " return [window.scrollY, window.innerHeight]; }"
    )
    assert scrolled[0] > 200, scrolled  # the heading and counter are well out of view
    timer = page.locator("#time-limit")
    box = timer.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= scrolled[1], box
    assert timer.evaluate("el => el.closest('[aria-live], [role=status], [role=alert]')") is None
    expect(page.locator("#announcer")).to_have_attribute("aria-live", "assertive")
    _accessible(page)


@pytest.mark.parametrize("width", WIDTHS, ids=str)
@pytest.mark.parametrize("locale", LOCALES)
def test_likert_radios_keep_their_size(tool_and_platform, page, locale, width):
    from lti_tool.forms.demo import load_demo_forms

    lti = tool_and_platform
    with lti.tool.session() as session:
        list(load_demo_forms(session, now=lti.tool.now()))
    _launch(page, lti, "emm2-final", locale, width, user_id="63")
    page.locator("#first-step-entry_questionnaire").click()
    expect(page.locator("fieldset.likert").first).to_be_visible()
    _controls_keep_their_size(page)
    _no_sideways_scroll(page)
    _accessible(page)


@pytest.mark.parametrize("width", WIDTHS, ids=str)
@pytest.mark.parametrize("locale", LOCALES)
def test_the_instructor_table_scrolls_in_a_labelled_region(
    tool_and_platform, page, context, tmp_path, locale, width
):
    lti = tool_and_platform
    slug = _publish(lti, tmp_path / "content")
    _launch(
        page,
        lti,
        slug,
        locale,
        width,
        user_id="64",
        given_name="Maximiliana Esperanza",
        family_name="de los Santos Villavicencio",
    )
    start(page)
    assert QUESTION_PATH.search(page.url)

    staff = context.new_page()
    _launch(staff, lti, slug, locale, width, "instructor", user_id="900")
    region = staff.locator("#learners-region")
    expect(region).to_have_attribute("role", "region")
    expect(region).to_have_attribute("tabindex", "0")
    expect(region).to_have_accessible_name(re.compile(r"\S"))
    expect(staff.locator("#learners-table")).to_contain_text("Villavicencio")
    _no_sideways_scroll(staff)
    region.focus()
    expect(region).to_be_focused()
    _accessible(staff)
