"""A platform answer that arrives after the tool gave up, with no race against a real timer.

A real short client timeout (say 0.3 s) races the machine: on a loaded one the deadline can
pass before the request even reaches the platform, so the platform never sees it. Here the
order is fixed by events instead:

    deadlines = HandDeadlines.install(monkeypatch)      # the tool's calls end when told
    held = HeldAnswers.install(env.state, on_arrival=deadlines.expire_open_calls)
    held.hold("scores")
    worker.run_due()        # the post reaches the platform, which ends the tool's call, then
                            # holds its answer: the tool records a timeout
    held.release()          # now the platform handles the post it received

The tool's deadline code runs unchanged (its watchdog shuts the sockets down); only the moment
it fires is chosen by the test. Real deadlines stay on as a generous backstop.
"""

from __future__ import annotations

import threading
import typing as t

import flask
import pytest

import lti_tool.outbound.client as outbound_client
from demo_platform import FaultPlan
from lti_tool.outbound.transport import OutboundCall

# Seconds a call, a held answer or a wait may take before the test fails instead of hanging.
BACKSTOP_SECONDS = 60.0


class HandDeadlines:
    """Every outbound call of the tool gets a backstop deadline and is ended by the test."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: list[OutboundCall] = []
        self.expired_by_hand = 0

    @classmethod
    def install(cls, monkeypatch: pytest.MonkeyPatch) -> HandDeadlines:
        deadlines = cls()

        class BackstopCall(OutboundCall):
            def __init__(self, policy: t.Any, deadline_seconds: float, **kwargs: t.Any) -> None:
                super().__init__(policy, max(deadline_seconds, BACKSTOP_SECONDS), **kwargs)
                deadlines._opened(self)

            def close(self) -> None:
                deadlines._closed(self)
                super().close()

        monkeypatch.setattr(outbound_client, "OutboundCall", BackstopCall)
        return deadlines

    def _opened(self, call: OutboundCall) -> None:
        with self._lock:
            self._open.append(call)

    def _closed(self, call: OutboundCall) -> None:
        with self._lock:
            if call in self._open:
                self._open.remove(call)

    @property
    def open_calls(self) -> int:
        with self._lock:
            return len(self._open)

    def expire_open_calls(self) -> None:
        """The deadline of every call in flight passes now (the watchdog's own action)."""
        with self._lock:
            calls = list(self._open)
        for call in calls:
            call._expire()
        self.expired_by_hand += len(calls)


class HeldAnswers(FaultPlan):
    """A FaultPlan whose chosen endpoints count the request, tell `on_arrival`, then wait for
    `release()` before answering normally. Scripted faults still apply to other requests."""

    def __init__(self, on_arrival: t.Callable[[], None]) -> None:
        super().__init__()
        self._on_arrival = on_arrival
        self._to_hold: dict[str, int] = {}
        self._released = threading.Event()
        self._held = threading.Event()

    @classmethod
    def install(cls, state: t.Any, *, on_arrival: t.Callable[[], None]) -> HeldAnswers:
        plan = cls(on_arrival)
        state.faults = plan
        return plan

    def hold(self, endpoint: str, count: int = 1) -> None:
        self._check(endpoint)
        with self._lock:
            self._to_hold[endpoint] = self._to_hold.get(endpoint, 0) + count

    def take(self, endpoint: str) -> t.Any:
        fault = super().take(endpoint)  # counted like any request
        with self._lock:
            holding = self._to_hold.get(endpoint, 0) > 0
            if holding:
                self._to_hold[endpoint] -= 1
        if holding:
            # The tool sends the body after the headers: read it all before the deadline
            # passes, or the platform would see half a request (cached for the view).
            flask.request.get_data(cache=True)
            self._held.set()
            self._on_arrival()
            if not self._released.wait(BACKSTOP_SECONDS):
                raise AssertionError(f"the held {endpoint} answer was never released")
        return fault

    @property
    def held(self) -> bool:
        return self._held.is_set()

    def release(self) -> None:
        self._released.set()
