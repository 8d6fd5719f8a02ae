"""A platform's registration as every login and launch reads it: one Core SELECT (ADR 0029).

Login and launch each look the platform up by issuer and client id. Through the ORM (the
`Platform` entity with its deployments, its logo bytes included) that cost about 0.75 ms of
CPU per lookup; these columns alone, read as plain rows, about 0.2 ms. Admin commands keep
using `registry.find_platform` and the entity.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.orm import Session

from lti_tool.platforms.branding import advertised_name
from lti_tool.platforms.models import Deployment, Platform


@dataclass(frozen=True)
class LaunchRegistration:
    """What login and launch need of a registered platform."""

    id: int
    name: str
    name_is_automatic: bool
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    deployments: Mapping[str, int]  # the platform's deployment id -> our deployment row id


_COLUMNS = (
    Platform.id,
    Platform.name,
    Platform.name_is_automatic,
    Platform.issuer,
    Platform.client_id,
    Platform.auth_login_url,
    Platform.auth_token_url,
    Platform.key_set_url,
    Deployment.id.label("deployment_row_id"),
    Deployment.deployment_id,
)
_BY_ISSUER = (
    select(*_COLUMNS)
    .outerjoin(Deployment, Deployment.platform_id == Platform.id)
    .where(Platform.issuer == bindparam("issuer"))
)
_BY_ISSUER_AND_CLIENT = _BY_ISSUER.where(Platform.client_id == bindparam("client_id"))
_ADOPT_NAME = (
    update(Platform)
    .where(Platform.id == bindparam("platform_id"), Platform.name_is_automatic.is_(True))
    .values(name=bindparam("name"))
)


def find_registration(
    session: Session, issuer: str, client_id: str | None
) -> LaunchRegistration | None:
    """The platform registered with this issuer and client id; without a client id, the
    issuer's only platform (None when it has several: the issuer alone is then ambiguous)."""
    connection: Connection = session.connection()
    if client_id is None:
        rows = connection.execute(_BY_ISSUER, {"issuer": issuer}).all()
    else:
        rows = connection.execute(
            _BY_ISSUER_AND_CLIENT, {"issuer": issuer, "client_id": client_id}
        ).all()
    if not rows or any(row.id != rows[0].id for row in rows):
        return None
    first = rows[0]
    return LaunchRegistration(
        id=first.id,
        name=first.name,
        name_is_automatic=first.name_is_automatic,
        issuer=first.issuer,
        client_id=first.client_id,
        auth_login_url=first.auth_login_url,
        auth_token_url=first.auth_token_url,
        key_set_url=first.key_set_url,
        deployments={
            row.deployment_id: row.deployment_row_id
            for row in rows
            if row.deployment_row_id is not None
        },
    )


def adopt_advertised_name(session: Session, platform: LaunchRegistration, claims: dict) -> bool:
    """Replace a made-up name by the one the platform advertises; an admin's name stays (the
    UPDATE checks again, in case an admin renamed it since). True when a name was written."""
    if not platform.name_is_automatic:
        return False
    name = advertised_name(claims)
    if name is None or name == platform.name:
        return False
    session.connection().execute(_ADOPT_NAME, {"platform_id": platform.id, "name": name})
    return True
