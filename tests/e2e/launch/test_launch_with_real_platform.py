"""OIDC login and signed launches driven by a real LTI platform (the `lti1p3platform` package),
over HTTP, with claims shaped like Moodle 4.5's."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urljoin

import requests

pytestmark = [__import__("pytest").mark.e2e]


def _form_fields(html: str) -> tuple[str, dict[str, str]]:
    action = unescape(re.search(r'<form[^>]*action="([^"]+)"', html).group(1))
    fields = {
        unescape(n): unescape(v)
        for n, v in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html)
    }
    return action, fields


def loopback_browser() -> requests.Session:
    """requests never sends `Secure` cookies over http; browsers do on loopback hosts, which
    they treat as secure contexts. Let the test client behave like a browser there."""
    browser = requests.Session()

    def unsecure(response, *args, **kwargs):
        for cookie in browser.cookies:
            cookie.secure = False

    browser.hooks["response"].append(unsecure)
    return browser


def browse_launch(platform, kind: str = "learner", **params) -> requests.Response:
    """Follow what a browser does: platform -> tool login -> platform auth -> form_post -> tool."""
    browser = loopback_browser()
    response = browser.get(platform.launch_url(kind, **params), allow_redirects=True, timeout=10)
    assert response.status_code == 200, response.text[:500]
    action, fields = _form_fields(response.text)
    assert set(fields) >= {"id_token", "state"}
    landing = browser.post(action, data=fields, allow_redirects=True, timeout=10)
    landing.browser = browser  # type: ignore[attr-defined]
    return landing


def test_learner_launch_lands_on_the_learner_page(platform, live_tool):
    landing = browse_launch(platform, "learner", custom_assessment="emm2-final", locale="en")
    assert landing.status_code == 200, landing.text[:500]
    assert "/learner" in landing.url or "/assessment" in landing.url
    assert "Sam Student" in landing.text
    assert "Migration management (demo course)" in landing.text


def test_instructor_launch_lands_on_the_instructor_page(platform, live_tool):
    landing = browse_launch(platform, "instructor")
    assert landing.status_code == 200, landing.text[:500]
    assert "/instructor" in landing.url
    assert "Terry Teacher" in landing.text


def test_launch_stores_ags_endpoints_custom_parameters_and_locale(platform, live_tool):
    from lti_tool.launch.models import LaunchSession

    browse_launch(platform, "learner", custom_assessment="emm2-final", locale="es")
    with live_tool.session() as session:
        launch = session.query(LaunchSession).one()
        assert launch.locale == "es" and launch.role == "learner"
        placement = launch.placement
        assert placement.assessment_slug == "emm2-final"
        assert placement.ags_lineitem_url and placement.ags_lineitem_url.startswith(platform.url)
        assert placement.ags_lineitems_url.startswith(platform.url)
        assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in placement.ags_scopes
        assert launch.claims["https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"]


def test_a_replayed_form_post_is_refused(platform, live_tool):
    browser = loopback_browser()
    page = browser.get(platform.launch_url("learner"), timeout=10)
    action, fields = _form_fields(page.text)
    first = browser.post(action, data=fields, allow_redirects=False, timeout=10)
    assert first.status_code == 303
    replay = browser.post(
        action,
        data=fields,
        allow_redirects=False,
        timeout=10,
        headers={"Accept": "application/json"},
    )
    assert replay.status_code == 401
    assert replay.json()["error"] in {"unknown_state", "replayed"}


def test_a_token_signed_by_another_key_is_refused(platform, live_tool):
    from demo_platform import generate_platform_key
    from demo_platform.store import IdTokenTamper

    platform.state.id_token_tamper = IdTokenTamper(key_pem=generate_platform_key())
    browser = loopback_browser()
    page = browser.get(platform.launch_url("learner"), timeout=10)
    action, fields = _form_fields(page.text)
    refused = browser.post(action, data=fields, timeout=10, headers={"Accept": "application/json"})
    assert refused.status_code == 401
    assert refused.json()["error"] in {"bad_signature", "unknown_kid"}


def test_deep_linking_round_trip_creates_a_graded_resource_link(platform, live_tool):
    live_tool.load_demo_content()
    landing = browse_launch(platform, "deeplink")
    assert landing.status_code == 200, landing.text[:500]
    assert "Essentials of Migration Management" in landing.text
    token = re.search(r'name="lt" value="([^"]+)"', landing.text).group(1)
    chosen = landing.browser.post(
        urljoin(landing.url, "/deep-linking/select"),
        data={"lt": token, "assessment": "emm2-final"},
        timeout=10,
    )
    action, fields = _form_fields(chosen.text)
    assert action.startswith(platform.url)
    returned = landing.browser.post(action, data=fields, timeout=10)
    assert returned.status_code == 200, returned.text[:500]
    (received,) = platform.state.deep_link_returns()
    items = received["content_items"] if isinstance(received, dict) else received.content_items
    (item,) = items
    assert item["custom"] == {"assessment": "emm2-final"}
    assert item["lineItem"]["scoreMaximum"] == 100
