"""LTI Dynamic Registration the way Moodle 4.5 does it (see dynamic_registration.json)."""

from __future__ import annotations

import json
import typing as t
from urllib.parse import urlencode, urlsplit, urlunsplit

import flask
import jwt

from demo_platform import claims as c
from demo_platform.config import public_key_pem
from demo_platform.records import DynamicRegistrationRecord, ToolRegistration
from demo_platform.service_gate import fault_gate, platform_state
from demo_platform.signing import sign_as_platform

bp = flask.Blueprint("registration", __name__)

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
NEW_REGISTRATION_SCOPE = "reg"
# Moodle answers the granted scopes in this order.
RESPONSE_SCOPE_ORDER = (
    c.SCOPE_SCORE,
    c.SCOPE_RESULT_READONLY,
    c.SCOPE_LINEITEM_READONLY,
    c.SCOPE_LINEITEM,
    c.SCOPE_NRPS,
)
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


class RegistrationError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


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


def _required(payload: dict[str, t.Any], name: str) -> t.Any:
    if payload.get(name) in (None, "", []):
        raise RegistrationError(f"missing_{name}")
    return payload[name]


def _domain(url_or_domain: str) -> str:
    """lti_get_domain_from_url: host[:port], lower case, without a leading www."""
    netloc = urlsplit(url_or_domain if "://" in url_or_domain else f"https://{url_or_domain}")
    domain = netloc.netloc.lower()
    return domain[4:] if domain.startswith("www.") else domain


def _register(payload: t.Any, client_id: str) -> tuple[ToolRegistration, dict[str, t.Any]]:
    """registration_to_config + config_to_registration of Moodle's registration_helper."""
    if not isinstance(payload, dict):
        raise RegistrationError("registration request must be a JSON object")
    response_types = _required(payload, "response_types")
    login_uri = _required(payload, "initiate_login_uri")
    redirect_uris = _required(payload, "redirect_uris")
    client_name = _required(payload, "client_name")
    jwks_uri = _required(payload, "jwks_uri")
    auth_method = _required(payload, "token_endpoint_auth_method")
    tool_config = _required(payload, TOOL_CONFIGURATION)
    if not isinstance(tool_config, dict):
        raise RegistrationError(f"missing_{TOOL_CONFIGURATION}")
    domain = tool_config.get("domain")
    if not domain:
        raise RegistrationError("missing_domain")
    target_link_uri = tool_config.get("target_link_uri") or f"https://{domain}"
    if _domain(domain) != _domain(target_link_uri):
        raise RegistrationError("domain_targetlinkuri_mismatch")
    if not isinstance(response_types, list) or "id_token" not in response_types:
        raise RegistrationError("invalid_response_types")
    if not isinstance(redirect_uris, list):
        raise RegistrationError("invalid_redirect_uris")
    if auth_method != "private_key_jwt":
        raise RegistrationError("invalid_token_endpoint_auth_method")
    if payload.get("application_type") not in (None, "", "web"):
        raise RegistrationError("invalid_application_type")

    requested = set(str(payload.get("scope") or "").split())
    granted = set()
    if requested & {c.SCOPE_SCORE, c.SCOPE_RESULT_READONLY, c.SCOPE_LINEITEM_READONLY}:
        granted |= {c.SCOPE_SCORE, c.SCOPE_RESULT_READONLY, c.SCOPE_LINEITEM_READONLY}
    if c.SCOPE_LINEITEM in requested:
        granted |= {
            c.SCOPE_SCORE,
            c.SCOPE_RESULT_READONLY,
            c.SCOPE_LINEITEM_READONLY,
            c.SCOPE_LINEITEM,
        }
    if c.SCOPE_NRPS in requested:
        granted.add(c.SCOPE_NRPS)
    scopes = [scope for scope in RESPONSE_SCOPE_ORDER if scope in granted]

    messages = []
    deep_link_url = ""
    for message in tool_config.get("messages") or []:
        if isinstance(message, dict) and message.get("type") == "LtiDeepLinkingRequest":
            messages.append(message)
            deep_link_url = str(message.get("target_link_uri") or "")
    custom = tool_config.get("custom_parameters") or {}
    claims = tool_config.get("claims") or []
    answered_claims = ["sub", "iss"]
    if {"name", "given_name", "family_name"} & set(claims):
        answered_claims += ["name", "family_name", "given_name"]
    if "email" in claims:
        answered_claims.append("email")

    state = platform_state()
    tool = ToolRegistration(
        client_id=client_id,
        deployment_id=state.next_deployment_id(),
        login_url=login_uri,
        launch_url=target_link_uri,
        redirect_uris=[str(uri) for uri in redirect_uris],
        jwks_url=jwks_uri,
        deep_link_url=deep_link_url or target_link_uri,
        name=client_name,
        custom={str(k): str(v) for k, v in custom.items()} if isinstance(custom, dict) else {},
        scopes=scopes,
        active=state.config.auto_activate_registrations,
    )
    configuration: dict[str, t.Any] = {
        "version": "1.3.0",
        "deployment_id": tool.deployment_id,
        "target_link_uri": target_link_uri,
        "domain": _domain(domain),
        "description": str(tool_config.get("description") or ""),
        "claims": answered_claims,
    }
    if messages:
        configuration["messages"] = messages
    if tool.custom:
        configuration["custom_parameters"] = tool.custom
    answer = {
        "client_id": client_id,
        "response_types": ["id_token"],
        "jwks_uri": jwks_uri,
        "initiate_login_uri": login_uri,
        "grant_types": ["client_credentials", "implicit"],
        "redirect_uris": tool.redirect_uris,
        "application_type": "web",
        "token_endpoint_auth_method": "private_key_jwt",
        "client_name": client_name,
        "logo_uri": str(payload.get("logo_uri") or ""),
        "scope": " ".join(scopes),
        TOOL_CONFIGURATION: configuration,
    }
    return tool, answer


@bp.post("/register")
@fault_gate("register")
def register() -> flask.Response:
    state = platform_state()
    try:
        client_id = _bearer_subject()
        payload = flask.request.get_json(force=True, silent=True)
        tool, answer = _register(payload, client_id)
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
