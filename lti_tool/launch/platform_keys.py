"""The platforms' public keys, cached by key set URL, fetched again when a new `kid` appears.

A platform rotates its key by publishing a new one; an id_token with a kid we have not seen
triggers one refetch. Refetches are rate-limited per URL so a stream of forged tokens with
random kids cannot make us hammer the platform.

Each process also keeps the key sets it read, with their keys parsed, for at most
MEMO_SECONDS (ADR 0015): a launch then pays neither a store round trip nor the parsing of an
RSA key. A kid the memo lacks goes to the store (another process may have refetched), and
only then to the platform; the memo never outlives the store's own cache by more than
MEMO_SECONDS.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from jwt.algorithms import RSAAlgorithm
from jwt.exceptions import PyJWTError

from lti_tool.launch.errors import LaunchRejected, PlatformUnreachable
from lti_tool.outbound import OutboundClient, OutboundError
from lti_tool.store import KeyValueStore

log = logging.getLogger(__name__)

REFETCH_WINDOW_SECONDS = 10
REFETCHES_PER_WINDOW = 3
MEMO_SECONDS = 60


@dataclass
class _Remembered:
    keyset: dict
    until: datetime
    parsed: dict[str, Any] = field(default_factory=dict)  # kid -> public key object


class KeySetMemo:
    """Key sets this process read recently, by key set URL (one per app: tests run many)."""

    def __init__(self) -> None:
        self._entries: dict[str, _Remembered] = {}

    def get(self, url: str, now: datetime) -> _Remembered | None:
        entry = self._entries.get(url)
        return entry if entry is not None and now < entry.until else None

    def put(self, url: str, keyset: dict, until: datetime) -> _Remembered:
        entry = self._entries[url] = _Remembered(keyset, until)
        return entry


class PlatformKeys:
    def __init__(
        self,
        store: KeyValueStore,
        http: OutboundClient,
        cache_seconds: int,
        timeout: float,
        *,
        memo: KeySetMemo | None = None,
        now: datetime | None = None,
    ):
        self._store = store
        self._http = http
        self._cache_seconds = cache_seconds
        self._timeout = timeout
        self._memo = memo if memo is not None else KeySetMemo()
        self._now = now

    def public_key_for(self, key_set_url: str, kid: str) -> Any:
        """The platform's public key `kid`, parsed: from this process's memo when it holds
        it, else as `key_for` finds it."""
        now = self._now
        entry = self._memo.get(key_set_url, now) if now is not None else None
        if entry is None or _find(entry.keyset, kid) is None:
            keyset = self._keyset_with(key_set_url, kid)
            if now is None:
                return _parse(_found(keyset, kid))
            memo_for = timedelta(seconds=min(self._cache_seconds, MEMO_SECONDS))
            entry = self._memo.put(key_set_url, keyset, now + memo_for)
        if kid not in entry.parsed:
            entry.parsed[kid] = _parse(_found(entry.keyset, kid))
        return entry.parsed[kid]

    def key_for(self, key_set_url: str, kid: str) -> dict:
        """The platform's public key `kid` as a JWK."""
        return _found(self._keyset_with(key_set_url, kid), kid)

    def _keyset_with(self, key_set_url: str, kid: str) -> dict:
        """The platform's key set, holding `kid`: cached, or fetched again."""
        cache_key = "jwks:" + key_set_url
        cached = self._store.get(cache_key)
        if cached is not None:
            keyset = json.loads(cached)
            if _find(keyset, kid) is not None:
                return keyset
            if (
                self._store.hit("jwks-refetch:" + key_set_url, REFETCH_WINDOW_SECONDS)
                > REFETCHES_PER_WINDOW
            ):
                raise LaunchRejected(
                    _("The id_token names a signing key (kid) the platform does not publish."),
                    code="unknown_kid",
                    status=401,
                )
        keyset = self._fetch(key_set_url)
        self._store.put(cache_key, json.dumps(keyset), self._cache_seconds)
        _found(keyset, kid)
        return keyset

    def _fetch(self, url: str) -> dict:
        # Through the outbound policy: the URL is the platform's word (its registration).
        try:
            response = self._http.get(
                url, deadline=self._timeout, headers={"Accept": "application/json"}
            )
        except OutboundError as error:
            log.warning("key set %s not fetched: %s", url, error)
            raise PlatformUnreachable(
                _("The platform's public keyset could not be fetched.")
            ) from None
        if not response.ok:
            log.warning("key set %s answered %s", url, response.summary())
            raise PlatformUnreachable(_("The platform's public keyset could not be fetched."))
        try:
            keyset = response.json()
        except ValueError:
            keyset = None
        if not isinstance(keyset, dict) or not isinstance(keyset.get("keys"), list):
            raise PlatformUnreachable(_("The platform's public keyset is not a valid JWKS."))
        return keyset


def _parse(jwk: dict) -> Any:
    try:
        return RSAAlgorithm.from_jwk(jwk)
    except (PyJWTError, ValueError, KeyError, TypeError):
        raise LaunchRejected(
            _("The platform publishes its signing key (kid) in a form that is not an RSA key."),
            code="bad_platform_key",
            status=401,
        ) from None


def _found(keyset: dict, kid: str) -> dict:
    key = _find(keyset, kid)
    if key is None:
        raise LaunchRejected(
            _("The id_token names a signing key (kid) the platform does not publish."),
            code="unknown_kid",
            status=401,
        )
    return key


def _find(keyset: dict, kid: str) -> dict | None:
    for key in keyset.get("keys", []):
        if isinstance(key, dict) and key.get("kid") == kid:
            return key
    return None
