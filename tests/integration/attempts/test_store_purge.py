"""The attempt sweeper purges the short-lived store (issue 14): used nonces, heartbeat and
rate-limit keys that nobody reads again no longer stay in the embedded store.sqlite3 for ever.
Before, SqlStore.purge_expired was never called and the row count only grew."""

from __future__ import annotations

from sqlalchemy import func, select

from lti_tool.attempts.sweeper import purge_store, sweep_once
from lti_tool.services import services
from lti_tool.store.memory import MemoryStore
from lti_tool.store.sql_store import KeyValueEntry, SqlStore


def _rows(store: SqlStore) -> int:
    with store._session() as session:
        return session.scalar(select(func.count()).select_from(KeyValueEntry))


def test_the_embedded_store_stops_growing_once_keys_expire(sqlite_app, clock):
    with sqlite_app.app_context():
        store = services().store
    assert isinstance(store, SqlStore)
    for day in range(5):
        for n in range(20):  # a day's nonces, each used once and never read again
            store.put_if_absent(f"nonce:{day}:{n}", "1", ttl_seconds=600)
        clock.advance(minutes=11)  # all of them expired
        assert sweep_once(sqlite_app) == 0
        assert _rows(store) == 0  # was 20, 40, 60...: nothing removed what nobody read again


def test_a_purge_keeps_live_keys(sqlite_app, clock):
    with sqlite_app.app_context():
        store = services().store
    store.put("heartbeat:live", "1", ttl_seconds=3600)
    store.put("heartbeat:old", "1", ttl_seconds=60)
    clock.advance(minutes=2)
    sweep_once(sqlite_app)
    assert _rows(store) == 1 and store.get("heartbeat:live") == "1"


def test_the_memory_store_purges_too(clock):
    store = MemoryStore(clock)
    store.put("a", "1", ttl_seconds=60)
    store.put("b", "1", ttl_seconds=600)
    clock.advance(minutes=5)
    assert store.purge_expired() == 1 and store.get("b") == "1"


class _DownStore:
    def purge_expired(self) -> int:
        raise ConnectionError("store down")


def test_a_store_that_is_down_does_not_fail_the_sweep(caplog):
    purge_store(_DownStore())  # type: ignore[arg-type]
    assert "could not purge" in caplog.text
