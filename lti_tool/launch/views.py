"""HTTP glue for login, launch, tool keys and the configuration an admin pastes into Moodle."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from lti_tool import db
from lti_tool.clock import current_clock
from lti_tool.launch import claims, tokens
from lti_tool.launch.accepting import accept_launch
from lti_tool.launch.oidc_login import LOGIN_TTL_SECONDS, binding_cookie_name, start_login
from lti_tool.launch.tool_config import tool_configuration
from lti_tool.platforms.keys import published_jwks
from lti_tool.platforms.tool_conf import DatabaseToolConf
from lti_tool.services import services
from lti_tool.web.rate_limits import limited_per_address

bp = Blueprint("launch", __name__)

# Bodies of the two endpoints anyone may call: six login parameters of at most 4 KB each, and
# one id_token (Moodle's are 2-4 KB; deep linking and many custom parameters add some).
LOGIN_MAX_BODY_BYTES = 32 * 1024
LAUNCH_MAX_BODY_BYTES = 64 * 1024


def _settings():
    return current_app.config["EMM_SETTINGS"]


@bp.route("/lti/login", methods=["GET", "POST"])
@limited_per_address("lti-login", per_minute=lambda settings: settings.launch_rate_per_minute)
def login() -> WerkzeugResponse:
    request.max_content_length = LOGIN_MAX_BODY_BYTES  # a larger body gets a 413
    params = request.values.to_dict()
    settings = _settings()
    found = start_login(
        params,
        DatabaseToolConf(db.session()),
        services().store,
        redirect_uri=settings.public_base_url + url_for("launch.launch"),
    )
    response = redirect(found.url, code=302)
    response.set_cookie(
        found.cookie_name,
        found.browser_secret,
        max_age=LOGIN_TTL_SECONDS,
        **_binding_cookie_attributes(),
    )
    return response


def _binding_cookie_attributes() -> dict:
    """Attributes of the login binding cookie; deleting it needs the very same ones."""
    # Browsers treat loopback hosts as secure contexts, so Secure cookies work there over http.
    secure = (
        _settings().cookies_secure
        or request.is_secure
        or request.host.split(":")[0] in {"localhost", "127.0.0.1"}
    )
    # The launch POST comes from the platform's site: only SameSite=None survives it, and
    # Partitioned (CHIPS) keeps it alive in a third-party iframe with 3P cookies blocked.
    return {
        "path": "/lti/launch",
        "httponly": True,
        "secure": secure,
        "samesite": "None" if secure else "Lax",
        "partitioned": secure,
    }


@bp.post("/lti/launch")
@limited_per_address("lti-launch", per_minute=lambda settings: settings.launch_rate_per_minute)
def launch() -> WerkzeugResponse:
    request.max_content_length = LAUNCH_MAX_BODY_BYTES
    launch = accept_launch(
        request.form.to_dict(),
        request.cookies.to_dict(),
        settings=_settings(),
        now=current_clock().now(),
    )
    token = tokens.mint(current_app.config["SECRET_KEY"], launch.id, launch.expires_at)
    response = redirect(landing_url(launch.message_type, launch.is_staff, token), code=303)
    response.delete_cookie(
        binding_cookie_name(request.form.get("state", "")), **_binding_cookie_attributes()
    )
    return response


def landing_url(message_type: str, is_staff: bool, token: str) -> str:
    values: dict[str, Any] = {tokens.FIELD: token}
    if message_type == claims.DEEP_LINKING_REQUEST:
        return url_for("deep_linking.catalogue", **values)
    if is_staff:
        return url_for("landing.instructor", **values)
    return url_for("landing.learner", **values)


@bp.get("/")
def home() -> str:
    return render_template("launch/home.html", demo=_settings().demo_enabled)


@bp.get("/.well-known/jwks.json")
def jwks() -> Response:
    keyset = published_jwks(
        db.session(), current_clock().now(), timedelta(days=_settings().key_overlap_days)
    )
    response = jsonify(keyset)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/lti/config.json")
def config_json() -> Response:
    return jsonify(tool_configuration(_settings().public_base_url))


@bp.get("/lti/config")
def config_page() -> str:
    return render_template(
        "launch/config.html", config=tool_configuration(_settings().public_base_url)
    )


@bp.get("/lti/register", defaults={"invite": ""})
@bp.get("/lti/register/<invite>")
def register(invite: str) -> Response:
    """Moodle's "Add LTI Advantage" opens the invite URL an admin pasted, with
    ?openid_configuration=...&registration_token=... added."""
    from lti_tool.launch.dynamic_registration import (
        RegistrationFailed,
        _origin,
        register_with_platform,
        require_invite,
    )
    from lti_tool.web.errors import UserFacingError
    from lti_tool.web.security import content_security_policy

    settings = _settings()
    session = db.session()
    now = current_clock().now()
    openid_configuration = request.args.get("openid_configuration", "")
    # Moodle shows these pages in its own dialog, framed by a site no stored platform names
    # yet: let the claimed platform frame them (they hold nothing to click but "Close").
    frame_origins = (
        [_origin(openid_configuration)]
        if urlsplit(openid_configuration).scheme in {"http", "https"}
        else []
    )
    try:
        if not openid_configuration:
            require_invite(session, invite, now)
            raise RegistrationFailed(
                _(
                    "This invitation is for Moodle's dynamic registration: "
                    'paste this address into "Tool URL" and press "Add '
                    'LTI Advantage".'
                )
            )
        result = register_with_platform(
            session,
            services().http,
            invite_token=invite,
            openid_configuration_url=openid_configuration,
            registration_token=request.args.get("registration_token", ""),
            base_url=settings.public_base_url,
            now=now,
            timeout=settings.http_timeout_seconds,
        )
    except UserFacingError as error:
        if frame_origins:
            error.headers.setdefault(
                "Content-Security-Policy", content_security_policy(frame_origins)
            )
        raise
    response = current_app.make_response(
        render_template(
            "launch/registered.html",
            platform_name=result.platform_name,
            deployment_id=result.deployment_id,
            issuer=result.issuer,
        )
    )
    response.headers["Content-Security-Policy"] = content_security_policy(frame_origins)
    return response
