"""The three stores honour the same contract."""

from __future__ import annotations

import threading
import uuid

import pytest

from lti_tool.store.memory import MemoryStore
from lti_tool.store.sql_store import SqlStore
from tests.support.clock import FakeClock


@pytest.fixture(params=["memory", "sql", "redis"])
def store_and_clock(request, tmp_path):
    clock = FakeClock()
    if request.param == "memory":
        return MemoryStore(clock), clock
    if request.param == "sql":
        return SqlStore.in_file(tmp_path / "store.sqlite3", clock), clock
    import redis

    from lti_tool.store.redis_store import RedisStore
    from tests.support.backends import check_redis, redis_url

    check_redis()
    return RedisStore(
        redis.Redis.from_url(redis_url(), decode_responses=True),
        prefix=f"emmtest:{uuid.uuid4().hex}:",
    ), None


def test_put_if_absent_is_once_only(store_and_clock):
    store, _ = store_and_clock
    assert store.put_if_absent("nonce:a", "1", 60)
    assert not store.put_if_absent("nonce:a", "1", 60)
    assert store.get("nonce:a") == "1"


def test_pop_reads_once(store_and_clock):
    store, _ = store_and_clock
    store.put("state:x", "record", 60)
    assert store.pop("state:x") == "record"
    assert store.pop("state:x") is None


def test_values_expire_by_the_clock(store_and_clock):
    store, clock = store_and_clock
    store.put("k", "v", 60)
    if clock is None:  # Redis expires keys by its own clock: check the TTL it was given
        assert 58 <= store._redis.ttl(store._prefix + "k") <= 60
        return
    clock.advance(seconds=59)
    assert store.get("k") == "v"
    clock.advance(seconds=1)
    assert store.get("k") is None
    assert store.put_if_absent("k", "again", 60), "an expired key can be taken again"


def test_hit_counts_within_a_window(store_and_clock):
    store, clock = store_and_clock
    assert [store.hit("rate:ip", 60) for _ in range(3)] == [1, 2, 3]
    if clock is not None:
        clock.advance(seconds=61)
        assert store.hit("rate:ip", 60) == 1


def test_concurrent_put_if_absent_has_one_winner(store_and_clock):
    store, _ = store_and_clock
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def take():
        barrier.wait()
        results.append(store.put_if_absent("nonce:race", "1", 60))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 1
