"""Author HTML is untrusted: everything shown to a learner passes through nh3 (ammonia) here,
at import time, so stored content is already safe and hashes describe what is shown.

Pictures are kept only when they are the bank's own (`<img src="media:SHA256">`, see
item_bank.media): an <img> pointing anywhere else is removed."""

from __future__ import annotations

import html
import re

import nh3

from item_bank.media.references import MEDIA_SCHEME, is_media_src

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
        "img",
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
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start", "type"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto", MEDIA_SCHEME})

_WHITESPACE = re.compile(r"\s+")
_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\bsrc=)[^>]*>")


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Only the bank's own pictures, and links only to the web (never to `media:`)."""
    if tag == "img" and attribute == "src":
        return value if is_media_src(value) else None
    if attribute == "href" and value.lower().startswith(f"{MEDIA_SCHEME}:"):
        return None
    return value


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
        attribute_filter=_keep_attribute,
    )
    if "<img" in cleaned:
        cleaned = _IMG_WITHOUT_SRC.sub("", cleaned)
    return cleaned.strip()


def plain_text(text: str) -> str:
    """Text that is shown escaped (titles, accepted answers): tags removed, entities decoded,
    whitespace collapsed."""
    stripped = nh3.clean(text, tags=set(), attributes={})
    return _WHITESPACE.sub(" ", html.unescape(stripped)).strip()


def html_to_text(fragment: str) -> str:
    """HTML as plain text, for formats that only carry plain text (Moodle matching answers)."""
    return plain_text(fragment)
