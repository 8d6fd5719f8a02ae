"""The platforms' public keys, cached by key set URL, fetched again when a new `kid` appears.

A platform rotates its key by publishing a new one; an id_token with a kid we have not seen
triggers one refetch. Refetches are rate-limited per URL so a stream of forged tokens with
random kids cannot make us hammer the platform.
"""

from __future__ import annotations

import json
import logging

from flask_babel import gettext as _

from lti_tool.launch.errors import LaunchRejected, PlatformUnreachable
from lti_tool.outbound import OutboundClient, OutboundError
from lti_tool.store import KeyValueStore

log = logging.getLogger(__name__)

REFETCH_WINDOW_SECONDS = 10
REFETCHES_PER_WINDOW = 3


class PlatformKeys:
    def __init__(
        self, store: KeyValueStore, http: OutboundClient, cache_seconds: int, timeout: float
    ):
        self._store = store
        self._http = http
        self._cache_seconds = cache_seconds
        self._timeout = timeout

    def key_for(self, key_set_url: str, kid: str) -> dict:
        cache_key = "jwks:" + key_set_url
        cached = self._store.get(cache_key)
        if cached is not None:
            key = _find(json.loads(cached), kid)
            if key is not None:
                return key
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
        key = _find(keyset, kid)
        if key is None:
            raise LaunchRejected(
                _("The id_token names a signing key (kid) the platform does not publish."),
                code="unknown_kid",
                status=401,
            )
        return key

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


def _find(keyset: dict, kid: str) -> dict | None:
    for key in keyset.get("keys", []):
        if isinstance(key, dict) and key.get("kid") == kid:
            return key
    return None
