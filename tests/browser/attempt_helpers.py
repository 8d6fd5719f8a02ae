"""Helpers of the attempt browser tests: a small test assessment in the live tool, launching a
learner onto it, answering questions through the page, and moving time for the tool and the
page together.

Time: the tool's clock is the shared FakeClock (`lti.clock`); the page's clock is Playwright's
fake clock (`page.clock`), installed with `install_page_clock` before the launch. `advance`
moves the tool first and the page second, so whatever the page sends after the jump is judged
by the tool at the new time (as a laptop waking from sleep would be).
"""

from __future__ import annotations

import re
import typing as t
import weakref
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Frame, Page, Request, expect

from tests.browser.launching import BrowserLaunch, launch_in_browser

QUESTION_PATH = re.compile(r"/assessment/attempts/(\d+)/questions/(\d+)")
SAVED = re.compile(r"^Saved at \d")


# -- content and launches ------------------------------------------------------------------


def publish_small(lti: t.Any, directory: Path, **rules: t.Any) -> str:
    """A four-question test assessment (tests/support/attempt_content.py) in the live tool;
    its slug, for custom_assessment=..."""
    from tests.support.attempt_content import publish

    directory.mkdir(parents=True, exist_ok=True)
    with lti.tool.session() as session:
        return publish(session, directory, lti.tool.now(), **rules).assessment.slug


def launch_learner(
    page: Page, lti: t.Any, slug: str, user_id: str = "4", **params: str
) -> BrowserLaunch:
    params.setdefault("given_name", "Amina")
    params.setdefault("family_name", "Yusuf")
    return launch_in_browser(
        page, lti.platform, "learner", custom_assessment=slug, user_id=user_id, **params
    )


def page_of(target: Page | Frame) -> Page:
    """The tab of a page or of a frame (an attempt may run inside the course page's iframe)."""
    return target.page if isinstance(target, Frame) else target


def start(page: Page | Frame) -> int:
    """Press "Start" on the assessment home; the new attempt's id."""
    page.locator("#start-attempt").click()
    page.wait_for_url(QUESTION_PATH)
    return attempt_id(page)


def attempt_id(page: Page | Frame) -> int:
    found = QUESTION_PATH.search(page.url)
    assert found, f"not a question page: {page.url}"
    return int(found.group(1))


def position(page: Page | Frame) -> int:
    found = QUESTION_PATH.search(page.url)
    assert found, f"not a question page: {page.url}"
    return int(found.group(2))


# -- what the tool holds -------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    position: int
    type: str
    right: dict[str, t.Any]  # form fields of a right answer, as the page names them
    wrong: dict[str, t.Any]  # form fields of a wrong answer, as the page names them


def questions(lti: t.Any, attempt: int) -> list[Question]:
    """The drawn questions of an attempt with right and wrong answers as the page's form
    fields: the test knows the key and the tool's secret, so it can name the page's opaque
    values (lti_tool/attempts/answer_tokens.py); the learner's page carries neither."""
    from lti_tool.attempts.answer_tokens import AnswerTokens
    from lti_tool.attempts.models import Attempt
    from tests.support.attempt_content import right_form, wrong_response

    maker = AnswerTokens(lti.tool.app.config["SECRET_KEY"])
    with lti.tool.session() as session:
        found = session.get(Attempt, attempt)
        assert found is not None
        drawn = []
        for q in found.questions:
            tokens = maker.of_question(attempt, q.position, q.item_version)
            kind = q.item_version.type
            drawn.append(
                Question(
                    q.position,
                    kind,
                    _on_page(tokens, right_form(q.item_version)),
                    _on_page(tokens, _as_form(kind, wrong_response(q.item_version))),
                )
            )
        return drawn


def _as_form(kind: str, response: dict[str, t.Any]) -> dict[str, t.Any]:
    if kind == "true_false":
        return {"value": "true" if response["value"] else "false"}
    if kind == "matching":
        return {f"pair-{prompt}": answer for prompt, answer in response["pairs"].items()}
    return response


