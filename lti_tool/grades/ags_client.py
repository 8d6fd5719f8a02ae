"""A small AGS client on the outbound client (lti_tool.outbound: the address policy, a
whole-call deadline, a size cap): access tokens (client credentials + private_key_jwt), line
items, scores and results, with the answers (status, Retry-After, a summary of the body) the
delivery worker needs to decide what to do next.

Why not pylti1p3's ServiceConnector: it hides the HTTP status and Retry-After behind a generic
exception, has no per-request timeout and caches tokens without an expiry of our clock
(docs/decisions/*-grade-worker.md).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import jwt

from lti_tool.clock import Clock
from lti_tool.grades import failures
from lti_tool.launch.claims import (  # noqa: F401 - re-exported beside the client for callers
    AGS_SCOPES,
    SCOPE_LINEITEM,
    SCOPE_LINEITEM_READONLY,
    SCOPE_RESULT_READONLY,
    SCOPE_SCORE,
)
from lti_tool.outbound import (
    DeadlineExceeded,
    DestinationRefused,
    OutboundClient,
    OutboundError,
    OutboundResponse,
    ResponseTooLarge,
)
from lti_tool.outbound.summary import for_log
from lti_tool.platforms.keys import SigningKey

log = logging.getLogger(__name__)

SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
RESULTS_MEDIA_TYPE = "application/vnd.ims.lis.v2.resultcontainer+json"
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

DETAIL_LIMIT = 300  # characters of our own error messages kept on the row
# A client assertion is used at once; a short life limits what a copy of it is worth.
ASSERTION_LIFETIME = timedelta(seconds=60)
MAX_RETRY_AFTER = timedelta(hours=6)  # a platform asking for longer is asked again anyway
TOKEN_SAFETY_MARGIN = timedelta(seconds=60)  # renew this long before the platform's expiry
MAX_PAGES = 200  # results pages followed through Link: rel="next"


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


@dataclass(frozen=True)
class PlatformAccess:
    """What is needed to get a token from one platform registration (plain data, no ORM).

    Build it with `of(platform)`: the client id and the token URL come from the same Platform
    row, so an assertion signed for a client id only ever goes to the token URL registered with
    it (never to a URL from a launch, a line item or another registration)."""

    platform_id: int
    issuer: str
    client_id: str
    token_url: str

    @classmethod
    def of(cls, platform) -> PlatformAccess:
        return cls(
            platform_id=platform.id,
            issuer=platform.issuer,
            client_id=platform.client_id,
            token_url=platform.auth_token_url,
        )


class TokenCache:
    """Access tokens per platform registration and scope set, kept until shortly before expiry.
    In memory, per worker process: a token is a secret and cheap to get again."""

    def __init__(self, clock: Clock, margin: timedelta = TOKEN_SAFETY_MARGIN) -> None:
        self._clock = clock
        self._margin = margin
        self._lock = threading.Lock()
        self._tokens: dict[tuple, tuple[str, datetime]] = {}

    @staticmethod
    def key(access: PlatformAccess, scopes: tuple[str, ...]) -> tuple:
        return (access.platform_id, access.client_id, access.token_url, tuple(sorted(scopes)))

    def get(self, access: PlatformAccess, scopes: tuple[str, ...]) -> str | None:
        with self._lock:
            found = self._tokens.get(self.key(access, scopes))
            if found is None or found[1] <= self._clock.now():
                return None
            return found[0]

    def put(
        self, access: PlatformAccess, scopes: tuple[str, ...], token: str, expires_in: float
    ) -> None:
        lifetime = timedelta(seconds=max(float(expires_in), 0.0))
        # Short-lived tokens keep at least half their life; long ones lose the margin.
        usable = lifetime - min(self._margin, lifetime / 2)
        with self._lock:
            self._tokens[self.key(access, scopes)] = (token, self._clock.now() + usable)

    def drop(self, access: PlatformAccess, scopes: tuple[str, ...], token: str) -> None:
        with self._lock:
            key = self.key(access, scopes)
            if key in self._tokens and self._tokens[key][0] == token:
                del self._tokens[key]


def service_url(base: str, suffix: str = "", **params: str) -> str:
    """Append a path segment and query parameters, keeping the URL's own query
    (Moodle: `.../lineitem?type_id=1` -> `.../lineitem/scores?type_id=1`)."""
    parts = urlsplit(base)
    path = parts.path.rstrip("/") + suffix if suffix else parts.path
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), parts.fragment))


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


def _detail(response: OutboundResponse) -> str:
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
    detail = _detail(response)
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


# Every registration holding the client id of the given one, read from the platforms table.
ClientIdHolders = Callable[[PlatformAccess], list[PlatformAccess]]


class AgsClient:
    """One per worker. `signing_key` is called when an assertion must be signed (the key lives
    in the database and may rotate). `client_id_holders` is asked before each token request."""

    def __init__(
        self,
        http: OutboundClient,
        clock: Clock,
        *,
        timeout: float,
        signing_key,
        client_id_holders: ClientIdHolders,
        tokens: TokenCache | None = None,
    ) -> None:
        self.http = http
        self.clock = clock
        self.timeout = timeout
        self.signing_key = signing_key
        self.client_id_holders = client_id_holders
        self.tokens = tokens or TokenCache(clock)

    # --- tokens --------------------------------------------------------------------------------
    def client_assertion(self, access: PlatformAccess, key: SigningKey) -> str:
        """private_key_jwt (RFC 7523): iss = sub = client_id, aud = the token URL it is sent
        to, a fresh jti, a short life."""
        now = int(self.clock.now().timestamp())
        claims = {
            "iss": access.client_id,
            "sub": access.client_id,
            "aud": access.token_url,
            "iat": now,
            "exp": now + int(ASSERTION_LIFETIME.total_seconds()),
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, key.private_pem, algorithm="RS256", headers={"kid": key.kid})

    def access_token(self, access: PlatformAccess, scopes: tuple[str, ...]) -> str:
        cached = self.tokens.get(access, scopes)
        if cached is not None:
            return cached
        owner = self.owning_registration(access)
        key = self.signing_key()
        # The assertion's audience and its destination are one value of the owning row.
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": CLIENT_ASSERTION_TYPE,
            "client_assertion": self.client_assertion(owner, key),
            "scope": " ".join(scopes),
        }
        response = self._send(
            "POST", owner.token_url, data=form, headers={"Accept": "application/json"}
        )
        if response.status_code != 200:
            raise error_for(response, self.clock.now(), token_request=True)
        try:
            body = response.json()
            token = str(body["access_token"])
            expires_in = float(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise AgsError(
                failures.TOKEN_REFUSED,
                "token answer without access_token",
                http_status=200,
                detail=_detail(response),
            ) from None
        self.tokens.put(access, scopes, token, expires_in)
        return token

    def owning_registration(self, access: PlatformAccess) -> PlatformAccess:
        """The registration an assertion for `access.client_id` may be sent to, looked up by
        that client id: exactly one platform must hold it, and it must be `access`'s. Were a
        second issuer to hold the same client id, its token URL would receive assertions the
        first platform accepts (Moodle's token.php does not check aud): sign for neither.
        (Registration refuses such a pair; this is the second line.)"""
        holders = self.client_id_holders(access)
        if len(holders) != 1 or holders[0].platform_id != access.platform_id:
            log.error(
                "client id %r is held by platforms %s: no client assertion is signed",
                access.client_id,
                [h.platform_id for h in holders],
            )
            raise AgsError(
                failures.CLIENT_ID_SHARED,
                f"client id {access.client_id!r} is not held by platform "
                f"{access.platform_id} alone",
                detail=f"platforms holding it: "
                f"{', '.join(str(h.platform_id) for h in holders) or 'none'}",
            )
        return holders[0]

    # --- services ------------------------------------------------------------------------------
    def post_score(
        self,
        access: PlatformAccess,
        scopes: tuple[str, ...],
        lineitem_url: str,
        score: dict[str, Any],
    ) -> None:
        response = self._authorised(
            "POST",
            service_url(lineitem_url, "/scores"),
            access,
            scopes,
            json=score,
            headers={"Content-Type": SCORE_MEDIA_TYPE},
        )
        if response.status_code not in (200, 201, 202, 204):
            raise error_for(response, self.clock.now())

    def results(
        self,
        access: PlatformAccess,
        scopes: tuple[str, ...],
        lineitem_url: str,
        user_id: str | None = None,
    ) -> list[dict[str, Any]]:
        params = {"user_id": user_id} if user_id is not None else {}
        return self._get_list(
            service_url(lineitem_url, "/results", **params), access, scopes, RESULTS_MEDIA_TYPE
        )

    def find_lineitems(
        self,
        access: PlatformAccess,
        scopes: tuple[str, ...],
        lineitems_url: str,
        resource_link_id: str,
    ) -> list[dict[str, Any]]:
        url = service_url(lineitems_url, resource_link_id=resource_link_id)
        return self._get_list(
            url, access, scopes, LINEITEMS_MEDIA_TYPE, not_found=failures.NO_LINEITEM
        )

    def create_lineitem(
        self,
        access: PlatformAccess,
        scopes: tuple[str, ...],
        lineitems_url: str,
        body: dict[str, Any],
    ) -> dict[str, Any]:
        response = self._authorised(
            "POST",
            lineitems_url,
            access,
            scopes,
            json=body,
            headers={"Content-Type": LINEITEM_MEDIA_TYPE, "Accept": LINEITEM_MEDIA_TYPE},
        )
        if response.status_code not in (200, 201):
            raise error_for(response, self.clock.now(), not_found=failures.NO_LINEITEM)
        try:
            created = response.json()
            str(created["id"])
        except (ValueError, KeyError, TypeError):
            raise AgsError(
                failures.REJECTED,
                "created line item without id",
                http_status=response.status_code,
                detail=_detail(response),
            ) from None
        return created

    # --- plumbing ------------------------------------------------------------------------------
    def _get_list(
        self,
        url: str,
        access: PlatformAccess,
        scopes: tuple[str, ...],
        media_type: str,
        *,
        not_found: str = failures.LINEITEM_GONE,
    ) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        next_url: str | None = url
        for _page in range(MAX_PAGES):
            if next_url is None:
                break
            response = self._authorised(
                "GET", next_url, access, scopes, headers={"Accept": media_type}
            )
            if response.status_code != 200:
                raise error_for(response, self.clock.now(), not_found=not_found)
            try:
                page = response.json()
            except ValueError:
                raise AgsError(
                    failures.REJECTED,
                    "answer is not JSON",
                    http_status=200,
                    detail=_detail(response),
                ) from None
            if not isinstance(page, list):
                raise AgsError(
                    failures.REJECTED,
                    "answer is not a JSON list",
                    http_status=200,
                    detail=_detail(response),
                )
            items.extend(item for item in page if isinstance(item, dict))
            next_url = response.links.get("next", {}).get("url")
        return items

    def _authorised(
        self, method: str, url: str, access: PlatformAccess, scopes: tuple[str, ...], **kwargs: Any
    ) -> OutboundResponse:
        """Send with a bearer token; on 401 drop the token and try once more with a fresh one
        (the platform may end a token before its announced expiry)."""
        for attempt in (1, 2):
            token = self.access_token(access, scopes)
            headers = dict(kwargs.pop("headers", {}) or {})
            headers["Authorization"] = f"Bearer {token}"
            response = self._send(method, url, headers=headers, **kwargs)
            kwargs["headers"] = {k: v for k, v in headers.items() if k != "Authorization"}
            if response.status_code != 401 or attempt == 2:
                return response
            self.tokens.drop(access, scopes, token)
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(self, method: str, url: str, **kwargs: Any) -> OutboundResponse:
        """One request under the outbound policy; `self.timeout` bounds the whole call."""
        where = urlsplit(url).netloc
        try:
            return self.http.request(method, url, deadline=self.timeout, **kwargs)
        except DeadlineExceeded as error:
            raise AgsError(
                failures.TIMEOUT,
                f"no complete answer within {self.timeout:g} s from {where}",
                detail=str(error)[:DETAIL_LIMIT],
            ) from error
        except DestinationRefused as error:
            raise AgsError(
                failures.DESTINATION_REFUSED,
                f"{where} is not allowed",
                detail=str(error)[:DETAIL_LIMIT],
            ) from error
        except ResponseTooLarge as error:
            raise AgsError(
                failures.ANSWER_TOO_LARGE,
                f"answer from {where} too large",
                detail=str(error)[:DETAIL_LIMIT],
            ) from error
        except OutboundError as error:
            raise AgsError(
                failures.NETWORK_ERROR, f"{where} unreachable", detail=str(error)[:DETAIL_LIMIT]
            ) from error
