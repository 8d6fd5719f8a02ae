"""The request id: the one the reverse proxy sent in `X-Request-ID` when it is well formed,
otherwise a new one. It goes on every log line of the request and back in the response, so a
proxy's access log line and the service's lines can be matched."""

from __future__ import annotations

import re
import uuid

HEADER = "X-Request-ID"
# nginx's $request_id is 32 hex digits, HAProxy's unique-id and most tracing ids fit too. Any
# other value (too long, spaces, quotes, line breaks) could forge or break log lines: replaced.
_WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{8,128}")


def request_id_from(header_value: str | None) -> str:
    if header_value and _WELL_FORMED.fullmatch(header_value):
        return header_value
    return uuid.uuid4().hex
