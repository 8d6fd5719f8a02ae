"""LTI Dynamic Registration (https://www.imsglobal.org/spec/lti-dr/v1p0), as Moodle 4.5 runs it.

Moodle opens `/lti/register/<invite>?openid_configuration=...&registration_token=...`; we
check the invite (lti_tool.platforms.invites) before contacting anyone, fetch and check the
platform's configuration, post our registration with the token, and store the platform and
deployment it answers with, consuming the invite in that same transaction. The tool then waits
for the admin to activate it in Moodle.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pylti1p3.dynamic_registration import DynamicRegistration
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool.launch.tool_config import AGS_SCOPES, NRPS_SCOPE, tool_configuration
from lti_tool.outbound import (
    DeadlineExceeded,
    DestinationRefused,
    OutboundClient,
    OutboundError,
    ResponseTooLarge,
)
from lti_tool.outbound.summary import for_log
from lti_tool.platforms.invites import InviteProblem, InviteRefused, check_invite, consume_invite
from lti_tool.platforms.models import Platform
from lti_tool.platforms.registry import (
    ClientIdTaken,
    IssuerAlreadyRegistered,
    PlatformRegistration,
    RegistrationError,
    add_new_platform,
    platforms_with_issuer,
)
from lti_tool.web.errors import UserFacingError

log = logging.getLogger(__name__)

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_NAME = "E-Campus assessment"


class RegistrationFailed(UserFacingError):
    """424 Failed Dependency when the platform is the part that failed: a 4xx the admin can act
    on, never a 500."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(
            message,
            status=status,
            code="registration_failed",
            action=_(
                "Check the tool URL in Moodle and try again; an administrator "
                "can also register the tool by hand (see the admin guide)."
            ),
        )


class RegistrationRefused(UserFacingError):
    """The tool will not register: no usable invitation, or the platform is already known.
    Nothing was sent to the platform and nothing was stored."""

    title = _l("The tool was not registered")


def invite_refused(problem: InviteProblem) -> RegistrationRefused:
    messages = {
        InviteProblem.MISSING: _(
            "Dynamic registration of this tool needs an invitation from its administrator."
        ),
        InviteProblem.UNKNOWN: _("This registration invitation is not valid."),
        InviteProblem.EXPIRED: _("This registration invitation has expired."),
        InviteProblem.USED: _(
            "This registration invitation has already been used: each "
            "invitation registers one platform, once."
        ),
        InviteProblem.REVOKED: _("This registration invitation was revoked."),
    }
    return RegistrationRefused(
        messages[problem],
        status=403,
        code=f"registration_invite_{problem.value}",
        action=_(
            "An administrator of the assessment tool creates an invitation with `flask "
            "platform invite` on the tool's server. Paste the URL it prints into Moodle's "
            '"Tool URL" and press "Add LTI Advantage".'
        ),
    )


def already_registered(issuer: str) -> RegistrationRefused:
    return RegistrationRefused(
        _(
            "The platform %(issuer)s is already registered with this tool. A registration never "
            "changes an existing one.",
            issuer=issuer,
        ),
        status=409,
        code="platform_already_registered",
        action=_(
            "Nothing was changed. If the registration must be replaced, an administrator "
            "of the assessment tool changes it with `flask platform add` or removes it "
            "with `flask platform remove` first (see `flask platform list`)."
        ),
    )


def client_id_taken(client_id: str) -> RegistrationRefused:
    return RegistrationRefused(
        _(
            "The Client ID %(client_id)s that the platform assigned is already registered for "
            "another platform.",
            client_id=client_id,
        ),
        status=409,
        code="client_id_taken",
        action=_(
            "Nothing was stored and the invitation can be used again. Delete the pending "
            "tool in Moodle, then ask an administrator of the assessment tool to check "
            "`flask platform list`."
        ),
    )


