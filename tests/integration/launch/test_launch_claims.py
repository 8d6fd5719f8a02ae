"""What a signed id_token may carry (issue 9, items 7, 10, 11, 12), on SQLite and on
PostgreSQL + Redis: a bad claim is a 4xx naming it and stores nothing, never a 500 and never
staff rights."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from sqlalchemy import func, select

from lti_tool import db
from lti_tool.launch import claims
from lti_tool.launch.models import LaunchSession, LtiUser, Placement
from tests.support.signed_launches import CLIENT_ID, FakeMoodle, launch, login, register

M = "http://purl.imsglobal.org/vocab/lis/v2/membership"


@pytest.fixture
def moodle(app):
    fake = FakeMoodle()
    register(app, fake)
    return fake


@pytest.fixture
def json_client(client):
    client.environ_base["HTTP_ACCEPT"] = "application/json"
    return client


def _rows(app) -> tuple[int, int, int]:
    with app.app_context():
        s = db.session()
        return tuple(
            s.scalar(select(func.count()).select_from(m))
            for m in (LaunchSession, LtiUser, Placement)
        )


def _stored_return_url(app) -> str | None:
    with app.app_context():
        return db.session().scalars(select(LaunchSession.return_url)).one()


def _in(claim: str, **values):
    return lambda c: c[claim].update(values)


def _nest(levels: int) -> dict:
    value: dict = {"leaf": "x"}
    for _ in range(levels):
        value = {"deeper": value}
    return value


# -- item 12: lengths, NUL, lone surrogates, nesting, numbers -------------------------------
@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda c: c.update(sub="9" * 256), id="sub over 255"),
        pytest.param(lambda c: c.update(name="N" * 301), id="name over its column"),
        pytest.param(lambda c: c.update(given_name="G" * 201), id="given_name over its column"),
        pytest.param(lambda c: c.update(email="e" * 310 + "@example.com"), id="email over 320"),
        pytest.param(_in(claims.CONTEXT, title="T" * 501), id="context title over 500"),
        pytest.param(_in(claims.CONTEXT, id="C" * 256), id="context id over 255"),
        pytest.param(_in(claims.RESOURCE_LINK, id="R" * 256), id="resource link id over 255"),
        pytest.param(_in(claims.RESOURCE_LINK, title="R" * 501), id="resource link title over 500"),
        pytest.param(_in(claims.CUSTOM, assessment="a" * 101), id="custom assessment over 100"),
        pytest.param(_in(claims.CUSTOM, note="n" * 5000), id="custom value over 4096"),
        pytest.param(
            _in(claims.LAUNCH_PRESENTATION, document_target="x" * 21),
            id="document_target over its column",
        ),
        pytest.param(lambda c: c.update(name="Sam\x00Student"), id="NUL in a name"),
        pytest.param(_in(claims.CUSTOM, **{"key\x00": "v"}), id="NUL in a custom key"),
        pytest.param(_in(claims.CONTEXT, title="Essentials \ud800 of"), id="lone surrogate"),
        pytest.param(lambda c: c.update(family_name="\udfff"), id="lone low surrogate in a name"),
        pytest.param(_in(claims.CUSTOM, deep=_nest(12)), id="nested 14 levels"),
        pytest.param(_in(claims.CUSTOM, score=float("nan")), id="NaN"),
        pytest.param(_in(claims.CUSTOM, score=float("inf")), id="Infinity"),
        pytest.param(_in(claims.CUSTOM, many=list(range(500))), id="500 entries"),
        pytest.param(lambda c: c.update(sub={"id": "4"}), id="sub not text"),
        pytest.param(lambda c: c.update({claims.CONTEXT: ["2"]}), id="context not an object"),
        pytest.param(lambda c: c.update({claims.DEPLOYMENT_ID: ["1"]}), id="deployment_id a list"),
        pytest.param(
            lambda c: c.update({claims.ROLES: {"role": f"{M}#Instructor"}}), id="roles an object"
        ),
        pytest.param(lambda c: c.update({claims.ROLES: f"{M}#Instructor"}), id="roles a string"),
        pytest.param(
            lambda c: c.update({claims.ROLES: [{"role": "Instructor"}]}),
            id="roles holding an object",
        ),
    ],
)
def test_bad_claims_are_a_400_naming_the_claim_and_store_nothing(
    app, json_client, moodle, clock, edit
):
    response, _ = launch(json_client, moodle, clock.now().timestamp(), claims_edit=edit)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["error"] == "bad_claim"
    assert "claim" in response.get_json()["message"]
    assert _rows(app) == (0, 0, 0)


def test_claims_at_their_limits_are_accepted(app, client, moodle, clock):
    def at_limits(c):
        c.update(sub="9" * 255, name="N" * 300, email="e" * 308 + "@example.com")
        c[claims.CONTEXT].update(title="T" * 500, id="C" * 255)
        c[claims.RESOURCE_LINK].update(id="R" * 255, title="R" * 500)
        c[claims.CUSTOM].update(note="n" * 4096, deep=_nest(5), name="Zoë – 日本")

    response, _ = launch(client, moodle, clock.now().timestamp(), claims_edit=at_limits)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert client.get(response.headers["Location"]).status_code == 200
    assert _rows(app) == (1, 1, 1)


def test_a_token_whose_body_is_not_an_object_is_a_400(app, json_client, moodle):
    state, _ = login(json_client)
    token = jwt.api_jws.encode(
        json.dumps(["not", "an", "object"]).encode(),
        moodle.pem,
        algorithm="RS256",
        headers={"kid": moodle.kid},
    )
    response = json_client.post("/lti/launch", data={"id_token": token, "state": state})
    assert response.status_code == 400
    assert _rows(app) == (0, 0, 0)


def test_an_unreasonable_state_is_refused_before_the_store_is_asked(json_client, moodle):
    response = json_client.post("/lti/launch", data={"id_token": "a.b.c", "state": "s\x00" * 200})
    assert response.status_code == 401
    assert response.get_json()["error"] == "unknown_state"


# -- item 10: several audiences need azp; nbf ----------------------------------------------
@pytest.mark.parametrize(
    "edit, expected",
    [
        pytest.param(
            lambda c: c.update(aud=[CLIENT_ID, "another-tool"]),
            "wrong_audience",
            id="several audiences without azp",
        ),
        pytest.param(
            lambda c: c.update(aud=[CLIENT_ID, "another-tool"], azp="another-tool"),
            "wrong_audience",
            id="several audiences, azp another tool",
        ),
        pytest.param(
            lambda c: c.update(azp="another-tool"),
            "wrong_audience",
            id="one audience, azp another tool",
        ),
        pytest.param(lambda c: c.update(nbf=c["iat"] + 120), "not_yet_valid", id="nbf ahead"),
        pytest.param(lambda c: c.update(nbf="soon"), "not_yet_valid", id="nbf not a time"),
        pytest.param(lambda c: c.update(exp=True), "expired", id="exp true is no time"),
    ],
)
def test_audience_and_time_claims(app, json_client, moodle, clock, edit, expected):
    response, _ = launch(json_client, moodle, clock.now().timestamp(), claims_edit=edit)
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.get_json()["error"] == expected
    assert _rows(app) == (0, 0, 0)


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(
            lambda c: c.update(aud=[CLIENT_ID, "another-tool"], azp=CLIENT_ID),
            id="several audiences, azp us",
        ),
        pytest.param(lambda c: c.update(aud=[CLIENT_ID]), id="a list of one"),
        pytest.param(lambda c: c.update(azp=CLIENT_ID), id="azp us"),
        pytest.param(lambda c: c.update(nbf=c["iat"]), id="nbf now"),
        pytest.param(lambda c: c.update(nbf=c["iat"] + 5), id="nbf within the leeway"),
    ],
)
def test_audience_and_time_claims_that_are_fine(client, moodle, clock, edit):
    response, _ = launch(client, moodle, clock.now().timestamp(), claims_edit=edit)
    assert response.status_code == 303, response.get_data(as_text=True)


# -- item 11: return_url is linked only when it is http(s) ---------------------------------
@pytest.mark.parametrize(
    "return_url",
    [
        "javascript:alert(document.domain)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/next",
        "/mod/lti/return.php",
    ],
)
def test_a_return_url_that_is_not_http_is_never_linked(app, client, moodle, clock, return_url):
    response, _ = launch(
        client,
        moodle,
        clock.now().timestamp(),
        claims_edit=_in(claims.LAUNCH_PRESENTATION, return_url=return_url),
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="back-to-course"' not in page
    assert "script:" not in page and "data:text" not in page
    assert _stored_return_url(app) is None


def test_an_https_return_url_is_linked(app, client, moodle, clock):
    url = "https://moodle.example.org/mod/lti/return.php?course=2&instanceid=1"
    response, _ = launch(
        client,
        moodle,
        clock.now().timestamp(),
        claims_edit=_in(claims.LAUNCH_PRESENTATION, return_url=url),
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert (
        'id="back-to-course" href="https://moodle.example.org/mod/lti/return.php?course=2'
        '&amp;instanceid=1"' in page
    )


# -- item 7: roles, through a real launch ---------------------------------------------------
@pytest.mark.parametrize(
    "roles",
    [
        pytest.param(["http://evil.example/roles#Instructor"], id="foreign vocabulary"),
        pytest.param(
            ["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Faculty"],
            id="institution faculty",
        ),
        pytest.param(
            ["http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator"],
            id="system administrator alone",
        ),
        pytest.param([f"{M}#Mentor"], id="mentor"),
    ],
)
def test_roles_outside_the_course_vocabulary_land_on_the_learner_page(client, moodle, clock, roles):
    response, _ = launch(
        client,
        moodle,
        clock.now().timestamp(),
        claims_edit=lambda c: c.update({claims.ROLES: roles}),
    )
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/learner"
    token = parse_qs(urlsplit(response.headers["Location"]).query)["lt"][0]
    assert client.get("/instructor", query_string={"lt": token}).status_code == 403


def test_a_moodle_site_admin_teaching_the_course_is_staff(client, moodle, clock):
    roles = [
        f"{M}#Instructor",
        "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator",
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
    ]
    response, _ = launch(
        client,
        moodle,
        clock.now().timestamp(),
        claims_edit=lambda c: c.update({claims.ROLES: roles}),
    )
    assert urlsplit(response.headers["Location"]).path == "/instructor"
