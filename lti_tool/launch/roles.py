"""What a launch's roles claim lets the person do here: staff rights, or those of a learner.

Only roles in the course (LTI context-membership roles) count, with least privilege
(docs/decisions/0007-roles-least-privilege.md):
- staff: `membership#Instructor` and its sub-roles (`membership/Instructor#TeachingAssistant`),
  `membership#Administrator` (the course's administrator) and its sub-roles;
- learner: `membership#Learner` and its sub-roles;
- everything else grants nothing: Mentor, ContentDeveloper, Manager, Member, Officer, every
  system or institution role (a Moodle site administrator also carries `membership#Instructor`
  in the course, which is what makes them staff here), roles of any other vocabulary, and
  anything that is not a string.
The short names of context roles (`Instructor`, `Learner`, ...) are accepted as the LTI 1.3
specification allows (deprecated simple names, context roles only).

Spec: https://www.imsglobal.org/spec/lti/v1p3#role-vocabularies
"""

from __future__ import annotations

LEARNER = "learner"
INSTRUCTOR = "instructor"
ADMIN = "admin"

# https://www.imsglobal.org/spec/lti/v1p3#lis-vocabulary-for-context-roles
MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
# The context roles whose simple names LTI 1.3 still allows.
CONTEXT_ROLES = {
    "Administrator",
    "ContentDeveloper",
    "Instructor",
    "Learner",
    "Mentor",
    "Manager",
    "Member",
    "Officer",
}
# Principal context role -> what it grants here, most privileged first.
_GRANTS = {"Administrator": ADMIN, "Instructor": INSTRUCTOR, "Learner": LEARNER}
_RANK = (ADMIN, INSTRUCTOR, LEARNER)


def context_role(role: object) -> str | None:
    """The principal context role named by `role` ("Instructor" for `membership#Instructor`,
    `membership/Instructor#TeachingAssistant` and `Instructor`), or None when it is not a
    context-membership role."""
    if not isinstance(role, str):
        return None
    if role in CONTEXT_ROLES:
        return role
    if role.startswith(MEMBERSHIP + "#"):
        name = role[len(MEMBERSHIP) + 1 :]
        return name if name in CONTEXT_ROLES else None
    if role.startswith(MEMBERSHIP + "/"):
        principal, _, sub_role = role[len(MEMBERSHIP) + 1 :].partition("#")
        return principal if principal in CONTEXT_ROLES and sub_role else None
    return None


def primary_role(roles: object) -> str | None:
    """The most privileged of admin > instructor > learner granted by `roles`, or None.

    `roles` is the claim as sent: anything but a list grants nothing."""
    if not isinstance(roles, list):
        return None
    granted = {_GRANTS.get(context_role(role) or "") for role in roles}
    return next((grant for grant in _RANK if grant in granted), None)
