"""Fixtures of the real-browser suite (Debian's Chromium driven by Playwright).

Session-wide: `playwright`, `browser` (one Chromium process; every test gets its own isolated
`context` and `page`). Per test: `tool_and_platform` (a live tool on http://localhost:<port>
and a live demo platform on http://127.0.0.1:<port>, registered with each other, demo
assessments loaded, one shared FakeClock started at the real time), `cookie_blocking_context`
/ `cookie_blocking_page` (a profile with third-party cookies blocked, for embedded launches).

Helpers to import: tests.browser.launching (launch_in_browser, launch_in_course_page),
tests.support.axe (axe_check, describe). On failure, a screenshot of every open page of the
test goes to tests/artifacts/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.browser.chromium import (
    launch_browser,
    launch_cookie_blocking_context,
    missing_chromium_message,
)
from tests.support.clock import FakeClock
from tests.support.live_server import LiveTool, start_live_tool

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
DEFAULT_TIMEOUT_MS = 10_000


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


def _failed(request: pytest.FixtureRequest) -> bool:
    return any(
        getattr(getattr(request.node, f"report_{when}", None), "failed", False)
        for when in ("setup", "call")
    )


def _screenshot_on_failure(request: pytest.FixtureRequest, context: BrowserContext) -> None:
    if not _failed(request):
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
    for index, page in enumerate(context.pages):
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}-{index}.png"), full_page=True)
            (ARTIFACTS / f"{name}-{index}.html").write_text(page.content())
        except Exception as error:
            (ARTIFACTS / f"{name}-{index}.txt").write_text(f"no screenshot: {error}")


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    problem = missing_chromium_message()
    if problem:
        pytest.fail(problem, pytrace=False)
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = launch_browser(playwright)
    yield browser
    browser.close()


@pytest.fixture
def context(request: pytest.FixtureRequest, browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(locale="en-GB")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    yield context
    _screenshot_on_failure(request, context)
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def cookie_blocking_context(
    request: pytest.FixtureRequest, playwright: Playwright, tmp_path: Path
) -> Iterator[BrowserContext]:
    """A fresh Chromium profile whose settings block third-party cookies."""
    context = launch_cookie_blocking_context(
        playwright, tmp_path / "chromium-profile", locale="en-GB"
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    yield context
    _screenshot_on_failure(request, context)
    context.close()


@pytest.fixture
def cookie_blocking_page(cookie_blocking_context: BrowserContext) -> Page:
    pages = cookie_blocking_context.pages
    return pages[0] if pages else cookie_blocking_context.new_page()


@dataclass
class LiveLti:
    tool: LiveTool
    platform: object  # tests.support.platform_server.RunningPlatform
    clock: FakeClock
    assessment_slugs: list[str]

    @property
    def assessment(self) -> str:
        """A demo assessment's slug (the first), for custom_assessment=..."""
        assert self.assessment_slugs, "no demo assessment loaded"
        return self.assessment_slugs[0]


@pytest.fixture
def live_clock() -> FakeClock:
    """Shared by the live tool and platform; starts at the real time because the browser
    judges cookie lifetimes by its own clock. Tests move it with .advance(), never sleep."""
    return FakeClock(datetime.now(UTC))


@pytest.fixture
def tool_and_platform(tmp_path: Path, live_clock: FakeClock) -> Iterator[LiveLti]:
    from demo_platform import PlatformConfig, generate_platform_key
    from tests.support.platform_server import run_platform

    with start_live_tool(tmp_path / "tool", clock=live_clock) as tool:
        config = PlatformConfig(
            private_key_pem=generate_platform_key(),
            clock=live_clock,
            tool_login_url=f"{tool.url}/lti/login",
            tool_launch_url=f"{tool.url}/lti/launch",
            tool_jwks_url=f"{tool.url}/.well-known/jwks.json",
        )
        with run_platform(config) as platform:
            tool.register_platform(platform)
            report = tool.load_demo_content()
            if not report.results:
                pytest.fail(
                    "the demo assessments did not load:\n" + report.to_text(), pytrace=False
                )
            slugs = sorted({result.slug for result in report.results})
            yield LiveLti(tool=tool, platform=platform, clock=live_clock, assessment_slugs=slugs)
