"""Who may frame which page (issue 9, item 5), on both backends.

Every page used to list every registered platform's origin, unchecked, in frame-ancestors and
form-action: one issuer with `;` and spaces injected directives, and many long issuers made the
header too big for browsers. Now a launched page names its own platform only, other pages
nobody (or anybody, for error pages a learner must be able to read inside Moodle's iframe), and
issuers are checked when stored and again when a header is built.
"""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest

from lti_tool import db
from lti_tool.platforms.models import Platform
from lti_tool.platforms.registry import PlatformRegistration, RegistrationError, add_platform
from lti_tool.web.security import launching_origin
from tests.support.signed_launches import ISSUER, FakeMoodle, launch, register

MALICIOUS_ISSUER = "https://evil.example; frame-ancestors *; script-src 'unsafe-inline'"


def long_issuer(n: int) -> str:
    """A 480-character origin: 300 of them made a 290 KB header, over Chromium's 256 KB."""
    return f"https://moodle-{n:03d}." + ".".join(["a" * 62] * 7) + ".example.org"


def store_platforms_as_old_code_did(app, issuers) -> None:
    """Rows as an earlier version stored them: no check at all."""
    with app.app_context(), db.session_scope() as session:
        for n, issuer in enumerate(issuers):
            session.add(
                Platform(
                    name=f"P{n}",
                    issuer=issuer,
                    client_id=f"client-{n}",
                    auth_login_url=issuer,
                    auth_token_url=issuer,
                    key_set_url=issuer,
                    created_at=app.extensions["emm_clock"].now(),
                )
            )


@pytest.fixture
def moodle(app):
    fake = FakeMoodle()
    register(app, fake)
    store_platforms_as_old_code_did(app, [MALICIOUS_ISSUER] + [long_issuer(n) for n in range(300)])
    return fake


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    found = {}
    for part in policy.split(";"):
        name, _, value = part.strip().partition(" ")
        assert name not in found, f"{name} twice in {policy!r}"
        found[name] = value
    return found


def assert_nothing_injected(response) -> None:
    policy = response.headers["Content-Security-Policy"]
    assert len(policy) < 1000, len(policy)
    assert "evil" not in policy and "unsafe-inline" not in policy
    assert directives(response)["script-src"] == "'self'"


def test_a_launched_page_may_be_framed_by_its_platform_only(client, moodle, clock):
    response, _ = launch(client, moodle, clock.now().timestamp())
    landing = client.get(response.headers["Location"])
    assert landing.status_code == 200
    assert_nothing_injected(landing)
    assert directives(landing)["frame-ancestors"] == f"'self' {ISSUER}"
    assert directives(landing)["form-action"] == f"'self' {ISSUER}"


def test_a_launched_error_page_keeps_its_platform(client, moodle, clock):
    response, _ = launch(client, moodle, clock.now().timestamp())
    token = parse_qs(urlsplit(response.headers["Location"]).query)["lt"][0]
    refused = client.get("/instructor", query_string={"lt": token})  # a learner's launch
    assert refused.status_code == 403
    assert directives(refused)["frame-ancestors"] == f"'self' {ISSUER}"


@pytest.mark.parametrize("path", ["/", "/lti/config", "/verify"])
def test_pages_outside_a_launch_may_not_be_framed(client, moodle, path):
    page = client.get(path)
    assert page.status_code == 200, path
    assert_nothing_injected(page)
    assert directives(page)["frame-ancestors"] == "'none'"
    assert directives(page)["form-action"] == "'self'"
    assert ISSUER not in page.headers["Content-Security-Policy"]


def test_an_error_page_without_a_launch_can_be_read_inside_any_frame(client, moodle):
    # An ended or missing launch inside Moodle's iframe: the learner must see why.
    refused = client.get("/learner")
    assert refused.status_code == 401
    assert_nothing_injected(refused)
    assert directives(refused)["frame-ancestors"] == "*"
    assert directives(refused)["form-action"] == "'self'"


def test_a_stored_issuer_unfit_for_a_header_is_left_out_of_its_own_pages():
    launch_of_bad_platform = SimpleNamespace(
        deployment=SimpleNamespace(platform_id=7, platform=SimpleNamespace(issuer=MALICIOUS_ISSUER))
    )
    assert launching_origin(launch_of_bad_platform) == []


@pytest.mark.parametrize(
    "issuer",
    [
        MALICIOUS_ISSUER,
        "https://evil.example 'unsafe-inline'",
        "https://evil.example,https://x.example",
        "https://user:secret@moodle.example.org",
        "https://moodle.example.org?x=1",
        long_issuer(1),
    ],
)
def test_registration_refuses_issuers_unfit_for_a_header(app, issuer):
    with app.app_context(), db.session_scope() as session, pytest.raises(RegistrationError) as no:
        add_platform(
            session,
            PlatformRegistration(
                name="Bad",
                issuer=issuer,
                client_id="c",
                deployment_ids=("1",),
                auth_login_url="https://moodle.example.org/auth",
                auth_token_url="https://moodle.example.org/token",
                key_set_url="https://moodle.example.org/certs",
            ),
            app.extensions["emm_clock"].now(),
        )
    assert "Platform ID" in str(no.value) and "cannot be used" in str(no.value)


def test_platform_add_command_says_why_an_issuer_is_refused(runner):
    result = runner.invoke(
        args=[
            "platform",
            "add",
            "--name",
            "Bad",
            "--issuer",
            MALICIOUS_ISSUER,
            "--client-id",
            "c",
            "--deployment-id",
            "1",
            "--auth-login-url",
            "https://moodle.example.org/auth",
            "--auth-token-url",
            "https://moodle.example.org/token",
            "--key-set-url",
            "https://moodle.example.org/certs",
        ]
    )
    assert result.exit_code != 0
    assert "Platform ID" in result.output and "cannot be used" in result.output
    assert "No platform is registered" in runner.invoke(args=["platform", "list"]).output
