"""Issue 9, item 5 in real Chromium: with 300 long platforms registered and one whose issuer
tries to inject directives, every page still loads (the header used to list them all, 290 KB:
ERR_RESPONSE_HEADERS_TOO_BIG), no page carries the injected directives, and a launched page is
framed by the platform that launched it and by nobody else.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from werkzeug.wrappers import Response

from lti_tool.platforms.models import Platform
from tests.browser.launching import launch_in_course_page
from tests.support.http_stub import serve

pytestmark = pytest.mark.browser

MALICIOUS_ISSUER = "https://evil.example; frame-ancestors *; script-src 'unsafe-inline'"


def long_issuer(n: int) -> str:
    return f"https://moodle-{n:03d}." + ".".join(["a" * 62] * 7) + ".example.org"


def _register_as_old_code_did(tool, issuers) -> None:
    """Rows stored before issuers were checked: straight into the table."""
    now = tool.now()
    with tool.session() as session:
        for n, issuer in enumerate(issuers):
            session.add(
                Platform(
                    name=f"P{n}",
                    issuer=issuer,
                    client_id=f"client-{n}",
                    auth_login_url=issuer,
                    auth_token_url=issuer,
                    key_set_url=issuer,
                    created_at=now,
                )
            )


def _directives(response) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    assert "evil" not in policy and "unsafe-inline" not in policy, policy
    found = {}
    for part in policy.split(";"):
        name, _, value = part.strip().partition(" ")
        assert name not in found, policy
        found[name] = value
    return found


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def test_many_and_malicious_issuers_break_no_page_and_frame_nothing(tool_and_platform, page):
    lti = tool_and_platform
    tool, platform = lti.tool, lti.platform
    _register_as_old_code_did(tool, [MALICIOUS_ISSUER] + [long_issuer(n) for n in range(300)])

    # Pages outside a launch load and may not be framed.
    for path, heading in (("/", "h1"), ("/lti/config", "h1")):
        response = page.goto(tool.url + path)
        assert response is not None and response.status == 200, path
        assert page.locator(heading).first.is_visible()
        assert _directives(response)["frame-ancestors"] == "'none'"

    # A launch inside the platform's course page: framed by that platform.
    learner = platform.state.member("4")
    seen = []
    page.on("response", lambda r: seen.append(r) if urlsplit(r.url).path == "/learner" else None)
    landed = launch_in_course_page(
        page, platform, "learner", user_id=learner.user_id, custom_assessment=lti.assessment
    )
    assert landed.path == "/learner"
    assert learner.name in landed.frame.locator("main").inner_text()
    (landing,) = seen
    assert _directives(landing)["frame-ancestors"] == f"'self' {_origin(platform.url)}"
    assert _directives(landing)["form-action"] == f"'self' {_origin(platform.url)}"

    # The same launched page inside another site's page: Chromium refuses to show it.
    def framing_page(request, stub):
        return Response(
            f'<!doctype html><title>other</title><iframe id="other" src="{landed.url}"></iframe>',
            mimetype="text/html",
        )

    with serve({("GET", "/frame"): framing_page}) as other_site:
        assert _origin(other_site.url) != _origin(platform.url)
        with page.expect_console_message(lambda m: "frame-ancestors" in m.text) as refusal:
            page.goto(other_site.url + "/frame")
        # "Framing '<tool>' violates ... "frame-ancestors 'self' <platform>". ... blocked."
        assert f"frame-ancestors 'self' {_origin(platform.url)}" in refusal.value.text
        assert "blocked" in refusal.value.text
        frame = page.locator("iframe#other").element_handle().content_frame()
        assert frame is not None
        frame.wait_for_load_state()
        assert not frame.url.startswith(tool.url), frame.url
        assert learner.name not in frame.content()
