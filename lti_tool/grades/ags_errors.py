"""What an unsuccessful AGS answer means for delivery: the failure code (one of
lti_tool.grades.failures), the HTTP status, a short summary people may read, and how long the
platform asked us to wait (Retry-After)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from lti_tool.grades import failures
from lti_tool.outbound import OutboundResponse
from lti_tool.outbound.summary import for_log

# Named after the client module: operators' log settings and the tests select this name.
log = logging.getLogger("lti_tool.grades.ags_client")

DETAIL_LIMIT = 300  # characters of our own error messages kept on the row
MAX_RETRY_AFTER = timedelta(hours=6)  # a platform asking for longer is asked again anyway


class AgsError(Exception):
    """A request that did not succeed. `code` is one of lti_tool.grades.failures."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        http_status: int | None = None,
        detail: str | None = None,
        retry_after: timedelta | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.http_status = http_status
        self.detail = detail
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        return self.code in failures.TRANSIENT


class StaleTimestamp(AgsError):
    """409: the platform holds a score with an equal or newer timestamp."""


def parse_retry_after(raw: str | None, now: datetime) -> timedelta | None:
    if not raw:
        return None
    raw = raw.strip()
    try:
        delay = timedelta(seconds=max(float(raw), 0.0))
    except ValueError:
        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            return None
        delay = max(when - now, timedelta(0))
    return min(delay, MAX_RETRY_AFTER)


def response_detail(response: OutboundResponse) -> str:
    """What people may read of the answer (instructor pages show it): a short summary."""
    return response.description()


def error_for(
    response: OutboundResponse,
    now: datetime,
    *,
    token_request: bool = False,
    not_found: str = failures.LINEITEM_GONE,
) -> AgsError:
    """What an unsuccessful answer means for delivery."""
    status = response.status_code
    detail = response_detail(response)
    log.info("AGS %s answered HTTP %s: %s", response.url, status, for_log(response.content))
    retry_after = parse_retry_after(response.headers.get("Retry-After"), now)
    message = f"HTTP {status} from {urlsplit(response.url).path}"
    if status == 429:
        return AgsError(
            failures.RATE_LIMITED,
            message,
            http_status=status,
            detail=detail,
            retry_after=retry_after,
        )
    if status >= 500 or status == 408:
        return AgsError(
            failures.SERVER_ERROR,
            message,
            http_status=status,
            detail=detail,
            retry_after=retry_after,
        )
    if token_request:
        return AgsError(failures.TOKEN_REFUSED, message, http_status=status, detail=detail)
    if status == 409:
        return StaleTimestamp(failures.STALE_TIMESTAMP, message, http_status=status, detail=detail)
    code = {
        400: failures.USER_NOT_GRADABLE,
        401: failures.UNAUTHORIZED,
        403: failures.FORBIDDEN,
        404: not_found,
    }.get(status, failures.REJECTED)
    return AgsError(code, message, http_status=status, detail=detail)
