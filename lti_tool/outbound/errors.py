"""What can go wrong with a call to a platform. Messages are for logs and administrators
(English, like the other admin-facing diagnostics); pages translate by exception type."""

from __future__ import annotations


class OutboundError(Exception):
    """A call to a platform that produced no usable answer."""

    def __init__(self, message: str, *, url: str = "") -> None:
        super().__init__(message)
        self.url = url


class DestinationRefused(OutboundError):
    """The outbound policy forbids the URL or the address its host resolves to. Nothing was
    sent. Not worth retrying: a person must change the URL or the allowlist."""


class DeadlineExceeded(OutboundError):
    """No complete answer within the call's deadline (connect and every read together)."""


class ResponseTooLarge(OutboundError):
    """The answer was larger than the size cap; reading stopped there."""


class Unreachable(OutboundError):
    """Name resolution, connection, TLS or the transfer failed."""
