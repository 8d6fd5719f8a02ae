"""How stored item HTML names a picture: `<img src="media:SHA256" alt="...">`.

The sanitiser keeps an <img> only with such a source, so a learner's page never loads a picture
from elsewhere (tracking, mixed content); the web layer resolves the source when it renders.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape

MEDIA_SCHEME = "media"
_SHA = re.compile(r"^media:[0-9a-f]{64}$")
_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")media:([0-9a-f]{64})(")')
_IMG = re.compile(r"<img\b[^>]*>")
_ALT = re.compile(r'\balt="([^"]*)"')


def media_src(sha256: str) -> str:
    return f"{MEDIA_SCHEME}:{sha256}"


def is_media_src(value: str) -> bool:
    return bool(_SHA.match(value))


def referenced(html: str) -> list[str]:
    """The SHA-256 of every picture `html` shows, in order."""
    return [match.group(2) for match in _SRC.finditer(html)]


def images_without_alt(html: str) -> int:
    """How many pictures of `html` have no text alternative (alt missing or blank)."""
    count = 0
    for tag in _IMG.findall(html):
        alt = _ALT.search(tag)
        if alt is None or not alt.group(1).strip():
            count += 1
    return count


def resolve(html: str, url_of: Callable[[str], str]) -> str:
    """`html` with every `media:SHA256` source replaced by `url_of(sha256)`."""
    if "media:" not in html:
        return html
    return _SRC.sub(lambda m: f"{m.group(1)}{escape(url_of(m.group(2)))}{m.group(3)}", html)
