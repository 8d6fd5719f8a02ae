"""Browser-facing routes: the index, the launch starter, the OIDC authorization endpoint and
the deep-linking return."""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import flask
import jwt
from lti1p3platform.exceptions import (
    LtiDeepLinkingResponseException,
    LtiException,
    PreflightRequestValidationException,
)

from demo_platform import claims as c
from demo_platform.flask_adapter import FlaskOIDCLogin, FlaskRequest, render_form_post
from demo_platform.launch import DemoMessageLaunch
from demo_platform.launch_request import (
    enrol_for_launch,
    flag,
    launching_user,
    pending_launch,
)
from demo_platform.platform_conf import DemoPlatformConf
from demo_platform.service_gate import fault_gate, platform_state
from demo_platform.store import (
    DeepLinkReturn,
    PendingLaunch,
    PlatformState,
    ResourceLink,
    ToolRegistration,
)

bp = flask.Blueprint("launch", __name__)

KINDS = ("learner", "instructor", "deeplink")


def error_page(message: str, status: int = 400) -> flask.Response:
    html = flask.render_template("error.html", message=message)
    return flask.make_response(html, status)


@bp.get("/")
def index() -> str:
    state = platform_state()
    return flask.render_template(
        "index.html",
        config=state.config,
        tools=state.tools(),
        members=state.members(),
        links=state.resource_links(),
        line_items=state.line_items(),
        grades=state.grades(),
        deep_link_returns=state.deep_link_returns(),
        kinds=KINDS,
    )


@bp.post("/tools/<client_id>/activate")
def activate_tool(client_id: str) -> flask.Response:
    state = platform_state()
    if state.tool(client_id) is None:
        return error_page("Unknown tool.", 404)
    state.activate_tool(client_id)
    return flask.redirect(flask.url_for("launch.index"), code=303)


def _active_tool(state: PlatformState, client_id: str | None) -> ToolRegistration | None:
    tool = state.tool(client_id)
    return tool if tool is not None and tool.active else None


@bp.get("/launch/<kind>")
def start_launch(kind: str) -> flask.Response:
    """Begin a launch like Moodle's "view.php": record it, then send the browser to the
    tool's initiate-login URL with iss, login_hint, lti_message_hint, client_id,
    lti_deployment_id and target_link_uri."""
    if kind not in KINDS:
        return error_page("Unknown launch kind: use learner, instructor or deeplink.", 404)
    state = platform_state()
    args = flask.request.args
    tool = _active_tool(state, args.get("client_id"))
    if tool is None:
        return error_page("No active tool with that client id.")
    if not tool.login_url:
        return error_page("The tool registration has no initiate-login URL yet.")
    try:  # checked before anything is recorded; the line item is made from it later
        grade_max = float(args.get("grade_max", 100))
    except ValueError:
        return error_page("grade_max must be a number.")
    if not math.isfinite(grade_max):
        return error_page("grade_max must be a finite number.")

    user = launching_user(state, kind, args)
    if flag(args, "enrol"):
        enrol_for_launch(state, user)
    pending, message_hint = pending_launch(state, kind, tool, user, args)
    state.add_pending_launch(pending)
    return _to_tool_login(state, tool, pending, message_hint)


def _to_tool_login(
    state: PlatformState,
    tool: ToolRegistration,
    pending: PendingLaunch,
    message_hint: dict[str, Any],
) -> flask.Response:
    """The browser goes to the tool's initiate-login URL: redirected, or (login_method=post)
    through an auto-submitted form as Moodle itself does."""
    conf = DemoPlatformConf(state=state, tool=tool)
    login = FlaskOIDCLogin(FlaskRequest(flask.request), conf)
    login.set_lti_message_hint(lti_message_hint=json.dumps(message_hint, separators=(",", ":")))
    login.set_launch_url(pending.target_link_uri)
    if flask.request.args.get("login_method", "get").lower() != "post":
        return login.initiate_login(pending.user_id)
    url = urlsplit(login.prepare_preflight_url(pending.user_id))
    action = url._replace(query="").geturl()
    return render_form_post(action, parse_qsl(url.query), "Starting the launch")


def _auth_error_post(
    redirect_uri: str, error: str, description: str, state_param: str | None
) -> flask.Response:
    fields = [("error", error), ("error_description", description)]
    if state_param is not None:
        fields.append(("state", state_param))
    return render_form_post(redirect_uri, fields, "Returning to the tool")