class ToolRegistrationRequest(DynamicRegistration):
    """pylti1p3's registration payload, filled from our public configuration."""

    client_name = TOOL_NAME
    description = "Final assessments of the migration management courses (LTI 1.3)."

    def __init__(self, base_url: str):
        self._config = tool_configuration(base_url)
        self._domain = urlsplit(base_url).netloc

    def get_client_name(self) -> str:
        return self.client_name

    def get_initiate_login_uri(self) -> str:
        return self._config["initiate_login_url"]

    def get_jwks_uri(self) -> str:
        return self._config["public_keyset_url"]

    def get_redirect_uris(self) -> list[str]:
        return list(self._config["redirection_uris"])

    def get_scopes(self) -> list[str]:
        return [*AGS_SCOPES, NRPS_SCOPE]

    def get_domain(self) -> str:
        return self._domain

    def get_target_link_uri(self) -> str:
        return self._config["target_link_uri"]

    def get_claims(self) -> list[str]:
        return ["iss", "sub", "name", "given_name", "family_name", "email"]

    def get_messages(self) -> list[dict[str, str]]:
        return [
            {
                "type": "LtiDeepLinkingRequest",
                "target_link_uri": self._config["deep_linking_url"],
                "label": TOOL_NAME,
            }
        ]

    def get_description(self) -> str:
        return self.description

    def get_logo_uri(self) -> str:
        return ""


@dataclass(frozen=True)
class RegistrationResult:
    platform: Platform
    deployment_id: str
    platform_name: str
    issuer: str  # names the platform in `flask platform rename` / `brand`


def registered_name(config: dict, issuer: str) -> str:
    """A name for a new platform. Moodle 4.5 advertises no site name in its openid-configuration
    or registration token (only `product_family_code`), so the tool makes one up from the
    product and the host; it is marked as made up, and the site name Moodle sends with every
    launch (tool_platform claim) replaces it at the first launch (lti_tool.platforms.branding)
    unless an admin renames the platform first."""
    platform_config = config.get(PLATFORM_CONFIGURATION)
    platform_config = platform_config if isinstance(platform_config, dict) else {}
    product = platform_config.get("product_family_code")
    product = product.strip() if isinstance(product, str) and product.strip() else "LMS"
    return f"{product} {urlsplit(issuer).netloc}"[:200]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _get_json(http: OutboundClient, method: str, url: str, timeout: float, **kwargs) -> dict:
    """One call to the platform under the outbound policy (lti_tool.outbound): anyone holding an
    invite names these URLs. The page shows a short summary of a refusal; the log has more."""
    try:
        response = http.request(method, url, deadline=timeout, **kwargs)
    except DestinationRefused as error:
        log.warning("registration: %s %s refused: %s", method, url, error)
        raise RegistrationFailed(
            _(
                "The tool does not connect to %(url)s: the address is not "
                "allowed for platforms (an administrator can allow it with "
                "EMM_OUTBOUND_ALLOW).",
                url=url,
            ),
            424,
        ) from None
    except DeadlineExceeded:
        raise RegistrationFailed(
            _("The platform at %(url)s did not answer in time.", url=url), 424
        ) from None
    except ResponseTooLarge:
        raise RegistrationFailed(_("The platform's answer is too large."), 424) from None
    except OutboundError as error:
        log.warning("registration: %s %s failed: %s", method, url, error)
        raise RegistrationFailed(
            _("The platform at %(url)s did not answer.", url=url), 424
        ) from None
    if not response.ok:
        log.warning(
            "registration: %s %s answered HTTP %s: %s",
            method,
            url,
            response.status_code,
            for_log(response.content),
        )
        raise RegistrationFailed(
            _("The platform refused the registration: %(summary)s", summary=response.summary()), 424
        )
    try:
        body = response.json()
    except ValueError:
        raise RegistrationFailed(_("The platform's answer is not JSON."), 424) from None
    if not isinstance(body, dict):
        raise RegistrationFailed(_("The platform's answer is not a JSON object."), 424)
    return body


def require_invite(session: Session, invite_token: str, now: datetime) -> None:
    """Refuse unless the invite can be used now; ends the read transaction either way."""
    try:
        check_invite(session, invite_token, now)
    except InviteRefused as refused:
        raise invite_refused(refused.problem) from None
    finally:
        session.rollback()


