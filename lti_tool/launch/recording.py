"""Recording a verified launch in as few statements as the rules allow (ADR 0015).

A launch writes three things: the person (created or refreshed), the placement (created, or
changed only when the platform says something new) and the launch session. With the ORM that
was ten statements (a read, a savepoint, an insert, a release and an update for the person
alone); here it is three in the common case, in SQLAlchemy Core:

- the person: one INSERT ... ON CONFLICT DO UPDATE ... RETURNING id (PostgreSQL and SQLite
  both have it), which also settles two first launches racing on the unique key;
- the placement: one SELECT; an UPDATE only when a claim changed, so the launches of a whole
  class do not queue on one row lock; an INSERT ... ON CONFLICT DO NOTHING on a first launch;
- the launch session: one INSERT.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lti_tool.launch import claims
from lti_tool.launch.models import LaunchSession, LtiUser, Placement
from lti_tool.launch.roles import primary_role
from lti_tool.launch.sessions import KEPT_CLAIMS, named_assessment, web_url_or_none
from lti_tool.platforms.launch_registrations import LaunchRegistration
from lti_tool.web.locale import normalise_locale

NAME_FIELDS = ("name", "given_name", "family_name", "email")
PLACEMENT_FIELDS = (
    "resource_link_title",
    "context_id",
    "context_label",
    "context_title",
    "assessment_slug",
    "ags_lineitem_url",
    "ags_lineitems_url",
    "ags_scopes",
)


@dataclass(frozen=True)
class AcceptedLaunch:
    """What the launch view needs of the stored launch session to redirect."""

    id: str
    message_type: str
    role: str
    expires_at: datetime

    @property
    def is_staff(self) -> bool:
        return self.role in {"instructor", "admin"}


# Statements built once and executed with parameters: building one costs more CPU than the
# database takes to run it. The upserts differ by dialect only in their import.
_USERS = cast(Table, LtiUser.__table__)  # mapped classes type their table as a FromClause
_PLACEMENTS = cast(Table, Placement.__table__)
_LAUNCH_INSERT = insert(cast(Table, LaunchSession.__table__))
_PLACEMENT_SELECT = select(_PLACEMENTS.c.id, *(_PLACEMENTS.c[f] for f in PLACEMENT_FIELDS)).where(
    _PLACEMENTS.c.deployment_id == bindparam("deployment_id"),
    _PLACEMENTS.c.resource_link_id == bindparam("resource_link_id"),
)
_BUILT: dict[tuple[str, str], Any] = {}


def record_launch(
    session: Session,
    body: dict,
    platform: LaunchRegistration,
    now: datetime,
    ttl: timedelta,
    default_locale: str,
) -> AcceptedLaunch:
    """Store the launch of a verified id_token whose deployment the platform lists."""
    deployment_id = platform.deployments[body[claims.DEPLOYMENT_ID]]
    user_id = upsert_user(session, platform.id, body, now)
    placement_id = None
    link = body.get(claims.RESOURCE_LINK) or {}
    if body[claims.MESSAGE_TYPE] == claims.RESOURCE_LINK_REQUEST and link.get("id"):
        placement_id = upsert_placement(session, deployment_id, body, now)
    presentation = body.get(claims.LAUNCH_PRESENTATION) or {}
    launch = AcceptedLaunch(
        id=secrets.token_urlsafe(24),
        message_type=body[claims.MESSAGE_TYPE],
        role=primary_role(body.get(claims.ROLES)) or "learner",
        expires_at=now + ttl,
    )
    session.execute(
        _LAUNCH_INSERT,
        {
            "id": launch.id,
            "user_id": user_id,
            "deployment_id": deployment_id,
            "placement_id": placement_id,
            "message_type": launch.message_type,
            "role": launch.role,
            "locale": normalise_locale(presentation.get("locale"), default_locale),
            "return_url": web_url_or_none(presentation.get("return_url")),
            "document_target": presentation.get("document_target"),
            "claims": {k: body[k] for k in KEPT_CLAIMS if k in body},
            "created_at": now,
            "expires_at": launch.expires_at,
        },
    )
    return launch


def _built(session: Session, name: str, build) -> Any:
    """`build(insert)` once per dialect, with that dialect's INSERT (it knows ON CONFLICT)."""
    dialect = session.get_bind().dialect.name
    if (name, dialect) not in _BUILT:
        module = postgresql if dialect == "postgresql" else sqlite
        _BUILT[name, dialect] = build(module.insert)
    return _BUILT[name, dialect]


