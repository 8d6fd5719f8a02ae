"""Dynamic registration against an HTTP server that answers as Moodle 4.5 does, started from an
administrator's invitation (`flask platform invite`) the way a Moodle admin would use it."""

from __future__ import annotations

import itertools
import json
import re
import threading
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from werkzeug.wrappers import Response

from lti_tool import db
from lti_tool.platforms.invites import list_invites
from lti_tool.platforms.registry import list_platforms
from tests.support.http_stub import serve

CAPTURE = json.loads(
    (Path(__file__).parents[2] / "fixtures/moodle/dynamic_registration.json").read_text()
)
CAPTURED_CLIENT_ID = CAPTURE["registration_response"]["client_id"]
REGISTRATION_TOKEN = "reg-token-123"
CONFIG_PATH = "/mod/lti/openid-configuration.php"
REGISTER_PATH = "/mod/lti/openid-registration.php"


def _moodle_routes(*, registration_status: int = 200, client_ids=None, before_answer=None):
    """Moodle's openid-configuration and registration endpoint, answering with the capture
    (client_ids: one per registration, as Moodle makes a new one each time)."""

    def openid_configuration(request, stub):
        config = json.loads(
            json.dumps(CAPTURE["openid_configuration"]).replace("http://127.0.0.1:8080", stub.url)
        )
        return Response(json.dumps(config), content_type="application/json")

    def register(request, stub):
        if request.headers.get("Authorization") != "Bearer " + REGISTRATION_TOKEN:
            return Response(json.dumps({"error": "invalid token"}), status=401)
        if before_answer is not None:
            before_answer()
        sent = request.get_json()
        answer = dict(CAPTURE["registration_response"])
        answer.update({k: sent[k] for k in ("redirect_uris", "initiate_login_uri", "jwks_uri")})
        if client_ids is not None:
            answer["client_id"] = next(client_ids)
        return Response(
            json.dumps(answer), status=registration_status, content_type="application/json"
        )

    return {("GET", CONFIG_PATH): openid_configuration, ("POST", REGISTER_PATH): register}


def _invite(runner, *options: str) -> str:
    """What the admin runs on the tool's server; returns the URL it prints."""
    result = runner.invoke(args=["platform", "invite", *options])
    assert result.exit_code == 0, result.output
    (url,) = re.findall(r"http://tool\.test/lti/register/\S+", result.output)
    return url


def _moodle_opens(
    client, tool_url: str, moodle, *, registration_token=REGISTRATION_TOKEN, **kwargs
):
    """What Moodle's "Add LTI Advantage" does with the pasted Tool URL
    (mod/lti/startltiadvregistration.php): keep its query, add openid_configuration and
    registration_token, and open it in the admin's browser."""
    parts = urlsplit(tool_url)
    query = [
        *parse_qsl(parts.query),
        ("openid_configuration", moodle.url + CONFIG_PATH),
        ("registration_token", registration_token),
    ]
    return client.get(f"{parts.path}?{urlencode(query)}", **kwargs)


def _json(**kwargs):
    return {"headers": {"Accept": "application/json"}, **kwargs}


def _posts_received(moodle) -> int:
    return sum(
        1 for method, path, *_ in moodle.requests if (method, path) == ("POST", REGISTER_PATH)
    )


def _platforms(app) -> list[SimpleNamespace]:
    """What is stored, read in a session of its own (plain values, usable after it closes)."""
    with app.app_context():
        return [
            SimpleNamespace(
                id=p.id,
                name=p.name,
                issuer=p.issuer,
                client_id=p.client_id,
                auth_login_url=p.auth_login_url,
                auth_token_url=p.auth_token_url,
                key_set_url=p.key_set_url,
                deployments=[d.deployment_id for d in p.deployments],
            )
            for p in list_platforms(db.session())
        ]


def _pending_invite_ids(app, clock) -> list[int]:
    with app.app_context():
        return [invite.id for invite in list_invites(db.session(), clock.now())]


