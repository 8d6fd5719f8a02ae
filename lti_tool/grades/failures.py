"""Why a grade is not (yet) in the gradebook: stable codes stored on the outbox row, and the
sentence a person reads for each (translated when shown, hence lazy)."""

from __future__ import annotations

from flask_babel import lazy_gettext

# Worth retrying by itself: the platform may answer next time.
NETWORK_ERROR = "network_error"
TIMEOUT = "timeout"
SERVER_ERROR = "server_error"
RATE_LIMITED = "rate_limited"
STALE_TIMESTAMP = "stale_timestamp"  # 409 while the platform held a lower grade: re-stamped, resent
INTERNAL_ERROR = "internal_error"  # a bug or database hiccup here; logged, retried
# A person must fix something on the platform (or here) first.
USER_NOT_GRADABLE = "user_not_gradable"
REJECTED = "rejected"
UNAUTHORIZED = "unauthorized"
FORBIDDEN = "forbidden"
LINEITEM_GONE = "lineitem_gone"
TOKEN_REFUSED = "token_refused"
AGS_UNAVAILABLE = "ags_unavailable"
NO_LINEITEM = "no_lineitem"
NO_SIGNING_KEY = "no_signing_key"
DESTINATION_REFUSED = "destination_refused"  # the outbound policy forbids the platform's URL
OFF_PLATFORM = "off_platform"  # a service URL on another origin than the platform's own
ANSWER_TOO_LARGE = "answer_too_large"  # larger than EMM_OUTBOUND_MAX_BYTES
CLIENT_ID_SHARED = "client_id_shared"  # two registrations hold the client id: no assertion
GAVE_UP = "gave_up"

TRANSIENT = frozenset(
    {NETWORK_ERROR, TIMEOUT, SERVER_ERROR, RATE_LIMITED, STALE_TIMESTAMP, INTERNAL_ERROR}
)
# Transient problems of the platform itself: its other grades wait too instead of each trying.
PLATFORM_WIDE = frozenset({NETWORK_ERROR, TIMEOUT, SERVER_ERROR, RATE_LIMITED})

REASONS = {
    NETWORK_ERROR: lazy_gettext(
        "The platform could not be reached. Sending is retried automatically."
    ),
    TIMEOUT: lazy_gettext("The platform did not answer in time. Sending is retried automatically."),
    SERVER_ERROR: lazy_gettext(
        "The platform had an internal error. Sending is retried automatically."
    ),
    RATE_LIMITED: lazy_gettext(
        "The platform asked to slow down. Sending is retried automatically."
    ),
    STALE_TIMESTAMP: lazy_gettext(
        "The platform held a newer, lower grade. The best score is sent again."
    ),
    INTERNAL_ERROR: lazy_gettext(
        "The tool had an internal problem sending the grade. Sending is retried automatically."
    ),
    USER_NOT_GRADABLE: lazy_gettext(
        "The platform refused the grade: the learner is probably not enrolled with a graded role. "
        "Check the enrolment, then send the grade again."
    ),
    REJECTED: lazy_gettext("The platform refused the grade. See the platform's answer."),
    UNAUTHORIZED: lazy_gettext(
        "The platform refused the tool's access token. Check the tool registration (client ID, "
        "public keyset URL), then send the grade again."
    ),
    FORBIDDEN: lazy_gettext(
        "The platform does not let the tool send grades. Enable the Assignment and Grade Services "
        "for this tool, then send the grade again."
    ),
    LINEITEM_GONE: lazy_gettext(
        "The gradebook column no longer exists on the platform. Launch the activity once as an "
        "instructor (or restore the grade item), then send the grade again."
    ),
    TOKEN_REFUSED: lazy_gettext(
        "The platform refused to give the tool an access token. Check the tool registration "
        "(client ID, access token URL, public keyset URL), then send the grade again."
    ),
    AGS_UNAVAILABLE: lazy_gettext(
        "This activity does not accept grades from the tool: the launch had no grade service. "
        'Enable "Accept grades from the tool" and the grade service for this activity, launch '
        "it again, then send the grade again."
    ),
    NO_LINEITEM: lazy_gettext(
        "The platform has no gradebook column for this activity and does not let the tool create "
        "one. Add a grade item for the activity, then send the grade again."
    ),
    NO_SIGNING_KEY: lazy_gettext(
        "The tool has no signing key. An administrator must run `flask setup`, then send the "
        "grade again."
    ),
    DESTINATION_REFUSED: lazy_gettext(
        "The tool does not connect to the platform's service address: it is not a public "
        "address or not https. An administrator checks the platform registration, or allows "
        "the address (EMM_OUTBOUND_ALLOW), then sends the grade again."
    ),
    OFF_PLATFORM: lazy_gettext(
        "The platform named a service address on another site than its own (its issuer and "
        "token URL), and the tool sends the platform's access token to no other site. An "
        "administrator checks the platform's registration (`flask platform list`), then sends "
        "the grade again."
    ),
    ANSWER_TOO_LARGE: lazy_gettext(
        "The platform's answer was larger than the tool accepts. An administrator checks the "
        "platform, or raises EMM_OUTBOUND_MAX_BYTES, then sends the grade again."
    ),
    CLIENT_ID_SHARED: lazy_gettext(
        "The Client ID of this platform is registered for another platform too, so the tool "
        "asks neither for an access token. An administrator removes the wrong registration "
        "(`flask platform list`), then sends the grade again."
    ),
    GAVE_UP: lazy_gettext(
        "The platform could not be reached for a long time. Check that it is up, then send the "
        "grade again."
    ),
}


def reason(code: str | None) -> str:
    """The readable reason for a code (the code itself if it is unknown)."""
    if code is None:
        return ""
    text = REASONS.get(code)
    return str(text) if text is not None else code