@bp.route("/auth", methods=["GET", "POST"])
@fault_gate("auth")
def authorize() -> flask.Response:
    """OIDC authorization endpoint, checks in the order of Moodle's auth.php. Errors before the
    redirect_uri is trusted are an error page; later ones are form-posted back to the tool."""
    state = platform_state()
    params = flask.request.values
    required = ("scope", "response_type", "client_id", "redirect_uri", "login_hint", "nonce")
    missing = [name for name in required if not params.get(name)]
    error = description = None
    if missing:
        error, description = "invalid_request", "Missing " + ", ".join(missing)
    elif params["scope"] != "openid":
        error, description = "invalid_scope", "scope must be openid"
    elif params["response_type"] != "id_token":
        error, description = "unsupported_response_type", "response_type must be id_token"

    pending = None
    tool = _active_tool(state, params.get("client_id")) if params.get("client_id") else None
    if error is None:
        try:
            hint = json.loads(params.get("lti_message_hint", ""))
            launch_id = hint["launchid"]
        except (ValueError, TypeError, KeyError):
            return error_page("Invalid request: lti_message_hint is not the one we sent.")
        pending = state.pop_pending_launch(str(launch_id))
        if pending is None:
            return error_page("Invalid request: unknown or already used launch.")
        if tool is None or tool.client_id != pending.client_id:
            error, description = "unauthorized_client", "client_id does not match the launch"
        elif params["login_hint"] != pending.user_id:
            error, description = "access_denied", "login_hint is not the launching user"

    # Without a known tool the redirect_uri cannot be trusted for POSTing to.
    if tool is None or params.get("redirect_uri") not in tool.redirect_uris:
        return error_page("Invalid request: unknown client or unregistered redirect_uri.")
    if error is None and params.get("response_mode") != "form_post":
        error, description = "invalid_request", "response_mode must be form_post"
    if error is None and params.get("prompt") != "none":
        error, description = "invalid_request", "prompt must be none"
    if error is not None:
        return _auth_error_post(
            params["redirect_uri"], error, description or "", params.get("state")
        )

    assert pending is not None
    conf = DemoPlatformConf(state=state, tool=tool)
    launch = DemoMessageLaunch(FlaskRequest(flask.request), conf, pending)
    try:
        return launch.lti_launch()
    except PreflightRequestValidationException:
        return _auth_error_post(
            params["redirect_uri"],
            "invalid_request",
            "state, nonce, redirect_uri and client_id are required",
            params.get("state"),
        )


@bp.post("/deep-link-return")
@fault_gate("deep_link_return")
def deep_link_return() -> flask.Response:
    """Accept the tool's LtiDeepLinkingResponse (form field JWT), verified with its JWKS."""
    state = platform_state()
    verified = _verified_deep_link_response(state, flask.request.form.get("JWT", ""))
    if isinstance(verified, str):
        return error_page(verified)
    tool, items, claims = verified
    created = [_save_content_item(state, tool, item) for item in items]
    state.add_deep_link_return(
        DeepLinkReturn(
            client_id=tool.client_id,
            claims=claims,
            content_items=items,
            created_resource_link_ids=created,
        )
    )
    html = flask.render_template(
        "deep_link_return.html",
        items=items,
        created=created,
        claims=claims,
        message=claims.get("https://purl.imsglobal.org/spec/lti-dl/claim/msg"),
        error_message=claims.get("https://purl.imsglobal.org/spec/lti-dl/claim/errormsg"),
    )
    return flask.make_response(html)


DeepLinkResponse = tuple[ToolRegistration, list[dict[str, Any]], dict[str, Any]]


def _verified_deep_link_response(state: PlatformState, token: str) -> DeepLinkResponse | str:
    """The sending tool, the content items and the claims; or why the response is refused."""
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return "The deep-linking response is not a JWT."
    tool = _active_tool(state, str(unverified.get("iss", "")))
    if tool is None:
        return "The deep-linking response does not come from a registered tool."
    conf = DemoPlatformConf(state=state, tool=tool)
    conf.set_accepted_deeplinking_types(["ltiResourceLink"])
    conf.get_registration()
    try:
        items = conf.validate_deeplinking_resp({"JWT": token})
    except (LtiException, LtiDeepLinkingResponseException, jwt.PyJWTError) as error:
        return f"The deep-linking response was refused: {error}"
    claims = conf.decoded or {}
    audience = claims.get("aud")
    if state.config.issuer not in (audience if isinstance(audience, list) else [audience]):
        return "The deep-linking response is not addressed to this platform."
    if claims.get(c.LTI + "deployment_id") != tool.deployment_id:
        return "The deep-linking response names another deployment."
    return tool, items, claims


def _save_content_item(state: PlatformState, tool: ToolRegistration, item: dict[str, Any]) -> str:
    """An ltiResourceLink item becomes a resource link (with its line item when it has
    lineItem), as Moodle adds an activity; returns the new link's id."""
    link = ResourceLink(
        id=state.new_id(),
        title=str(item.get("title") or "Linked assessment"),
        description=str(item.get("text") or ""),
        custom=dict(item.get("custom") or {}),
        target_link_uri=item.get("url") or None,
        client_id=tool.client_id,
    )
    line_item = item.get("lineItem")
    if isinstance(line_item, dict):
        made = state.create_line_item(
            label=str(line_item.get("label") or link.title),
            score_maximum=float(line_item.get("scoreMaximum", 100)),
            resource_id=str(line_item.get("resourceId", "")),
            tag=str(line_item.get("tag", "")),
            resource_link_id=link.id,
        )
        link.line_item_id = made.id
    state.save_resource_link(link)
    return link.id


@bp.get("/return")
def launch_return() -> str:
    """Where launch_presentation.return_url leads: Moodle's course page, in short."""
    return flask.render_template("returned.html", args=flask.request.args)
