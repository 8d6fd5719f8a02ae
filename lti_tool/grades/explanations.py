"""What an instructor reads about a grade that is not in the gradebook: who can fix its cause,
what to do, and a one-line account of the platform's answer.

Administrators get more (`flask grades status`, the log: the platform's body, our own error
text); an instructor gets only what they can act on, or whom to ask. A platform's HTML error
page is never quoted: it is "an HTML page" (see lti_tool.outbound.summary).
"""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext

from lti_tool.grades import failures
from lti_tool.outbound.summary import described_media_type

# Who can remove the cause of a failure.
AUTOMATIC = "automatic"  # nobody: sending is retried by itself
COURSE = "course"  # the instructor, in the course (enrolment, grade item, activity settings)
PLATFORM_ADMIN = "platform_admin"  # the platform's administrator (the tool's registration there)
TOOL_ADMIN = "tool_admin"  # this service's administrator (its settings, keys, registrations)

FIXED_BY = {
    **dict.fromkeys(failures.TRANSIENT, AUTOMATIC),
    **dict.fromkeys(
        (
            failures.USER_NOT_GRADABLE,
            failures.REJECTED,
            failures.LINEITEM_GONE,
            failures.AGS_UNAVAILABLE,
            failures.NO_LINEITEM,
            failures.GAVE_UP,
        ),
        COURSE,
    ),
    **dict.fromkeys(
        (failures.UNAUTHORIZED, failures.FORBIDDEN, failures.TOKEN_REFUSED), PLATFORM_ADMIN
    ),
    **dict.fromkeys(
        (
            failures.NO_SIGNING_KEY,
            failures.DESTINATION_REFUSED,
            failures.OFF_PLATFORM,
            failures.ANSWER_TOO_LARGE,
            failures.CLIENT_ID_SHARED,
            failures.INTERNAL_ERROR,
        ),
        TOOL_ADMIN,
    ),
}

# Instead of the administrators' sentence (failures.REASONS), which names settings and
# commands an instructor cannot reach.
_INSTRUCTOR_REASONS = {
    failures.UNAUTHORIZED: lazy_gettext(
        "The platform did not accept the tool's credentials. Ask the platform's administrator "
        "to check this tool's registration on the platform; nothing needs to change in your "
        "course."
    ),
    failures.TOKEN_REFUSED: lazy_gettext(
        "The platform did not accept the tool's credentials. Ask the platform's administrator "
        "to check this tool's registration on the platform; nothing needs to change in your "
        "course."
    ),
    failures.FORBIDDEN: lazy_gettext(
        "The platform does not let this tool send grades. Ask the platform's administrator to "
        "enable the Assignment and Grade Services for this tool; nothing needs to change in "
        "your course."
    ),
}
_TOOL_ADMIN_REASON = lazy_gettext(
    "The assessment tool's own setup kept the grade from being sent. Ask the tool's "
    "administrator to look at its grade status report; nothing needs to change in your course."
)
_UNKNOWN_REASON = lazy_gettext("The grade could not be sent. Ask the tool's administrator why.")


def fixed_by(code: str | None) -> str:
    return FIXED_BY.get(code or "", TOOL_ADMIN)


def instructor_reason(code: str | None) -> str:
    """What the instructor reads as the reason: an action of theirs, or whom to ask."""
    if code is None:
        return ""
    if code in _INSTRUCTOR_REASONS:
        return str(_INSTRUCTOR_REASONS[code])
    if fixed_by(code) == TOOL_ADMIN:
        return str(_TOOL_ADMIN_REASON if code in failures.REASONS else _UNKNOWN_REASON)
    return failures.reason(code)


def platform_answer(code: str | None, http_status: int | None, detail: str | None) -> str:
    """One short line about the platform's last answer, e.g. `HTTP 400: User not enrolled` or
    "The platform answered HTTP 404 with an HTML page."; empty when there was no answer (a
    timeout, an unreachable host) or the detail is for administrators only."""
    if http_status is None or fixed_by(code) == TOOL_ADMIN:
        return ""
    words = (detail or "").strip()
    media = described_media_type(words) if words else None
    if words.startswith("<") or (media is not None and "html" in media):
        # An HTML page, or the first line of one stored before pages were recognised.
        return gettext(
            "The platform answered HTTP %(status)s with an HTML page.", status=http_status
        )
    if media is not None:
        return gettext(
            "The platform answered HTTP %(status)s without a message (%(kind)s).",
            status=http_status,
            kind=media,
        )
    if not words or code == failures.STALE_TIMESTAMP:  # our own note of what it held
        return gettext("The platform answered HTTP %(status)s.", status=http_status)
    return gettext("HTTP %(status)s: %(words)s", status=http_status, words=words)
