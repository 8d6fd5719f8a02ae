"""Moodle's registration_helper for LTI Dynamic Registration: a tool's registration request
checked in Moodle's order (registration_to_config), the tool it registers and Moodle's answer
(config_to_registration). Errors carry Moodle's messages, e.g. "missing_jwks_uri"."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from urllib.parse import urlsplit

from demo_platform import claims as c
from demo_platform.records import ToolRegistration
from demo_platform.store import PlatformState

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
# Moodle answers the granted scopes in this order.
RESPONSE_SCOPE_ORDER = (
    c.SCOPE_SCORE,
    c.SCOPE_RESULT_READONLY,
    c.SCOPE_LINEITEM_READONLY,
    c.SCOPE_LINEITEM,
    c.SCOPE_NRPS,
)
AGS_READ_AND_SCORE = {c.SCOPE_SCORE, c.SCOPE_RESULT_READONLY, c.SCOPE_LINEITEM_READONLY}


class RegistrationError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class RegistrationRequest:
    """The parts of a valid registration request that the registration is made of."""

    payload: dict[str, t.Any]
    login_uri: str
    redirect_uris: list[str]
    client_name: str
    jwks_uri: str
    tool_config: dict[str, t.Any]
    domain: str
    target_link_uri: str


def _required(payload: dict[str, t.Any], name: str) -> t.Any:
    if payload.get(name) in (None, "", []):
        raise RegistrationError(f"missing_{name}")
    return payload[name]


def domain_of(url_or_domain: str) -> str:
    """lti_get_domain_from_url: host[:port], lower case, without a leading www."""
    netloc = urlsplit(url_or_domain if "://" in url_or_domain else f"https://{url_or_domain}")
    domain = netloc.netloc.lower()
    return domain[4:] if domain.startswith("www.") else domain


def checked_request(payload: t.Any) -> RegistrationRequest:
    """The request, checked in the order of Moodle's registration_to_config."""
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
    if domain_of(domain) != domain_of(target_link_uri):
        raise RegistrationError("domain_targetlinkuri_mismatch")
    if not isinstance(response_types, list) or "id_token" not in response_types:
        raise RegistrationError("invalid_response_types")
    if not isinstance(redirect_uris, list):
        raise RegistrationError("invalid_redirect_uris")
    if auth_method != "private_key_jwt":
        raise RegistrationError("invalid_token_endpoint_auth_method")
    if payload.get("application_type") not in (None, "", "web"):
        raise RegistrationError("invalid_application_type")
    return RegistrationRequest(
        payload=payload,
        login_uri=login_uri,
        redirect_uris=[str(uri) for uri in redirect_uris],
        client_name=client_name,
        jwks_uri=jwks_uri,
        tool_config=tool_config,
        domain=domain,
        target_link_uri=target_link_uri,
    )


def granted_scopes(requested_scope: str) -> list[str]:
    """Moodle grants the AGS scopes as a bundle (any one of them brings the read and score
    scopes; lineitem brings all four) and NRPS on its own."""
    requested = set(requested_scope.split())
    granted: set[str] = set()
    if requested & AGS_READ_AND_SCORE:
        granted |= AGS_READ_AND_SCORE
    if c.SCOPE_LINEITEM in requested:
        granted |= AGS_READ_AND_SCORE | {c.SCOPE_LINEITEM}
    if c.SCOPE_NRPS in requested:
        granted.add(c.SCOPE_NRPS)
    return [scope for scope in RESPONSE_SCOPE_ORDER if scope in granted]


def _deep_linking_messages(tool_config: dict[str, t.Any]) -> tuple[list[dict[str, t.Any]], str]:
    """The LtiDeepLinkingRequest messages the tool declares, and the last one's target."""
    messages = []
    deep_link_url = ""
    for message in tool_config.get("messages") or []:
        if isinstance(message, dict) and message.get("type") == "LtiDeepLinkingRequest":
            messages.append(message)
            deep_link_url = str(message.get("target_link_uri") or "")
    return messages, deep_link_url


def _answered_claims(tool_config: dict[str, t.Any]) -> list[str]:
    claims = tool_config.get("claims") or []
    answered = ["sub", "iss"]
    if {"name", "given_name", "family_name"} & set(claims):
        answered += ["name", "family_name", "given_name"]
    if "email" in claims:
        answered.append("email")
    return answered


def register_tool(
    payload: t.Any, client_id: str, state: PlatformState
) -> tuple[ToolRegistration, dict[str, t.Any]]:
    """The tool a registration request registers (not yet stored) and Moodle's answer."""
    request = checked_request(payload)
    messages, deep_link_url = _deep_linking_messages(request.tool_config)
    custom = request.tool_config.get("custom_parameters") or {}
    tool = ToolRegistration(
        client_id=client_id,
        deployment_id=state.next_deployment_id(),
        login_url=request.login_uri,
        launch_url=request.target_link_uri,
        redirect_uris=request.redirect_uris,
        jwks_url=request.jwks_uri,
        deep_link_url=deep_link_url or request.target_link_uri,
        name=request.client_name,
        custom={str(k): str(v) for k, v in custom.items()} if isinstance(custom, dict) else {},
        scopes=granted_scopes(str(request.payload.get("scope") or "")),
        active=state.config.auto_activate_registrations,
    )
    return tool, _answer(request, tool, messages)


def _answer(
    request: RegistrationRequest, tool: ToolRegistration, messages: list[dict[str, t.Any]]
) -> dict[str, t.Any]:
    configuration: dict[str, t.Any] = {
        "version": "1.3.0",
        "deployment_id": tool.deployment_id,
        "target_link_uri": request.target_link_uri,
        "domain": domain_of(request.domain),
        "description": str(request.tool_config.get("description") or ""),
        "claims": _answered_claims(request.tool_config),
    }
    if messages:
        configuration["messages"] = messages
    if tool.custom:
        configuration["custom_parameters"] = tool.custom
    return {
        "client_id": tool.client_id,
        "response_types": ["id_token"],
        "jwks_uri": request.jwks_uri,
        "initiate_login_uri": request.login_uri,
        "grant_types": ["client_credentials", "implicit"],
        "redirect_uris": tool.redirect_uris,
        "application_type": "web",
        "token_endpoint_auth_method": "private_key_jwt",
        "client_name": request.client_name,
        "logo_uri": str(request.payload.get("logo_uri") or ""),
        "scope": " ".join(tool.scopes),
        TOOL_CONFIGURATION: configuration,
    }
