"""Turning a verified id_token into rows: the person, the placement and the launch session;
and finding that launch again on follow-up requests."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import g, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from lti_tool.launch import claims, tokens
from lti_tool.launch.models import LaunchSession, LtiUser, Placement
from lti_tool.launch.roles import primary_role
from lti_tool.platforms.models import Deployment, Platform
from lti_tool.web.errors import UserFacingError
from lti_tool.web.locale import normalise_locale

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


def record_launch(
    session: Session,
    body: dict,
    platform: Platform,
    now: datetime,
    ttl: timedelta,
    default_locale: str,
) -> LaunchSession:
    deployment = session.scalars(
        select(Deployment).where(
            Deployment.platform_id == platform.id,
            Deployment.deployment_id == body[claims.DEPLOYMENT_ID],
        )
    ).one()
    user = _upsert_user(session, platform, body, now)
    placement = None
    link = body.get(claims.RESOURCE_LINK) or {}
    if body[claims.MESSAGE_TYPE] == claims.RESOURCE_LINK_REQUEST and link.get("id"):
        placement = _upsert_placement(session, deployment, body, now)
    presentation = body.get(claims.LAUNCH_PRESENTATION) or {}
    launch = LaunchSession(
        id=secrets.token_urlsafe(24),
        user=user,
        deployment=deployment,
        placement=placement,
        message_type=body[claims.MESSAGE_TYPE],
        role=primary_role(body.get(claims.ROLES)) or "learner",
        locale=normalise_locale(presentation.get("locale"), default_locale),
        return_url=web_url_or_none(presentation.get("return_url")),
        document_target=presentation.get("document_target"),
        claims={k: body[k] for k in KEPT_CLAIMS if k in body},
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(launch)
    session.flush()
    return launch


def web_url_or_none(value: object) -> str | None:
    """`value` when it is an http(s) URL a page may link to, else None.

    The return URL comes from the platform and ends up in `href`s: a `javascript:` or `data:`
    URL there would run in our origin when a learner clicks "Back to the course"."""
    if not isinstance(value, str) or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in value):
        return None  # browsers drop tabs and newlines inside URLs: "java\tscript:" is a script
    parts = urlsplit(value)
    return value if parts.scheme.lower() in {"http", "https"} and parts.netloc else None


def _get_or_create(session: Session, model, create, *where):
    """The row matching `where`, inserted if missing. Two first launches at once (two tabs, a
    whole class starting together) race on the unique key: the loser's insert fails inside a
    savepoint and it reads the winner's row instead of failing the launch."""
    found = session.scalars(select(model).where(*where)).first()
    if found is not None:
        return found
    try:
        with session.begin_nested():
            row = create()
            session.add(row)
    except IntegrityError:
        return session.scalars(select(model).where(*where)).one()
    return row


def _upsert_user(session: Session, platform: Platform, body: dict, now: datetime) -> LtiUser:
    sub = str(body["sub"])
    user = _get_or_create(
        session,
        LtiUser,
        lambda: LtiUser(platform_id=platform.id, sub=sub, updated_at=now),
        LtiUser.platform_id == platform.id,
        LtiUser.sub == sub,
    )
    # Names may be withheld by the platform's privacy settings: keep what we had then.
    for field in ("name", "given_name", "family_name", "email"):
        if body.get(field):
            setattr(user, field, str(body[field]))
        elif getattr(user, field) is None:
            setattr(user, field, "")
    user.updated_at = now
    return user


def named_assessment(custom: object) -> str:
    """The assessment slug a launch's custom parameters name, or "" when they name none.

    An empty or blank `assessment` names none: Moodle sends `assessment=` from a site-level
    custom parameter, and site-level parameters override each activity's own (the slug Deep
    Linking stored), so an empty value must never erase the slug a placement already has."""
    if not isinstance(custom, dict):
        return ""
    return str(custom.get("assessment") or "").strip()


def _upsert_placement(
    session: Session, deployment: Deployment, body: dict, now: datetime
) -> Placement:
    link = body[claims.RESOURCE_LINK]
    link_id = str(link["id"])
    placement = _get_or_create(
        session,
        Placement,
        lambda: Placement(
            deployment_id=deployment.id, resource_link_id=link_id, updated_at=now, ags_scopes=[]
        ),
        Placement.deployment_id == deployment.id,
        Placement.resource_link_id == link_id,
    )
    context = body.get(claims.CONTEXT) or {}
    placement.resource_link_title = str(link.get("title") or "")
    placement.context_id = str(context.get("id") or "")
    placement.context_label = str(context.get("label") or "")
    placement.context_title = str(context.get("title") or "")
    named = named_assessment(body.get(claims.CUSTOM))
    if named:
        placement.assessment_slug = named
    ags = body.get(claims.AGS_ENDPOINT) or {}
    placement.ags_lineitem_url = ags.get("lineitem") or placement.ags_lineitem_url
    placement.ags_lineitems_url = ags.get("lineitems") or placement.ags_lineitems_url
    placement.ags_scopes = list(ags.get("scope") or placement.ags_scopes or [])
    placement.updated_at = now
    return placement


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
