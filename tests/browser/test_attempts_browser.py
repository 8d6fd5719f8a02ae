"""One-sitting attempts in real Chromium, launched through the demo platform's OIDC flow:
a whole attempt, resuming after a reload, inactivity (hidden page, warning, "I am here"),
a second tab, keyboard-only completion, accessibility, page weight, the time limit, and an
attempt inside the course page's iframe with third-party cookies blocked.

Time never passes by sleeping: the tool's FakeClock and the page's Playwright clock move
together (tests/browser/attempt_helpers.py: advance)."""

from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.attempt_helpers import (
    QUESTION_PATH,
    SAVED,
    advance,
    answer_and_wait_saved,
    answer_control,
    attempt_id,
    checked_fields,
    count_posts,
    go_next,
    hold_page_clock,
    install_page_clock,
    launch_learner,
    publish_small,
    questions,
    set_visibility,
    start,
    stored,
    submit_attempt,
)
from tests.browser.launching import launch_in_browser, launch_in_course_page
from tests.support.axe import axe_check, describe

pytestmark = pytest.mark.browser


def _complete(page: Page, lti, attempt: int, which: str) -> None:
    """Answer every question (`right` or `wrong`), seeing each save acknowledged, then review."""
    for question in questions(lti, attempt):
        answer_and_wait_saved(page, question, getattr(question, which))
        go_next(page)
    expect(page.locator("#review-heading")).to_be_visible()


def _submit(page: Page) -> None:
    submit_attempt(page)
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


def test_a_reload_resumes_the_same_attempt_with_every_acknowledged_answer(
    tool_and_platform, page, tmp_path
):
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
    tool_and_platform, page, tmp_path
):
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
    expect(page.locator("#btn-next")).to_be_disabled()
    expect(page.locator("#question-form :is(input, button):enabled")).to_have_count(0)
    assert stored(lti, first).status == "void"

    page.locator("#attempt-ended-link").click()
    expect(page.locator("#result-heading")).to_have_text("Attempt 1 ended without a score")
    expect(page.locator("#void-explained")).to_be_visible()
    assert page.locator("#score").count() == 0

    second = start(page)
    assert second != first
    new = stored(lti, second)
    assert new.number == 2 and new.status == "in_progress" and new.seed != stored(lti, first).seed
    assert checked_fields(page) == {}


# -- 4. the inactivity warning and "I am here" ---------------------------------------------

COUNTDOWN = re.compile(r"ends in (\d+):(\d\d)")


def _countdown_seconds(page: Page) -> int:
    found = COUNTDOWN.search(page.locator("#inactivity-warning-text").inner_text())
    assert found, page.locator("#inactivity-warning-text").inner_text()
    return int(found.group(1)) * 60 + int(found.group(2))


@pytest.mark.timing
def test_the_inactivity_warning_counts_down_and_i_am_here_keeps_the_attempt(
    tool_and_platform, page, tmp_path
):
    lti = tool_and_platform
    install_page_clock(page, lti)
    launch_learner(page, lti, publish_small(lti, tmp_path / "content"))
    attempt = start(page)
    question = questions(lti, attempt)[0]
    answer_and_wait_saved(page, question, question.wrong)
    hold_page_clock(page)  # until resumed, the countdown moves by exactly the test's steps
    beats = count_posts(page, "/heartbeat")
    warning, stay = page.locator("#inactivity-warning"), page.locator("#stay-button")
    announcer = page.locator("#announcer")
    expect(warning).to_be_hidden()

    # The tab is in the background: no heartbeats, and close to the limit a countdown with
    # "I am here", said aloud. (Focus alone does not count: tests/browser/
    # test_presence_by_visibility.py.)
    set_visibility(page, "hidden")
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
    page.clock.resume()  # axe-core waits on timers of its own
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

    # Back in front after 9 more minutes in the background tab: the page says so, aloud.
    set_visibility(page, "hidden")
    advance(lti, page, fire_every_timer=True, minutes=9)
    expect(page.locator("#inactivity-warning-text")).to_contain_text("Are you still there?")
    with page.expect_response(lambda r: r.url.endswith("/heartbeat")) as beat:
        set_visibility(page, "visible")
    assert beat.value.status == 200 and beat.value.json()["away_seconds"] == 540
    expect(warning).to_be_visible()
    expect(page.locator("#inactivity-warning-text")).to_have_text(
        "Welcome back. You were away for 9:00. Your attempt continues."
    )
    expect(announcer).to_have_text("Welcome back. You were away for 9:00. Your attempt continues.")
    kept = stored(lti, attempt)
    assert kept.status == "in_progress" and kept.last_activity_at == lti.clock.now()