def test_an_admin_invitation_registers_the_tool_and_closes_the_dialog(app, client, runner, clock):
    invite = _invite(runner, "--note", "E-Campus")
    with serve(_moodle_routes()) as moodle:
        response = _moodle_opens(client, invite, moodle)
        assert response.status_code == 200, response.get_data(as_text=True)
        method, path, headers, body = moodle.requests[-1]
        sent = json.loads(body)

    page = response.get_data(as_text=True)
    assert "registration_close.js" in page and "activate" in page.lower()
    assert f"frame-ancestors 'self' {moodle.url}" in response.headers["Content-Security-Policy"]
    # What the tool asked for (shape of Moodle's capture).
    assert (method, path) == ("POST", REGISTER_PATH)
    assert headers["Authorization"] == "Bearer " + REGISTRATION_TOKEN
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
    (platform,) = _platforms(app)
    assert platform.issuer == moodle.url
    assert platform.client_id == CAPTURED_CLIENT_ID
    assert platform.deployments == ["2"]
    assert platform.auth_login_url == moodle.url + "/mod/lti/auth.php"
    assert platform.key_set_url == moodle.url + "/mod/lti/certs.php"
    # The invitation is spent and remembers what it registered.
    assert _pending_invite_ids(app, clock) == []
    listed = runner.invoke(args=["platform", "invites", "--all"]).output
    assert "used" in listed and f"by platform #{platform.id} {moodle.url}" in listed
    assert "E-Campus" in listed


def test_the_invite_survives_a_query_string_in_the_pasted_url(app, client, runner):
    # Moodle keeps the Tool URL's own query when it adds its parameters.
    invite = _invite(runner)
    with serve(_moodle_routes()) as moodle:
        response = _moodle_opens(client, invite + "?lang=en", moodle)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert len(_platforms(app)) == 1


def test_without_an_invite_registration_is_refused_and_nothing_is_sent(app, client):
    with serve(_moodle_routes()) as moodle:
        response = _moodle_opens(client, "http://tool.test/lti/register", moodle)
        unknown = _moodle_opens(
            client, "http://tool.test/lti/register/not-an-invite", moodle, **_json()
        )
        assert moodle.requests == []

    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "needs an invitation" in page and "flask platform invite" in page
    assert "Add LTI Advantage" in page
    # Shown inside Moodle's dialog, so Moodle may frame the refusal.
    assert f"frame-ancestors 'self' {moodle.url}" in response.headers["Content-Security-Policy"]
    assert unknown.status_code == 403
    assert unknown.get_json()["error"] == "registration_invite_unknown"
    assert _platforms(app) == []


def test_an_expired_invite_is_refused_without_contacting_the_platform(app, client, runner, clock):
    invite = _invite(runner, "--expires-in", "30m")
    clock.advance(minutes=30)
    with serve(_moodle_routes()) as moodle:
        response = _moodle_opens(client, invite, moodle, **_json())
        assert moodle.requests == []
    assert response.status_code == 403
    assert response.get_json()["error"] == "registration_invite_expired"
    assert "expired" in response.get_json()["message"]
    assert _platforms(app) == []


def test_an_invite_registers_once(app, client, runner):
    invite = _invite(runner)
    with serve(_moodle_routes(client_ids=iter(["first-client", "second-client"]))) as moodle:
        assert _moodle_opens(client, invite, moodle).status_code == 200
        seen = len(moodle.requests)
        again = _moodle_opens(client, invite, moodle, **_json())
        assert len(moodle.requests) == seen, "a spent invite must not reach the platform"
    assert again.status_code == 403
    assert again.get_json()["error"] == "registration_invite_used"
    assert [p.client_id for p in _platforms(app)] == ["first-client"]


def test_a_revoked_invite_is_refused(app, client, runner, clock):
    invite = _invite(runner)
    (pending,) = _pending_invite_ids(app, clock)
    revoked = runner.invoke(args=["platform", "revoke-invite", str(pending)])
    assert revoked.exit_code == 0, revoked.output
    with serve(_moodle_routes()) as moodle:
        response = _moodle_opens(client, invite, moodle, **_json())
        assert moodle.requests == []
    assert response.status_code == 403
    assert response.get_json()["error"] == "registration_invite_revoked"
    assert _platforms(app) == []


@pytest.mark.parametrize("status", [401, 500])
def test_a_refusing_platform_leaves_the_invite_usable(app, client, runner, clock, status):
    invite = _invite(runner)
    with serve(_moodle_routes(registration_status=status)) as moodle:
        response = _moodle_opens(
            client,
            invite,
            moodle,
            **_json(),
            registration_token=REGISTRATION_TOKEN if status != 401 else "x",
        )
    assert response.status_code == 424
    assert response.get_json()["error"] == "registration_failed"
    assert _platforms(app) == []
    assert len(_pending_invite_ids(app, clock)) == 1
    # The admin fixes the platform and presses "Add LTI Advantage" again with the same URL.
    with serve(_moodle_routes()) as moodle:
        assert _moodle_opens(client, invite, moodle).status_code == 200
    assert len(_platforms(app)) == 1


