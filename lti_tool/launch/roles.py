"""LTI role URIs (and the short names some platforms send) mapped to what this tool needs.

Spec: https://www.imsglobal.org/spec/lti/v1p3#role-vocabularies
"""

from __future__ import annotations

from collections.abc import Iterable

LEARNER = "learner"
INSTRUCTOR = "instructor"
ADMIN = "admin"

_ADMIN_SUFFIXES = {"Administrator", "SysAdmin"}
_INSTRUCTOR_SUFFIXES = {"Instructor", "TeachingAssistant", "ContentDeveloper", "Mentor", "Faculty"}
_LEARNER_SUFFIXES = {"Learner", "Student"}


def _suffix(role: str) -> tuple[str, str]:
    """('membership'|'institution'|'system'|'', name) for a full URI or a short name."""
    if "#" in role:
        base, name = role.rsplit("#", 1)
        kind = base.rstrip("/").rsplit("/", 2)[-2] if "/person" in base else base.rsplit("/", 1)[-1]
        return kind, name.split("/")[-1]
    return "", role.split("/")[-1]


def primary_role(roles: Iterable[str]) -> str | None:
    """The most privileged of admin > instructor > learner among `roles`, or None."""
    names = [_suffix(r)[1] for r in roles if isinstance(r, str)]
    if any(n in _ADMIN_SUFFIXES for n in names):
        return ADMIN
    if any(n in _INSTRUCTOR_SUFFIXES for n in names):
        return INSTRUCTOR
    if any(n in _LEARNER_SUFFIXES for n in names):
        return LEARNER
    return None
