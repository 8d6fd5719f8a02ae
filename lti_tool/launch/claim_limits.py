"""What an id_token may hold, checked once, as soon as it is decoded and before any claim is
read, compared or stored.

Everything past this point may take the claims at their word: the strings are text that both
databases store (PostgreSQL refuses NUL in text and lone surrogates in UTF-8; SQLite encodes
them to UTF-8 too), no longer than their columns, of the type the code expects, and nesting is
shallow. A token that breaks a rule gets a 400 that names the claim, never a 500.
"""

from __future__ import annotations

import math

from flask_babel import gettext as _

from lti_tool.launch import claims
from lti_tool.launch.errors import LaunchRejected

# Objects and lists inside one another, the token's body being the first: Moodle's deepest is
# the third (body > deep_linking_settings > accept_types).
MAX_DEPTH = 8
MAX_ENTRIES = 200  # items of one list or object
MAX_TEXT = 4096  # any string anywhere without a tighter limit below
URL = 2048
ID = 255  # LTI: ids are at most 255 characters (sub, deployment_id, resource_link.id ...)

# Strings that are read or stored, each with its limit (the column's size where one exists).
# A path names a claim, then keys inside it. Absent or null is allowed here: whether a claim
# is required is decided by the checks that follow (signature, pylti1p3's message checks).
TEXT_LIMITS: dict[tuple[str, ...], int] = {
    ("iss",): 500,
    ("sub",): ID,
    ("azp",): ID,
    ("nonce",): ID,
    ("name",): 300,
    ("given_name",): 200,
    ("family_name",): 200,
    ("email",): 320,
    (claims.DEPLOYMENT_ID,): ID,
    (claims.MESSAGE_TYPE,): 64,
    (claims.VERSION,): 20,
    (claims.TARGET_LINK_URI,): URL,
    (claims.RESOURCE_LINK, "id"): ID,
    (claims.RESOURCE_LINK, "title"): 500,
    (claims.CONTEXT, "id"): ID,
    (claims.CONTEXT, "label"): ID,
    (claims.CONTEXT, "title"): 500,
    (claims.CUSTOM, "assessment"): 100,
    (claims.LAUNCH_PRESENTATION, "locale"): 35,
    (claims.LAUNCH_PRESENTATION, "document_target"): 20,
    (claims.LAUNCH_PRESENTATION, "return_url"): URL,
    (claims.AGS_ENDPOINT, "lineitem"): URL,
    (claims.AGS_ENDPOINT, "lineitems"): URL,
    (claims.NRPS, "context_memberships_url"): URL,
    (claims.DL_SETTINGS, "deep_link_return_url"): URL,
}
# Claims that must be JSON objects when present.
OBJECT_CLAIMS = (
    claims.RESOURCE_LINK,
    claims.CONTEXT,
    claims.CUSTOM,
    claims.LAUNCH_PRESENTATION,
    claims.AGS_ENDPOINT,
    claims.NRPS,
    claims.DL_SETTINGS,
)
# Claims that must be lists of strings when present (roles: a list, never an object).
TEXT_LIST_LIMITS: dict[tuple[str, ...], int] = {
    (claims.ROLES,): ID,
    (claims.AGS_ENDPOINT, "scope"): ID,
}
HEADER_TEXT_LIMITS = {"kid": ID, "alg": 20, "typ": 20}


class BadClaim(LaunchRejected):
    def __init__(self, path: tuple[str, ...], why: str):
        super().__init__(
            _(
                "The id_token's claim %(claim)s is not acceptable: %(why)s.",
                claim=_readable(path),
                why=why,
            ),
            code="bad_claim",
            status=400,
            action=_(
                "This comes from the course site's LTI settings or data. Tell your course "
                "administrator; the claim is named above."
            ),
        )


def _readable(path: tuple[str, ...]) -> str:
    """`resource_link.title` for (".../claim/resource_link", "title")."""
    return ".".join(part.rsplit("/", 1)[-1] for part in path) or "(token)"


def check_id_token(header: object, body: object) -> None:
    """Raise BadClaim (a 400) unless the decoded id_token fits the rules above."""
    if not isinstance(header, dict):
        raise BadClaim(("header",), _("the token header must be a JSON object"))
    if not isinstance(body, dict):
        raise BadClaim((), _("the token body must be a JSON object"))
    _check_tree(header, ("header",), 1)
    _check_tree(body, (), 1)
    for key, limit in HEADER_TEXT_LIMITS.items():
        _check_text(header.get(key), ("header", key), limit)
    for claim in OBJECT_CLAIMS:
        if body.get(claim) is not None and not isinstance(body[claim], dict):
            raise BadClaim((claim,), _("it must be a JSON object"))
    for path, limit in TEXT_LIMITS.items():
        _check_text(_at(body, path), path, limit)
    aud = body.get("aud")
    for value in aud if isinstance(aud, list) else [aud]:
        _check_text(value, ("aud",), ID)
    for path, limit in TEXT_LIST_LIMITS.items():
        values = _at(body, path)
        if values is None:
            continue
        if not isinstance(values, list):
            raise BadClaim(path, _("it must be a list"))
        for value in values:
            if not isinstance(value, str):
                raise BadClaim(path, _("every entry must be text"))
            _check_text(value, path, limit)


def _at(body: dict, path: tuple[str, ...]) -> object:
    value: object = body
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _check_text(value: object, path: tuple[str, ...], limit: int) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise BadClaim(path, _("it must be text"))
    if len(value) > limit:
        raise BadClaim(path, _("it is longer than %(limit)s characters", limit=limit))


def _check_tree(value: object, path: tuple[str, ...], depth: int) -> None:
    """Depth, size, text and numbers of everything in the token, named by its claim."""
    if isinstance(value, str):
        _check_storable(value, path)
    elif isinstance(value, float) and not math.isfinite(value):
        raise BadClaim(path[:1], _("it holds a number that is not finite"))
    elif isinstance(value, (dict, list)):
        if depth > MAX_DEPTH:
            raise BadClaim(
                path[:1], _("it is nested more than %(limit)s levels deep", limit=MAX_DEPTH)
            )
        if len(value) > MAX_ENTRIES:
            raise BadClaim(path[:1], _("it has more than %(limit)s entries", limit=MAX_ENTRIES))
        items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
        for key, item in items:
            if key is not None:
                _check_storable(key, path)
            # Name top-level claims; deeper problems are reported against their claim.
            _check_tree(item, path if path or key is None else (key,), depth + 1)


def _check_storable(text: str, path: tuple[str, ...]) -> None:
    if len(text) > MAX_TEXT:
        raise BadClaim(
            path[:1], _("it holds text longer than %(limit)s characters", limit=MAX_TEXT)
        )
    if "\x00" in text:
        raise BadClaim(path[:1], _("it holds a NUL character"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BadClaim(path[:1], _("it holds invalid Unicode (a lone surrogate)")) from None