def _on_page(tokens: t.Any, fields: dict[str, t.Any]) -> dict[str, t.Any]:
    """Form fields named with authored ids, as the page names them (its tokens)."""
    from lti_tool.attempts.answer_tokens import ANSWER, OPTION, PROMPT

    page: dict[str, t.Any] = {}
    for name, value in fields.items():
        if name == "choice":
            page[name] = tokens.token(OPTION, value)
        elif name == "choices":
            page[name] = [tokens.token(OPTION, v) for v in value]
        elif name.startswith("pair-"):
            page["pair-" + tokens.token(PROMPT, name[5:])] = tokens.token(ANSWER, value)
        else:
            page[name] = value
    return page


def stored(lti: t.Any, attempt: int) -> t.Any:
    """The attempt row as the tool has it now: status, responses, last activity."""
    from lti_tool.attempts.models import Attempt

    with lti.tool.session() as session:
        found = session.get(Attempt, attempt)
        assert found is not None
        return _Snapshot(
            found.id,
            found.number,
            found.status,
            found.seed,
            found.last_activity_at,
            found.auto_submitted,
            found.score_percent,
            {q.position: q.response for q in found.questions},
        )


@dataclass(frozen=True)
class _Snapshot:
    id: int
    number: int
    status: str
    seed: int
    last_activity_at: t.Any
    auto_submitted: bool
    score_percent: float | None
    responses: dict[int, t.Any]


# -- answering through the page ------------------------------------------------------------


def answer_control(page: Page | Frame, question: Question, fields: dict[str, t.Any]) -> None:
    """Set the question's controls to `fields` with the mouse/keyboard, as a learner would."""
    pos = question.position
    if question.type == "single_choice":
        page.locator(f"#question-form input[name=choice][value='{fields['choice']}']").check()
    elif question.type == "true_false":
        page.locator(f"#question-form input[name=value][value='{fields['value']}']").check()
    elif question.type == "short_answer":
        page.locator(f"#q{pos}-text").fill(fields["text"])
    elif question.type == "numerical":
        page.locator(f"#q{pos}-value").fill(fields["value"])
    elif question.type == "multiple_response":
        for choice in fields["choices"]:
            page.locator(f"#question-form input[name=choices][value='{choice}']").check()
    else:
        raise NotImplementedError(question.type)


def answer_and_wait_saved(page: Page | Frame, question: Question, fields: dict[str, t.Any]) -> None:
    """Answer and wait until the autosave is acknowledged (HTTP 200 and the live status)."""
    assert position(page) == question.position
    suffix = f"/questions/{question.position}/answer"
    with page_of(page).expect_response(
        lambda r: r.url.endswith(suffix) and r.request.method == "POST"
    ) as saved:
        answer_control(page, question, fields)
    assert saved.value.status == 200, saved.value.text()
    expect(page.locator("#save-status")).to_have_text(SAVED)


def checked_fields(page: Page | Frame) -> dict[str, t.Any]:
    """What the question form holds now (the answer fields only)."""
    return page.evaluate("""() => {
        const out = {};
        for (const el of document.querySelectorAll('#question-form input, #question-form select')) {
            if (el.type === 'hidden' || el.type === 'submit') continue;
            if (el.type === 'checkbox') {
                if (el.checked) out[el.name] = [...(out[el.name] || []), el.value];
            } else if (el.type === 'radio') {
                if (el.checked) out[el.name] = el.value;
            } else if (el.value) { out[el.name] = el.value; }
        }
        return out;
    }""")


def submit_attempt(page: Page | Frame) -> None:
    """On the review page: "Submit my answers", then confirm in the dialog that asks first.

    The dialog comes from a deferred script (submit_confirm.js); a click before it has run
    opens the no-script confirmation page instead (as it should), so the review page must be
    there and complete first."""
    page.wait_for_url(re.compile(r"/attempts/\d+/review"))
    page.wait_for_load_state("load")
    page.locator("#submit-attempt").click()
    expect(page.locator("#submit-dialog")).to_be_visible()
    page.locator("#confirm-submit").click()


def go_next(page: Page | Frame) -> None:
    """Press "Save and go to the next question" and wait for the next page (or the review)."""
    before = page.url
    page.locator("#btn-next").click()
    page.wait_for_url(lambda url: url != before)
    page.wait_for_load_state()


# -- visibility, focus and time ------------------------------------------------------------


