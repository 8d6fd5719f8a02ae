"""The launch token: how follow-up requests prove which launch they belong to, without cookies.

`<launch session id>.<expiry>.<hmac>`: signed with the service's secret, checked against the
injected clock, and only valid while the launch session row exists. It travels in forms
(`lt`), in the `X-Launch-Token` header of fetch() calls, and in links. A cross-site page
cannot read it, so it also serves as the CSRF token; it is only ever minted after a verified
launch, so it cannot be fixed in advance (no session fixation).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

FIELD = "lt"
HEADER = "X-Launch-Token"


def _sign(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), b"launch\x00" + payload.encode(), hashlib.sha256).hexdigest()[
        :40
    ]


def mint(secret: str, launch_id: str, expires_at: datetime) -> str:
    payload = f"{launch_id}.{int(expires_at.timestamp())}"
    return f"{payload}.{_sign(secret, payload)}"


def read(secret: str, token: str, now: datetime) -> str | None:
    """The launch session id named by a valid, unexpired token, else None."""
    try:
        launch_id, expiry, signature = token.split(".")
        expires = int(expiry)
    except ValueError:
        return None
    if not hmac.compare_digest(signature, _sign(secret, f"{launch_id}.{expiry}")):
        return None
    if now.timestamp() >= expires:
        return None
    return launch_id
