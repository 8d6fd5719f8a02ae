"""Step 1 of a launch: the platform's login initiation, answered with a redirect to its
authorization endpoint.

`state` is bound to the browser that started the login: a random secret goes into a short-lived
cookie (SameSite=None; Secure; Partitioned where the browser allows, so it survives in Moodle's
iframe) and only its hash into the server-side state record. The launch must present both.

Anyone may start a login, so what one costs us is bounded: each parameter has a size limit, the
state record holds only what the launch checks (a few hundred bytes, whatever was posted), and
views.py caps the body and the rate per client address.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from flask_babel import gettext as _

from lti_tool.launch.errors import LaunchRejected
from lti_tool.platforms.tool_conf import DatabaseToolConf
from lti_tool.store import KeyValueStore

LOGIN_TTL_SECONDS = 600
LOGIN_PARAMS = (
    "iss",
    "login_hint",
    "target_link_uri",
    "lti_message_hint",
    "client_id",
    "lti_deployment_id",
)
# Moodle's are tens of bytes (an lti_message_hint is a small JSON); other platforms put a
# signed token in lti_message_hint. Generous, but finite.
MAX_PARAM_CHARS = 4096


@dataclass(frozen=True)
class LoginRedirect:
    url: str
    state: str
    browser_secret: str

    @property
    def cookie_name(self) -> str:
        return binding_cookie_name(self.state)


def binding_cookie_name(state: str) -> str:
    return "emm_login_" + hashlib.sha256(state.encode()).hexdigest()[:16]


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def check_login_params(params: dict[str, str]) -> None:
    """Refuse (400) a login parameter that is too long or holds a NUL character (which
    PostgreSQL cannot even compare with a stored issuer)."""
    for name in LOGIN_PARAMS:
        value = params.get(name, "")
        if len(value) > MAX_PARAM_CHARS:
            raise LaunchRejected(
                _(
                    "The login parameter %(name)s is longer than %(limit)s characters.",
                    name=name,
                    limit=MAX_PARAM_CHARS,
                ),
                code="login_param_too_long",
            )
        if "\x00" in value:
            raise LaunchRejected(
                _("The login parameter %(name)s holds a NUL character.", name=name),
                code="login_param_invalid",
            )


def start_login(
    params: dict[str, str], tool_conf: DatabaseToolConf, store: KeyValueStore, redirect_uri: str
) -> LoginRedirect:
    check_login_params(params)
    iss = params.get("iss", "")
    login_hint = params.get("login_hint", "")
    if not iss:
        raise LaunchRejected(_("The login request has no issuer (iss)."), code="missing_iss")
    if not login_hint:
        raise LaunchRejected(_("The login request has no login_hint."), code="missing_login_hint")
    platform = tool_conf.platform(iss, params.get("client_id") or None)
    if platform is None:
        raise LaunchRejected(
            _("No platform is registered with this Platform ID and Client ID."),
            code="unknown_platform",
            status=403,
            action=_(
                "An administrator must register this Moodle site in the tool first "
                "(see the tool's configuration page)."
            ),
        )

    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    browser_secret = secrets.token_urlsafe(32)
    # Only what the launch checks, all of it ours or the registration's: never the posted values.
    record = {
        "iss": platform.issuer,
        "client_id": platform.client_id,
        "nonce": nonce,
        "browser": digest(browser_secret),
    }
    store.put("oidc-state:" + state, json.dumps(record), LOGIN_TTL_SECONDS)

    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "nonce": nonce,
        "login_hint": login_hint,
    }
    if params.get("lti_message_hint"):
        query["lti_message_hint"] = params["lti_message_hint"]
    separator = "&" if "?" in platform.auth_login_url else "?"
    return LoginRedirect(
        platform.auth_login_url + separator + urlencode(query), state, browser_secret
    )


def take_login_state(store: KeyValueStore, state: str) -> dict | None:
    """The login record for `state`, consumed: a state works for one launch only."""
    raw = store.pop("oidc-state:" + state) if state else None
    return json.loads(raw) if raw else None
