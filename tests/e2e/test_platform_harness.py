"""The demo LTI platform (demo_platform) tested against itself: these tests play the
tool's part by hand (a throwaway tool key served from a JWKS stub), so the harness can be
trusted before the real tool is tested against it."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from flask import Flask, jsonify

from demo_platform import (
    Fault,
    IdTokenTamper,
    PlatformConfig,
    forge_id_token,
    generate_platform_key,
    public_jwk,
)
from tests.support.platform_server import run_platform, serve_wsgi

pytestmark = pytest.mark.e2e

TOOL = "http://tool.invalid"  # never contacted: the tests read the platform's answers
LOGIN_URL = TOOL + "/lti/login"
LAUNCH_URL = TOOL + "/lti/launch"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
LINEITEM_RO_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
RESULT_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class FormParser(HTMLParser):
    """Reads the first form: action, method, input fields, scripts and buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.method: str | None = None
        self.fields: dict[str, str] = {}
        self.script_srcs: list[str] = []
        self.inline_scripts = 0
        self.buttons = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form" and self.action is None:
            self.action, self.method = attributes.get("action"), attributes.get("method")
        elif tag == "input" and attributes.get("name"):
            self.fields[str(attributes["name"])] = attributes.get("value") or ""
        elif tag == "script":
            if attributes.get("src"):
                self.script_srcs.append(str(attributes["src"]))
            else:
                self.inline_scripts += 1
        elif tag == "button":
            self.buttons += 1


def parse_form(html: str) -> FormParser:
    parser = FormParser()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def tool_key() -> str:
    return generate_platform_key()


@pytest.fixture(scope="module")
def tool_jwks(tool_key):
    """The throwaway tool's JWKS, served from its own werkzeug thread."""
    stub = Flask("tool_jwks_stub")
    stub.add_url_rule("/jwks", "jwks", lambda: jsonify({"keys": [public_jwk(tool_key, "tool-1")]}))
    served = serve_wsgi(stub)
    yield served.url + "/jwks"
    served.shutdown()


@pytest.fixture(scope="module")
def platform_key() -> str:
    return generate_platform_key()


@pytest.fixture
def platform(platform_key, tool_jwks, clock):
    config = PlatformConfig(
        private_key_pem=platform_key,
        tool_login_url=LOGIN_URL,
        tool_launch_url=LAUNCH_URL,
        tool_jwks_url=tool_jwks,
        clock=clock,
    )
    with run_platform(config) as running:
        yield running


@pytest.fixture
def http():
    with requests.Session() as session:
        yield session


def start_launch(http, platform, kind="learner", **params) -> dict[str, str]:
    """Run /launch/<kind> and return the login-initiation parameters sent to the tool."""
    response = http.get(platform.launch_url(kind, **params), allow_redirects=False)
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == LOGIN_URL
    return {key: values[0] for key, values in parse_qs(location.query).items()}


def auth_params(login: dict[str, str], **overrides: str) -> dict[str, str]:
    """What a tool sends to the authorization endpoint after login initiation."""
    params = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": login["client_id"],
        "redirect_uri": LAUNCH_URL,
        "login_hint": login["login_hint"],
        "lti_message_hint": login["lti_message_hint"],
        "state": "state-" + uuid.uuid4().hex,
        "nonce": "nonce-" + uuid.uuid4().hex,
    }
    params.update(overrides)
    return params


def launch_claims(http, platform, kind="learner", **params) -> tuple[dict, dict, FormParser]:
    login = start_launch(http, platform, kind, **params)
    sent = auth_params(login)
    response = http.get(platform.url + "/auth", params=sent)
    assert response.status_code == 200, response.text
    form = parse_form(response.text)
    assert form.action == LAUNCH_URL and form.fields["state"] == sent["state"]
    jwks = jwt.PyJWKClient(platform.url + "/jwks")
    key = jwks.get_signing_key_from_jwt(form.fields["id_token"])
    claims = jwt.decode(
        form.fields["id_token"],
        key.key,
        algorithms=["RS256"],
        audience=platform.config.client_id,
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["nonce"] == sent["nonce"]
    return claims, jwt.get_unverified_header(form.fields["id_token"]), form


def client_assertion(platform, key_pem: str, kid: str = "tool-1", **overrides) -> str:
    now = int(platform.state.now())
    claims = {
        "iss": platform.config.client_id,
        "sub": platform.config.client_id,
        "aud": platform.url + "/token",
        "iat": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
    }
    claims.update(overrides)
    return jwt.encode(claims, key_pem, algorithm="RS256", headers={"kid": kid})


def fetch_token(
    http, platform, tool_key, scopes=(SCORE_SCOPE, LINEITEM_SCOPE, RESULT_SCOPE, NRPS_SCOPE)
) -> requests.Response:
    return http.post(
        platform.url + "/token",
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": client_assertion(platform, tool_key),
            "scope": " ".join(scopes),
        },
    )


