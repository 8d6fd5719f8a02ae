"""Course members as NRPS lists them (Moodle 4.5: short role names such as "Learner"; other
platforms: full vocabulary URIs), read defensively: a member without a user id is skipped,
text fields are cut to the lengths the tool stores for people."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

LEARNER = "Learner"
ACTIVE = "Active"
_LIMITS = {"user_id": 255, "name": 300, "email": 320, "status": 20}
MAX_ROLES = 20  # a member's roles kept (a platform lists a handful)


def _text(raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key)
    return str(value)[: _LIMITS.get(key, 200)] if isinstance(value, (str, int)) else ""


def role_name(role: str) -> str:
    """'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner' -> 'Learner';
    'Learner' -> 'Learner'; sub-roles ('...membership/Instructor#TeachingAssistant') keep
    their last part."""
    return role.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Member:
    user_id: str  # the platform's user id: `sub` of its launches
    name: str
    email: str
    roles: tuple[str, ...]
    status: str  # Active, Inactive or Deleted (NRPS); Active when absent

    @property
    def is_learner(self) -> bool:
        return any(role_name(role) == LEARNER for role in self.roles)

    @property
    def is_active(self) -> bool:
        return self.status == ACTIVE

    @property
    def display_name(self) -> str:
        return self.name or self.email or self.user_id

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "roles": list(self.roles)}


def member_from(raw: Any) -> Member | None:
    if not isinstance(raw, Mapping):
        return None
    user_id = _text(raw, "user_id")
    if not user_id:
        return None
    name = _text(raw, "name") or " ".join(
        part for part in (_text(raw, "given_name"), _text(raw, "family_name")) if part
    )
    roles = raw.get("roles")
    return Member(
        user_id=user_id,
        name=name,
        email=_text(raw, "email"),
        roles=tuple(str(r)[:200] for r in roles if isinstance(r, str))[:MAX_ROLES]
        if isinstance(roles, list)
        else (),
        status=_text(raw, "status") or ACTIVE,
    )


def members_from(raw: Iterable[Any]) -> list[Member]:
    """Parsed members, one per user id (the last listing wins)."""
    found = {m.user_id: m for m in map(member_from, raw) if m is not None}
    return list(found.values())
