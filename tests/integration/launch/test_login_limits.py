"""What anyone may make /lti/login and /lti/launch do (issue 9, item 9), on both backends:
parameters and bodies have size limits, the state record holds only what the launch checks,
and each client address gets a bounded number of logins and launches a minute."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from config.settings import Settings
from lti_tool import create_app
from lti_tool.launch.oidc_login import LOGIN_PARAMS, MAX_PARAM_CHARS
from lti_tool.models import metadata
from lti_tool.services import services
from tests.conftest import SECRET
from tests.support.signed_launches import CLIENT_ID, DEPLOYMENT_ID, ISSUER, login, register


@pytest.fixture
def registered(app):
    register(app)
    return app


def _params(**overrides) -> dict[str, str]:
    params = {
        "iss": ISSUER,
        "login_hint": "4",
        "client_id": CLIENT_ID,
        "target_link_uri": "http://tool.test/lti/launch",
        "lti_message_hint": '{"cmid":2}',
        "lti_deployment_id": DEPLOYMENT_ID,
    }
    params.update(overrides)
    return params


def _client(app, **environ):
    client = app.test_client()
    client.environ_base.update(environ)
    return client


def _json_client(app, address: str = "192.0.2.1"):
    return _client(app, HTTP_ACCEPT="application/json", REMOTE_ADDR=address)


@pytest.mark.parametrize("name", LOGIN_PARAMS)
def test_an_over_long_login_parameter_is_refused_clearly(registered, name):
    response = _json_client(registered).post(
        "/lti/login", data=_params(**{name: "x" * (MAX_PARAM_CHARS + 1)})
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "login_param_too_long"
    assert name in response.get_json()["message"]


def test_generous_parameters_still_log_in(registered):
    long_hint = json.dumps({"cmid": 2, "opaque": "y" * (MAX_PARAM_CHARS - 40)})
    response = _json_client(registered).post("/lti/login", data=_params(lti_message_hint=long_hint))
    assert response.status_code == 302
    assert "lti_message_hint=" in response.headers["Location"]


@pytest.mark.parametrize("name", ["iss", "client_id"])
def test_a_nul_character_in_a_login_parameter_is_a_400_not_a_500(registered, name):
    # PostgreSQL cannot even compare NUL with a stored issuer: this used to be a 500 there.
    response = _json_client(registered).post("/lti/login", data=_params(**{name: "a\x00b"}))
    assert response.status_code == 400
    assert response.get_json()["error"] == "login_param_invalid"


def test_a_large_body_is_refused_before_it_is_read(registered):
    response = _json_client(registered).post("/lti/login", data=_params(padding="p" * (256 * 1024)))
    assert response.status_code == 413


def test_a_large_launch_body_is_refused_too(registered):
    response = _json_client(registered).post(
        "/lti/launch", data={"state": "s" * 32, "id_token": "t" * (256 * 1024)}
    )
    assert response.status_code == 413


def test_the_state_record_holds_only_what_the_launch_checks(registered):
    client = registered.test_client()
    big = "z" * MAX_PARAM_CHARS
    state, _ = login(
        client,
        lti_message_hint=big,
        target_link_uri="http://tool.test/" + big[:4000],
        login_hint="4" * 4000,
    )
    with registered.app_context():
        record = services().store.get("oidc-state:" + state)
    assert record is not None
    assert len(record) < 600, len(record)
    assert set(json.loads(record)) == {"iss", "client_id", "nonce", "browser"}


def _limit(app, per_minute: int) -> None:
    app.config["EMM_SETTINGS"] = replace(
        app.config["EMM_SETTINGS"], launch_rate_per_minute=per_minute
    )


def test_logins_from_one_address_are_limited_with_retry_after(registered, backend, clock):
    _limit(registered, 5)
    client = _json_client(registered)
    assert [client.post("/lti/login", data=_params()).status_code for _ in range(5)] == [302] * 5
    refused = client.post("/lti/login", data=_params())
    assert refused.status_code == 429
    assert refused.get_json()["error"] == "too_many_requests"
    assert refused.get_json()["message"]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    # Another address has its own count.
    assert (
        _json_client(registered, "192.0.2.2").post("/lti/login", data=_params()).status_code == 302
    )
    if backend == "sqlite":  # the embedded store ends windows by the injected clock
        clock.advance(seconds=61)
        assert client.post("/lti/login", data=_params()).status_code == 302


def test_launches_from_one_address_are_limited_too(registered):
    _limit(registered, 2)
    client = _json_client(registered)
    statuses = [client.post("/lti/launch", data={"state": "nope"}).status_code for _ in range(3)]
    assert statuses[:2] != [429, 429] and statuses[2] == 429


def test_html_clients_get_a_readable_429_page(registered):
    _limit(registered, 1)
    client = registered.test_client()
    client.post("/lti/login", data=_params())
    page = client.post("/lti/login", data=_params())
    assert page.status_code == 429 and page.headers["Retry-After"]
    assert "Too many launches" in page.get_data(as_text=True)


def _app_behind_proxies(tmp_path, clock, proxies: int):
    app = create_app(
        Settings(
            secret_key=SECRET,
            data_dir=tmp_path,
            trusted_proxies=proxies,
            public_base_url="http://tool.test",
            launch_rate_per_minute=2,
        ),
        clock=clock,
    )
    metadata.create_all(app.extensions["emm_engine"])
    register(app)
    return app


def _statuses(app, forwarded_for: list[str]) -> list[int]:
    client = _client(app, REMOTE_ADDR="10.0.0.1")  # the proxy
    return [
        client.post("/lti/login", data=_params(), headers={"X-Forwarded-For": address}).status_code
        for address in forwarded_for
    ]


def test_behind_a_trusted_proxy_each_client_address_has_its_own_count(tmp_path, clock):
    app = _app_behind_proxies(tmp_path, clock, proxies=1)
    assert _statuses(app, ["203.0.113.1"] * 2 + ["203.0.113.2"] * 2) == [302] * 4
    assert _statuses(app, ["203.0.113.1"]) == [429]
    app.extensions["emm_engine"].dispose()


def test_without_trusted_proxies_a_forged_forwarded_for_buys_nothing(tmp_path, clock):
    app = _app_behind_proxies(tmp_path, clock, proxies=0)
    assert _statuses(app, ["203.0.113.1", "203.0.113.2", "203.0.113.3"]) == [302, 302, 429]
    app.extensions["emm_engine"].dispose()
