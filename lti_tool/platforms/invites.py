"""Registration invitations: dynamic registration starts only from an administrator.

`flask platform invite` makes a random token and prints `<public URL>/lti/register/<token>`;
the admin pastes that URL into Moodle's "Tool URL". The registration view checks the invite
before it sends anything anywhere, and the registration consumes it in the same transaction
that stores the platform: a registration that fails leaves it usable, and of two registrations
racing with one invite exactly one is stored.

The token travels in the path, not in a query parameter: Moodle keeps a query string when it
adds `openid_configuration` and `registration_token`, but platforms that simply append
`?openid_configuration=...` would break a query-string token.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from lti_tool.db import rows_matched
from lti_tool.platforms.models import INVITE_NOTE_LENGTH, RegistrationInvite

TOKEN_BYTES = 32  # 256 bits: a hash without salt or stretching is then enough
DEFAULT_LIFETIME = timedelta(hours=24)
LONGEST_LIFETIME = timedelta(days=30)
NOTE_LENGTH = INVITE_NOTE_LENGTH


class InviteProblem(Enum):
    """Why an invite cannot be used; the web edge words each for the person holding it."""

    MISSING = "missing"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"


class InviteRefused(Exception):
    def __init__(self, problem: InviteProblem):
        super().__init__(f"registration invite refused: {problem.value}")
        self.problem = problem


class InviteError(ValueError):
    """An admin's request about invites that cannot be done, with a message for the admin."""


@dataclass(frozen=True)
class IssuedInvite:
    invite: RegistrationInvite
    token: str  # shown once, never stored


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_url(public_base_url: str, token: str) -> str:
    return f"{public_base_url}/lti/register/{token}"


def issue_invite(
    session: Session, *, now: datetime, lifetime: timedelta = DEFAULT_LIFETIME, note: str = ""
) -> IssuedInvite:
    if not timedelta(0) < lifetime <= LONGEST_LIFETIME:
        raise InviteError(
            f"an invitation lasts more than no time and at most "
            f"{LONGEST_LIFETIME.days} days, e.g. --expires-in 24h"
        )
    if len(note) > NOTE_LENGTH:
        raise InviteError(f"the note is longer than {NOTE_LENGTH} characters")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invite = RegistrationInvite(
        token_sha256=token_digest(token), note=note, created_at=now, expires_at=now + lifetime
    )
    session.add(invite)
    session.flush()
    return IssuedInvite(invite=invite, token=token)


def _problem(invite: RegistrationInvite | None, now: datetime) -> InviteProblem | None:
    if invite is None:
        return InviteProblem.UNKNOWN
    if invite.revoked_at is not None:
        return InviteProblem.REVOKED
    if invite.used_at is not None:
        return InviteProblem.USED
    if invite.expires_at <= now:
        return InviteProblem.EXPIRED
    return None


def _find(session: Session, token: str) -> RegistrationInvite | None:
    # populate_existing: what the database says now, not a copy this session loaded earlier.
    return session.scalars(
        select(RegistrationInvite)
        .where(RegistrationInvite.token_sha256 == token_digest(token))
        .execution_options(populate_existing=True)
    ).first()


def check_invite(session: Session, token: str, now: datetime) -> RegistrationInvite:
    """The invite if it can be used now; raises InviteRefused otherwise. Changes nothing."""
    if not token:
        raise InviteRefused(InviteProblem.MISSING)
    invite = _find(session, token)
    problem = _problem(invite, now)
    if invite is None or problem is not None:
        raise InviteRefused(problem or InviteProblem.UNKNOWN)
    return invite


def consume_invite(session: Session, token: str, now: datetime) -> RegistrationInvite:
    """Mark the invite used in the caller's transaction, which must also store the platform.

    A conditional UPDATE rather than read-then-write: on PostgreSQL a second transaction
    waits for the first one's row lock and then finds `used_at` set, so it updates nothing;
    on SQLite the write lock taken at BEGIN serialises the two. Either way one wins.
    """
    if not token:
        raise InviteRefused(InviteProblem.MISSING)
    digest = token_digest(token)
    claimed = session.execute(
        update(RegistrationInvite)
        .where(
            RegistrationInvite.token_sha256 == digest,
            RegistrationInvite.used_at.is_(None),
            RegistrationInvite.revoked_at.is_(None),
            RegistrationInvite.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    invite = _find(session, token)
    if rows_matched(claimed) != 1 or invite is None:
        raise InviteRefused(_problem(invite, now) or InviteProblem.USED)
    return invite


def revoke_invite(session: Session, invite_id: int, now: datetime) -> RegistrationInvite:
    invite = session.get(RegistrationInvite, invite_id)
    if invite is None:
        raise InviteError(f"there is no invitation #{invite_id}; see `flask platform invites`")
    if invite.used_at is not None:
        raise InviteError(
            f"invitation #{invite_id} was already used (platform "
            f"#{invite.platform_id}); remove the platform instead"
        )
    if invite.revoked_at is None:
        invite.revoked_at = now
        session.flush()
    return invite


def list_invites(
    session: Session, now: datetime, *, include_spent: bool = False
) -> list[RegistrationInvite]:
    """Pending invites (usable now), oldest first; with include_spent also the used, revoked
    and expired ones."""
    query = (
        select(RegistrationInvite)
        .options(selectinload(RegistrationInvite.platform))
        .order_by(RegistrationInvite.id)
    )
    if not include_spent:
        query = query.where(
            RegistrationInvite.used_at.is_(None),
            RegistrationInvite.revoked_at.is_(None),
            RegistrationInvite.expires_at > now,
        )
    return list(session.scalars(query))


def invite_state(invite: RegistrationInvite, now: datetime) -> str:
    """One word for listings: pending, used, revoked or expired."""
    problem = _problem(invite, now)
    return "pending" if problem is None else problem.value