def _build_user_upsert(dialect_insert) -> Any:
    statement = dialect_insert(_USERS)
    kept = {
        field: case(
            (statement.excluded[field] == "", func.coalesce(_USERS.c[field], "")),
            else_=statement.excluded[field],
        )
        for field in NAME_FIELDS
    }
    return statement.on_conflict_do_update(
        index_elements=["platform_id", "sub"],
        set_={**kept, "updated_at": statement.excluded.updated_at},
    ).returning(_USERS.c.id)


def _build_placement_insert(dialect_insert) -> Any:
    return (
        dialect_insert(_PLACEMENTS)
        .on_conflict_do_nothing(index_elements=["deployment_id", "resource_link_id"])
        .returning(_PLACEMENTS.c.id)
    )


def upsert_user(session: Session, platform_id: int, body: dict, now: datetime) -> int:
    """The person's id, created or refreshed in one statement. Names may be withheld by the
    platform's privacy settings: an empty one keeps what we had."""
    names = {field: str(body.get(field) or "") for field in NAME_FIELDS}
    values = {"platform_id": platform_id, "sub": str(body["sub"]), "updated_at": now, **names}
    return session.execute(_built(session, "user", _build_user_upsert), values).scalar_one()


def _placement_values(body: dict, stored: dict[str, Any]) -> dict[str, Any]:
    """The placement's columns as this launch says them; what it does not say stays."""
    link = body[claims.RESOURCE_LINK]
    context = body.get(claims.CONTEXT) or {}
    ags = body.get(claims.AGS_ENDPOINT) or {}
    return {
        "resource_link_title": str(link.get("title") or ""),
        "context_id": str(context.get("id") or ""),
        "context_label": str(context.get("label") or ""),
        "context_title": str(context.get("title") or ""),
        # Never erased by an empty site-level parameter (see named_assessment).
        "assessment_slug": named_assessment(body.get(claims.CUSTOM)) or stored["assessment_slug"],
        "ags_lineitem_url": ags.get("lineitem") or stored["ags_lineitem_url"],
        "ags_lineitems_url": ags.get("lineitems") or stored["ags_lineitems_url"],
        "ags_scopes": list(ags.get("scope") or stored["ags_scopes"] or []),
    }


def upsert_placement(session: Session, deployment_id: int, body: dict, now: datetime) -> int:
    """The placement's id; written only when it is new or a claim changed."""
    key = {
        "deployment_id": deployment_id,
        "resource_link_id": str(body[claims.RESOURCE_LINK]["id"]),
    }
    found = session.execute(_PLACEMENT_SELECT, key).mappings().first()
    if found is None:
        blank = {"assessment_slug": None, "ags_lineitem_url": None, "ags_lineitems_url": None}
        values = _placement_values(body, {**blank, "ags_scopes": []})
        insert_new = _built(session, "placement", _build_placement_insert)
        created = session.execute(insert_new, {**key, **values, "updated_at": now}).scalar()
        if created is not None:
            return created
        # Another first launch of this link won the race: take its row like any later launch.
        found = session.execute(_PLACEMENT_SELECT, key).mappings().one()
    values = _placement_values(body, dict(found))
    if any(values[field] != found[field] for field in PLACEMENT_FIELDS):
        session.execute(
            update(_PLACEMENTS)
            .where(_PLACEMENTS.c.id == found["id"])
            .values(updated_at=now, **values)
        )
    return found["id"]
