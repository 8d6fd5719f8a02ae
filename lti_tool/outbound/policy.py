"""The one policy for every call the tool makes to a platform: which URLs, which addresses,
how long, how much.

Addresses are judged after DNS resolution, on every address the name resolves to, and the
connection is then made to one of exactly those addresses (lti_tool.outbound.transport): a
name that resolves to a public address for the check and to 127.0.0.1 for the connection
(DNS rebinding) gets nowhere.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from urllib.parse import urlsplit

from lti_tool.outbound.addresses import (
    IPAddress,
    effective,
    is_cloud_metadata,
    parse_address,
    refusal_reason,
)
from lti_tool.outbound.errors import DestinationRefused, Unreachable

DEFAULT_DEADLINE_SECONDS = 10.0
# Moodle's answers are small (a JWKS is ~1 KB, a results page a few hundred bytes per
# learner); 4 MiB leaves room for the results of a very large course in one answer.
DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024

_LABEL = r"[a-z0-9_][a-z0-9_-]{0,62}"
_HOST_NAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*$")

Resolver = Callable[[str, int], list[str]]


def system_resolver(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, in the resolver's order, without duplicates."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class AllowRule:
    """One EMM_OUTBOUND_ALLOW entry: a host name, an address or a CIDR, each with an optional
    port. A name matches the URL's host; an address or CIDR matches the resolved address."""

    text: str
    host: str | None = None
    network: IPv4Network | IPv6Network | None = None
    port: int | None = None

    def allows(self, host: str, address: IPAddress, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.host is not None:
            return _normal_host(host) == self.host
        assert self.network is not None
        return effective(address) in self.network or address in self.network


def _port(raw: str, entry: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ValueError(f"EMM_OUTBOUND_ALLOW: {entry!r} has an invalid port")
    return int(raw)


def parse_allow_rule(entry: str) -> AllowRule:
    text = entry.strip()
    if not text:
        raise ValueError("EMM_OUTBOUND_ALLOW: empty entry")
    if "/" in text:  # a CIDR, never with a port
        try:
            return AllowRule(text, network=ip_network(text, strict=False))
        except ValueError:
            raise ValueError(f"EMM_OUTBOUND_ALLOW: {text!r} is not a valid CIDR") from None
    host, port = text, None
    if text.startswith("["):  # [IPv6]:port
        inside, bracket, rest = text[1:].partition("]")
        if not bracket:
            raise ValueError(f"EMM_OUTBOUND_ALLOW: {text!r} lacks its closing bracket")
        host = inside
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"EMM_OUTBOUND_ALLOW: {text!r} is not [address]:port")
            port = _port(rest[1:], text)
    elif text.count(":") == 1:  # host:port or IPv4:port (a bare IPv6 has several colons)
        host, raw_port = text.split(":")
        port = _port(raw_port, text)
    try:
        address = ip_address(host)
    except ValueError:
        name = _normal_host(host)
        if not _HOST_NAME.match(name):
            raise ValueError(
                f"EMM_OUTBOUND_ALLOW: {text!r} is not a host, host:port or CIDR"
            ) from None
        return AllowRule(text, host=name, port=port)
    return AllowRule(text, network=ip_network(address), port=port)


def parse_allowlist(entries: Iterable[str]) -> tuple[AllowRule, ...]:
    return tuple(parse_allow_rule(entry) for entry in entries if entry.strip())


def _normal_host(host: str) -> str:
    return host.strip().rstrip(".").lower()


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int


@dataclass(frozen=True)
class OutboundPolicy:
    allow: tuple[AllowRule, ...] = ()
    https_only: bool = False
    deadline_seconds: float = DEFAULT_DEADLINE_SECONDS
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    resolve: Resolver = system_resolver

    @classmethod
    def from_settings(cls, settings, **changes) -> OutboundPolicy:
        """Production: https only, nothing but public addresses unless EMM_OUTBOUND_ALLOW
        says so. Elsewhere http is fine and loopback is allowed by default (demo mode)."""
        return cls(
            allow=parse_allowlist(settings.outbound_allowlist),
            https_only=settings.is_production,
            deadline_seconds=settings.http_timeout_seconds,
            max_response_bytes=settings.outbound_max_bytes,
            **changes,
        )

    def check_url(self, url: str) -> Target:
        """Refuse what no address check can fix: the scheme, credentials, a missing host."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise DestinationRefused("not a valid URL", url=url) from None
        scheme = parts.scheme.lower()
        if scheme not in {"http", "https"}:
            raise DestinationRefused(
                f"only http(s) URLs are fetched, not {scheme or 'none'}:", url=url
            )
        if scheme == "http" and self.https_only:
            raise DestinationRefused("only https URLs are fetched in production", url=url)
        if not parts.hostname:
            raise DestinationRefused("the URL has no host", url=url)
        if parts.username is not None or parts.password is not None:
            raise DestinationRefused("URLs with a user name or password are refused", url=url)
        return Target(scheme, parts.hostname, port or (443 if scheme == "https" else 80))

    def refusal(self, host: str, address: IPAddress, port: int) -> str | None:
        """Why this resolved address may not be connected to (None: it may)."""
        if is_cloud_metadata(address):
            return "a cloud metadata address (never allowed)"
        reason = refusal_reason(address)
        if reason is None or any(rule.allows(host, address, port) for rule in self.allow):
            return None
        return f"a {reason} address (an administrator can allow it with EMM_OUTBOUND_ALLOW)"

    def addresses(self, host: str, port: int) -> list[str]:
        """Resolve `host` and return the addresses to connect to, in order. Every address it
        resolves to must pass: a name mixing a public and a private address is refused."""
        try:
            resolved = self.resolve(host, port)
        except (OSError, UnicodeError) as error:
            raise Unreachable(f"{host} could not be resolved ({error})") from None
        if not resolved:
            raise Unreachable(f"{host} resolves to no address")
        for text in resolved:
            reason = self.refusal(host, parse_address(text), port)
            if reason is not None:
                raise DestinationRefused(f"{host} resolves to {text}, {reason}")
        return resolved
