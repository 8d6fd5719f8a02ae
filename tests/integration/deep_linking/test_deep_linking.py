"""Deep Linking: an instructor's content-selection launch, the catalogue, the signed response."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from jwt.algorithms import RSAAlgorithm

from lti_tool import db
from tests.support.signed_launches import CLIENT_ID, ISSUER, FakeMoodle, launch, register


@pytest.fixture
def instructor_token(app, clock):
    from item_bank.demo import load_demo_content

    moodle = FakeMoodle()
    register(app, moodle)
    with app.app_context():
        load_demo_content(db.session())
        db.session().commit()
    client = app.test_client()
    response, _ = launch(
        client,
        moodle,
        clock.now().timestamp(),
        role="Instructor",
        message_type="LtiDeepLinkingRequest",
    )
    assert response.status_code == 303
    assert "/deep-linking" in response.headers["Location"]
    return parse_qs(urlsplit(response.headers["Location"]).query)["lt"][0]


def test_catalogue_lists_assessments_with_languages_questions_and_pass_mark(
    client, instructor_token
):
    page = client.get("/deep-linking", query_string={"lt": instructor_token}).get_data(as_text=True)
    assert "Essentials of Migration Management (EMM2.0): final assessment" in page
    assert "Tendencias migratorias en América Latina" in page
    assert "en, es" in page and "20" in page and "70" in page


def test_choosing_returns_a_signed_resource_link_with_line_item(client, instructor_token):
    response = client.post(
        "/deep-linking/select", data={"lt": instructor_token, "assessment": "emm2-final"}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    action = unescape(re.search(r'action="([^"]+)"', page).group(1))
    assert action == ISSUER + "/mod/lti/contentitem_return.php"
    token = unescape(re.search(r'name="JWT" value="([^"]+)"', page).group(1))
    keyset = client.get("/.well-known/jwks.json").get_json()
    kid = jwt.get_unverified_header(token)["kid"]
    (jwk,) = [k for k in keyset["keys"] if k["kid"] == kid]
    body = jwt.decode(token, RSAAlgorithm.from_jwk(jwk), algorithms=["RS256"], audience=ISSUER)
    assert body["iss"] == CLIENT_ID
    assert (
        body["https://purl.imsglobal.org/spec/lti/claim/message_type"] == "LtiDeepLinkingResponse"
    )
    assert body["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque-data"
    (item,) = body["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert item["type"] == "ltiResourceLink"
    assert item["custom"] == {"assessment": "emm2-final"}
    assert item["lineItem"]["scoreMaximum"] == 100 and item["lineItem"]["label"]


def test_unknown_assessment_is_refused_clearly(client, instructor_token):
    response = client.post(
        "/deep-linking/select",
        data={"lt": instructor_token, "assessment": "nope"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 404
    assert response.get_json()["error"] == "unknown_assessment"


def test_learners_cannot_use_deep_linking(app, clock):
    moodle = FakeMoodle()
    register(app, moodle)
    client = app.test_client()
    response, _ = launch(
        client,
        moodle,
        clock.now().timestamp(),
        role="Learner",
        message_type="LtiDeepLinkingRequest",
    )
    token = parse_qs(urlsplit(response.headers["Location"]).query)["lt"][0]
    assert client.get("/deep-linking", query_string={"lt": token}).status_code == 403


def test_a_regional_locale_gets_the_catalogue_in_its_language(app, client, clock):
    from item_bank.demo import load_demo_content

    moodle = FakeMoodle()
    register(app, moodle)
    with app.app_context():
        load_demo_content(db.session())
        db.session().commit()
    response, _ = launch(
        client,
        moodle,
        clock.now().timestamp(),
        role="Instructor",
        message_type="LtiDeepLinkingRequest",
        locale="es-MX",
    )
    token = parse_qs(urlsplit(response.headers["Location"]).query)["lt"][0]
    page = client.get("/deep-linking", query_string={"lt": token}).get_data(as_text=True)
    assert "Fundamentos en gestión de la migración (EMM2.0): evaluación final" in page


def test_choosing_before_the_tool_has_a_signing_key_is_a_clear_503(app, client, instructor_token):
    from lti_tool.platforms.keys import ToolKey

    with app.app_context():
        db.session().query(ToolKey).delete()
        db.session().commit()
    response = client.post(
        "/deep-linking/select",
        data={"lt": instructor_token, "assessment": "emm2-final"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 503
    assert response.get_json()["error"] == "no_signing_key"
    assert "flask keys generate" in response.get_data(as_text=True)
