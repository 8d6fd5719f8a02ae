"""The web origin (scheme://host[:port]) of a platform's URL, checked before it goes anywhere
near a header.

Registered issuers end up in the Content-Security-Policy of launched pages. A header is text:
an issuer holding `;` or a space would add directives of its own (`frame-ancestors *`), and a
very long one would make the header too big for browsers. So an origin is only ever taken from
a URL through `origin_of()`, which refuses anything but a plain http(s) URL and returns the
origin in one normal form: the same function checks an issuer when a platform is stored and
again when a header is built (rows stored before this check existed are not trusted either).
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from flask_babel import gettext as _

# The issuer column's size: no longer URL is ever stored.
MAX_URL_CHARS = 500
MAX_HOST_CHARS = 253  # DNS
DEFAULT_PORTS = {"http": 80, "https": 443}
# What CSP host-sources can say (CSP3 `host-char`): letters, digits, hyphens, dots. No IPv6
# literals (CSP cannot name them) and no underscores.
_HOST_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# Characters that end or split a header value or a CSP source list, quote it, or that no
# plain URL holds. Checked on the raw text: urlsplit() would quietly drop tabs and newlines.
_FORBIDDEN = set(";,'\"`\\<>{}|^")


class InvalidOrigin(ValueError):
    """A URL that cannot serve as a web origin; the message says why, for an administrator."""


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of `url`, lower-case, default port left out; InvalidOrigin
    when `url` is not a plain http(s) URL without user info, query or fragment."""
    if not isinstance(url, str) or not url:
        raise InvalidOrigin(_("it is empty"))
    if len(url) > MAX_URL_CHARS:
        raise InvalidOrigin(_("it is longer than %(limit)s characters", limit=MAX_URL_CHARS))
    if any(ord(c) <= 0x20 or ord(c) >= 0x7F or c in _FORBIDDEN for c in url):
        raise InvalidOrigin(
            _(
                "it contains spaces, control characters, non-ASCII characters or "
                "one of ; , ' \" ` \\ < > { } | ^"
            )
        )
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced [ in the host
        raise InvalidOrigin(_("it is not a URL")) from None
    if parts.scheme.lower() not in DEFAULT_PORTS:
        raise InvalidOrigin(_("it must start with https:// (or http://)"))
    if "@" in parts.netloc:
        raise InvalidOrigin(_("it must not contain a user name or password"))
    if parts.query or parts.fragment or "?" in url or "#" in url:
        raise InvalidOrigin(_("it must not have a query (?) or fragment (#)"))
    host = _host(parts.netloc)
    try:
        port = parts.port
    except ValueError:
        raise InvalidOrigin(_("its port is not a number from 1 to 65535")) from None
    if port == 0:
        raise InvalidOrigin(_("its port is not a number from 1 to 65535"))
    scheme = parts.scheme.lower()
    if port is None or port == DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def _host(netloc: str) -> str:
    host = netloc.rsplit(":", 1)[0] if not netloc.endswith("]") else netloc
    host = host.lower()
    if host.startswith("["):
        raise InvalidOrigin(_("it must name its host by a name or an IPv4 address, not IPv6"))
    if not host or len(host) > MAX_HOST_CHARS:
        raise InvalidOrigin(
            _("it has no host name, or one longer than %(limit)s characters", limit=MAX_HOST_CHARS)
        )
    try:
        ipaddress.IPv4Address(host)
        return host
    except ValueError:
        pass
    if not all(_HOST_LABEL.match(label) for label in host.split(".")):
        raise InvalidOrigin(
            _(
                "its host %(host)s is not a valid host name (letters, digits and "
                "hyphens, in labels of at most 63 characters)",
                host=host,
            )
        )
    return host


def valid_origins(urls: list[str]) -> list[str]:
    """The origins of those `urls` that have one, in order, without repeats."""
    found: dict[str, None] = {}
    for url in urls:
        try:
            found[origin_of(url)] = None
        except InvalidOrigin:
            continue
    return list(found)
