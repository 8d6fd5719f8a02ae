"""Access tokens from a platform (client credentials + private_key_jwt, RFC 7523) and the
outbound send every AGS request goes through: the token half of the AGS client
(lti_tool.grades.ags_client holds the score, result and line item calls)."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import jwt

from lti_tool.clock import Clock
from lti_tool.grades import failures
from lti_tool.grades.ags_errors import DETAIL_LIMIT, AgsError, error_for, response_detail
from lti_tool.outbound import (
    DeadlineExceeded,
    DestinationRefused,
    OutboundClient,
    OutboundError,
    OutboundResponse,
    ResponseTooLarge,
)
from lti_tool.platforms.keys import SigningKey

if TYPE_CHECKING:
    from lti_tool.platforms.models import Platform

# Named after the client module: operators' log settings and the tests select this name.
log = logging.getLogger("lti_tool.grades.ags_client")

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# A client assertion is used at once; a short life limits what a copy of it is worth.
ASSERTION_LIFETIME = timedelta(seconds=60)
TOKEN_SAFETY_MARGIN = timedelta(seconds=60)  # renew this long before the platform's expiry


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
    def of(cls, platform: Platform) -> PlatformAccess:
        return cls(
            platform_id=platform.id,
            issuer=platform.issuer,
            client_id=platform.client_id,
            token_url=platform.auth_token_url,
        )


TokenKey = tuple[int, str, str, tuple[str, ...]]


class TokenCache:
    """Access tokens per platform registration and scope set, kept until shortly before expiry.
    In memory, per worker process: a token is a secret and cheap to get again."""

    def __init__(self, clock: Clock, margin: timedelta = TOKEN_SAFETY_MARGIN) -> None:
        self._clock = clock
        self._margin = margin
        self._lock = threading.Lock()
        self._tokens: dict[TokenKey, tuple[str, datetime]] = {}

    @staticmethod
    def key(access: PlatformAccess, scopes: tuple[str, ...]) -> TokenKey:
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


# Every registration holding the client id of the given one, read from the platforms table.
ClientIdHolders = Callable[[PlatformAccess], list[PlatformAccess]]


class TokenClient:
    """Gets and caches access tokens; sends requests under the outbound policy. `signing_key`
    is called when an assertion must be signed (the key lives in the database and may rotate).
    `client_id_holders` is asked before each token request."""

    def __init__(
        self,
        http: OutboundClient,
        clock: Clock,
        *,
        timeout: float,
        signing_key: Callable[[], SigningKey],
        client_id_holders: ClientIdHolders,
        tokens: TokenCache | None = None,
    ) -> None:
        self.http = http
        self.clock = clock
        self.timeout = timeout
        self.signing_key = signing_key
        self.client_id_holders = client_id_holders
        self.tokens = tokens or TokenCache(clock)

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
                detail=response_detail(response),
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