def register_with_platform(
    session: Session,
    http: OutboundClient,
    *,
    invite_token: str,
    openid_configuration_url: str,
    registration_token: str,
    base_url: str,
    now: datetime,
    timeout: float,
) -> RegistrationResult:
    """Register with the platform and store it; owns its transaction (committed on success).

    Nothing leaves the tool without a usable invite. Reads end their transaction before the
    platform is contacted: SQLite takes its write lock at BEGIN (lti_tool.db), and no lock may
    be held while a remote site takes its time.
    """
    require_invite(session, invite_token, now)
    config, issuer = _platform_configuration(http, openid_configuration_url, timeout)
    # Refuse a known platform before it creates a tool on its side that we would not keep.
    try:
        if platforms_with_issuer(session, issuer.rstrip("/")):
            raise already_registered(issuer)
    finally:
        session.rollback()
    client_id, deployment_id = _register_tool(
        http, config["registration_endpoint"], base_url, registration_token, timeout
    )
    name = registered_name(config, issuer)
    registration = PlatformRegistration(
        name=name,
        name_is_automatic=True,
        issuer=issuer.rstrip("/"),
        client_id=client_id,
        deployment_ids=(deployment_id,),
        auth_login_url=config["authorization_endpoint"],
        auth_token_url=config["token_endpoint"],
        key_set_url=config["jwks_uri"],
    )
    return RegistrationResult(
        platform=_store(session, invite_token, registration, now),
        deployment_id=deployment_id,
        platform_name=name,
        issuer=registration.issuer,
    )


def _platform_configuration(
    http: OutboundClient, openid_configuration_url: str, timeout: float
) -> tuple[dict, str]:
    """The platform's OpenID configuration and issuer, checked for what registration needs."""
    if urlsplit(openid_configuration_url).scheme not in {"http", "https"}:
        raise RegistrationFailed(_("The openid_configuration parameter must be an http(s) URL."))
    config = _get_json(http, "GET", openid_configuration_url, timeout)
    issuer = str(config.get("issuer") or "")
    # The configuration must come from the issuer's own site (LTI-DR 3.5.1).
    if not issuer or _origin(issuer) != _origin(openid_configuration_url):
        raise RegistrationFailed(
            _("The platform's issuer does not match the address of its configuration.")
        )
    missing = [
        k
        for k in ("registration_endpoint", "authorization_endpoint", "token_endpoint", "jwks_uri")
        if not config.get(k)
    ]
    if missing:
        raise RegistrationFailed(
            _("The platform's configuration lacks: %(fields)s", fields=", ".join(missing))
        )
    if "id_token" not in (config.get("response_types_supported") or ["id_token"]):
        raise RegistrationFailed(_("The platform does not support id_token launches."))
    return config, issuer


def _register_tool(
    http: OutboundClient,
    registration_endpoint: str,
    base_url: str,
    registration_token: str,
    timeout: float,
) -> tuple[str, str]:
    """Post the tool's registration to the platform; returns (client_id, deployment_id)."""
    payload = ToolRegistrationRequest(base_url).lti_registration_data()
    payload.pop("logo_uri", None)
    headers = {"Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = "Bearer " + registration_token
    answer = _get_json(http, "POST", registration_endpoint, timeout, json=payload, headers=headers)
    client_id = str(answer.get("client_id") or "")
    deployment_id = str((answer.get(TOOL_CONFIGURATION) or {}).get("deployment_id") or "")
    if not client_id or not deployment_id:
        raise RegistrationFailed(_("The platform's answer has no client_id or deployment_id."), 424)
    return client_id, deployment_id


def _store(
    session: Session, invite_token: str, registration: PlatformRegistration, now: datetime
) -> Platform:
    """Consume the invite and store the platform in one transaction: both or neither."""
    try:
        invite = consume_invite(session, invite_token, now)
        platform = add_new_platform(session, registration, now)
        invite.platform_id = platform.id
        session.commit()
    except BaseException as error:
        session.rollback()
        refusal = _refusal(error, registration)
        if refusal is None:
            raise
        raise refusal from None
    return platform


def _refusal(error: BaseException, registration: PlatformRegistration) -> UserFacingError | None:
    if isinstance(error, InviteRefused):
        return invite_refused(error.problem)
    if isinstance(error, IssuerAlreadyRegistered):
        return already_registered(registration.issuer)
    # IntegrityError: another registration stored the same Client ID meanwhile.
    if isinstance(error, (ClientIdTaken, IntegrityError)):
        return client_id_taken(registration.client_id)
    if isinstance(error, RegistrationError):
        return RegistrationFailed(str(error), 424)
    return None
