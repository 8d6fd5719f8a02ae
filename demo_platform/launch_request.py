"""What a launch starter's query (GET /launch/<kind>) asks for: the launching user, enrolled as
a Moodle course member would be, and the PendingLaunch that /auth signs when the tool returns.
The query parameters are listed in the package docstring."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from demo_platform import claims as c
from demo_platform.records import PendingLaunch, ResourceLink, ToolRegistration
from demo_platform.store import PlatformState

Args = MultiDict[str, str]

DEFAULT_USER = {"learner": "4", "instructor": "3", "deeplink": "3"}
DEFAULT_ROLES = {
    "learner": [c.ROLE_LEARNER],
    "instructor": [c.ROLE_INSTRUCTOR],
    "deeplink": [c.ROLE_INSTRUCTOR],
}
DEFAULT_LINK_ID = "1"
CUSTOM_PREFIX = "custom_"


def flag(args: Args, name: str, default: bool = True) -> bool:
    raw = args.get(name)
    if raw is None:
        return default
    return raw.strip().lower() not in ("0", "false", "no", "off", "")


@dataclass(frozen=True)
class LaunchingUser:
    user_id: str
    roles: list[str]  # full URIs
    given_name: str
    family_name: str
    email: str
    username: str


def launching_user(state: PlatformState, kind: str, args: Args) -> LaunchingUser:
    """The user the query names, filled in from the enrolment or the defaults of `kind`."""
    user_id = args.get("user_id") or DEFAULT_USER[kind]
    member = state.member(user_id)
    given = args.get("given_name") or (member.given_name if member else "User")
    family = args.get("family_name") or (member.family_name if member else user_id)
    if args.get("name") and not args.get("given_name"):
        given, _, family = args["name"].partition(" ")
    return LaunchingUser(
        user_id=user_id,
        roles=_roles(kind, args),
        given_name=given,
        family_name=family,
        email=args.get("email") or (member.email if member else f"user{user_id}@example.com"),
        username=args.get("username") or (member.username if member else f"user{user_id}"),
    )


def _roles(kind: str, args: Args) -> list[str]:
    if args.get("roles"):
        roles = [c.full_role(role.strip()) for role in args["roles"].split(",") if role.strip()]
    else:
        roles = list(DEFAULT_ROLES[kind])
    if flag(args, "admin", False):
        roles.extend(c.ROLES_SITE_ADMIN)
    return roles


def enrol_for_launch(state: PlatformState, user: LaunchingUser) -> None:
    """Opening a course activity means being enrolled in the course (site roles are not
    course roles)."""
    state.enrol(
        user.user_id,
        [r for r in user.roles if r not in c.ROLES_SITE_ADMIN] or user.roles,
        given_name=user.given_name,
        family_name=user.family_name,
        email=user.email,
        username=user.username,
    )


def pending_launch(
    state: PlatformState, kind: str, tool: ToolRegistration, user: LaunchingUser, args: Args
) -> tuple[PendingLaunch, dict[str, Any]]:
    """The launch to remember until /auth, and the lti_message_hint that names it (Moodle's:
    the course module id and the launch id)."""
    launch_id = f"ltilaunch_{state.new_secret(12)}"
    pending = PendingLaunch(
        launch_id=launch_id,
        kind=kind,
        client_id=tool.client_id,
        user_id=user.user_id,
        roles=user.roles,
        given_name=user.given_name,
        family_name=user.family_name,
        email=user.email,
        username=user.username,
        locale=args.get("locale", "en"),
        target_link_uri=tool.launch_url,
        include_ags=flag(args, "ags"),
        include_nrps=flag(args, "nrps"),
        custom=dict(tool.custom),
    )
    if kind == "deeplink":
        _ask_for_deep_linking(pending, tool, args)
        message_hint: dict[str, Any] = {"launchid": launch_id}
    else:
        link = _open_resource_link(state, pending, tool, args)
        cmid = int(link.id) if link.id.isdigit() else link.id
        message_hint = {"cmid": cmid, "launchid": launch_id}
    pending.custom.update(custom_parameters(args))
    return pending, message_hint


def _ask_for_deep_linking(pending: PendingLaunch, tool: ToolRegistration, args: Args) -> None:
    pending.target_link_uri = tool.deep_link_url or tool.launch_url
    pending.deep_link_title = args.get("title", "Select an assessment")
    pending.deep_link_data = args.get("data")
    if args.get("accept_types"):
        pending.accept_types = args["accept_types"].split(",")


def _open_resource_link(
    state: PlatformState, pending: PendingLaunch, tool: ToolRegistration, args: Args
) -> ResourceLink:
    config = state.config
    link = resource_link_for_launch(state, tool, args)
    pending.custom.update(link.custom)
    pending.resource_link_id = link.id
    pending.resource_link_title = link.title
    pending.resource_link_description = link.description
    pending.target_link_uri = args.get("target_link_uri") or link.target_link_uri or tool.launch_url
    pending.document_target = args.get("document_target", "window")
    pending.return_url = args.get("return_url") or config.url(
        "/return", f"course={config.context_id}&instanceid={link.id}"
    )
    if flag(args, "lineitem") and pending.include_ags:
        pending.line_item_id = link.line_item_id
    return link


def resource_link_for_launch(
    state: PlatformState, tool: ToolRegistration, args: Args
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
    if link.line_item_id is None and flag(args, "lineitem") and flag(args, "ags"):
        # Moodle: an activity that accepts grades has exactly one grade item.
        item = state.create_line_item(
            label=link.title,
            score_maximum=float(args.get("grade_max", 100)),
            resource_link_id=link.id,
        )
        link.line_item_id = item.id
    return state.save_resource_link(link)


def custom_parameters(args: Args) -> dict[str, str]:
    """custom_<name>=<value> query parameters, as the custom claim's <name>: <value>."""
    return {
        key[len(CUSTOM_PREFIX) :]: value
        for key, value in args.items()
        if key.startswith(CUSTOM_PREFIX) and len(key) > len(CUSTOM_PREFIX)
    }
