"""Which IP addresses a call to a platform may reach, judged after DNS resolution.

A platform names URLs (openid configuration, registration endpoint, key set, token and AGS
URLs) that the tool then fetches from inside its own network: without this check any of them
could point at the tool's loopback, the database host, the cloud's metadata service, ...
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network

IPAddress = IPv4Address | IPv6Address

# Instance metadata services hand out cloud credentials: never reachable, allowlist or not.
CLOUD_METADATA = frozenset(
    ip_address(text)
    for text in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle
        "169.254.170.2",  # AWS ECS task metadata
        "168.63.129.16",  # Azure WireServer (a public address!)
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud (legacy)
        "fd00:ec2::254",  # AWS over IPv6
    )
)
CARRIER_GRADE_NAT = ip_network("100.64.0.0/10")  # RFC 6598; Python's is_private omits it
NAT64 = ip_network("64:ff9b::/96")  # RFC 6052: the last 32 bits are an IPv4 address


def parse_address(text: str) -> IPAddress:
    """An address as getaddrinfo gives it (an IPv6 zone like `%eth0` is kept by ipaddress)."""
    return ip_address(text)


def embedded_ipv4(address: IPAddress) -> IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64, IPv4-compatible): it
    reaches that IPv4 host, so it is judged as that host."""
    if isinstance(address, IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    if int(address) >> 32 == 0 and int(address) > 1:  # ::a.b.c.d (deprecated, still routed)
        return IPv4Address(int(address))
    return None


def effective(address: IPAddress) -> IPAddress:
    """The address that is really reached: the embedded IPv4 one if there is one."""
    return embedded_ipv4(address) or address


def is_cloud_metadata(address: IPAddress) -> bool:
    return effective(address) in CLOUD_METADATA or address in CLOUD_METADATA


def refusal_reason(address: IPAddress) -> str | None:
    """Why a platform call must not go to `address` unless an administrator allows it; None
    when it is an ordinary public address."""
    address = effective(address)
    if address in CLOUD_METADATA:
        return "cloud metadata"
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if isinstance(address, IPv4Address) and address in CARRIER_GRADE_NAT:
        return "carrier-grade NAT"
    if address.is_private:
        return "private"
    if address.is_reserved:
        return "reserved"
    if not address.is_global:
        return "not globally reachable"
    return None
