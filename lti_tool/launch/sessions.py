"""Launch sessions after the launch: finding a launch again on follow-up requests (its token),
and what a stored launch keeps (recording.py writes it)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from flask import g, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from lti_tool.launch import claims, tokens
from lti_tool.launch.models import LaunchSession, Placement
from lti_tool.platforms.models import Deployment
from lti_tool.web.errors import UserFacingError

KEPT_CLAIMS = (
    claims.MESSAGE_TYPE,
    claims.CONTEXT,
    claims.RESOURCE_LINK,
    claims.ROLES,
    claims.CUSTOM,
    claims.AGS_ENDPOINT,
    claims.NRPS,
    claims.DL_SETTINGS,
    claims.LAUNCH_PRESENTATION,
    claims.DEPLOYMENT_ID,
    "iss",
    "aud",
    "sub",
)


class LaunchRequired(UserFacingError):
    status = 401

    def __init__(self, message: str | None = None):
        super().__init__(
            message
            or _(
                "This page belongs to a launch from your course, and that launch has "
                "ended or was not found."
            ),
            code="launch_required",
            action=_(
                "Go back to your course and open the assessment again. Your saved answers are kept."
            ),
        )


def web_url_or_none(value: object) -> str | None:
    """`value` when it is an http(s) URL a page may link to, else None.

    The return URL comes from the platform and ends up in `href`s: a `javascript:` or `data:`
    URL there would run in our origin when a learner clicks "Back to the course"."""
    if not isinstance(value, str) or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in value):
        return None  # browsers drop tabs and newlines inside URLs: "java\tscript:" is a script
    parts = urlsplit(value)
    return value if parts.scheme.lower() in {"http", "https"} and parts.netloc else None


def named_assessment(custom: object) -> str:
    """The assessment slug a launch's custom parameters name, or "" when they name none.

    An empty or blank `assessment` names none: Moodle sends `assessment=` from a site-level
    custom parameter, and site-level parameters override each activity's own (the slug Deep
    Linking stored), so an empty value must never erase the slug a placement already has."""
    if not isinstance(custom, dict):
        return ""
    return str(custom.get("assessment") or "").strip()


def token_from_request() -> str:
    return (
        request.headers.get(tokens.HEADER)
        or request.form.get(tokens.FIELD)
        or request.args.get(tokens.FIELD)
        or ""
    )


def load_launch(session: Session, secret: str, token: str, now: datetime) -> LaunchSession:
    launch_id = tokens.read(secret, token, now) if token else None
    if launch_id is None:
        raise LaunchRequired()
    launch = session.scalars(
        select(LaunchSession)
        .where(LaunchSession.id == launch_id)
        .options(
            joinedload(LaunchSession.user),
            joinedload(LaunchSession.placement),
            joinedload(LaunchSession.deployment).joinedload(Deployment.platform),
        )
    ).first()
    if launch is None or launch.expires_at <= now:
        raise LaunchRequired()
    return launch


def current_launch() -> LaunchSession:
    """The launch of this request (from its token), loaded once per request."""
    if "launch" not in g:
        from flask import current_app

        from lti_tool import db
        from lti_tool.clock import current_clock

        g.launch = load_launch(
            db.session(),
            current_app.config["SECRET_KEY"],
            token_from_request(),
            current_clock().now(),
        )
        g.launch_token = token_from_request()
    return g.launch


def require_staff() -> LaunchSession:
    launch = current_launch()
    if not launch.is_staff:
        raise UserFacingError(
            _("Only instructors of this course can open this page."), status=403, code="staff_only"
        )
    return launch


def require_staff_in_placement() -> tuple[LaunchSession, Placement]:
    """A staff launch and the activity it came from: every staff page about an activity's
    attempts, reports or roster starts here."""
    launch = require_staff()
    if launch.placement is None:
        raise UserFacingError(
            _(
                "This page belongs to an assessment activity, and this launch did not come from one."  # noqa: E501 (one msgid)
            ),
            code="no_placement",
            action=_("Open the activity from your course."),
        )
    return launch, launch.placement
