"""Launching the tool from the demo platform in a real browser, through the real OIDC flow:
platform /launch/<kind> -> tool /lti/login -> platform /auth -> form_post -> tool /lti/launch
-> 303 to the landing page with the launch token in its URL.

    landed = launch_in_browser(page, platform, "learner", custom_assessment="emm2-final")
    landed.frame.get_by_role("heading", level=1)   # the landing page
    landed.token                                    # the launch token (?lt=)

    landed = launch_in_course_page(page, platform, "learner")   # inside Moodle-like iframe
    landed.frame                                                # the iframe's Frame
"""

from __future__ import annotations

import html
import typing as t
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Frame, Page

LAUNCH_TIMEOUT_MS = 15_000
COURSE_FRAME_NAME = "contentframe"  # Moodle's name for the iframe of an embedded tool


class LaunchFailed(AssertionError):
    """The flow stopped short of a landing page; the message holds what the browser showed."""


@dataclass(frozen=True)
class BrowserLaunch:
    frame: Frame  # where the tool's landing page is (the page's main frame, or the iframe)
    url: str

    @property
    def token(self) -> str:
        return parse_qs(urlsplit(self.url).query)["lt"][0]

    @property
    def path(self) -> str:
        return urlsplit(self.url).path


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _tool_origin(platform: t.Any, client_id: str | None = None) -> str:
    tool = platform.state.tool(client_id)
    assert tool is not None, "the demo platform has no tool registered"
    return _origin(tool.launch_url)


def _landed(tool_origin: str) -> t.Callable[[str], bool]:
    # The landing page, or an error page the tool answered instead of a redirect.
    return lambda url: _origin(url) == tool_origin and urlsplit(url).path != "/lti/login"


def wait_for_landing(frame: Frame, platform: t.Any, client_id: str | None = None,
                     timeout_ms: int = LAUNCH_TIMEOUT_MS) -> BrowserLaunch:
    frame.wait_for_url(_landed(_tool_origin(platform, client_id)), wait_until="load",
                       timeout=timeout_ms)
    url = frame.url
    if "lt" not in parse_qs(urlsplit(url).query):
        body = frame.locator("body").inner_text()
        raise LaunchFailed(f"the launch ended on {url} without a launch token:\n{body}")
    return BrowserLaunch(frame=frame, url=url)


def launch_in_browser(page: Page, platform: t.Any, kind: str = "learner",
                      **params: str) -> BrowserLaunch:
    """Start a launch at top level (a new window, as Moodle's "Open in new window")."""
    page.goto(platform.launch_url(kind, **params))
    return wait_for_landing(page.main_frame, platform, params.get("client_id"))


def course_page_url(platform: t.Any) -> str:
    return f"{platform.url}/course/view.php?id={platform.config.context_id}"


def course_page_html(title: str = "EMM101: Final assessment") -> str:
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title></head><body><main><h1>{html.escape(title)}</h1>"
        f"<iframe id=\"{COURSE_FRAME_NAME}\" name=\"{COURSE_FRAME_NAME}\" title=\"Assessment\""
        " width=\"100%\" height=\"600\" allow=\"fullscreen\"></iframe></main></body></html>"
    )


def open_course_page(page: Page, platform: t.Any, frame_src: str) -> Frame:
    """Show a Moodle-like course page on the platform's origin whose iframe loads `frame_src`.

    The demo platform has no such page, so the browser's request interception answers it;
    interception is removed before the iframe gets its src, so every request of the frame
    reaches the real servers untouched, started by the page as a real iframe load.
    Returns the iframe's Frame.
    """
    url = course_page_url(platform)
    body = course_page_html()
    page.route(url, lambda route: route.fulfill(status=200, content_type="text/html",
                                                body=body))
    try:
        page.goto(url)
    finally:
        page.unroute(url)
    iframe = page.locator(f"iframe#{COURSE_FRAME_NAME}")
    iframe.evaluate("(element, src) => { element.src = src; }", frame_src)
    frame = iframe.element_handle().content_frame()
    assert frame is not None, "the course page has no content frame"
    return frame


def launch_in_course_page(page: Page, platform: t.Any, kind: str = "learner",
                          **params: str) -> BrowserLaunch:
    """Start a launch inside the course page's iframe (Moodle's "Embed" launch container)."""
    params.setdefault("document_target", "iframe")
    frame = open_course_page(page, platform, platform.launch_url(kind, **params))
    return wait_for_landing(frame, platform, params.get("client_id"))
