"""What people may read of a platform's answer.

A platform's body is never echoed to a page: a page gets a short summary (the status, and
the error fields of a JSON answer or the first line of a plain-text one), which templates
escape like any other text. Logs may hold more (`for_log`).

The body decides, not only the declared type: Moodle answers some errors with a JSON body
under PHP's default `text/html`, and an HTML error page under `text/plain` or no type at all
is still a page, whose first line (`<!DOCTYPE html>`) says nothing to a person.
"""

from __future__ import annotations

import json
import re

SUMMARY_CHARS = 200  # what a page shows of a platform's own words
LOG_CHARS = 2000  # what a log line keeps of a body
JSON_ERROR_FIELDS = ("error", "error_description", "message", "reason", "detail")

_BYTES_OF = re.compile(r"^\d+ bytes of (\S+)$")  # what body_description says of a body
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_SPACES = re.compile(r"\s+")


def _clean(text: str, limit: int) -> str:
    text = _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _json_error(body: bytes) -> str:
    try:
        data = json.loads(body.decode("utf-8", errors="replace"))
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    found = [
        str(data[key])
        for key in JSON_ERROR_FIELDS
        if isinstance(data.get(key), (str, int, float)) and str(data[key]).strip()
    ]
    return ": ".join(found)


def looks_like_html(body: bytes) -> bool:
    """A markup page (`<!DOCTYPE html>`, `<html>`, `<br />`...) whatever its declared type."""
    return body.lstrip()[:1] == b"<"


def body_summary(content_type: str, body: bytes) -> str:
    """The platform's own words, shortened; empty when the body is not an error message."""
    media = _media_type(content_type)
    if media.endswith("json") or body.lstrip()[:1] == b"{":
        text = _json_error(body)
    elif looks_like_html(body):
        text = ""
    elif media == "text/plain" or not media:
        lines = body.decode("utf-8", errors="replace").strip().splitlines()
        text = lines[0] if lines else ""
    else:  # HTML and anything else: somebody's page, not a message for us
        text = ""
    return _clean(text, SUMMARY_CHARS)


def body_description(content_type: str, body: bytes) -> str:
    """The platform's words, or what kind of body it was: `invalid_client`,
    `2048 bytes of text/html`; empty for an empty body."""
    words = body_summary(content_type, body)
    if words or not body:
        return words
    media = _media_type(content_type)
    if looks_like_html(body) and "html" not in media:
        media = "text/html"  # a page, whatever the header claimed
    return f"{len(body)} bytes of {media or 'unknown type'}"


def described_media_type(description: str) -> str | None:
    """The media type in a `body_description` of a body without words (`2048 bytes of
    text/html` -> `text/html`); None when the description holds the platform's words."""
    found = _BYTES_OF.match(description.strip())
    return found.group(1) if found else None


def answer_summary(status: int, content_type: str, body: bytes) -> str:
    """E.g. `HTTP 401: invalid_client`, `HTTP 302 (redirects are not followed)`,
    `HTTP 500: 2048 bytes of text/html`."""
    head = f"HTTP {status}"
    if 300 <= status < 400:
        return head + " (redirects are not followed)"
    description = body_description(content_type, body)
    return f"{head}: {description}" if description else head


def for_log(body: bytes) -> str:
    return _clean(body.decode("utf-8", errors="replace"), LOG_CHARS)
