"""Dynamic registration against an HTTP server that answers as Moodle 4.5 does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from werkzeug.wrappers import Response

from lti_tool import db
from lti_tool.platforms.registry import list_platforms
from tests.support.http_stub import serve

CAPTURE = json.loads((Path(__file__).parents[2] / "fixtures/moodle/dynamic_registration.json").read_text())


def _moodle_routes(*, registration_status: int = 200):
    def openid_configuration(request, stub):
        config = json.loads(json.dumps(CAPTURE["openid_configuration"]).replace(
            "http://127.0.0.1:8080", stub.url))
        return Response(json.dumps(config), content_type="application/json")

    def register(request, stub):
        if request.headers.get("Authorization") != "Bearer reg-token-123":
            return Response(json.dumps({"error": "invalid token"}), status=401)
        sent = request.get_json()
        answer = dict(CAPTURE["registration_response"])
        answer.update({k: sent[k] for k in ("redirect_uris", "initiate_login_uri", "jwks_uri")})
        return Response(json.dumps(answer), status=registration_status, content_type="application/json")

    return {("GET", "/mod/lti/openid-configuration.php"): openid_configuration,
            ("POST", "/mod/lti/openid-registration.php"): register}


def test_registration_stores_platform_and_deployment_and_closes_the_dialog(app, client):
    with serve(_moodle_routes()) as moodle:
        response = client.get("/lti/register", query_string={
            "openid_configuration": moodle.url + "/mod/lti/openid-configuration.php",
            "registration_token": "reg-token-123"})
        assert response.status_code == 200, response.get_data(as_text=True)
        method, path, headers, body = moodle.requests[-1]
        sent = json.loads(body)

    page = response.get_data(as_text=True)
    assert "registration_close.js" in page and "activate" in page.lower()
    assert f"frame-ancestors 'self' {moodle.url}" in response.headers["Content-Security-Policy"]
    # What the tool asked for (shape of Moodle's capture).
    assert sent["response_types"] == ["id_token"]
    assert sent["token_endpoint_auth_method"] == "private_key_jwt"
    assert sent["initiate_login_uri"] == "http://tool.test/lti/login"
    assert sent["redirect_uris"] == ["http://tool.test/lti/launch"]
    assert sent["jwks_uri"] == "http://tool.test/.well-known/jwks.json"
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in sent["scope"].split()
    tool_conf = sent["https://purl.imsglobal.org/spec/lti-tool-configuration"]
    assert tool_conf["domain"] == "tool.test"
    assert {"type": "LtiDeepLinkingRequest"}.items() <= tool_conf["messages"][0].items()
    assert {"name", "email"} <= set(tool_conf["claims"])
    with app.app_context():
        (platform,) = list_platforms(db.session())
        assert platform.issuer == moodle.url
        assert platform.client_id == "KRNmtd5V8Y9we7i"
        assert [d.deployment_id for d in platform.deployments] == ["2"]
        assert platform.auth_login_url == moodle.url + "/mod/lti/auth.php"
        assert platform.key_set_url == moodle.url + "/mod/lti/certs.php"


@pytest.mark.parametrize("status", [401, 500])
def test_a_refusing_platform_gives_a_clear_error_and_stores_nothing(app, client, status):
    with serve(_moodle_routes(registration_status=status)) as moodle:
        response = client.get("/lti/register", query_string={
            "openid_configuration": moodle.url + "/mod/lti/openid-configuration.php",
            "registration_token": "reg-token-123" if status != 401 else "wrong"},
            headers={"Accept": "application/json"})
    assert response.status_code == 424
    assert response.get_json()["error"] == "registration_failed"
    with app.app_context():
        assert list_platforms(db.session()) == []


def test_an_unreachable_platform_is_reported(client):
    response = client.get("/lti/register", query_string={
        "openid_configuration": "http://127.0.0.1:9/openid", "registration_token": "t"},
        headers={"Accept": "application/json"})
    assert response.status_code == 424
    assert "did not answer" in response.get_json()["message"]


def test_without_parameters_the_page_explains_itself(client):
    response = client.get("/lti/register")
    assert response.status_code == 400
    assert "Add LTI Advantage" in response.get_data(as_text=True)