def set_visibility(page: Page, state: str) -> None:
    """What the page sees when its tab goes to the background (`hidden`) or comes back
    (`visible`): document.visibilityState/hidden change, then `visibilitychange` fires.
    Headless Chromium keeps every tab visible, so the property is overridden on the document."""
    page.evaluate(
        """state => {
        Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => state});
        Object.defineProperty(document, 'hidden',
                              {configurable: true, get: () => state === 'hidden'});
        document.dispatchEvent(new Event('visibilitychange'));
    }""",
        state,
    )


class _RequestsInFlight:
    """The page's requests that have not finished yet."""

    def __init__(self, page: Page) -> None:
        self.pending: set[Request] = set()
        page.on("request", lambda request: self.pending.add(request))
        page.on("requestfinished", lambda request: self.pending.discard(request))
        page.on("requestfailed", lambda request: self.pending.discard(request))


_IN_FLIGHT: weakref.WeakKeyDictionary[Page, _RequestsInFlight] = weakref.WeakKeyDictionary()
SETTLE_TIMEOUT_MS = 15_000


def install_page_clock(page: Page, lti: t.Any) -> None:
    """Give the page the tool's time (call before the launch): the page's countdowns then
    agree with the tool's clock, and `advance` can move both."""
    _IN_FLIGHT[page] = _RequestsInFlight(page)
    page.clock.install(time=lti.clock.now())


def hold_page_clock(page: Page) -> None:
    """Stop the page's clock from also flowing with real time (Playwright's installed clock
    does, and a loaded machine lets seconds pass between two looks at a countdown): from now on
    it moves only with `advance`. Timers wait for it too, so only for steps that need none."""
    ahead_ms = 1000  # pause_at cannot go back: a moment safely after the page's now
    page.clock.pause_at(int(page.evaluate("() => Date.now()")) + ahead_ms)


def _settle(page: Page) -> None:
    """Wait until the page has heard every answer it asked for. A heartbeat still in flight when
    the tool's clock moves would be answered in the new time while the page still lives in the
    old one (its deadline would then fall a whole step early): a race that only a loaded
    machine shows."""
    tracker = _IN_FLIGHT.get(page)
    if tracker is None:
        return
    waited = 0
    while tracker.pending and waited < SETTLE_TIMEOUT_MS:
        page.wait_for_timeout(20)  # Playwright's own timer, not the page's (faked) one
        waited += 20
    assert not tracker.pending, [r.url for r in tracker.pending]
    page.evaluate("() => Promise.resolve()")  # let the page run what the answers queued


def advance(lti: t.Any, page: Page, *, fire_every_timer: bool = False, **delta: float) -> None:
    """Move the tool's clock, then the page's: `fast_forward` fires each due timer once (a
    sleeping laptop waking up); `fire_every_timer` runs every timer on the way instead."""
    _settle(page)
    lti.clock.advance(**delta)
    ms = int(timedelta(**delta).total_seconds() * 1000)
    if fire_every_timer:
        page.clock.run_for(ms)
    else:
        page.clock.fast_forward(ms)


@dataclass
class RequestCounter:
    """POSTs to URLs ending with `suffix` that the page sent."""

    suffix: str
    seen: list[str] = field(default_factory=list)

    def __call__(self, request: Request) -> None:
        if request.method == "POST" and request.url.split("?")[0].endswith(self.suffix):
            self.seen.append(request.url)

    @property
    def count(self) -> int:
        return len(self.seen)


def count_posts(page: Page, suffix: str) -> RequestCounter:
    counter = RequestCounter(suffix)
    page.on("request", counter)
    return counter


def set_window_focus(page: Page, focused: bool) -> None:
    """`False`: another window comes to the front and takes the focus while this page stays
    visible (`blur` fires, document.hasFocus() is false); `True`: the page gets it back.
    Playwright normally lets every page believe it has the focus; the DevTools protocol
    turns that off for this page (for as long as the session lives: it is kept on the page)."""
    session = getattr(page, "_focus_session", None)
    if session is None:
        session = page.context.new_cdp_session(page)
        page._focus_session = session
    if focused:
        session.send("Emulation.setFocusEmulationEnabled", {"enabled": True})
        page.bring_to_front()
    else:
        page.context.new_page().bring_to_front()
        session.send("Emulation.setFocusEmulationEnabled", {"enabled": False})
    page.wait_for_function("focused => document.hasFocus() === focused", arg=focused, polling=50)