def test_a_page_left_open_without_answers_warns_and_an_answer_keeps_the_attempt(
    tool_and_platform, page, tmp_path
):
    """Heartbeats alone keep an attempt for three allowances (docs/decisions/0010): the page
    in front of the learner, beating, but no answer and no other question for 27 minutes."""
    lti = tool_and_platform
    install_page_clock(page, lti)
    launch_learner(page, lti, publish_small(lti, tmp_path / "content"))
    expect(page.locator("#rule-keep-working")).to_contain_text("for 30 minutes")
    attempt = start(page)
    question = questions(lti, attempt)[0]
    warning, text = page.locator("#inactivity-warning"), page.locator("#inactivity-warning-text")
    beats = count_posts(page, "/heartbeat")
    for step in range(1, 10):  # steps shorter than the allowance: the beats keep it alive
        advance(lti, page, fire_every_timer=True, minutes=3)
        if step < 9:  # up to 24 minutes: 6 left, no warning yet
            expect(warning).to_be_hidden()
    assert beats.count >= 25
    expect(warning).to_be_visible()
    expect(text).to_contain_text("No answer has been saved and no question opened")
    expect(text).to_contain_text("within 3:00")
    expect(page.locator("#stay-button")).to_be_hidden()  # "I am here" would not help
    expect(page.locator("#announcer")).to_contain_text("No answer has been saved")
    assert stored(lti, attempt).status == "in_progress"

    answer_and_wait_saved(page, question, question.right)
    page.clock.run_for(1000)
    expect(warning).to_be_hidden()
    advance(lti, page, fire_every_timer=True, minutes=3)
    expect(warning).to_be_hidden()
    assert stored(lti, attempt).status == "in_progress"


# -- 5. a second tab -----------------------------------------------------------------------


def test_a_second_tab_gets_a_clear_choice_and_continuing_there_stops_the_first(
    tool_and_platform, context, page, tmp_path
):
    lti = tool_and_platform
    slug = publish_small(lti, tmp_path / "content")
    first_launch = launch_learner(page, lti, slug)
    attempt = start(page)
    drawn = questions(lti, attempt)
    answer_and_wait_saved(page, drawn[0], drawn[0].right)
    saved = stored(lti, attempt).responses[1]

    # The same launch address in a second tab: the assessment page says an attempt is in
    # progress, with "continue here" and "go back to the course".
    second = context.new_page()
    second.goto(first_launch.url)
    expect(second.locator("#attempt-in-progress")).to_be_visible()
    expect(second.locator("#continue-attempt")).to_be_visible()
    expect(second.locator("#go-back")).to_be_visible()
    assert second.locator("#start-attempt").count() == 0
    # Opening the activity again from the course (a new launch) says the same.
    launch_learner(second, lti, slug)
    expect(second.locator("#attempt-in-progress")).to_be_visible()
    # The question's address without this tab's sitting: the "open elsewhere" page.
    second.goto(re.sub(r"([?&])s=[^&]*&?", r"\1", page.url))
    expect(second.locator("#elsewhere-heading")).to_be_visible()
    expect(second.locator("#sitting-moved")).to_have_attribute("role", "alert")
    expect(second.locator("#go-back")).to_be_visible()
    expect(page.locator("#btn-next")).to_be_enabled()  # nothing has told the first tab yet

    second.locator("#continue-here").click()
    second.wait_for_url(re.compile(rf"/attempts/{attempt}/questions/1\b"))
    # The "open elsewhere" page has that address too (wait_for_url returns at once there):
    # the question's heading says the question page has replaced it.
    expect(second.locator("#question-heading")).to_have_text("Question 1 of 4")
    assert checked_fields(second) == drawn[0].right  # the saved answer came along

    # The first tab's next save is refused, and it says why and what to do.
    with page.expect_response(lambda r: r.url.endswith("/questions/1/answer")) as refused:
        answer_control(page, drawn[0], drawn[0].wrong)
    assert refused.value.status == 409
    expect(page.locator("#inactivity-warning")).to_be_visible()
    expect(page.locator("#inactivity-warning-text")).to_contain_text(
        "now open in another tab or window"
    )
    expect(page.locator("#attempt-ended-link")).to_be_visible()
    expect(page.locator("#btn-next")).to_be_disabled()
    assert stored(lti, attempt).responses[1] == saved

    # Reloading the first tab gets the clear page, never a second live copy.
    page.reload()
    expect(page.locator("#elsewhere-heading")).to_be_visible()
    # The second tab goes on as the only live copy.
    go_next(second)
    expect(second.locator("#question-heading")).to_have_text("Question 2 of 4")