def test_an_unreachable_platform_is_reported(app, client, runner, clock):
    invite = urlsplit(_invite(runner)).path
    response = client.get(
        invite,
        query_string={
            "openid_configuration": "http://127.0.0.1:9/openid",
            "registration_token": "t",
        },
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 424
    assert "did not answer" in response.get_json()["message"]
    assert len(_pending_invite_ids(app, clock)) == 1


def test_the_invite_url_opened_by_hand_explains_itself(client, runner):
    response = client.get(urlsplit(_invite(runner)).path)
    assert response.status_code == 400
    assert "Add LTI Advantage" in response.get_data(as_text=True)


def _add_by_hand(runner, issuer: str, client_id: str, deployment: str = "1") -> None:
    result = runner.invoke(
        args=[
            "platform",
            "add",
            "--name",
            "By hand",
            "--issuer",
            issuer,
            "--client-id",
            client_id,
            "--deployment-id",
            deployment,
            "--auth-login-url",
            issuer + "/auth",
            "--auth-token-url",
            issuer + "/token",
            "--key-set-url",
            issuer + "/certs",
        ]
    )
    assert result.exit_code == 0, result.output


def test_a_client_id_registered_under_another_issuer_is_refused(app, client, runner, clock):
    _add_by_hand(runner, "https://ecampus.example.org", CAPTURED_CLIENT_ID)
    invite = _invite(runner)
    with serve(_moodle_routes()) as moodle:
        response = _moodle_opens(client, invite, moodle, **_json())
    assert response.status_code == 409
    assert response.get_json()["error"] == "client_id_taken"
    assert CAPTURED_CLIENT_ID in response.get_json()["message"]
    (platform,) = _platforms(app)
    assert platform.issuer == "https://ecampus.example.org"
    assert platform.auth_token_url == "https://ecampus.example.org/token"
    assert len(_pending_invite_ids(app, clock)) == 1, "a refused registration keeps the invite"


@pytest.mark.parametrize("same_client", [True, False])
def test_a_registration_never_overwrites_an_existing_one(app, client, runner, clock, same_client):
    invite = _invite(runner)
    with serve(_moodle_routes()) as moodle:
        _add_by_hand(runner, moodle.url, CAPTURED_CLIENT_ID if same_client else "by-hand-client")
        response = _moodle_opens(client, invite, moodle, **_json())
        assert _posts_received(moodle) == 0, "refused before Moodle creates a tool we won't keep"
    assert response.status_code == 409
    assert response.get_json()["error"] == "platform_already_registered"
    assert "flask platform remove" in response.get_json()["action"]
    (platform,) = _platforms(app)
    assert platform.name == "By hand"
    assert platform.auth_token_url == moodle.url + "/token"
    assert platform.deployments == ["1"]
    assert len(_pending_invite_ids(app, clock)) == 1


def test_two_registrations_racing_with_one_invite_store_one_platform(app, runner):
    invite = _invite(runner)
    both_registered_with_moodle = threading.Barrier(2, timeout=30)
    statuses: list[int] = []
    errors: list[BaseException] = []
    # map() over count() hands out names atomically to both handler threads.
    client_ids = map("client-{}".format, itertools.count())
    with serve(
        _moodle_routes(client_ids=client_ids, before_answer=both_registered_with_moodle.wait)
    ) as moodle:

        def admin_presses_add() -> None:
            try:
                response = _moodle_opens(app.test_client(), invite, moodle, **_json())
                statuses.append(response.status_code)
                if response.status_code != 200:
                    assert response.get_json()["error"] == "registration_invite_used"
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=admin_presses_add) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert _posts_received(moodle) == 2, "both passed the invite check before either stored"
    assert not errors, errors
    assert sorted(statuses) == [200, 403]
    (platform,) = _platforms(app)
    with app.app_context():
        (spent,) = list_invites(db.session(), app.extensions["emm_clock"].now(), include_spent=True)
        assert spent.platform_id == platform.id
