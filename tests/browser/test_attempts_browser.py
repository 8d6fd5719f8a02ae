"""One-sitting attempts in real Chromium, launched through the demo platform's OIDC flow:
a whole attempt, resuming after a reload, inactivity (hidden page, warning, "I am here"),
a second tab, keyboard-only completion, accessibility, page weight and the time limit.

Time never passes by sleeping: the tool's FakeClock and the page's Playwright clock move
together (tests/browser/attempt_helpers.py: advance)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.axe import axe_check, describe
from tests.browser.attempt_helpers import (
    advance,
    answer_and_wait_saved,
    attempt_id,
    checked_fields,
    count_posts,
    go_next,
    install_page_clock,
    launch_learner,
    publish_small,
    questions,
    set_visibility,
    set_window_focus,
    start,
    stored,
)

pytestmark = pytest.mark.browser


def _complete(page: Page, lti, attempt: int, which: str) -> None:
    """Answer every question (`right` or `wrong`), seeing each save acknowledged, then review."""
    for question in questions(lti, attempt):
        answer_and_wait_saved(page, question, getattr(question, which))
        go_next(page)
    expect(page.locator("#review-heading")).to_be_visible()


def _submit(page: Page) -> None:
    page.locator("#submit-attempt").click()
    expect(page.locator("#result-heading")).to_be_visible()


# -- 1. a whole attempt --------------------------------------------------------------------

def test_a_whole_attempt_then_a_pass_with_its_certificate(tool_and_platform, page, tmp_path):
    lti = tool_and_platform
    slug = publish_small(lti, tmp_path / "content")
    launch_learner(page, lti, slug)
    expect(page.locator("#assessment-title")).to_have_text(f"Test assessment {slug}")

    first = start(page)
    status = page.locator("#save-status")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_have_attribute("role", "status")
    _complete(page, lti, first, "wrong")
    expect(page.locator("#answered-count")).to_contain_text("answered 4 of 4")
    _submit(page)
    expect(page.locator("#score")).to_have_text(re.compile(r"^Score: 0\s?%$"))
    expect(page.locator("#pass-status")).to_contain_text("did not pass")
    expect(page.locator("#best-score")).to_contain_text("not passed yet")
    expect(page.locator("#attempts-used")).to_have_text("1 (no limit)")
    expect(page.locator("[data-certificate-status='not_passed']")).to_be_visible()
    assert page.locator("[data-certificate-link]").count() == 0

    second = start(page)
    assert second != first
    _complete(page, lti, second, "right")
    _submit(page)
    expect(page.locator("#score")).to_have_text(re.compile(r"^Score: 100\s?%$"))
    expect(page.locator("#pass-status")).to_contain_text("You passed")
    expect(page.locator("#best-score")).to_have_text(re.compile(r"100\s?% — passed"))
    expect(page.locator("#attempts-used")).to_have_text("2 (no limit)")
    expect(page.locator("[data-certificate-link]")).to_be_visible()


# -- 2. reload mid-attempt -----------------------------------------------------------------

def test_a_reload_resumes_the_same_attempt_with_every_acknowledged_answer(tool_and_platform, page,
                                                                          tmp_path):
    lti = tool_and_platform
    launch_learner(page, lti, publish_small(lti, tmp_path / "content"))
    attempt = start(page)
    drawn = questions(lti, attempt)
    for question in drawn[:3]:
        answer_and_wait_saved(page, question, question.right)
        if question.position < 3:
            go_next(page)

    page.reload()
    assert attempt_id(page) == attempt
    expect(page.locator("#question-heading")).to_have_text("Question 3 of 4")
    expect(page.locator("#save-status")).to_have_text("Saved.")
    assert checked_fields(page) == drawn[2].right
    for question in drawn[:2]:  # plain GETs: what the tool sends back, nothing re-posted
        page.goto(re.sub(r"/questions/\d+", f"/questions/{question.position}", page.url))
        expect(page.locator("#question-heading")).to_have_text(f"Question {question.position} of 4")
        assert checked_fields(page) == question.right, question
    expect(page.locator("#nav-q-3")).to_have_class(re.compile(r"\banswered\b"))
    expect(page.locator("#nav-q-4")).not_to_have_class(re.compile(r"\banswered\b"))
    kept = stored(lti, attempt)
    assert kept.status == "in_progress" and kept.responses[4] is None
    assert all(kept.responses[q.position] for q in drawn[:3])


# -- 3. hidden past the inactivity timeout -------------------------------------------------

def test_a_page_hidden_past_the_timeout_stops_heartbeats_and_the_attempt_is_void(
        tool_and_platform, page, tmp_path):
    lti = tool_and_platform
    install_page_clock(page, lti)
    launch_learner(page, lti, publish_small(lti, tmp_path / "content"))
    first = start(page)
    question = questions(lti, first)[0]
    answer_and_wait_saved(page, question, question.right)
    beats = count_posts(page, "/heartbeat")

    # In front of the learner: a heartbeat at least once a minute.
    with page.expect_response(lambda r: r.url.endswith("/heartbeat")) as beat:
        advance(lti, page, fire_every_timer=True, seconds=61)
    assert beat.value.status == 200
    assert beats.count == 1

    set_visibility(page, "hidden")
    advance(lti, page, fire_every_timer=True, minutes=5)
    assert beats.count == 1, "heartbeats must stop while the page is hidden"
    advance(lti, page, fire_every_timer=True, minutes=5, seconds=1)
    assert beats.count == 1
    assert stored(lti, first).status == "in_progress"  # nothing has asked the tool yet

    # Coming back: the first heartbeat learns that the attempt ended without a score.
    with page.expect_response(lambda r: r.url.endswith("/heartbeat")) as refused:
        set_visibility(page, "visible")
    assert refused.value.status == 410
    warning = page.locator("#inactivity-warning")
    expect(warning).to_be_visible()
    expect(warning).to_have_attribute("role", "alert")
    expect(page.locator("#inactivity-warning-text")).to_contain_text("ended without a score")
    expect(page.locator("#stay-button")).to_be_hidden()
    expect(page.locator(f"#q{question.position}-opt-{question.right.get('choice', question.right.get('value'))}")).to_be_disabled()
    assert stored(lti, first).status == "void"

    page.locator("#attempt-ended-link").click()
    expect(page.locator("#result-heading")).to_have_text("Attempt 1 ended without a score")
    expect(page.locator("#void-explained")).to_be_visible()
    assert page.locator("#score").count() == 0

    second = start(page)
    assert second != first
    assert stored(lti, second).number == 2
    assert checked_fields(page) == {}


# -- 4. the inactivity warning and "I am here" ---------------------------------------------

COUNTDOWN = re.compile(r"ends in (\d+):(\d\d)")


def _countdown_seconds(page: Page) -> int:
    found = COUNTDOWN.search(page.locator("#inactivity-warning-text").inner_text())
    assert found, page.locator("#inactivity-warning-text").inner_text()
    return int(found.group(1)) * 60 + int(found.group(2))


def test_the_inactivity_warning_counts_down_and_i_am_here_keeps_the_attempt(
        tool_and_platform, page, tmp_path):
    lti = tool_and_platform
    install_page_clock(page, lti)
    launch_learner(page, lti, publish_small(lti, tmp_path / "content"))
    attempt = start(page)
    question = questions(lti, attempt)[0]
    answer_and_wait_saved(page, question, question.wrong)
    beats = count_posts(page, "/heartbeat")
    warning, stay = page.locator("#inactivity-warning"), page.locator("#stay-button")
    announcer = page.locator("#announcer")
    expect(warning).to_be_hidden()

    # The window is visible but another one has the focus: no heartbeats, and close to the
    # limit a countdown with "I am here", said aloud.
    set_window_focus(page, False)
    advance(lti, page, fire_every_timer=True, minutes=7, seconds=30)
    assert beats.count == 0
    expect(warning).to_be_visible()
    expect(stay).to_be_visible()
    before = _countdown_seconds(page)
    assert 140 <= before <= 151, before  # shown at the last 1 s tick
    expect(announcer).to_have_attribute("aria-live", "assertive")
    expect(announcer).to_contain_text("Are you still there?")
    advance(lti, page, fire_every_timer=True, seconds=30)
    assert before - _countdown_seconds(page) == 30
    assert not axe_check(page), describe(axe_check(page))

    with page.expect_response(lambda r: r.url.endswith("/heartbeat")) as beat:
        stay.click()
    assert beat.value.status == 200
    assert stored(lti, attempt).last_activity_at == lti.clock.now()
    expect(stay).to_be_hidden()
    expect(page.locator("#inactivity-warning-text")).to_contain_text("Your attempt continues")

    # 9 more minutes: 17 since the last answer, but 9 since "I am here": still alive.
    lti.clock.advance(minutes=9)
    answer_and_wait_saved(page, question, question.right)

    # Back in front after 9 minutes in a background tab: the page says so, aloud.
    set_window_focus(page, True)  # (clicking "I am here" gave it back already)
    set_visibility(page, "hidden")
    advance(lti, page, fire_every_timer=True, minutes=9)
    expect(page.locator("#inactivity-warning-text")).to_contain_text("Are you still there?")
    with page.expect_response(lambda r: r.url.endswith("/heartbeat")) as beat:
        set_visibility(page, "visible")
    assert beat.value.status == 200 and beat.value.json()["away_seconds"] == 540
    expect(warning).to_be_visible()
    expect(page.locator("#inactivity-warning-text")).to_have_text(
        "Welcome back. You were away for 9:00. Your attempt continues.")
    expect(announcer).to_have_text("Welcome back. You were away for 9:00. Your attempt continues.")
    kept = stored(lti, attempt)
    assert kept.status == "in_progress" and kept.last_activity_at == lti.clock.now()
