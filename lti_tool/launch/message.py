"""Step 2 of a launch: the id_token the platform posts back, checked before anything is stored.

pylti1p3 drives the order of checks and knows registrations, deployments and message types;
we replace the parts whose defaults do not fit a tool framed in Moodle: state and nonce are
checked against our store (not the Flask session cookie), keys come from a kid-aware cache,
and time claims are judged by the injected clock with a small leeway.
"""

from __future__ import annotations

import hmac
import re
from datetime import datetime
from typing import Any, cast

import jwt
from flask_babel import gettext as _
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskRequest
from pylti1p3.exception import LtiException

from lti_tool.launch.claim_limits import check_id_token
from lti_tool.launch.errors import LaunchRejected
from lti_tool.launch.oidc_login import binding_cookie_name, digest, take_login_state
from lti_tool.launch.platform_keys import PlatformKeys
from lti_tool.platforms.tool_conf import DatabaseToolConf
from lti_tool.store import KeyValueStore

NONCE_TTL_SECONDS = 3600
# What start_login() hands out (secrets.token_urlsafe(32)): anything else is no state of ours.
STATE_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,128}")


class _NoSession(dict):
    """pylti1p3 wants a session object; ours lives in the database, not in a cookie."""


class ToolMessageLaunch(FlaskMessageLaunch):
    def __init__(
        self,
        form: dict[str, str],
        cookies: dict[str, str],
        tool_conf: DatabaseToolConf,
        *,
        store: KeyValueStore,
        platform_keys: PlatformKeys,
        now: datetime,
        leeway_seconds: int,
    ):
        request = FlaskRequest(
            cookies=cookies, session=_NoSession(), request_data=dict(form), request_is_secure=True
        )
        super().__init__(request, tool_conf)
        self.set_auto_validation(enable=False)
        self._form = form
        self._cookies = cookies
        self._store = store
        self._platform_keys = platform_keys
        self._now = now
        self._leeway = leeway_seconds
        self._login: dict | None = None

    # -- pylti1p3 hooks ---------------------------------------------------------------------
    def validate_state(self):
        state = self._form.get("state", "")
        if not state:
            raise LaunchRejected(_("The launch has no state parameter."), code="missing_state")
        login = take_login_state(self._store, state) if STATE_PATTERN.fullmatch(state) else None
        if login is None:
            raise LaunchRejected(
                _("This launch does not match a login started here, or it was already used."),
                code="unknown_state",
                status=401,
            )
        secret = self._cookies.get(binding_cookie_name(state), "")
        if not secret:
            raise LaunchRejected(
                _(
                    "Your browser did not send back the cookie that ties this launch to you. "
                    "Browsers that block third-party cookies do this inside a course page."
                ),
                code="browser_binding_missing",
                status=401,
                action=_("Open the assessment in a new window from your course."),
            )
        if not hmac.compare_digest(digest(secret), login["browser"]):
            raise LaunchRejected(
                _("This launch was started in another browser."), code="state_mismatch", status=401
            )
        self._login = login
        return self

    def validate_nonce(self):
        # Checked in validate_once() after the signature: a forged token must not burn nonces.
        nonce = self._get_jwt_body().get("nonce")
        if not nonce:
            raise LaunchRejected(_("The id_token has no nonce."), code="missing_nonce", status=401)
        assert self._login is not None
        if not hmac.compare_digest(str(nonce), self._login["nonce"]):
            raise LaunchRejected(
                _("The id_token's nonce does not match this login."),
                code="nonce_mismatch",
                status=401,
            )
        return self

    def validate_registration(self):
        assert self._login is not None
        if (
            self.get_iss() == self._login["iss"]
            and self.get_client_id() != self._login["client_id"]
        ):
            raise LaunchRejected(
                _("The id_token is meant for another tool (aud)."),
                code="wrong_audience",
                status=401,
            )
        try:
            super().validate_registration()
        except LtiException:
            raise LaunchRejected(
                _(
                    "The id_token comes from a platform (issuer and client ID) "
                    "that is not registered here."
                ),
                code="unknown_platform",
                status=403,
            ) from None
        if (self._registration.get_issuer(), self._registration.get_client_id()) != (
            self._login["iss"],
            self._login["client_id"],
        ):
            raise LaunchRejected(
                _("The id_token's issuer or audience differs from the login's."),
                code="wrong_audience",
                status=401,
            )
        return self

    def validate_jwt_signature(self):
        header = self._jwt.get("header", {})
        if header.get("alg") != "RS256":
            raise LaunchRejected(
                _("The id_token must be signed with RS256."), code="bad_algorithm", status=401
            )
        kid = header.get("kid")
        if not kid:
            raise LaunchRejected(
                _("The id_token names no signing key (kid)."), code="missing_kid", status=401
            )
        public_key = self._platform_keys.public_key_for(self._registration.get_key_set_url(), kid)
        try:
            body = jwt.decode(
                self._get_id_token(),
                public_key,
                algorithms=["RS256"],
                audience=self._registration.get_client_id(),
                issuer=self._registration.get_issuer(),
                options={
                    "require": ["exp", "iat", "aud", "iss", "sub"],
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.InvalidAudienceError:
            raise LaunchRejected(
                _("The id_token is meant for another tool (aud)."),
                code="wrong_audience",
                status=401,
            ) from None
        except jwt.InvalidTokenError:
            raise LaunchRejected(
                _("The id_token's signature is not valid."), code="bad_signature", status=401
            ) from None
        self._check_authorized_party(body)
        self._check_times(body)
        return self

    def validate_deployment(self):
        try:
            return super().validate_deployment()
        except LtiException:
            raise LaunchRejected(
                _("This deployment of the tool is not registered here."),
                code="unknown_deployment",
                status=403,
                action=_(
                    "An administrator must add the Deployment ID shown "
                    "in Moodle to the tool's registration."
                ),
            ) from None

    def validate_message(self):
        try:
            return super().validate_message()
        except LtiException as exc:
            raise LaunchRejected(
                _("The launch message is not one this tool accepts: %(why)s", why=str(exc)),
                code="bad_message",
            ) from None

    def save_launch_data(self):
        return self  # launches are stored by lti_tool.launch.sessions, after every check

    # -- our additions ----------------------------------------------------------------------
    def _check_authorized_party(self, body: dict) -> None:
        """LTI Security Framework 5.1.3: a token for several audiences must name us as its
        authorized party (azp), and an azp, when present, must be us."""
        assert self._registration is not None  # validate_registration() found it
        client_id = self._registration.get_client_id()
        several = isinstance(body.get("aud"), list) and len(body["aud"]) > 1
        if (several or "azp" in body) and body.get("azp") != client_id:
            raise LaunchRejected(
                _(
                    "The id_token names several audiences or an authorized party "
                    "(azp), and its azp is not this tool's Client ID."
                ),
                code="wrong_audience",
                status=401,
            )

    def _check_times(self, body: dict) -> None:
        now = self._now.timestamp()
        if not _is_time(body.get("exp")) or now > body["exp"] + self._leeway:
            raise LaunchRejected(_("The id_token has expired."), code="expired", status=401)
        if not _is_time(body.get("iat")) or body["iat"] > now + self._leeway:
            raise LaunchRejected(
                _("The id_token was issued in the future; check the clocks."),
                code="issued_in_future",
                status=401,
            )
        # Not before nbf, when the platform sets one (RFC 7519 4.1.5; LTI Security Framework
        # 5.1.3 validates the id_token as a JWT).
        if "nbf" in body and (not _is_time(body["nbf"]) or body["nbf"] > now + self._leeway):
            raise LaunchRejected(
                _("The id_token is not valid yet (nbf); check the clocks."),
                code="not_yet_valid",
                status=401,
            )

    def validate_all(self) -> dict[str, Any]:
        try:
            self.validate_state()
            self.validate_jwt_format()
        except LtiException:
            raise LaunchRejected(
                _("The id_token is not a well-formed JWT."), code="malformed_token"
            ) from None
        check_id_token(self._jwt.get("header"), self._jwt.get("body"))
        self.validate_nonce().validate_registration().validate_jwt_signature()
        self.validate_deployment().validate_message()
        self._validated = True
        self._use_nonce_once()
        return cast("dict[str, Any]", self._jwt["body"])  # a claim set, not only pylti's keys

    def _use_nonce_once(self) -> None:
        body = self._jwt["body"]
        key = f"nonce:{body['iss']}:{body['nonce']}"
        if not self._store.put_if_absent(key, "1", NONCE_TTL_SECONDS):
            raise LaunchRejected(
                _("This id_token was already used (replayed launch)."), code="replayed", status=401
            )

    @property
    def registration(self):
        return self._registration


def _is_time(value: object) -> bool:
    """A NumericDate: a number of seconds (JSON true is no time)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)
