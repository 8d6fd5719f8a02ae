"""The result page's grade status in real Chromium: while the grade waits, the page asks the
tool again by itself (with growing pauses) and says in its polite live region when the grade
reaches the course gradebook; then it stops asking (issue 16, bug 6).

No time passes by sleeping: the page's timers run on Playwright's clock, moved together with
the tool's FakeClock (attempt_helpers.advance); the grade is delivered by a real worker pass
to the demo platform when the test says so."""

from __future__ import annotations

import random

import pytest
from playwright.sync_api import Page, expect

from lti_tool.grades.worker import build_worker
from tests.browser.attempt_helpers import (
    advance,
    answer_and_wait_saved,
    go_next,
    install_page_clock,
    launch_learner,
    publish_small,
    questions,
    start,
    submit_attempt,
)

pytestmark = pytest.mark.browser

POLL_PATH = "/assessment/grade-status"


def _polls(page: Page) -> list[str]:
    seen: list[str] = []
    page.on(
        "request", lambda request: seen.append(request.url) if POLL_PATH in request.url else None
    )
    return seen


def _advance_expecting_a_poll(lti, page: Page, seconds: float) -> None:
    with page.expect_response(lambda response: POLL_PATH in response.url):
        advance(lti, page, seconds=seconds)


def test_a_waiting_grade_is_announced_once_in_the_gradebook_then_polling_stops(
    tool_and_platform, page, tmp_path
):
    lti = tool_and_platform
    slug = publish_small(lti, tmp_path / "content")
    install_page_clock(page, lti)
    launch_learner(page, lti, slug)
    attempt = start(page)
    for question in questions(lti, attempt):
        answer_and_wait_saved(page, question, question.right)
        go_next(page)
    polls = _polls(page)
    submit_attempt(page)

    live = page.locator("#grade-status-live")
    expect(live.locator("[data-grade-status='waiting']")).to_be_visible()
    expect(live).to_have_attribute("role", "status")
    expect(live).to_have_attribute("aria-live", "polite")

    # Not delivered yet: the page asks after 2 s, then after 4 s more, and still says waiting.
    _advance_expecting_a_poll(lti, page, 2)
    _advance_expecting_a_poll(lti, page, 4)
    expect(live.locator("[data-grade-status='waiting']")).to_be_visible()
    assert len(polls) == 2

    # The worker delivers it to the platform; the next ask (8 s later) brings the news.
    worker = build_worker(lti.tool.app, name="browser", rng=random.Random(1), sleep=lambda s: None)
    assert worker.run_due() == 1 and worker.stats.delivered == 1
    _advance_expecting_a_poll(lti, page, 8)
    expect(live.locator("[data-grade-status='in_gradebook']")).to_contain_text(
        "is in the course gradebook"
    )
    expect(live.locator("[data-grade-status='waiting']")).to_have_count(0)

    # Delivered: no more asking, however long the page stays open.
    advance(lti, page, seconds=600, fire_every_timer=True)
    page.evaluate("() => fetch('/static/grade_status.js').then(() => true)")  # events flushed
    assert len(polls) == 3


def test_a_grade_already_in_the_gradebook_is_not_polled(tool_and_platform, page, tmp_path):
    lti = tool_and_platform
    slug = publish_small(lti, tmp_path / "content")
    install_page_clock(page, lti)
    launch_learner(page, lti, slug)
    attempt = start(page)
    for question in questions(lti, attempt):
        answer_and_wait_saved(page, question, question.wrong)
        go_next(page)
    submit_attempt(page)
    expect(page.locator("[data-grade-status='waiting']")).to_be_visible()
    build_worker(lti.tool.app, name="browser", sleep=lambda s: None).run_due()
    polls = _polls(page)
    page.reload()
    expect(page.locator("[data-grade-status='in_gradebook']")).to_be_visible()
    advance(lti, page, seconds=120, fire_every_timer=True)
    page.evaluate("() => fetch('/static/grade_status.js').then(() => true)")
    assert polls == []
