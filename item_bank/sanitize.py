"""Author HTML is untrusted: everything shown to a learner passes through nh3 (ammonia) here,
at import time, so stored content is already safe and hashes describe what is shown."""

from __future__ import annotations

import html
import re

import nh3

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "code",
        "dd",
        "del",
        "div",
        "dl",
        "dt",
        "em",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "ins",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    }
)
# No style/class/id: they allow UI spoofing (overlays) and clash with the page's own CSS.
ALLOWED_ATTRIBUTES = {
    "*": {"lang", "dir", "title"},
    "a": {"href"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start", "type"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})

_WHITESPACE = re.compile(r"\s+")


def sanitize_html(text: str) -> str:
    """Keep formatting markup, drop scripts, event handlers, styles and unsafe URLs."""
    if not any(char in text for char in "<>&"):
        return text.strip()  # no markup and no entities: nothing for the sanitiser to change
    cleaned = nh3.clean(
        text,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
    )
    return cleaned.strip()


def plain_text(text: str) -> str:
    """Text that is shown escaped (titles, accepted answers): tags removed, entities decoded,
    whitespace collapsed."""
    stripped = nh3.clean(text, tags=set(), attributes={})
    return _WHITESPACE.sub(" ", html.unescape(stripped)).strip()


def html_to_text(fragment: str) -> str:
    """HTML as plain text, for formats that only carry plain text (Moodle matching answers)."""
    return plain_text(fragment)
