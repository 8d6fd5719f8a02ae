"""Scripted misbehaviour of the platform's service endpoints, for grade-delivery tests.

A test queues faults per endpoint; each request to that endpoint takes the next one:

    state.faults.script("scores", Fault.error(503), Fault.too_many_requests(retry_after=7))
    state.faults.script("token", Fault.slow(2.5))           # answers normally, 2.5 s late
    state.faults.script("scores", Fault.drop_connection())  # socket closed, no HTTP answer

Endpoint names: see ENDPOINTS. Every request is counted (`state.faults.received("scores")`),
faulted or not. Dropping the connection needs the werkzeug dev server (run_platform); under
Flask's test client, which has no socket, a dropped connection is answered 502 instead.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from dataclasses import dataclass, field

ENDPOINTS = (
    "auth",
    "token",
    "jwks",
    "lineitems",
    "lineitem",
    "scores",
    "results",
    "memberships",
    "register",
    "deep_link_return",
)


@dataclass(frozen=True)
class Fault:
    status: int | None = None  # None: after any delay, answer normally
    delay: float = 0.0  # seconds to wait before answering (or dropping)
    retry_after: str | None = None  # Retry-After header value
    drop: bool = False  # close the connection without an HTTP answer
    body: dict[str, str] = field(default_factory=dict)

    @classmethod
    def error(cls, status: int = 500, *, delay: float = 0.0) -> Fault:
        return cls(status=status, delay=delay)

    @classmethod
    def too_many_requests(cls, retry_after: int | str = 1) -> Fault:
        return cls(status=429, retry_after=str(retry_after))

    @classmethod
    def unavailable(cls, retry_after: int | str | None = None) -> Fault:
        return cls(status=503, retry_after=None if retry_after is None else str(retry_after))

    @classmethod
    def conflict(cls) -> Fault:
        return cls(status=409)

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        return cls(delay=seconds)

    @classmethod
    def drop_connection(cls, *, delay: float = 0.0) -> Fault:
        return cls(drop=True, delay=delay)


class FaultPlan:
    """Thread-safe queues of faults per endpoint plus request counters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: dict[str, deque[Fault]] = {name: deque() for name in ENDPOINTS}
        self._received: Counter[str] = Counter()

    def script(self, endpoint: str, *faults: Fault) -> None:
        self._check(endpoint)
        with self._lock:
            self._queues[endpoint].extend(faults)

    def fail_next(self, endpoint: str, count: int, fault: Fault) -> None:
        self.script(endpoint, *([fault] * count))

    def pending(self, endpoint: str) -> int:
        self._check(endpoint)
        with self._lock:
            return len(self._queues[endpoint])

    def received(self, endpoint: str) -> int:
        self._check(endpoint)
        with self._lock:
            return self._received[endpoint]

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._received)

    def clear(self) -> None:
        with self._lock:
            for queue in self._queues.values():
                queue.clear()
            self._received.clear()

    def take(self, endpoint: str) -> Fault | None:
        """Count one request to `endpoint` and hand out its next scripted fault, if any."""
        self._check(endpoint)
        with self._lock:
            self._received[endpoint] += 1
            queue = self._queues[endpoint]
            return queue.popleft() if queue else None

    @staticmethod
    def _check(endpoint: str) -> None:
        if endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; one of {', '.join(ENDPOINTS)}")
