"""Browser-facing routes: the index, the launch starter, the OIDC authorization endpoint and
the deep-linking return."""

from __future__ import annotations

import json
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
DEFAULT_USER = {"learner": "4", "instructor": "3", "deeplink": "3"}
DEFAULT_ROLES = {
    "learner": [c.ROLE_LEARNER],
    "instructor": [c.ROLE_INSTRUCTOR],
    "deeplink": [c.ROLE_INSTRUCTOR],
}
DEFAULT_LINK_ID = "1"


def error_page(message: str, status: int = 400) -> flask.Response:
    html = flask.render_template("error.html", message=message)
    return flask.make_response(html, status)


def _flag(name: str, default: bool = True) -> bool:
    raw = flask.request.args.get(name)
    if raw is None:
        return default
    return raw.strip().lower() not in ("0", "false", "no", "off", "")


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
    config = state.config
    args = flask.request.args
    tool = _active_tool(state, args.get("client_id"))
    if tool is None:
        return error_page("No active tool with that client id.")
    if not tool.login_url:
        return error_page("The tool registration has no initiate-login URL yet.")

    user_id = args.get("user_id") or DEFAULT_USER[kind]
    if args.get("roles"):
        roles = [c.full_role(role.strip()) for role in args["roles"].split(",") if role.strip()]
    else:
        roles = list(DEFAULT_ROLES[kind])
    if _flag("admin", False):
        roles.extend(c.ROLES_SITE_ADMIN)
    member = state.member(user_id)
    given = args.get("given_name") or (member.given_name if member else "User")
    family = args.get("family_name") or (member.family_name if member else user_id)
    if args.get("name") and not args.get("given_name"):
        given, _, family = args["name"].partition(" ")
    email = args.get("email") or (member.email if member else f"user{user_id}@example.com")
    username = args.get("username") or (member.username if member else f"user{user_id}")
    if _flag("enrol", True):
        # Opening a course activity means being enrolled in the course.
        state.enrol(
            user_id,
            [r for r in roles if r not in c.ROLES_SITE_ADMIN] or roles,
            given_name=given,
            family_name=family,
            email=email,
            username=username,
        )

    custom = dict(tool.custom)
    launch_id = f"ltilaunch_{state.new_secret(12)}"
    pending = PendingLaunch(
        launch_id=launch_id,
        kind=kind,
        client_id=tool.client_id,
        user_id=user_id,
        roles=roles,
        given_name=given,
        family_name=family,
        email=email,
        username=username,
        locale=args.get("locale", "en"),
        target_link_uri=tool.launch_url,
        include_ags=_flag("ags"),
        include_nrps=_flag("nrps"),
    )
    if kind == "deeplink":
        pending.target_link_uri = tool.deep_link_url or tool.launch_url
        pending.deep_link_title = args.get("title", "Select an assessment")
        pending.deep_link_data = args.get("data")
        if args.get("accept_types"):
            pending.accept_types = args["accept_types"].split(",")
        message_hint = {"launchid": launch_id}
    else:
        link = _resource_link_for_launch(state, tool, args)
        custom.update(link.custom)
        pending.resource_link_id = link.id
        pending.resource_link_title = link.title
        pending.resource_link_description = link.description
        pending.target_link_uri = (
            args.get("target_link_uri") or link.target_link_uri or tool.launch_url
        )
        pending.document_target = args.get("document_target", "window")
        pending.return_url = args.get("return_url") or config.url(
            "/return", f"course={config.context_id}&instanceid={link.id}"
        )
        if _flag("lineitem") and pending.include_ags:
            pending.line_item_id = link.line_item_id
        message_hint = {
            "cmid": int(link.id) if link.id.isdigit() else link.id,
            "launchid": launch_id,
        }
    custom.update(
        {
            key[len("custom_") :]: value
            for key, value in args.items()
            if key.startswith("custom_") and len(key) > len("custom_")
        }
    )
    pending.custom = custom
    state.add_pending_launch(pending)

    conf = DemoPlatformConf(state=state, tool=tool)
    login = FlaskOIDCLogin(FlaskRequest(flask.request), conf)
    login.set_lti_message_hint(lti_message_hint=json.dumps(message_hint, separators=(",", ":")))
    login.set_launch_url(pending.target_link_uri)
    if args.get("login_method", "get").lower() != "post":
        return login.initiate_login(user_id)
    # Moodle itself POSTs the login initiation from an auto-submitted form.
    url = urlsplit(login.prepare_preflight_url(user_id))
    action = url._replace(query="").geturl()
    return render_form_post(action, parse_qsl(url.query), "Starting the launch")


def _resource_link_for_launch(
    state: PlatformState, tool: ToolRegistration, args: flask.datastructures.MultiDict[str, str]
) -> ResourceLink:
    link_id = args.get("resource_link_id") or DEFAULT_LINK_ID
    link = state.resource_link(link_id)
    if link is None:
        link = ResourceLink(
            id=link_id,
            title=args.get("resource_link_title", "Final assessment"),
            description=args.get("resource_link_description", "Launches the assessment tool"),
            client_id=tool.client_id,
        )
    if link.line_item_id is None and _flag("lineitem") and _flag("ags"):
        # Moodle: an activity that accepts grades has exactly one grade item.
        item = state.create_line_item(
            label=link.title,
            score_maximum=float(args.get("grade_max", 100)),
            resource_link_id=link.id,
        )
        link.line_item_id = item.id
    return state.save_resource_link(link)


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
    config = state.config
    token = flask.request.form.get("JWT", "")
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return error_page("The deep-linking response is not a JWT.")
    tool = _active_tool(state, str(unverified.get("iss", "")))
    if tool is None:
        return error_page("The deep-linking response does not come from a registered tool.")
    conf = DemoPlatformConf(state=state, tool=tool)
    conf.set_accepted_deeplinking_types(["ltiResourceLink"])
    conf.get_registration()
    try:
        items = conf.validate_deeplinking_resp({"JWT": token})
    except (LtiException, LtiDeepLinkingResponseException, jwt.PyJWTError) as error:
        return error_page(f"The deep-linking response was refused: {error}")
    claims = conf.decoded or {}
    audience = claims.get("aud")
    if config.issuer not in (audience if isinstance(audience, list) else [audience]):
        return error_page("The deep-linking response is not addressed to this platform.")
    if claims.get(c.LTI + "deployment_id") != tool.deployment_id:
        return error_page("The deep-linking response names another deployment.")

    created: list[str] = []
    for item in items:
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
        created.append(link.id)
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


@bp.get("/return")
def launch_return() -> str:
    """Where launch_presentation.return_url leads: Moodle's course page, in short."""
    return flask.render_template("returned.html", args=flask.request.args)