def bearer(
    http, platform, tool_key, scopes=(SCORE_SCOPE, LINEITEM_SCOPE, RESULT_SCOPE, NRPS_SCOPE)
) -> dict[str, str]:
    response = fetch_token(http, platform, tool_key, scopes)
    assert response.status_code == 200, response.text
    return {"Authorization": "Bearer " + response.json()["access_token"]}


def scores_url(platform, line_item_id: str) -> str:
    return platform.config.scores_url(line_item_id)


def post_score(
    http,
    platform,
    headers,
    line_item_id,
    *,
    user="4",
    given=7,
    maximum=10,
    progress="FullyGraded",
    at=T0,
    **extra,
) -> requests.Response:
    body = {
        "userId": user,
        "scoreGiven": given,
        "scoreMaximum": maximum,
        "activityProgress": "Completed",
        "gradingProgress": progress,
        "timestamp": at.isoformat(),
        **extra,
    }
    return http.post(
        scores_url(platform, line_item_id),
        data=json.dumps(body),
        headers={**headers, "Content-Type": SCORE_TYPE},
    )


@pytest.fixture
def line_item_id(http, platform) -> str:
    """The line item of resource link 1, created by a learner launch like Moodle's activity."""
    start_launch(http, platform, "learner")
    link = platform.state.resource_link("1")
    assert link is not None and link.line_item_id is not None
    return link.line_item_id


# --- keys and discovery -----------------------------------------------------------------------


def test_jwks_serves_the_platform_public_key_with_its_kid(http, platform, platform_key):
    keys = http.get(platform.url + "/jwks").json()["keys"]
    assert [key["kid"] for key in keys] == [platform.config.signing_kid]
    assert keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256" and keys[0]["use"] == "sig"
    assert "d" not in keys[0]  # public half only
    assert keys[0]["n"] == public_jwk(platform_key)["n"]


