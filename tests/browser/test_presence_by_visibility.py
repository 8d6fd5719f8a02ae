"""A learner is present while the attempt page is visible, wherever the keyboard focus is
(issue 16, bug 2). Inside Moodle's iframe the focus is in Moodle's own page whenever the learner
last clicked there (a heading, the course index): heartbeats must go on, and the attempt must
outlive the inactivity allowance. A hidden page (another tab, a minimised window) still stops
them, and the attempt is void after the allowance, as before.

The course page is on the platform's site (http://127.0.0.1:<port>), the tool on
http://localhost:<port> (tests/browser/launching.py). Time moves with `advance` (the tool's
FakeClock and the page's Playwright clock together), never by sleeping."""

from __future__ import annotations

import pytest
from playwright.sync_api import Frame, Page, expect

from tests.browser.attempt_helpers import (
    advance,
    answer_and_wait_saved,
    count_posts,
    install_page_clock,
    launch_learner,
    publish_small,
    questions,
    set_window_focus,
    start,
    stored,
)
from tests.browser.launching import launch_in_course_page

pytestmark = pytest.mark.browser

ALLOWANCE_MINUTES = 10  # publish_small's inactivity allowance
BEAT_STEP_SECONDS = 61  # a little over the page's heartbeat interval for that allowance


def _embedded_attempt(lti, page: Page, tmp_path) -> tuple[Frame, int]:
    """A learner's attempt inside the course page's iframe, one answer saved."""
    install_page_clock(page, lti)
    frame = launch_in_course_page(
        page,
        lti.platform,
        "learner",
        custom_assessment=publish_small(lti, tmp_path / "content"),
        given_name="Amina",
        family_name="Yusuf",
    ).frame
    attempt = start(frame)
    question = questions(lti, attempt)[0]
    answer_and_wait_saved(frame, question, question.right)
    return frame, attempt


def _click_the_course_page(page: Page, frame: Frame) -> None:
    """The learner clicks Moodle's own heading: the focus leaves the tool's frame."""
    page.locator("main > h1").click()
    assert page.evaluate("document.hasFocus()") is True
    # The tool's frame is another site, so another renderer process: it hears that it lost the
    # focus a moment after the click returns.
    frame.wait_for_function("() => document.hasFocus() === false", polling=50)


def _set_tab_visibility(page: Page, state: str) -> None:
    """The whole tab goes to the background (`hidden`) or comes back: every frame's document
    says so, then `visibilitychange` fires in each. Headless Chromium keeps every tab visible,
    so the properties are overridden."""
    for frame in page.frames:
        frame.evaluate(
            """state => {
            Object.defineProperty(document, 'visibilityState',
                                  {configurable: true, get: () => state});
            Object.defineProperty(document, 'hidden',
                                  {configurable: true, get: () => state === 'hidden'});
            document.dispatchEvent(new Event('visibilitychange'));
        }""",
            state,
        )


def test_an_embedded_attempt_stays_alive_while_the_focus_is_on_the_course_page(
    tool_and_platform, cookie_blocking_page, tmp_path
):
    lti, page = tool_and_platform, cookie_blocking_page
    frame, attempt = _embedded_attempt(lti, page, tmp_path)
    beats = count_posts(page, "/heartbeat")
    _click_the_course_page(page, frame)

    # Past the allowance in steps of one heartbeat: each step the visible page sends one, and
    # the tool accepts it although the tool's frame never has the focus.
    steps = ALLOWANCE_MINUTES * 60 // BEAT_STEP_SECONDS + 1
    for _ in range(steps):
        with page.expect_response(lambda r: r.url.endswith("/heartbeat")) as beat:
            advance(lti, page, fire_every_timer=True, seconds=BEAT_STEP_SECONDS)
        assert beat.value.status == 200, beat.value.text()
    assert steps * BEAT_STEP_SECONDS > ALLOWANCE_MINUTES * 60
    assert beats.count == steps
    assert frame.evaluate("document.hasFocus()") is False  # nothing gave the frame the focus

    kept = stored(lti, attempt)
    assert kept.status == "in_progress" and kept.last_activity_at == lti.clock.now()
    # No "Are you still there?" for someone who is looking at the page.
    expect(frame.locator("#inactivity-warning")).to_be_hidden()
    expect(frame.locator("#question-form button:enabled").first).to_be_visible()


def test_an_embedded_attempt_in_a_hidden_tab_is_still_void_after_the_allowance(
    tool_and_platform, cookie_blocking_page, tmp_path
):
    lti, page = tool_and_platform, cookie_blocking_page
    frame, attempt = _embedded_attempt(lti, page, tmp_path)
    beats = count_posts(page, "/heartbeat")
    _click_the_course_page(page, frame)

    _set_tab_visibility(page, "hidden")
    advance(lti, page, fire_every_timer=True, minutes=8)
    assert beats.count == 0, "heartbeats must stop while the tab is hidden"
    # Close to the limit the (hidden) page warns, with "I am here", for when the learner is back.
    expect(frame.locator("#inactivity-warning-text")).to_contain_text("Are you still there?")
    expect(frame.locator("#stay-button")).to_be_visible()
    advance(lti, page, fire_every_timer=True, minutes=2, seconds=1)
    assert beats.count == 0

    with page.expect_response(lambda r: r.url.endswith("/heartbeat")) as refused:
        _set_tab_visibility(page, "visible")
    assert refused.value.status == 410
    expect(frame.locator("#inactivity-warning-text")).to_contain_text("ended without a score")
    assert stored(lti, attempt).status == "void"


def test_a_visible_window_without_the_focus_keeps_sending_heartbeats(
    tool_and_platform, page, tmp_path
):
    # Another window in front (a video call, notes) while the attempt stays on screen: present.
    lti = tool_and_platform
    install_page_clock(page, lti)
    launch_learner(page, lti, publish_small(lti, tmp_path / "content"))
    attempt = start(page)
    beats = count_posts(page, "/heartbeat")
    set_window_focus(page, False)
    with page.expect_response(lambda r: r.url.endswith("/heartbeat")) as beat:
        advance(lti, page, fire_every_timer=True, seconds=BEAT_STEP_SECONDS)
    assert beat.value.status == 200 and beats.count == 1
    assert stored(lti, attempt).last_activity_at == lti.clock.now()
