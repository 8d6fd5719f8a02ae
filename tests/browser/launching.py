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
from urllib.parse import parse_qs, urlencode, urlsplit

from playwright.sync_api import Frame, Page
from werkzeug.wrappers import Request, Response

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
    # The tool's /lti/login and /lti/launch answer with redirects, which never commit a
    # document: the first tool page shown is the landing page, or the error page that the
    # tool answered instead of a redirect.
    return lambda url: _origin(url) == tool_origin


def wait_for_landing(
    frame: Frame, platform: t.Any, client_id: str | None = None, timeout_ms: int = LAUNCH_TIMEOUT_MS
) -> BrowserLaunch:
    frame.wait_for_url(
        _landed(_tool_origin(platform, client_id)), wait_until="load", timeout=timeout_ms
    )
    url = frame.url
    if "lt" not in parse_qs(urlsplit(url).query):
        body = frame.locator("body").inner_text()
        raise LaunchFailed(f"the launch ended on {url} without a launch token:\n{body}")
    return BrowserLaunch(frame=frame, url=url)


def launch_in_browser(
    page: Page, platform: t.Any, kind: str = "learner", **params: str
) -> BrowserLaunch:
    """Start a launch at top level (a new window, as Moodle's "Open in new window")."""
    page.goto(platform.launch_url(kind, **params))
    return wait_for_landing(page.main_frame, platform, params.get("client_id"))


COURSE_PAGE_PATH = "/course/view.php"


def course_page_url(platform: t.Any, frame_src: str) -> str:
    query = urlencode({"id": platform.config.context_id, "frame": frame_src})
    return f"{platform.url}{COURSE_PAGE_PATH}?{query}"


def course_page_html(frame_src: str, title: str = "EMM101: Final assessment") -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body><main><h1>{html.escape(title)}</h1>"
        f'<iframe id="{COURSE_FRAME_NAME}" name="{COURSE_FRAME_NAME}" title="Assessment"'
        f' width="100%" height="600" allow="fullscreen" src="{html.escape(frame_src)}">'
        "</iframe></main></body></html>"
    )


class _CoursePage:
    """WSGI middleware on the platform's server: GET /course/view.php?frame=<url> is a course
    page framing <url>; everything else goes to the platform."""

    def __init__(self, app: t.Callable[..., t.Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, t.Any], start_response: t.Any) -> t.Iterable[bytes]:
        request = Request(environ)
        if request.path != COURSE_PAGE_PATH or "frame" not in request.args:
            return self.app(environ, start_response)
        response = Response(course_page_html(request.args["frame"]), mimetype="text/html")
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; frame-src *; frame-ancestors 'self'"
        )
        return response(environ, start_response)


def serve_course_page(platform: t.Any) -> None:
    """Let the running demo platform answer course pages too. They must come from the
    platform's own server: the platform only lets its own origin frame its pages
    (frame-ancestors 'self'), and Chromium refuses loopback frames inside pages it cannot place
    on a local address (a page made up by request interception, for one)."""
    server = platform.server  # werkzeug's server calls server.app for every request
    if not isinstance(server.app, _CoursePage):
        server.app = _CoursePage(server.app)


def open_course_page(page: Page, platform: t.Any, frame_src: str) -> Frame:
    """Open the platform's course page with an iframe loading `frame_src`; the iframe's Frame."""
    serve_course_page(platform)
    page.goto(course_page_url(platform, frame_src), wait_until="commit")
    iframe = page.locator(f"iframe#{COURSE_FRAME_NAME}")
    frame = iframe.element_handle().content_frame()
    assert frame is not None, "the course page has no content frame"
    return frame


def launch_in_course_page(
    page: Page, platform: t.Any, kind: str = "learner", **params: str
) -> BrowserLaunch:
    """Start a launch inside the course page's iframe (Moodle's "Embed" launch container)."""
    params.setdefault("document_target", "iframe")
    frame = open_course_page(page, platform, platform.launch_url(kind, **params))
    return wait_for_landing(frame, platform, params.get("client_id"))
