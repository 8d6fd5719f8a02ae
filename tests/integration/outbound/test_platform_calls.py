"""The three kinds of calls to a platform under the one outbound policy: dynamic registration,
key set fetches and AGS (tokens, scores). Each refuses forbidden addresses before sending,
fails within its deadline against a dripping answer, stops at the size cap, and never puts a
platform's body on a page beyond a short summary."""

from __future__ import annotations

import time

import pytest

from lti_tool.db import session_scope
from lti_tool.grades import failures
from lti_tool.grades.ags_client import SCOPE_SCORE, AgsClient, AgsError, PlatformAccess
from lti_tool.launch.dynamic_registration import RegistrationFailed, _get_json
from lti_tool.launch.errors import PlatformUnreachable
from lti_tool.launch.platform_keys import PlatformKeys
from lti_tool.outbound import OutboundClient, OutboundPolicy, parse_allowlist
from lti_tool.platforms.invites import issue_invite
from lti_tool.platforms.keys import SigningKey
from lti_tool.platforms.registry import list_platforms
from tests.conftest import _build_app, _dispose, _sqlite_settings
from tests.integration.outbound.servers import drip_body, huge_body, respond, serve_raw
from tests.support.signed_launches import new_rsa_pem

# How late a loaded machine may wake the deadline's watchdog and the test: generous, since a
# call the deadline failed to stop would drip on for hours.
LATE_WAKE = 10.0
DEADLINE = 0.5
CAP = 256 * 1024


def loopback_client() -> OutboundClient:
    return OutboundClient(
        OutboundPolicy(
            allow=parse_allowlist(["127.0.0.1"]), deadline_seconds=DEADLINE, max_response_bytes=CAP
        )
    )


def strict_client() -> OutboundClient:
    """Production-like: nothing but public addresses (the test servers are on loopback)."""
    return OutboundClient(OutboundPolicy(deadline_seconds=DEADLINE, max_response_bytes=CAP))


@pytest.fixture
def strict_app(tmp_path, clock):
    """The app with EMM_OUTBOUND_ALLOW set to nothing."""
    application = _build_app(_sqlite_settings(tmp_path, outbound_allow=()), clock)
    yield application
    _dispose(application)


# --- dynamic registration -------------------------------------------------------------------------


def test_registration_never_contacts_a_loopback_platform_when_it_is_not_allowed(strict_app, clock):

    with strict_app.app_context(), session_scope() as session:
        token = issue_invite(session, now=clock.now()).token
    with serve_raw(respond(200, b"{}")) as platform:
        response = strict_app.test_client().get(
            f"/lti/register/{token}",
            query_string={
                "openid_configuration": platform.url + "/mod/lti/openid-configuration.php",
                "registration_token": "t",
            },
            headers={"Accept": "application/json"},
        )
        assert platform.heads == []
    assert response.status_code == 424
    assert "not allowed for platforms" in response.get_json()["message"]
    with strict_app.app_context(), session_scope() as session:
        assert list_platforms(session) == []


@pytest.mark.parametrize(
    "status, content_type, body, shown, hidden",
    [
        (
            500,
            "text/html",
            b"<html><b>db01.internal</b> password=hunter2</html>",
            "HTTP 500: 50 bytes of text/html",
            "hunter2",
        ),
        (
            401,
            "application/json",
            b'{"error": "invalid registration token", "trace": "secret"}',
            "HTTP 401: invalid registration token",
            "secret",
        ),
    ],
)
def test_a_refusal_shows_a_short_summary_not_the_body(
    sqlite_app, status, content_type, body, shown, hidden
):
    with (
        sqlite_app.test_request_context(),
        serve_raw(respond(status, body, content_type=content_type)) as platform,
        pytest.raises(RegistrationFailed) as raised,
    ):
        _get_json(loopback_client(), "POST", platform.url + "/register", DEADLINE, json={})
    message = str(raised.value.message)
    assert shown in message and hidden not in message