# -- 6. keyboard only ----------------------------------------------------------------------

FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el), box = el.getBoundingClientRect();
    return {id: el.id, tag: el.tagName, type: el.type || '', name: el.name || '',
            checked: !!el.checked, outline: style.outlineStyle,
            outlineWidth: parseFloat(style.outlineWidth) || 0,
            top: box.top + window.scrollY, left: box.left + window.scrollX, height: box.height};
}"""


def _tab(page: Page, key: str = "Tab") -> dict:
    page.keyboard.press(key)
    focused = page.evaluate(FOCUSED)
    if focused is None:  # past the last element: the next Tab starts again at the top
        page.keyboard.press(key)
        focused = page.evaluate(FOCUSED)
    assert focused is not None, f"{key} left the focus nowhere"
    assert focused["outline"] != "none" and focused["outlineWidth"] >= 2, (
        f"no visible focus on {focused}"
    )
    return focused


def _tab_to(page: Page, element_id: str, limit: int = 40) -> list[dict]:
    """Press Tab until `element_id` has the focus; every element on the way."""
    seen = []
    for _ in range(limit):
        seen.append(_tab(page))
        if seen[-1]["id"] == element_id:
            return seen
    raise AssertionError(f"#{element_id} never got the focus: {[s['id'] for s in seen]}")


def _in_visual_order(stops: list[dict]) -> None:
    """Top to bottom, and left to right within a line."""
    for before, after in itertools.pairwise(stops):
        same_line = abs(after["top"] - before["top"]) < min(before["height"], after["height"]) / 2
        assert (after["left"] > before["left"]) if same_line else (after["top"] > before["top"]), (
            f"focus goes from {before} back to {after}"
        )


def _answer_by_keyboard(page: Page) -> None:
    """From the top of a question page: Tab to the answer, answer it, see it saved."""
    kind = page.evaluate("""() => {
        const input = document.querySelector(
            '#question-form input:not([type=hidden]), #question-form select');
        return input.type;
    }""")
    stop = _tab(page)
    while stop["type"] not in ("radio", "text", "checkbox"):
        stop = _tab(page)
    with page.expect_response(lambda r: r.url.endswith("/answer")) as saved:
        if kind == "radio":
            assert not stop["checked"]
            page.keyboard.press("ArrowDown")  # moves to the next option and chooses it
            chosen = page.evaluate(FOCUSED)
            assert chosen["checked"] and chosen["top"] > stop["top"]
        else:
            page.keyboard.type("IOM")
    assert saved.value.status == 200
    expect(page.locator("#save-status")).to_have_text(SAVED)


def test_an_attempt_from_start_to_result_by_keyboard_only(tool_and_platform, page, tmp_path):
    lti = tool_and_platform
    launch_learner(page, lti, publish_small(lti, tmp_path / "content"))
    _tab_to(page, "start-attempt")
    page.keyboard.press("Enter")
    page.wait_for_url(QUESTION_PATH)
    page.wait_for_load_state()

    # The order of the question page follows what the eye sees.
    stops = _tab_to(page, "nav-q-4")
    assert stops[0]["tag"] == "A"  # the skip link
    _in_visual_order(stops[1:])
    ids = [s["id"] for s in stops]
    assert ids.index("btn-next") < ids.index("btn-review") < ids.index("nav-q-1")

    for number in range(1, 5):
        expect(page.locator("#question-heading")).to_have_text(f"Question {number} of 4")
        _answer_by_keyboard(page)
        _tab_to(page, "btn-next")
        before = page.url
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url, before=before: url != before)
        page.wait_for_load_state()

    expect(page.locator("#review-heading")).to_be_visible()
    expect(page.locator("#answered-count")).to_contain_text("answered 4 of 4")
    _tab_to(page, "submit-attempt")
    page.keyboard.press("Space")
    # The dialog that asks first takes the focus (on "go back", the safe choice).
    expect(page.locator("#submit-dialog")).to_be_visible()
    expect(page.locator("#cancel-submit")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(page.locator("#confirm-submit")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#result-heading")).to_be_visible()
    expect(page.locator("#score")).to_be_visible()
    _tab_to(page, "assessment-home")


# -- 7 and 8. every learner page: accessible and light -------------------------------------

LEARNER_PAGES = (
    "home before any attempt",
    "question",
    "review",
    "result",
    "home after an attempt",
    "result of a void attempt",
    "open elsewhere",
    "error",
)


def _visit_learner_pages(page: Page, lti, tmp_path, check, begin=lambda: None) -> str:
    """Walk through every learner page: home (before and after attempts), question, review,
    result, a void attempt's result, the "open elsewhere" page and an error page. `begin()`
    is called just before the request that opens each page, `check(name)` once it has loaded.
    Returns the assessment's slug."""
    slug = publish_small(lti, tmp_path / "content")
    begin()
    landed = launch_learner(page, lti, slug)
    check("home before any attempt")
    begin()
    attempt = start(page)
    check("question")
    first = questions(lti, attempt)[0]
    answer_and_wait_saved(page, first, first.right)
    begin()
    page.locator("#btn-review").click()
    expect(page.locator("#review-heading")).to_be_visible()
    check("review")
    begin()
    _submit(page)
    check("result")
    begin()
    page.locator("#assessment-home").click()
    expect(page.locator("#attempts-table")).to_be_visible()
    check("home after an attempt")

    start(page)
    lti.clock.advance(minutes=10, seconds=1)
    page.goto(landed.url)
    begin()
    page.locator("#result-link-2").click()
    expect(page.locator("#void-explained")).to_be_visible()
    check("result of a void attempt")

    start(page)
    begin()
    page.goto(re.sub(r"([?&])s=[^&]*&?", r"\1", page.url))
    expect(page.locator("#elsewhere-heading")).to_be_visible()
    check("open elsewhere")

    begin()
    response = page.goto(f"{lti.tool.url}/assessment/attempts/999999/result?lt={landed.token}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("alert")).to_contain_text("not found")
    check("error")
    return slug


def test_no_serious_accessibility_violation_on_any_attempt_page(
    tool_and_platform, page, context, tmp_path
):
    lti = tool_and_platform
    problems, checked = {}, []

    def check(name: str) -> None:
        checked.append(name)
        violations = axe_check(page)
        if violations:
            problems[name] = describe(violations)

    slug = _visit_learner_pages(page, lti, tmp_path, check)

    staff = context.new_page()
    launch_in_browser(staff, lti.platform, "instructor", custom_assessment=slug)
    expect(staff.locator("#learners-table")).to_be_visible()
    expect(staff.locator("#export-csv")).to_be_visible()
    violations = axe_check(staff)
    if violations:
        problems["instructor placement"] = describe(violations)
    assert not problems, "\n".join(f"{name}:\n{text}" for name, text in problems.items())
    assert len(checked) == len(LEARNER_PAGES) and "instructor placement" not in problems


PAGE_WEIGHT_LIMIT = 60 * 1024
NOT_COUNTED = {"font", "image", "media"}


def test_every_learner_page_weighs_less_than_60_kb(tool_and_platform, page, tmp_path):
    lti = tool_and_platform
    devtools = page.context.new_cdp_session(page)
    devtools.send("Network.enable")
    # Every page as a first visit: nothing comes from the cache.
    devtools.send("Network.setCacheDisabled", {"cacheDisabled": True})
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    weights = {}

    def check(name: str) -> None:
        page.wait_for_load_state("load")
        total = 0
        for request in finished:
            if request.resource_type in NOT_COUNTED or not request.url.startswith(lti.tool.url):
                continue  # (the launch passes through the platform's pages first)
            sizes = request.sizes()
            total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        weights[name] = total

    _visit_learner_pages(page, lti, tmp_path, check, begin=finished.clear)
    assert sorted(weights) == sorted(LEARNER_PAGES)
    heavy = {name: size for name, size in weights.items() if size >= PAGE_WEIGHT_LIMIT}
    assert not heavy, weights
    assert all(size > 3000 for size in weights.values()), weights  # the measure saw the pages


# -- 9. the time limit ---------------------------------------------------------------------

TIME_LEFT = re.compile(r"^Time left: (\d+):(\d\d)$")


def _time_left(page: Page) -> int:
    found = TIME_LEFT.match(page.locator("#time-limit").inner_text())
    assert found, page.locator("#time-limit").inner_text()
    return int(found.group(1)) * 60 + int(found.group(2))


@pytest.mark.timing
def test_at_the_time_limit_the_page_submits_the_acknowledged_answers(
    tool_and_platform, page, tmp_path
):
    lti = tool_and_platform
    install_page_clock(page, lti)
    launch_learner(page, lti, publish_small(lti, tmp_path / "content", time_limit_minutes=3))
    expect(page.locator("#rule-time-limit")).to_be_visible()
    attempt = start(page)
    drawn = questions(lti, attempt)
    assert 178 <= _time_left(page) <= 180

    answer_and_wait_saved(page, drawn[0], drawn[0].right)
    go_next(page)
    answer_and_wait_saved(page, drawn[1], drawn[1].right)
    advance(lti, page, minutes=1)
    assert 118 <= _time_left(page) <= 120  # the countdown follows the time
    advance(lti, page, seconds=61)  # one late tick across the last minute: said once, aloud
    expect(page.locator("#announcer")).to_have_text(
        re.compile(r"^0:5\d left to finish the assessment\.$")
    )

    # Past the deadline: the page itself sends the time-up submit; the tool had already
    # ended the attempt at the deadline with the answers saved before it.
    with page.expect_navigation():
        advance(lti, page, minutes=1)
    expect(page.locator("#result-heading")).to_be_visible()
    expect(page.locator("#auto-submitted")).to_be_visible()
    expect(page.locator("#score")).to_have_text(re.compile(r"^Score: 50\s?%$"))
    expect(page.locator("#pass-status")).to_contain_text("did not pass")
    kept = stored(lti, attempt)
    assert kept.status == "submitted" and kept.auto_submitted and kept.score_percent == 50.0


# -- inside Moodle's iframe, third-party cookies blocked -----------------------------------


def test_an_attempt_inside_the_course_page_iframe_without_cookies(
    tool_and_platform, cookie_blocking_page, tmp_path
):
    lti = tool_and_platform
    page = cookie_blocking_page
    install_page_clock(page, lti)
    slug = publish_small(lti, tmp_path / "content")
    frame = launch_in_course_page(
        page,
        lti.platform,
        "learner",
        custom_assessment=slug,
        given_name="Amina",
        family_name="Yusuf",
    ).frame
    attempt = start(frame)
    beats = count_posts(page, "/heartbeat")
    for question in questions(lti, attempt):
        answer_and_wait_saved(frame, question, question.right)
        if question.position == 1:  # the page in front: heartbeats from inside the iframe
            with page.expect_response(lambda r: r.url.endswith("/heartbeat")) as beat:
                advance(lti, page, seconds=61)
            assert beat.value.status == 200 and beats.count == 1
        go_next(frame)
    submit_attempt(frame)
    frame.locator("#result-heading").wait_for()
    expect(frame.locator("#score")).to_have_text(re.compile(r"^Score: 100\s?%$"))
    assert not [c for c in page.context.cookies(lti.tool.url) if not c.get("partitionKey")]


# -- the save status tells the truth: a lost connection, a refused answer ------------------


def test_the_save_status_after_a_lost_connection_and_a_refused_number(
    tool_and_platform, page, tmp_path
):
    lti = tool_and_platform
    install_page_clock(page, lti)
    launch_learner(page, lti, publish_small(lti, tmp_path / "content", all_types=True))
    attempt = start(page)
    drawn = questions(lti, attempt)
    status = page.locator("#save-status")
    network = {"next": "lose"}  # what happens to the next autosave: lose, hold or pass
    held = []

    def on_save(route) -> None:
        what, network["next"] = network["next"], "pass"
        if what == "lose":
            route.abort("internetdisconnected")
        elif what == "hold":
            held.append(route)  # answered later, by the test
        else:
            route.continue_()

    # The connection drops: "not saved yet", then the retry saves it.
    page.route("**/answer", on_save)
    answer_control(page, drawn[0], drawn[0].right)
    expect(status).to_have_text("Not saved yet: the connection was lost. Trying again…")
    assert stored(lti, attempt).responses[1] is None
    with page.expect_response(lambda r: r.url.endswith("/answer")) as retried:
        advance(lti, page, seconds=2)
    assert retried.value.status == 200
    expect(status).to_have_text(SAVED)
    assert stored(lti, attempt).responses[1] is not None

    numerical = next(q for q in drawn if q.type == "numerical")
    page.goto(re.sub(r"/questions/\d+", f"/questions/{numerical.position}", page.url))
    field = page.locator(f"#q{numerical.position}-value")
    # Not a number: the tool refuses it and the page says so, on the field too.
    with page.expect_response(lambda r: r.url.endswith("/answer")) as refused:
        field.fill("twelve")
        page.clock.run_for(1000)
    assert refused.value.status == 422
    expect(status).to_have_text("Enter a number, for example 12 or 12.5.")
    expect(field).to_have_attribute("aria-invalid", "true")

    # Corrected while the refused one is still on its way: the correction is saved after it.
    network["next"] = "hold"
    with page.expect_request(lambda r: r.url.endswith("/answer")):
        field.fill("eleven")
        page.clock.run_for(1000)
    while not held:  # the route handler runs on Playwright's side of the connection
        page.wait_for_timeout(20)
    field.fill("12,5")
    page.clock.run_for(1000)
    with page.expect_response(lambda r: r.url.endswith("/answer") and r.status == 200):
        held.pop().continue_()
    expect(status).to_have_text(SAVED)
    expect(field).not_to_have_attribute("aria-invalid", "true")
    assert stored(lti, attempt).responses[numerical.position] == {"value": "12,5"}


# -- the key is not in the page (issue 9, item 1) --------------------------------------------

# Every attribute a script would use, inline scripts, and what the form would post.
PAGE_AS_A_SCRIPT_SEES_IT = """() => {
    const found = [];
    for (const el of document.querySelectorAll('*')) {
        for (const attr of el.attributes) {
            const watched = ['value', 'name', 'id', 'for'].includes(attr.name);
            if (watched || attr.name.startsWith('data-')) {
                found.push([el.tagName.toLowerCase() + '[' + attr.name + ']', attr.value]);
            }
        }
        if (el.tagName === 'SCRIPT' && !el.src) { found.push(['script', el.textContent]); }
    }
    // Live properties too, not only the markup (a script may set them).
    for (const el of document.querySelectorAll('input, select, option')) {
        found.push([el.tagName.toLowerCase() + '.value', el.value]);
        for (const [key, value] of Object.entries(el.dataset)) {
            found.push(['dataset.' + key, value]);
        }
    }
    const form = document.getElementById('question-form');
    if (form && form.tagName === 'FORM') {
        for (const [name, value] of new FormData(form)) {
            found.push(['form ' + name, String(value)]);
        }
    }
    return found;
}"""

FIRST_CONTROL = """() => {
    // A script that never reads the question: the first control of each kind.
    const form = document.getElementById('question-form');
    const changed = el => el.dispatchEvent(new Event('change', {bubbles: true}));
    const first = form.querySelector('input[type=radio], input[type=checkbox]');
    if (first) { first.click(); return first.type; }
    const selects = [...form.querySelectorAll('select')];
    for (const select of selects) { select.selectedIndex = 1; changed(select); }
    if (selects.length) { return 'select'; }
    const text = form.querySelector('input[type=text]');
    text.value = '1';
    changed(text);  // saves at once (typing alone would wait for a pause)
    return 'text';
}"""


def _authored(lti, attempt: int) -> dict[int, tuple[str, set[str]]]:
    """Per position: the item's uid and its option, prompt and distractor ids."""
    from lti_tool.attempts.models import Attempt
    from tests.integration.attempts.page_reading import authored_ids

    with lti.tool.session() as session:
        found = session.get(Attempt, attempt)
        return {
            q.position: (q.item_version.item_uid, authored_ids(q.item_version))
            for q in found.questions
        }


def _as_a_script_sees_it(page: Page, secrets: set[str]) -> list[tuple[str, str]]:
    """(where, value) pairs of the live DOM, the launch token and sitting key (random, not
    ours to judge) cut out."""
    values = [(where, value) for where, value in page.evaluate(PAGE_AS_A_SCRIPT_SEES_IT)]
    for secret in secrets:
        values = [(where, value.replace(secret, "")) for where, value in values]
    return values


def test_a_live_question_page_carries_no_authored_id(tool_and_platform, page):
    """A whole attempt on a shipped demo bank, read from the DOM of each live page (and the
    autosave sent and answered), as a script in the page would read it."""
    from tests.integration.attempts.page_reading import json_strings, leaks

    lti = tool_and_platform
    launch = launch_learner(page, lti, lti.assessment)
    attempt = start(page)
    authored = _authored(lti, attempt)
    assert len(authored) == 20
    every_id = set().union(*(ids for _uid, ids in authored.values()))
    assert every_id >= {"a", "b", "c", "d"}
    secrets = {launch.token}
    posted: list[str] = []
    page.on(
        "request",
        lambda r: (
            posted.append(r.post_data or "") if r.url.split("?")[0].endswith("/answer") else None
        ),
    )
    for number in range(1, 21):
        expect(page.locator("#question-heading")).to_have_text(f"Question {number} of 20")
        uid, ids = authored[number]
        secrets.add(page.locator("#question-form").get_attribute("data-sitting"))
        assert not leaks(_as_a_script_sees_it(page, secrets), ids), number
        assert uid not in page.content()
        with page.expect_response(lambda r: r.url.split("?")[0].endswith("/answer")) as saved:
            page.evaluate(FIRST_CONTROL)
        assert saved.value.status == 200
        assert not json_strings(saved.value.json()) & ids
        assert not leaks(_as_a_script_sees_it(page, secrets), ids)  # now with a choice made
        go_next(page)
    # What the autosaves sent: multipart form data, one line per field name or value.
    assert len(posted) >= 20  # (one per select of a matching item)
    lines = [line for body in posted for line in body.splitlines()]
    for secret in secrets:
        lines = [line.replace(secret, "") for line in lines]
    assert not leaks([("autosave", line) for line in lines], every_id)
    expect(page.locator("#review-heading")).to_be_visible()
    secrets.add(page.locator("#question-form").get_attribute("data-sitting"))
    assert not leaks(_as_a_script_sees_it(page, secrets), every_id)
