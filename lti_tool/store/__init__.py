"""Short-lived shared state: OIDC state, used nonces, JWKS cache, liveness, rate limits.

One small interface, three implementations chosen by settings:
- `RedisStore` in production (shared by every instance; TTLs are Redis's own);
- `SqlStore` in the embedded default: no extra server, yet shared by all gunicorn workers,
  which an in-memory dict would not be (a nonce used in one worker must be refused in another);
- `MemoryStore` for unit tests.
Nothing here is the source of truth for learner data: losing it loses no answer.
"""

from __future__ import annotations

from typing import Protocol


class KeyValueStore(Protocol):
    def put_if_absent(self, key: str, value: str, ttl_seconds: int) -> bool:
        """Store `value` unless `key` is live; True when this call stored it."""

    def put(self, key: str, value: str, ttl_seconds: int) -> None: ...

    def get(self, key: str) -> str | None: ...

    def pop(self, key: str) -> str | None:
        """Read and delete atomically: two concurrent pops never both get the value."""

    def delete(self, key: str) -> None: ...

    def hit(self, key: str, window_seconds: int) -> int:
        """Count one event in a fixed window starting at the first event; returns the count."""

    def purge_expired(self) -> int:
        """Remove every expired entry (the attempt sweeper calls it); returns how many went.
        Keys nobody reads again are otherwise kept for ever where expiry is lazy."""
