"""LTI Dynamic Registration the way Moodle 4.5 does it (see dynamic_registration.json)."""

from __future__ import annotations

import json
from urllib.parse import urlencode, urlsplit, urlunsplit

import flask
import jwt

from demo_platform import claims as c
from demo_platform.config import public_key_pem
from demo_platform.records import DynamicRegistrationRecord
from demo_platform.registration_helper import RegistrationError, register_tool
from demo_platform.service_gate import fault_gate, platform_state
from demo_platform.signing import sign_as_platform

bp = flask.Blueprint("registration", __name__)

PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
NEW_REGISTRATION_SCOPE = "reg"
MOODLE_VARIABLES = [
    "basic-lti-launch-request",
    "ContentItemSelectionRequest",
    "ToolProxyRegistrationRequest",
    "Context.id",
    "Context.title",
    "Context.label",
    "Context.id.history",
    "Context.sourcedId",
    "Context.longDescription",
    "Context.timeFrame.begin",
    "CourseSection.title",
    "CourseSection.label",
    "CourseSection.sourcedId",
    "CourseSection.longDescription",
    "CourseSection.timeFrame.begin",
    "CourseSection.timeFrame.end",
    "ResourceLink.id",
    "ResourceLink.title",
    "ResourceLink.description",
    "User.id",
    "User.username",
    "Person.name.full",
    "Person.name.given",
    "Person.name.family",
    "Person.email.primary",
    "Person.sourcedId",
    "Person.name.middle",
    "Person.address.street1",
    "Person.address.locality",
    "Person.address.country",
    "Person.address.timezone",
    "Person.phone.primary",
    "Person.phone.mobile",
    "Person.webaddress",
    "Membership.role",
    "Result.sourcedId",
    "Result.autocreate",
    "BasicOutcome.sourcedId",
    "BasicOutcome.url",
    "Moodle.Person.userGroupIds",
]


@bp.get("/.well-known/openid-configuration")
def openid_configuration() -> flask.Response:
    config = platform_state().config
    return flask.jsonify(
        {
            "issuer": config.issuer,
            "token_endpoint": config.token_url(),
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
            "jwks_uri": config.url("/jwks"),
            "authorization_endpoint": config.url("/auth"),
            "registration_endpoint": config.url("/register"),
            "scopes_supported": [
                "https://purl.imsglobal.org/spec/lti-bo/scope/basicoutcome",
                c.SCOPE_LINEITEM_READONLY,
                c.SCOPE_RESULT_READONLY,
                c.SCOPE_SCORE,
                c.SCOPE_LINEITEM,
                c.SCOPE_NRPS,
                "https://purl.imsglobal.org/spec/lti-ts/scope/toolsetting",
                "openid",
            ],
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public", "pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["sub", "iss", "name", "given_name", "family_name", "email"],
            PLATFORM_CONFIGURATION: {
                "product_family_code": "moodle",
                "version": "4.5 (demo platform)",
                "messages_supported": [
                    {"type": "LtiResourceLinkRequest"},
                    {"type": "LtiDeepLinkingRequest", "placements": ["ContentArea"]},
                ],
                "variables": MOODLE_VARIABLES,
            },
        }
    )


def issue_registration_token() -> str:
    """Moodle's registration token: sub = the client id the new tool will get, scope "reg"."""
    state = platform_state()
    now = int(state.now())
    return sign_as_platform(
        state.config,
        {
            "sub": state.new_secret(15),
            "scope": NEW_REGISTRATION_SCOPE,
            "iat": now,
            "exp": now + state.config.registration_token_lifetime,
        },
    )


@bp.get("/start-registration")
def start_registration() -> flask.Response:
    """What "Add LTI Advantage" does: open the tool's registration URL with
    openid_configuration and registration_token."""
    target = flask.request.args.get("tool_registration_url", "")
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        html = flask.render_template(
            "error.html", message="tool_registration_url must be an http(s) URL."
        )
        return flask.make_response(html, 400)
    extra = urlencode(
        {
            "openid_configuration": platform_state().config.url(
                "/.well-known/openid-configuration"
            ),
            "registration_token": issue_registration_token(),
        }
    )
    query = f"{parts.query}&{extra}" if parts.query else extra
    return flask.redirect(urlunsplit(parts._replace(query=query)), code=302)


def _bearer_subject() -> str:
    state = platform_state()
    auth = flask.request.headers.get("Authorization", "").split()
    if len(auth) != 2 or auth[0].lower() != "bearer":
        raise RegistrationError("missing registration token", 401)
    try:
        token = jwt.decode(
            auth[1],
            public_key_pem(state.config.private_key_pem),
            algorithms=["RS256"],
            options={"verify_exp": False, "verify_iat": False},
        )
    except jwt.PyJWTError as error:
        raise RegistrationError(f"invalid registration token: {error}", 401) from error
    exp = token.get("exp")
    if not isinstance(exp, (int, float)) or exp <= state.now():
        raise RegistrationError("registration token expired", 401)
    if token.get("scope") != NEW_REGISTRATION_SCOPE:
        raise RegistrationError("Incorrect scope", 403)
    subject = str(token.get("sub", ""))
    if not subject or state.tool(subject) is not None:
        raise RegistrationError("token_already_used", 401)
    return subject


@bp.post("/register")
@fault_gate("register")
def register() -> flask.Response:
    state = platform_state()
    try:
        client_id = _bearer_subject()
        payload = flask.request.get_json(force=True, silent=True)
        tool, answer = register_tool(payload, client_id, state)
    except RegistrationError as error:
        return flask.Response(
            json.dumps(error.message), status=error.status, mimetype="application/json"
        )
    if not state.claim_registration_subject(client_id):
        return flask.Response(
            json.dumps("token_already_used"), status=401, mimetype="application/json"
        )
    state.add_tool(tool)
    state.add_registration(
        DynamicRegistrationRecord(request=payload, response=answer, client_id=client_id)
    )
    return flask.jsonify(answer)
