from __future__ import annotations

import threading
from datetime import timedelta

from lti_tool.clock import Clock


class MemoryStore:
    """In-process store for unit tests and single-process tools."""

    def __init__(self, clock: Clock):
        self._clock = clock
        self._lock = threading.Lock()
        self._items: dict[str, tuple[str, object]] = {}

    def _live(self, key: str) -> str | None:
        item = self._items.get(key)
        if item is None:
            return None
        value, expires_at = item
        if expires_at <= self._clock.now():  # type: ignore[operator]
            del self._items[key]
            return None
        return value

    def put_if_absent(self, key: str, value: str, ttl_seconds: int) -> bool:
        with self._lock:
            if self._live(key) is not None:
                return False
            self._items[key] = (value, self._clock.now() + timedelta(seconds=ttl_seconds))
            return True

    def put(self, key: str, value: str, ttl_seconds: int) -> None:
        with self._lock:
            self._items[key] = (value, self._clock.now() + timedelta(seconds=ttl_seconds))

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._live(key)

    def pop(self, key: str) -> str | None:
        with self._lock:
            value = self._live(key)
            self._items.pop(key, None)
            return value

    def delete(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)

    def hit(self, key: str, window_seconds: int) -> int:
        with self._lock:
            count = int(self._live(key) or 0) + 1
            expires = (
                self._items[key][1]
                if key in self._items
                else (self._clock.now() + timedelta(seconds=window_seconds))
            )
            self._items[key] = (str(count), expires)
            return count

    def purge_expired(self) -> int:
        with self._lock:
            now = self._clock.now()
            expired = [key for key, (_value, at) in self._items.items() if at <= now]  # type: ignore[operator]
            for key in expired:
                del self._items[key]
            return len(expired)