def test_openid_configuration_is_shaped_like_moodles(http, platform):
    conf = http.get(platform.url + "/.well-known/openid-configuration").json()
    assert conf["issuer"] == platform.url
    assert conf["registration_endpoint"] == platform.url + "/register"
    assert conf["token_endpoint"] == platform.url + "/token"
    assert conf["authorization_endpoint"] == platform.url + "/auth"
    assert conf["jwks_uri"] == platform.url + "/jwks"
    assert conf["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    platform_conf = conf["https://purl.imsglobal.org/spec/lti-platform-configuration"]
    assert platform_conf["product_family_code"] == "moodle"


# --- launch -----------------------------------------------------------------------------------


def test_launch_starter_redirects_to_the_tool_login_like_moodle(http, platform):
    login = start_launch(http, platform, "learner", user_id="42")
    assert login["iss"] == platform.url
    assert login["login_hint"] == "42"
    assert login["client_id"] == platform.config.client_id
    assert login["lti_deployment_id"] == platform.config.deployment_id
    assert login["target_link_uri"] == LAUNCH_URL
    assert json.loads(login["lti_message_hint"])["cmid"] == 1


def test_launch_can_post_the_login_initiation_like_moodle(http, platform):
    response = http.get(platform.launch_url("learner", login_method="post"))
    form = parse_form(response.text)
    assert form.action == LOGIN_URL and form.method == "post"
    assert form.fields["iss"] == platform.url and form.fields["login_hint"] == "4"


@pytest.mark.parametrize("grade_max", ["lots", "nan", "inf"])
def test_launch_with_a_grade_max_that_is_not_a_number_is_400_and_records_nothing(
    http, platform, grade_max
):
    response = http.get(
        platform.launch_url("learner", user_id="55", resource_link_id="8", grade_max=grade_max),
        allow_redirects=False,
    )
    assert response.status_code == 400
    assert "grade_max must be a" in response.text
    assert platform.state.member("55") is None and platform.state.resource_link("8") is None


def test_auth_answers_a_form_post_with_a_moodle_shaped_learner_id_token(http, platform, clock):
    claims, header, form = launch_claims(
        http,
        platform,
        "learner",
        user_id="77",
        given_name="Ana",
        family_name="Lopez",
        locale="es",
        custom_assessment="final-exam",
    )
    assert header["alg"] == "RS256" and header["kid"] == platform.config.signing_kid
    assert claims["iat"] == int(clock.now().timestamp())
    assert claims["exp"] == claims["iat"] + 60
    assert claims["iss"] == platform.url and claims["aud"] == platform.config.client_id
    assert "azp" not in claims
    assert claims["sub"] == "77"
    assert claims["name"] == "Ana Lopez" and claims["given_name"] == "Ana"
    assert claims[LTI + "message_type"] == "LtiResourceLinkRequest"
    assert claims[LTI + "version"] == "1.3.0"
    assert claims[LTI + "deployment_id"] == platform.config.deployment_id
    assert claims[LTI + "target_link_uri"] == LAUNCH_URL
    assert claims[LTI + "roles"] == ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
    assert claims[LTI + "resource_link"]["id"] == "1"
    assert claims[LTI + "context"]["type"] == ["CourseSection"]
    presentation = claims[LTI + "launch_presentation"]
    assert presentation["locale"] == "es" and presentation["document_target"] == "window"
    assert presentation["return_url"].startswith(platform.url + "/return")
    assert claims[LTI + "custom"]["assessment"] == "final-exam"
    assert claims[LTI + "tool_platform"]["product_family_code"] == "moodle"
    assert claims[LTI + "ext"]["lms"] == "moodle-2"
    assert set(claims[LTI + "lis"]) == {"person_sourcedid", "course_section_sourcedid"}
    ags = claims[AGS]
    assert set(ags["scope"]) == {SCORE_SCOPE, LINEITEM_SCOPE, LINEITEM_RO_SCOPE, RESULT_SCOPE}
    assert ags["lineitems"] == platform.url + "/lineitems?type_id=1"
    link = platform.state.resource_link("1")
    assert ags["lineitem"] == f"{platform.url}/lineitems/{link.line_item_id}?type_id=1"
    assert claims[NRPS]["context_memberships_url"] == platform.url + "/memberships"
    # The form_post page auto-submits from a static file, never an inline script.
    assert form.inline_scripts == 0 and form.buttons == 1
    assert form.script_srcs == ["/static/autosubmit.js"]
    assert "form.submit()" in http.get(platform.url + form.script_srcs[0]).text
    assert platform.state.member("77").graded


def test_instructor_and_admin_roles_and_no_lineitem(http, platform):
    claims, _, _ = launch_claims(
        http, platform, "instructor", admin="1", lineitem="0", resource_link_id="9"
    )
    assert claims[LTI + "roles"][0].endswith("membership#Instructor")
    assert (
        "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator"
        in claims[LTI + "roles"]
    )
    assert "lineitem" not in claims[AGS] and "lineitems" in claims[AGS]
    assert platform.state.line_items(resource_link_id="9") == []


def test_deep_linking_request_claims(http, platform):
    claims, _, _ = launch_claims(http, platform, "deeplink")
    assert claims[LTI + "message_type"] == "LtiDeepLinkingRequest"
    assert LTI + "resource_link" not in claims
    assert "lineitem" not in claims[AGS]
    settings = claims[DL_SETTINGS]
    assert settings["accept_types"] == ["ltiResourceLink"]
    assert settings["auto_create"] is False and settings["accept_multiple"] is True
    assert settings["deep_link_return_url"].startswith(platform.url + "/deep-link-return?")


def test_auth_refuses_a_redirect_uri_that_is_not_registered_exactly(http, platform):
    login = start_launch(http, platform)
    response = http.get(
        platform.url + "/auth", params=auth_params(login, redirect_uri=LAUNCH_URL + "/")
    )
    assert response.status_code == 400
    assert "id_token" not in parse_form(response.text).fields


@pytest.mark.parametrize(
    "override,description",
    [
        ({"response_mode": "query"}, "response_mode"),
        ({"prompt": "login"}, "prompt"),
    ],
)
def test_auth_posts_errors_back_for_bad_response_mode_or_prompt(
    http, platform, override, description
):
    login = start_launch(http, platform)
    sent = auth_params(login, **override)
    response = http.get(platform.url + "/auth", params=sent)
    form = parse_form(response.text)
    assert form.action == LAUNCH_URL
    assert form.fields["error"] == "invalid_request"
    assert description in form.fields["error_description"]
    assert form.fields["state"] == sent["state"]
    assert "id_token" not in form.fields


def test_auth_without_response_mode_is_refused(http, platform):
    login = start_launch(http, platform)
    sent = auth_params(login)
    del sent["response_mode"]
    form = parse_form(http.get(platform.url + "/auth", params=sent).text)
    assert form.fields.get("error") == "invalid_request" and "id_token" not in form.fields


def test_auth_refuses_a_login_hint_of_another_user_and_a_reused_message_hint(http, platform):
    login = start_launch(http, platform)
    form = parse_form(
        http.get(platform.url + "/auth", params=auth_params(login, login_hint="3")).text
    )
    assert form.fields["error"] == "access_denied"
    # The launch was consumed by that attempt, as Moodle's session entry is.
    again = http.get(platform.url + "/auth", params=auth_params(login))
    assert again.status_code == 400


def test_auth_accepts_post(http, platform):
    login = start_launch(http, platform)
    response = http.post(platform.url + "/auth", data=auth_params(login))
    assert "id_token" in parse_form(response.text).fields


def test_tamper_changes_what_auth_signs(http, platform, tool_key):
    platform.state.id_token_tamper = IdTokenTamper(
        claims=lambda claims: {**claims, "aud": "someone-else"}, key_pem=tool_key
    )
    login = start_launch(http, platform)
    token = parse_form(http.get(platform.url + "/auth", params=auth_params(login)).text).fields[
        "id_token"
    ]
    header = jwt.get_unverified_header(token)
    assert header["kid"] != platform.config.signing_kid
    claims = jwt.decode(
        token,
        public_jwk_key(tool_key),
        algorithms=["RS256"],
        audience="someone-else",
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["aud"] == "someone-else"
    assert platform.state.id_token_tamper is None  # once


def public_jwk_key(pem: str):
    return jwt.PyJWK(public_jwk(pem)).key


def test_forge_id_token_variants(platform, tool_key):
    claims = {"iss": platform.url, "sub": "4"}
    unsigned = forge_id_token(platform.config, claims, alg="none")
    assert unsigned.endswith(".") and jwt.get_unverified_header(unsigned)["alg"] == "none"
    other = forge_id_token(platform.config, claims, key_pem=tool_key, kid="")
    assert "kid" not in jwt.get_unverified_header(other)
    assert jwt.decode(other, public_jwk_key(tool_key), algorithms=["RS256"]) == claims
    own = forge_id_token(platform.config, claims)
    assert jwt.get_unverified_header(own)["kid"] == platform.config.signing_kid
    confused = forge_id_token(platform.config, claims, alg="HS256")
    assert jwt.get_unverified_header(confused)["alg"] == "HS256"


# --- token endpoint ---------------------------------------------------------------------------


def test_token_endpoint_issues_a_bearer_token_for_a_tool_signed_assertion(http, platform, tool_key):
    response = fetch_token(http, platform, tool_key, (SCORE_SCOPE, "https://example.org/x"))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["token_type"] == "Bearer" and answer["expires_in"] == 3600
    assert answer["scope"] == SCORE_SCOPE
    assert platform.state.issued_access_tokens()[0].scopes == [SCORE_SCOPE]


def test_token_endpoint_refuses_an_assertion_signed_by_another_key(http, platform):
    stranger = generate_platform_key()
    response = http.post(
        platform.url + "/token",
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": client_assertion(platform, stranger),
            "scope": SCORE_SCOPE,
        },
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_token_endpoint_refuses_an_expired_assertion_and_a_wrong_grant(
    http, platform, tool_key, clock
):
    expired = client_assertion(platform, tool_key, exp=int(clock.now().timestamp()) - 3600)
    response = http.post(
        platform.url + "/token",
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": expired,
            "scope": SCORE_SCOPE,
        },
    )
    assert response.status_code == 401
    response = http.post(
        platform.url + "/token",
        data={
            "grant_type": "password",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": client_assertion(platform, tool_key),
            "scope": SCORE_SCOPE,
        },
    )
    assert response.status_code == 400 and response.json()["error"] == "unsupported_grant_type"


def test_access_tokens_expire_by_clock_and_on_demand(http, platform, tool_key, line_item_id, clock):
    headers = bearer(http, platform, tool_key)
    url = platform.config.lineitem_url(line_item_id)
    assert http.get(url, headers=headers).status_code == 200
    clock.advance(seconds=3600)
    assert http.get(url, headers=headers).status_code == 401
    fresh = bearer(http, platform, tool_key)
    assert http.get(url, headers=fresh).status_code == 200
    platform.state.expire_access_tokens()
    assert http.get(url, headers=fresh).status_code == 401


# --- AGS scores -------------------------------------------------------------------------------


def test_score_is_stored_rescaled_and_the_last_post_wins(http, platform, tool_key, line_item_id):
    headers = bearer(http, platform, tool_key)
    first = post_score(http, platform, headers, line_item_id, given=9, maximum=10, at=T0)
    assert first.status_code == 200 and first.text == ""
    assert platform.state.grade(line_item_id, "4").grade == 90  # rescaled to 100
    lower = post_score(
        http,
        platform,
        headers,
        line_item_id,
        given=3,
        maximum=10,
        at=T0 + timedelta(seconds=1),
        comment="retake",
    )
    assert lower.status_code == 200
    grade = platform.state.grade(line_item_id, "4")
    assert grade.grade == 30 and grade.comment == "retake"  # Moodle does not keep the highest


def test_score_other_than_fully_graded_empties_the_grade(http, platform, tool_key, line_item_id):
    headers = bearer(http, platform, tool_key)
    post_score(http, platform, headers, line_item_id, given=8, at=T0)
    pending = post_score(
        http,
        platform,
        headers,
        line_item_id,
        given=8,
        progress="Pending",
        at=T0 + timedelta(minutes=1),
    )
    assert pending.status_code == 200
    grade = platform.state.grade(line_item_id, "4")
    assert grade.grade is None and grade.grading_progress == "Pending"


@pytest.mark.parametrize(
    "delta", [timedelta(0), timedelta(milliseconds=400), timedelta(seconds=-5)]
)
def test_score_with_a_timestamp_not_newer_than_the_stored_one_is_409(
    http, platform, tool_key, line_item_id, delta
):
    headers = bearer(http, platform, tool_key)
    assert post_score(http, platform, headers, line_item_id, given=8, at=T0).status_code == 200
    stale = post_score(http, platform, headers, line_item_id, given=2, at=T0 + delta)
    assert stale.status_code == 409
    assert platform.state.grade(line_item_id, "4").grade == 80
    assert [post.status for post in platform.state.score_posts(line_item_id)] == [200, 409]


@pytest.mark.parametrize("user", ["999", "3"])  # not enrolled; enrolled without a graded role
def test_score_for_a_user_who_is_not_a_graded_participant_is_400(
    http, platform, tool_key, line_item_id, user
):
    headers = bearer(http, platform, tool_key)
    assert post_score(http, platform, headers, line_item_id, user=user).status_code == 400
    assert platform.state.grade(line_item_id, user) is None


def test_score_after_unenrolment_is_400(http, platform, tool_key, line_item_id):
    headers = bearer(http, platform, tool_key)
    platform.state.unenrol("4")
    assert post_score(http, platform, headers, line_item_id).status_code == 400


@pytest.mark.parametrize(
    "change",
    [
        {"Content-Type": "application/json"},
        {"drop": "timestamp"},
        {"drop": "scoreMaximum"},
        {"gradingProgress": "Done"},
    ],
)
def test_malformed_score_posts_are_400(http, platform, tool_key, line_item_id, change):
    headers = bearer(http, platform, tool_key)
    body = {
        "userId": "4",
        "scoreGiven": 1,
        "scoreMaximum": 1,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": T0.isoformat(),
    }
    content_type = change.get("Content-Type", SCORE_TYPE)
    body.pop(change.get("drop", ""), None)
    if "gradingProgress" in change:
        body["gradingProgress"] = change["gradingProgress"]
    response = http.post(
        scores_url(platform, line_item_id),
        data=json.dumps(body),
        headers={**headers, "Content-Type": content_type},
    )
    assert response.status_code == 400


def test_score_needs_the_score_scope(http, platform, tool_key, line_item_id):
    readonly = bearer(http, platform, tool_key, scopes=(LINEITEM_RO_SCOPE,))
    assert post_score(http, platform, readonly, line_item_id).status_code == 401
    assert post_score(http, platform, {}, line_item_id).status_code == 401
    assert platform.state.grade(line_item_id, "4") is None


def test_results_show_the_rescaled_grade(http, platform, tool_key, line_item_id):
    headers = bearer(http, platform, tool_key)
    post_score(http, platform, headers, line_item_id, given=0.5, maximum=1, comment="ok")
    results = http.get(platform.config.results_url(line_item_id), headers=headers)
    assert results.status_code == 200
    assert results.headers["Content-Type"].startswith(
        "application/vnd.ims.lis.v2.resultcontainer+json"
    )
    [result] = results.json()
    assert result["userId"] == "4" and result["resultScore"] == 50
    assert result["resultMaximum"] == 100 and result["comment"] == "ok"
    assert result["scoreOf"] == platform.config.lineitem_url(line_item_id)


# --- AGS line items ---------------------------------------------------------------------------


def test_line_item_lifecycle(http, platform, tool_key, line_item_id):
    headers = bearer(http, platform, tool_key)
    url = platform.config.lineitems_url()
    created = http.post(
        url,
        json={"label": "Essay", "scoreMaximum": 20, "resourceLinkId": "1", "tag": "essay"},
        headers={**headers, "Content-Type": LINEITEM_TYPE},
    )
    assert created.status_code == 201, created.text
    item = created.json()
    assert item["scoreMaximum"] == 20 and item["resourceLinkId"] == "1"
    listed = http.get(url, params={"resource_link_id": "1"}, headers=headers).json()
    assert {entry["label"] for entry in listed} == {"Final assessment", "Essay"}
    assert http.get(url, params={"tag": "essay"}, headers=headers).json() == [item]
    updated = http.put(
        item["id"],
        json={"label": "Essay 2", "scoreMaximum": 25},
        headers={**headers, "Content-Type": LINEITEM_TYPE},
    )
    assert updated.json()["label"] == "Essay 2" and updated.json()["scoreMaximum"] == 25
    assert http.delete(item["id"], headers=headers).status_code == 204
    assert http.get(item["id"], headers=headers).status_code == 404
    bad = http.post(url, json={"label": "No maximum"}, headers=headers)
    assert bad.status_code == 400


def test_line_items_cannot_be_created_with_a_readonly_token(http, platform, tool_key):
    readonly = bearer(http, platform, tool_key, scopes=(LINEITEM_RO_SCOPE,))
    url = platform.config.lineitems_url()
    assert http.get(url, headers=readonly).status_code == 200
    created = http.post(url, json={"label": "X", "scoreMaximum": 1}, headers=readonly)
    assert created.status_code == 401


# --- NRPS -------------------------------------------------------------------------------------


def test_memberships_use_short_role_names(http, platform, tool_key):
    headers = bearer(http, platform, tool_key)
    response = http.get(platform.url + "/memberships", headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert body["context"]["id"] == platform.config.context_id
    roles = {member["user_id"]: member["roles"] for member in body["members"]}
    assert roles == {"4": ["Learner"], "3": ["Instructor"]}
    sam = next(member for member in body["members"] if member["user_id"] == "4")
    assert sam["status"] == "Active" and sam["name"] == "Sam Student"


# --- faults -----------------------------------------------------------------------------------


def test_scripted_429_carries_retry_after_then_the_endpoint_recovers(
    http, platform, tool_key, line_item_id
):
    headers = bearer(http, platform, tool_key)
    platform.state.faults.script("scores", Fault.too_many_requests(retry_after=7))
    limited = post_score(http, platform, headers, line_item_id)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "7"
    assert platform.state.grade(line_item_id, "4") is None
    assert post_score(http, platform, headers, line_item_id).status_code == 200
    assert platform.state.faults.received("scores") == 2


def test_scripted_token_errors_and_counters(http, platform, tool_key):
    platform.state.faults.script("token", Fault.error(500), Fault.unavailable(retry_after=3))
    assert fetch_token(http, platform, tool_key).status_code == 500
    unavailable = fetch_token(http, platform, tool_key)
    assert unavailable.status_code == 503 and unavailable.headers["Retry-After"] == "3"
    assert fetch_token(http, platform, tool_key).status_code == 200
    assert platform.state.faults.received("token") == 3
    assert platform.state.faults.pending("token") == 0


def test_scripted_conflict_on_scores(http, platform, tool_key, line_item_id):
    headers = bearer(http, platform, tool_key)
    platform.state.faults.script("scores", Fault.conflict())
    assert post_score(http, platform, headers, line_item_id).status_code == 409
    assert platform.state.score_posts() == []  # the fault answered before the gradebook


def test_scripted_connection_drop_gives_no_http_answer(http, platform, tool_key, line_item_id):
    headers = bearer(http, platform, tool_key)
    platform.state.faults.script("scores", Fault.drop_connection())
    with pytest.raises(requests.ConnectionError):
        post_score(http, platform, headers, line_item_id)
    assert post_score(http, platform, headers, line_item_id).status_code == 200


def test_scripted_slow_answer_trips_a_client_timeout(http, platform, tool_key):
    platform.state.faults.script("token", Fault.slow(5))
    with pytest.raises(requests.Timeout):
        http.post(platform.url + "/token", data={}, timeout=0.3)
    # Shutdown of the platform fixture wakes the delayed request, so the test does not wait.


def test_unknown_fault_endpoint_is_refused(platform):
    with pytest.raises(ValueError):
        platform.state.faults.script("grades", Fault.error())


# --- deep linking return ----------------------------------------------------------------------


def deep_linking_response(platform, tool_key, items, **overrides) -> str:
    now = int(platform.state.now())
    claims = {
        "iss": platform.config.client_id,
        "aud": platform.url,
        "iat": now,
        "exp": now + 60,
        "nonce": uuid.uuid4().hex,
        LTI + "message_type": "LtiDeepLinkingResponse",
        LTI + "version": "1.3.0",
        LTI + "deployment_id": platform.config.deployment_id,
        "https://purl.imsglobal.org/spec/lti-dl/claim/content_items": items,
        "https://purl.imsglobal.org/spec/lti-dl/claim/msg": "Assessment linked",
    }
    claims.update(overrides)
    return jwt.encode(claims, tool_key, algorithm="RS256", headers={"kid": "tool-1"})


def test_deep_link_return_stores_items_and_creates_a_line_item(http, platform, tool_key):
    items = [
        {
            "type": "ltiResourceLink",
            "title": "Final exam",
            "url": LAUNCH_URL,
            "custom": {"assessment": "final-exam"},
            "lineItem": {"scoreMaximum": 50, "label": "Final exam"},
        },
        {"type": "ltiResourceLink", "title": "Practice", "url": LAUNCH_URL},
    ]
    response = http.post(
        platform.url + "/deep-link-return",
        data={"JWT": deep_linking_response(platform, tool_key, items)},
    )
    assert response.status_code == 200, response.text
    assert "Final exam" in response.text and "Assessment linked" in response.text
    [record] = platform.state.deep_link_returns()
    assert record.content_items == items
    graded, practice = (platform.state.resource_link(i) for i in record.created_resource_link_ids)
    assert graded.custom == {"assessment": "final-exam"}
    assert platform.state.line_item(graded.line_item_id).score_maximum == 50
    assert practice.line_item_id is None
    # The new link launches with its stored custom parameters.
    claims, _, _ = launch_claims(http, platform, "learner", resource_link_id=graded.id)
    assert claims[LTI + "custom"]["assessment"] == "final-exam"
    assert claims[AGS]["lineitem"] == platform.config.lineitem_url(graded.line_item_id)


@pytest.mark.parametrize(
    "overrides",
    [
        {"aud": "https://elsewhere.example"},
        {LTI + "deployment_id": "other"},
        {LTI + "message_type": "LtiResourceLinkRequest"},
    ],
)
def test_deep_link_return_refuses_responses_not_for_this_platform(
    http, platform, tool_key, overrides
):
    token = deep_linking_response(platform, tool_key, [], **overrides)
    response = http.post(platform.url + "/deep-link-return", data={"JWT": token})
    assert response.status_code == 400
    assert platform.state.deep_link_returns() == []


def test_deep_link_return_refuses_a_foreign_signature(http, platform):
    token = deep_linking_response(platform, generate_platform_key(), [])
    response = http.post(platform.url + "/deep-link-return", data={"JWT": token})
    assert response.status_code == 400


# --- dynamic registration ---------------------------------------------------------------------


def registration_request(domain: str = "tool.invalid") -> dict:
    base = f"http://{domain}"
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": base + "/lti/login",
        "redirect_uris": [base + "/lti/launch"],
        "client_name": "Assessment tool",
        "jwks_uri": base + "/.well-known/jwks.json",
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": f"{LINEITEM_SCOPE} {RESULT_SCOPE} {SCORE_SCOPE} {NRPS_SCOPE}",
        "https://purl.imsglobal.org/spec/lti-tool-configuration": {
            "domain": domain,
            "target_link_uri": base + "/lti/launch",
            "claims": ["iss", "sub", "name", "given_name", "family_name", "email"],
            "messages": [
                {"type": "LtiDeepLinkingRequest", "target_link_uri": base + "/lti/launch"}
            ],
        },
    }


def start_registration(http, platform) -> tuple[str, str]:
    response = http.get(
        platform.url + "/start-registration",
        params={"tool_registration_url": TOOL + "/lti/register?x=1"},
        allow_redirects=False,
    )
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/lti/register"
    query = parse_qs(location.query)
    assert query["x"] == ["1"]
    return query["openid_configuration"][0], query["registration_token"][0]


def test_dynamic_registration_answers_like_moodle(http, platform):
    openid_configuration, token = start_registration(http, platform)
    assert openid_configuration == platform.url + "/.well-known/openid-configuration"
    registration_endpoint = http.get(openid_configuration).json()["registration_endpoint"]
    response = http.post(
        registration_endpoint,
        json=registration_request(),
        headers={"Authorization": "Bearer " + token},
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    tool_configuration = answer["https://purl.imsglobal.org/spec/lti-tool-configuration"]
    assert answer["client_id"] and tool_configuration["deployment_id"]
    assert answer["token_endpoint_auth_method"] == "private_key_jwt"
    assert answer["redirect_uris"] == ["http://tool.invalid/lti/launch"]
    assert set(answer["scope"].split()) == {
        SCORE_SCOPE,
        RESULT_SCOPE,
        LINEITEM_RO_SCOPE,
        LINEITEM_SCOPE,
        NRPS_SCOPE,
    }
    assert tool_configuration["messages"][0]["type"] == "LtiDeepLinkingRequest"
    tool = platform.state.tool(answer["client_id"])
    assert tool.deployment_id == tool_configuration["deployment_id"] and not tool.active
    # Pending like Moodle until activated.
    assert (
        http.get(
            platform.launch_url("learner", client_id=tool.client_id), allow_redirects=False
        ).status_code
        == 400
    )
    platform.state.activate_tool(tool.client_id)
    login = start_launch(http, platform, "learner", client_id=tool.client_id)
    assert login["client_id"] == tool.client_id
    assert login["lti_deployment_id"] == tool.deployment_id
    # The registration token is single use.
    again = http.post(
        registration_endpoint,
        json=registration_request(),
        headers={"Authorization": "Bearer " + token},
    )
    assert again.status_code == 401


@pytest.mark.parametrize(
    "change,error",
    [
        (
            {"token_endpoint_auth_method": "client_secret_basic"},
            "invalid_token_endpoint_auth_method",
        ),
        ({"response_types": ["code"]}, "invalid_response_types"),
        ({"jwks_uri": ""}, "missing_jwks_uri"),
    ],
)
def test_dynamic_registration_validates_the_request(http, platform, change, error):
    _, token = start_registration(http, platform)
    body = {**registration_request(), **change}
    response = http.post(
        platform.url + "/register", json=body, headers={"Authorization": "Bearer " + token}
    )
    assert response.status_code == 400 and response.json() == error
    assert platform.state.registrations() == []


def test_dynamic_registration_checks_domain_and_token(http, platform, clock):
    _, token = start_registration(http, platform)
    body = registration_request()
    body["https://purl.imsglobal.org/spec/lti-tool-configuration"]["domain"] = "other.invalid"
    mismatch = http.post(
        platform.url + "/register", json=body, headers={"Authorization": "Bearer " + token}
    )
    assert mismatch.json() == "domain_targetlinkuri_mismatch"
    forged = forge_id_token(
        platform.config, {"sub": "x", "scope": "reg"}, key_pem=generate_platform_key()
    )
    assert (
        http.post(
            platform.url + "/register",
            json=registration_request(),
            headers={"Authorization": "Bearer " + forged},
        ).status_code
        == 401
    )
    clock.advance(hours=2)
    expired = http.post(
        platform.url + "/register",
        json=registration_request(),
        headers={"Authorization": "Bearer " + token},
    )
    assert expired.status_code == 401


def test_index_page_is_labelled_html(http, platform):
    page = http.get(platform.url + "/").text
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page
    inputs = re.findall(r'<input id="([^"]+)"', page)
    assert inputs and all(f'<label for="{name}"' in page for name in inputs)
