"""Adding, listing and removing platform registrations: shared by the CLI and dynamic registration."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lti_tool.platforms.models import Deployment, Platform
from lti_tool.web.origins import InvalidOrigin, origin_of


class RegistrationError(ValueError):
    """A registration that cannot be stored, with a message for the admin."""


@dataclass(frozen=True)
class PlatformRegistration:
    name: str
    issuer: str
    client_id: str
    deployment_ids: tuple[str, ...]
    auth_login_url: str
    auth_token_url: str
    key_set_url: str


def _check_url(label: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise RegistrationError(f"{label} must be an http(s) URL, got {url!r}")


def add_platform(session: Session, reg: PlatformRegistration, now: datetime) -> Platform:
    """Store a registration, or add deployments to an existing one with the same issuer and client."""
    for label, url in (
        ("Platform ID", reg.issuer),
        ("Authentication request URL", reg.auth_login_url),
        ("Access token URL", reg.auth_token_url),
        ("Public keyset URL", reg.key_set_url),
    ):
        _check_url(label, url)
    try:  # the issuer's origin goes into launched pages' CSP header
        origin_of(reg.issuer)
    except InvalidOrigin as problem:
        raise RegistrationError(_("Platform ID %(issuer)s cannot be used: %(problem)s",
                                  issuer=repr(reg.issuer), problem=problem)) from None
    if not reg.client_id.strip():
        raise RegistrationError("Client ID must not be empty")
    if not reg.deployment_ids or any(not d.strip() for d in reg.deployment_ids):
        raise RegistrationError("at least one non-empty Deployment ID is required")

    platform = find_platform(session, reg.issuer, reg.client_id)
    if platform is None:
        platform = Platform(created_at=now, issuer=reg.issuer, client_id=reg.client_id,
                            name=reg.name, auth_login_url="", auth_token_url="", key_set_url="")
        session.add(platform)
    platform.name = reg.name
    platform.auth_login_url = reg.auth_login_url
    platform.auth_token_url = reg.auth_token_url
    platform.key_set_url = reg.key_set_url
    known = {d.deployment_id for d in platform.deployments}
    for deployment_id in dict.fromkeys(reg.deployment_ids):
        if deployment_id not in known:
            platform.deployments.append(Deployment(deployment_id=deployment_id, created_at=now))
    session.flush()
    return platform


def find_platform(session: Session, issuer: str, client_id: str | None) -> Platform | None:
    query = select(Platform).where(Platform.issuer == issuer).options(
        selectinload(Platform.deployments))
    if client_id is not None:
        query = query.where(Platform.client_id == client_id)
    rows = session.scalars(query.limit(2)).all()
    # Without a client id the issuer must be unambiguous.
    return rows[0] if len(rows) == 1 else None


def list_platforms(session: Session) -> list[Platform]:
    return list(session.scalars(select(Platform).options(selectinload(Platform.deployments))
                                .order_by(Platform.id)))


def remove_platform(session: Session, platform_id: int) -> bool:
    platform = session.get(Platform, platform_id)
    if platform is None:
        return False
    session.delete(platform)
    session.flush()
    return True


def platform_origins(platforms: Iterable[Platform]) -> list[str]:
    return sorted({p.origin for p in platforms})
