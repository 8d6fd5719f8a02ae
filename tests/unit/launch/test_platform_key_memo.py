"""Platform keys remembered per process (ADR 0015): a launch reads them without a store round
trip, a new kid still reaches the store and the platform, and the memo ends with the clock."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask_babel import Babel

from lti_tool.launch.errors import LaunchRejected
from lti_tool.launch.platform_keys import MEMO_SECONDS, KeySetMemo, PlatformKeys
from lti_tool.store.memory import MemoryStore
from tests.support.clock import FakeClock
from tests.support.signed_launches import new_rsa_pem, public_jwk

URL = "https://moodle.example.org/mod/lti/certs.php"


class CountingStore(MemoryStore):
    def __init__(self, clock):
        super().__init__(clock)
        self.gets = 0

    def get(self, key):
        self.gets += 1
        return super().get(key)


class Platform:
    """Stands in for the outbound client: serves a key set and counts the fetches."""

    def __init__(self, *kids: str):
        self.keys = [public_jwk(new_rsa_pem(), kid) for kid in kids]
        self.fetches = 0

    def get(self, url, **kwargs):
        self.fetches += 1
        keys = {"keys": list(self.keys)}

        class Answer:
            ok = True

            def json(self):
                return keys

        return Answer()


@pytest.fixture
def request_context():
    app = Flask(__name__)
    Babel(app)  # refusals are translated
    with app.test_request_context():
        yield


def keys_at(clock, store, platform, memo, cache_seconds=3600):
    return PlatformKeys(store, platform, cache_seconds, 5.0, memo=memo, now=clock.now())


def test_a_remembered_key_costs_no_store_round_trip(request_context):
    clock, memo, platform = FakeClock(), KeySetMemo(), Platform("k1")
    store = CountingStore(clock)
    first = keys_at(clock, store, platform, memo).public_key_for(URL, "k1")
    gets = store.gets
    again = keys_at(clock, store, platform, memo).public_key_for(URL, "k1")
    assert again is first  # parsed once
    assert store.gets == gets and platform.fetches == 1


def test_a_new_kid_goes_to_the_store_then_the_platform(request_context):
    clock, memo, platform = FakeClock(), KeySetMemo(), Platform("k1")
    store = CountingStore(clock)
    keys_at(clock, store, platform, memo).public_key_for(URL, "k1")
    platform.keys.append(public_jwk(new_rsa_pem(), "k2"))  # the platform rotates its key
    assert keys_at(clock, store, platform, memo).public_key_for(URL, "k2") is not None
    assert platform.fetches == 2
    with pytest.raises(LaunchRejected):
        keys_at(clock, store, platform, memo).public_key_for(URL, "k3")


def test_the_memo_ends_with_the_clock_and_the_store_is_read_again(request_context):
    clock, memo, platform = FakeClock(), KeySetMemo(), Platform("k1")
    store = CountingStore(clock)
    keys_at(clock, store, platform, memo).public_key_for(URL, "k1")
    clock.advance(seconds=MEMO_SECONDS)
    gets = store.gets
    keys_at(clock, store, platform, memo).public_key_for(URL, "k1")
    assert store.gets == gets + 1 and platform.fetches == 1


def test_no_longer_than_the_configured_key_set_cache(request_context):
    clock, memo, platform = FakeClock(), KeySetMemo(), Platform("k1")
    store = CountingStore(clock)
    keys_at(clock, store, platform, memo, cache_seconds=5).public_key_for(URL, "k1")
    clock.advance(seconds=5)
    keys_at(clock, store, platform, memo, cache_seconds=5).public_key_for(URL, "k1")
    assert platform.fetches == 2  # the store's entry ended too: fetched again


def test_a_key_that_is_no_rsa_key_is_a_refusal_not_a_crash(request_context):
    clock, memo, platform = FakeClock(), KeySetMemo(), Platform("k1")
    platform.keys = [{"kid": "k1", "kty": "RSA", "n": "not base64!", "e": "AQAB"}]
    with pytest.raises(LaunchRejected):
        keys_at(clock, MemoryStore(clock), platform, memo).public_key_for(URL, "k1")


def test_stored_key_sets_stay_json(request_context):
    clock, platform = FakeClock(), Platform("k1")
    store = MemoryStore(clock)
    keys_at(clock, store, platform, KeySetMemo()).public_key_for(URL, "k1")
    assert json.loads(store.get("jwks:" + URL))["keys"][0]["kid"] == "k1"