@pytest.mark.parametrize(
    "answer, words",
    [
        (drip_body(every=0.05), "did not answer in time"),
        (huge_body(8 * 1024 * 1024, announce=False), "too large"),
    ],
    ids=["dripping", "huge"],
)
def test_registration_fails_within_the_deadline_and_the_cap(sqlite_app, answer, words):
    with sqlite_app.test_request_context(), serve_raw(answer) as platform:
        started = time.monotonic()
        with pytest.raises(RegistrationFailed) as raised:
            _get_json(loopback_client(), "GET", platform.url + "/openid", DEADLINE)
        took = time.monotonic() - started
    assert words in str(raised.value.message)
    assert took < DEADLINE + LATE_WAKE


# --- key sets -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        drip_body(every=0.05),
        huge_body(8 * 1024 * 1024, announce=False),
        respond(302, headers={"Location": "http://10.0.0.1/jwks"}),
    ],
    ids=["dripping", "huge", "redirect"],
)
def test_a_key_set_that_drips_is_huge_or_moves_is_not_used(sqlite_app, answer):
    with sqlite_app.test_request_context(), serve_raw(answer) as platform:
        keys = PlatformKeys(
            sqlite_app.extensions["emm_services"].store,
            loopback_client(),
            cache_seconds=60,
            timeout=DEADLINE,
        )
        started = time.monotonic()
        with pytest.raises(PlatformUnreachable):
            keys.key_for(platform.url + "/jwks", "kid-1")
        assert time.monotonic() - started < DEADLINE + LATE_WAKE


def test_a_key_set_on_a_forbidden_address_is_not_fetched(sqlite_app):
    with sqlite_app.test_request_context(), serve_raw(respond(200, b'{"keys": []}')) as platform:
        keys = PlatformKeys(
            sqlite_app.extensions["emm_services"].store,
            strict_client(),
            cache_seconds=60,
            timeout=DEADLINE,
        )
        with pytest.raises(PlatformUnreachable):
            keys.key_for(platform.url + "/jwks", "kid-1")
        assert platform.heads == []


# --- AGS ------------------------------------------------------------------------------------------

KEY = SigningKey(kid="tool-kid-1", private_pem=new_rsa_pem())


def ags(clock, http: OutboundClient) -> AgsClient:
    return AgsClient(
        http,
        clock,
        timeout=DEADLINE,
        signing_key=lambda: KEY,
        client_id_holders=lambda access: [access],
    )


def access(url: str) -> PlatformAccess:
    return PlatformAccess(platform_id=1, issuer=url, client_id="client-1", token_url=url + "/token")


@pytest.mark.parametrize(
    "answer, code",
    [
        (drip_body(every=0.05), failures.TIMEOUT),
        (huge_body(8 * 1024 * 1024, announce=True), failures.ANSWER_TOO_LARGE),
        (huge_body(8 * 1024 * 1024, announce=False), failures.ANSWER_TOO_LARGE),
    ],
    ids=["dripping", "huge announced", "huge"],
)
def test_a_token_endpoint_that_drips_or_floods_fails_in_time(clock, answer, code):
    with serve_raw(answer) as platform:
        started = time.monotonic()
        with pytest.raises(AgsError) as raised:
            ags(clock, loopback_client()).post_score(
                access(platform.url), (SCOPE_SCORE,), platform.url + "/li", {}
            )
        took = time.monotonic() - started
    assert raised.value.code == code
    assert took < DEADLINE + LATE_WAKE


def test_a_token_url_on_a_forbidden_address_gets_no_assertion(clock):
    with serve_raw(respond(200, b'{"access_token": "t"}')) as platform:
        with pytest.raises(AgsError) as raised:
            ags(clock, strict_client()).post_score(
                access(platform.url), (SCOPE_SCORE,), platform.url + "/li", {}
            )
        assert platform.heads == []
    assert (raised.value.code, raised.value.transient) == (failures.DESTINATION_REFUSED, False)


def test_a_platform_error_page_is_summarised_for_the_grade_row(clock):
    page = b"<html>" + b"internal stack trace " * 100 + b"</html>"
    with (
        serve_raw(respond(500, page, content_type="text/html")) as platform,
        pytest.raises(AgsError) as raised,
    ):
        ags(clock, loopback_client()).post_score(
            access(platform.url), (SCOPE_SCORE,), platform.url + "/li", {}
        )
    assert raised.value.code == failures.SERVER_ERROR
    assert raised.value.detail == f"{len(page)} bytes of text/html"
