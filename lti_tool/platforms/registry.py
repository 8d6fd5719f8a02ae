"""Adding, listing and removing platform registrations: shared by the CLI and dynamic
registration."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import select, text
from sqlalchemy.orm import Session, joinedload, selectinload

from lti_tool.platforms.models import Deployment, Platform
from lti_tool.web.origins import InvalidOrigin, origin_of


class RegistrationError(ValueError):
    """A registration that cannot be stored, with a message for the admin."""


class ClientIdTaken(RegistrationError):
    """The Client ID is already registered under another Platform ID (issuer)."""

    def __init__(self, client_id: str, holder: Platform):
        super().__init__(
            f"Client ID {client_id!r} is already registered for platform #{holder.id} "
            f"(Platform ID {holder.issuer}). A Client ID belongs to one platform only: check "
            "the values Moodle shows, or remove the other registration with "
            f"`flask platform remove {holder.id}` if it is wrong."
        )
        self.holder = holder


class IssuerAlreadyRegistered(RegistrationError):
    """A registration request for a platform that is already registered: never overwritten."""

    def __init__(self, existing: Platform):
        super().__init__(
            f"Platform ID {existing.issuer} is already registered (platform #{existing.id}, "
            f"Client ID {existing.client_id}). A registration request never changes an existing "
            "registration; an administrator changes it with `flask platform add` or removes it "
            f"with `flask platform remove {existing.id}` first."
        )
        self.existing = existing


@dataclass(frozen=True)
class PlatformRegistration:
    name: str
    issuer: str
    client_id: str
    deployment_ids: tuple[str, ...]
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    # Made up by the tool (dynamic registration): a launch may replace it (branding module).
    name_is_automatic: bool = False


def _check_url(label: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise RegistrationError(f"{label} must be an http(s) URL, got {url!r}")


def _check(reg: PlatformRegistration) -> None:
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
        raise RegistrationError(
            _(
                "Platform ID %(issuer)s cannot be used: %(problem)s",
                issuer=repr(reg.issuer),
                problem=problem,
            )
        ) from None
    if not reg.client_id.strip():
        raise RegistrationError("Client ID must not be empty")
    if not reg.deployment_ids or any(not d.strip() for d in reg.deployment_ids):
        raise RegistrationError("at least one non-empty Deployment ID is required")


def _check_client_id_is_free(session: Session, reg: PlatformRegistration) -> None:
    holder = session.scalars(
        select(Platform)
        .where(Platform.client_id == reg.client_id, Platform.issuer != reg.issuer)
        .limit(1)
    ).first()
    if holder is not None:
        raise ClientIdTaken(reg.client_id, holder)


def add_platform(session: Session, reg: PlatformRegistration, now: datetime) -> Platform:
    """An administrator's registration: store it, or update the one with the same issuer and
    client (URLs, name) and add its new deployments."""
    _check(reg)
    _check_client_id_is_free(session, reg)
    platform = find_platform(session, reg.issuer, reg.client_id)
    if platform is None:
        platform = Platform(
            created_at=now,
            issuer=reg.issuer,
            client_id=reg.client_id,
            name=reg.name,
            auth_login_url="",
            auth_token_url="",
            key_set_url="",
        )
        session.add(platform)
    platform.name = reg.name
    platform.name_is_automatic = reg.name_is_automatic
    platform.auth_login_url = reg.auth_login_url
    platform.auth_token_url = reg.auth_token_url
    platform.key_set_url = reg.key_set_url
    known = {d.deployment_id for d in platform.deployments}
    for deployment_id in dict.fromkeys(reg.deployment_ids):
        if deployment_id not in known:
            platform.deployments.append(Deployment(deployment_id=deployment_id, created_at=now))
    session.flush()
    return platform


def add_new_platform(session: Session, reg: PlatformRegistration, now: datetime) -> Platform:
    """A registration request's platform (dynamic registration): stored only when nothing is
    registered under its issuer, so a request can never change an existing registration.

    A second registration of a known issuer is refused too, even with a new Client ID: Moodle
    would then offer the tool twice, and each Moodle user would become two learners here
    (learners are per platform), splitting their sittings and best scores."""
    _serialise_new_registrations(session)
    existing = platforms_with_issuer(session, reg.issuer)
    if existing:
        raise IssuerAlreadyRegistered(existing[0])
    return add_platform(session, reg, now)


# Any constant shared by all instances; it names the lock in pg_locks.
NEW_REGISTRATION_LOCK = 0x454D4D5245470001


def _serialise_new_registrations(session: Session) -> None:
    """One new registration at a time until its transaction ends, so the issuer check above
    sees a registration committed just before (PostgreSQL reads each statement afresh). No
    unique constraint can say "one platform per issuer": admins may register several Client
    IDs of one issuer by hand. SQLite needs nothing: its write lock is taken at BEGIN."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": NEW_REGISTRATION_LOCK})


def platforms_with_issuer(session: Session, issuer: str) -> list[Platform]:
    return list(
        session.scalars(select(Platform).where(Platform.issuer == issuer).order_by(Platform.id))
    )


def find_platform(session: Session, issuer: str, client_id: str | None) -> Platform | None:
    # One statement with its deployments (every login and launch asks): a joined load, where
    # a selectin load would be a second round trip.
    query = (
        select(Platform).where(Platform.issuer == issuer).options(joinedload(Platform.deployments))
    )
    if client_id is not None:
        query = query.where(Platform.client_id == client_id)
    rows = session.scalars(query.limit(2)).unique().all()
    # Without a client id the issuer must be unambiguous.
    return rows[0] if len(rows) == 1 else None


def list_platforms(session: Session) -> list[Platform]:
    return list(
        session.scalars(
            select(Platform).options(selectinload(Platform.deployments)).order_by(Platform.id)
        )
    )


def remove_platform(session: Session, platform_id: int) -> bool:
    platform = session.get(Platform, platform_id)
    if platform is None:
        return False
    session.delete(platform)
    session.flush()
    return True


def platform_origins(platforms: Iterable[Platform]) -> list[str]:
    return sorted({p.origin for p in platforms})
