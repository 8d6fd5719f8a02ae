"""Calls from the tool to platforms, all under one policy (docs: README settings table).

    client = OutboundClient(OutboundPolicy.from_settings(settings))
    answer = client.get(key_set_url)            # an OutboundResponse, read completely
    answer.ok, answer.status_code, answer.json(), answer.summary()

- http(s) only; https only in production; no user:password@ in URLs.
- Redirects are never followed (a 3xx is an answer like any other).
- After DNS resolution, loopback, private, link-local, carrier-grade NAT, multicast,
  unspecified and reserved addresses (IPv4 and IPv6, IPv4 inside IPv6 included) are refused
  unless EMM_OUTBOUND_ALLOW allows them; cloud metadata addresses always are. The connection
  goes to an address that was checked (no DNS rebinding).
- One deadline for the whole call (EMM_HTTP_TIMEOUT_SECONDS), enforced by shutting the socket
  down, and a size cap on the answer (EMM_OUTBOUND_MAX_BYTES).
- A page shows at most `answer.summary()` of what a platform said; logs may hold more.
"""

from lti_tool.outbound.client import USER_AGENT, OutboundClient, OutboundResponse
from lti_tool.outbound.errors import (
    DeadlineExceeded,
    DestinationRefused,
    OutboundError,
    ResponseTooLarge,
    Unreachable,
)
from lti_tool.outbound.policy import OutboundPolicy, parse_allowlist

__all__ = [
    "USER_AGENT",
    "DeadlineExceeded",
    "DestinationRefused",
    "OutboundClient",
    "OutboundError",
    "OutboundPolicy",
    "OutboundResponse",
    "ResponseTooLarge",
    "Unreachable",
    "parse_allowlist",
]
