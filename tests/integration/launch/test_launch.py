"""OIDC login + signed launch through the tool's HTTP endpoints, on both backends."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from lti_tool import db
from lti_tool.launch.models import LaunchSession, LtiUser, Placement
from tests.support.signed_launches import (
    CLIENT_ID,
    ISSUER,
    FakeMoodle,
    launch,
    login,
    new_rsa_pem,
    register,
)


@pytest.fixture
def moodle(app):
    fake = FakeMoodle()
    register(app, fake)
    return fake


def _rows(app) -> tuple[int, int, int]:
    with app.app_context():
        s = db.session()
        return tuple(
            s.scalar(select(func.count()).select_from(m))
            for m in (LaunchSession, LtiUser, Placement)
        )


def test_login_redirects_to_the_platform_with_form_post_and_a_bound_state(client, moodle):
    response = client.post(
        "/lti/login",
        data={
            "iss": ISSUER,
            "login_hint": "4",
            "client_id": CLIENT_ID,
            "lti_message_hint": "hint-1",
            "target_link_uri": "http://tool.test/lti/launch",
            "lti_deployment_id": "1",
        },
    )
    assert response.status_code == 302
    url = urlsplit(response.headers["Location"])
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == ISSUER + "/mod/lti/auth.php"
    assert query["response_mode"] == "form_post" and query["prompt"] == "none"
    assert query["redirect_uri"] == "http://tool.test/lti/launch"
    assert query["lti_message_hint"] == "hint-1" and query["login_hint"] == "4"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Path=/lti/launch" in cookie


def test_login_by_get_works_too(client, moodle):
    response = client.get(
        "/lti/login", query_string={"iss": ISSUER, "login_hint": "4", "client_id": CLIENT_ID}
    )
    assert response.status_code == 302


def test_learner_launch_lands_on_a_page_that_says_who_and_where(client, moodle, clock, app):
    response, _ = launch(client, moodle, clock.now().timestamp())
    assert response.status_code == 303
    landing = client.get(response.headers["Location"])
    page = landing.get_data(as_text=True)
    assert landing.status_code == 200
    assert "Sam Student" in page and "Essentials of Migration Management" in page
    assert "Final assessment" in page
    assert _rows(app) == (1, 1, 1)


def test_instructor_lands_on_the_instructor_page(client, moodle, clock):
    response, _ = launch(client, moodle, clock.now().timestamp(), role="Instructor")
    assert "/instructor" in response.headers["Location"]
    assert client.get(response.headers["Location"]).status_code == 200


def test_learner_cannot_open_the_instructor_page(client, moodle, clock):
    response, _ = launch(client, moodle, clock.now().timestamp())
    token = parse_qs(urlsplit(response.headers["Location"]).query)["lt"][0]
    assert client.get("/instructor", query_string={"lt": token}).status_code == 403


def test_follow_up_request_without_cookies_uses_the_launch_token(app, moodle, clock):
    browser = app.test_client()
    response, _ = launch(browser, moodle, clock.now().timestamp())
    cookieless = app.test_client(use_cookies=False)
    assert cookieless.get(response.headers["Location"]).status_code == 200
    assert cookieless.get("/learner?lt=forged.123.abc").status_code == 401


def test_launch_token_expires(app, moodle, clock):
    response, _ = launch(app.test_client(), moodle, clock.now().timestamp())
    clock.advance(hours=9)
    assert app.test_client().get(response.headers["Location"]).status_code == 401


def _expect_refused(app, response, code: str, status: int | None = None):
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    if status:
        assert response.status_code == status
    assert _rows(app) == (0, 0, 0), "a refused launch must store nothing"


def _json(client):
    client.environ_base["HTTP_ACCEPT"] = "application/json"
    return client


@pytest.mark.parametrize(
    "case, expected_code",
    [
        ("other_key", "bad_signature"),
        ("unknown_kid", "unknown_kid"),
        ("alg_none", "bad_algorithm"),
        ("expired", "expired"),
        ("future_iat", "issued_in_future"),
        ("wrong_aud", "wrong_audience"),
        ("unknown_issuer", "unknown_platform"),
        ("unknown_deployment", "unknown_deployment"),
        ("missing_nonce", "missing_nonce"),
        ("wrong_state", "unknown_state"),
        ("bad_message_type", "bad_message"),
    ],
)
def test_refused_launches(app, client, moodle, clock, case, expected_code):
    now = clock.now().timestamp()
    edits = {
        "expired": lambda c: c.update(iat=int(now) - 200, exp=int(now) - 140),
        "future_iat": lambda c: c.update(iat=int(now) + 120, exp=int(now) + 180),
        "wrong_aud": lambda c: c.update(aud="someone-else"),
        "unknown_issuer": lambda c: c.update(iss="https://evil.example"),
        "unknown_deployment": lambda c: c.update(
            {"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "99"}
        ),
        "missing_nonce": lambda c: c.pop("nonce"),
        "bad_message_type": lambda c: c.update(
            {"https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiStrangeRequest"}
        ),
    }
    sign = {
        "other_key": {"pem": new_rsa_pem()},
        "unknown_kid": {"kid": "never-published"},
        "alg_none": {"alg": "none"},
    }
    response, _ = launch(
        _json(client),
        moodle,
        now,
        claims_edit=edits.get(case),
        sign_kwargs=sign.get(case),
        state="forged-state" if case == "wrong_state" else None,
    )
    _expect_refused(app, response, expected_code)
    assert response.get_json()["error"] == expected_code
    assert response.get_json()["message"]


def test_small_clock_skew_is_tolerated(client, moodle, clock):
    now = clock.now().timestamp()
    response, _ = launch(
        client, moodle, now, claims_edit=lambda c: c.update(iat=int(now) + 5, exp=int(now) + 65)
    )
    assert response.status_code == 303


def test_replayed_id_token_is_refused(app, client, moodle, clock):
    response, token = launch(client, moodle, clock.now().timestamp())
    assert response.status_code == 303
    # Same token, same state: the state was consumed.
    state, _ = login(client)
    replay = _json(client).post("/lti/launch", data={"id_token": token, "state": state})
    assert replay.status_code == 401
    assert replay.get_json()["error"] in {"nonce_mismatch", "replayed"}
    assert _rows(app) == (1, 1, 1)


def test_state_from_another_browser_is_refused(app, moodle, clock):
    victim, attacker = app.test_client(), _json(app.test_client())
    state, nonce = login(attacker)
    token = moodle.sign(moodle.claims(nonce, clock.now().timestamp()))
    response = _json(victim).post("/lti/launch", data={"id_token": token, "state": state})
    assert response.status_code == 401
    assert response.get_json()["error"] == "browser_binding_missing"
    assert _rows(app) == (0, 0, 0)


def test_unknown_kid_refetches_the_platform_keyset_once(app, client, moodle, clock):
    launch(client, moodle, clock.now().timestamp())
    fetched = moodle.jwks_requests
    rotated = new_rsa_pem()
    from tests.support.signed_launches import public_jwk

    moodle.extra_keys.append(public_jwk(rotated, "moodle-key-2"))
    response, _ = launch(
        client, moodle, clock.now().timestamp(), sign_kwargs={"pem": rotated, "kid": "moodle-key-2"}
    )
    assert response.status_code == 303
    assert moodle.jwks_requests == fetched + 1
    launch(client, moodle, clock.now().timestamp())
    assert moodle.jwks_requests == fetched + 1, "known kids come from the cache"


def test_login_for_an_unregistered_platform_says_so(client, moodle):
    response = _json(client).post(
        "/lti/login", data={"iss": "https://other.example", "login_hint": "1"}
    )
    assert response.status_code == 403
    assert response.get_json()["error"] == "unknown_platform"
