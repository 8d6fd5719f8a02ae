"""A minimal stand-in platform for unit-level launch tests: a key pair, id_tokens shaped like
Moodle 4.5's (see the captures in tests/fixtures/moodle), and a requests adapter serving its
JWKS.

End-to-end tests use the real `lti1p3platform`-based platform instead
(tests/support/platform_server.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.jwk import JWK

ISSUER = "https://moodle.example.org"
CLIENT_ID = "EqXpaimLxUNQ9Ux"
DEPLOYMENT_ID = "1"
KEYSET_URL = ISSUER + "/mod/lti/certs.php"


def new_rsa_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_jwk(pem: str, kid: str) -> dict:
    jwk = json.loads(JWK.from_pem(pem.encode()).export_public())
    jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
    return jwk


@dataclass
class FakeMoodle:
    pem: str = field(default_factory=new_rsa_pem)
    kid: str = "moodle-key-1"
    jwks_requests: int = 0
    extra_keys: list = field(default_factory=list)

    def keyset(self) -> dict:
        return {"keys": [public_jwk(self.pem, self.kid), *self.extra_keys]}

    def claims(
        self,
        nonce: str,
        now: float,
        *,
        role: str = "Learner",
        sub: str = "4",
        message_type: str = "LtiResourceLinkRequest",
        custom: dict | None = None,
        locale: str = "en",
    ) -> dict:
        body = {
            "nonce": nonce,
            "iat": int(now),
            "exp": int(now) + 60,
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "sub": sub,
            "https://purl.imsglobal.org/spec/lti/claim/deployment_id": DEPLOYMENT_ID,
            "https://purl.imsglobal.org/spec/lti/claim/target_link_uri": "http://tool.test/lti/launch",
            "https://purl.imsglobal.org/spec/lti/claim/roles": [
                f"http://purl.imsglobal.org/vocab/lis/v2/membership#{role}"
            ],
            "https://purl.imsglobal.org/spec/lti/claim/context": {
                "id": "2",
                "label": "EMM101",
                "title": "Essentials of Migration Management",
                "type": ["CourseSection"],
            },
            "https://purl.imsglobal.org/spec/lti/claim/message_type": message_type,
            "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
            "given_name": "Sam",
            "family_name": "Student",
            "name": "Sam Student",
            "email": "student1@example.com",
            "https://purl.imsglobal.org/spec/lti/claim/launch_presentation": {
                "locale": locale,
                "document_target": "iframe",
                "return_url": ISSUER + "/mod/lti/return.php?course=2",
            },
            "https://purl.imsglobal.org/spec/lti/claim/custom": custom or {},
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                "scope": [
                    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
                ],
                "lineitems": ISSUER + "/mod/lti/services.php/2/lineitems?type_id=1",
                "lineitem": ISSUER + "/mod/lti/services.php/2/lineitems/2/lineitem?type_id=1",
            },
        }
        if message_type == "LtiResourceLinkRequest":
            body["https://purl.imsglobal.org/spec/lti/claim/resource_link"] = {
                "id": "1",
                "title": "Final assessment",
            }
        else:
            body["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = {
                "deep_link_return_url": ISSUER + "/mod/lti/contentitem_return.php",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
                "data": "opaque-data",
            }
        return body

    def sign(
        self, claims: dict, *, pem: str | None = None, kid: str | None = None, alg: str = "RS256"
    ) -> str:
        headers = {"kid": kid or self.kid}
        if alg == "none":
            return jwt.encode(claims, None, algorithm="none", headers=headers)
        return jwt.encode(claims, pem or self.pem, algorithm=alg, headers=headers)

    def adapter(self) -> requests.adapters.BaseAdapter:
        moodle = self

        class JwksAdapter(requests.adapters.BaseAdapter):
            def send(self, request, **kwargs):
                moodle.jwks_requests += 1
                response = requests.Response()
                response.status_code = 200
                response._content = json.dumps(moodle.keyset()).encode()
                response.headers["Content-Type"] = "application/json"
                response.url = request.url
                return response

            def close(self):
                pass

        return JwksAdapter()


def register(app, moodle: FakeMoodle | None = None, deployments=(DEPLOYMENT_ID,)) -> None:
    from lti_tool.db import session_scope
    from lti_tool.platforms.keys import ensure_signing_key
    from lti_tool.platforms.registry import PlatformRegistration, add_platform

    with app.app_context():
        with session_scope() as session:
            now = app.extensions["emm_clock"].now()
            add_platform(
                session,
                PlatformRegistration(
                    name="E-Campus",
                    issuer=ISSUER,
                    client_id=CLIENT_ID,
                    deployment_ids=tuple(deployments),
                    auth_login_url=ISSUER + "/mod/lti/auth.php",
                    auth_token_url=ISSUER + "/mod/lti/token.php",
                    key_set_url=KEYSET_URL,
                ),
                now,
            )
            ensure_signing_key(session, app.config["SECRET_KEY"], now)
        if moodle is not None:
            app.extensions["emm_services"].http.mount(ISSUER, moodle.adapter())


def login(client, **overrides) -> tuple[str, str]:
    """Start a login like Moodle does; returns (state, nonce) from the redirect."""
    params = {
        "iss": ISSUER,
        "login_hint": "4",
        "target_link_uri": "http://tool.test/lti/launch",
        "lti_message_hint": '{"cmid":2}',
        "client_id": CLIENT_ID,
        "lti_deployment_id": DEPLOYMENT_ID,
    }
    params.update(overrides)
    response = client.post("/lti/login", data=params)
    assert response.status_code == 302, response.get_data(as_text=True)
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    return query["state"][0], query["nonce"][0]


def launch(
    client,
    moodle: FakeMoodle,
    now: float,
    *,
    claims_edit=None,
    sign_kwargs=None,
    state: str | None = None,
    **claim_kwargs,
):
    real_state, nonce = login(client)
    claims = moodle.claims(nonce, now, **claim_kwargs)
    if claims_edit:
        claims_edit(claims)
    token = moodle.sign(claims, **(sign_kwargs or {}))
    return client.post("/lti/launch", data={"id_token": token, "state": state or real_state}), token
