"""A platform outage measured on the test clock: while `down_until` is ahead of the clock,
the chosen endpoints answer 503 (or drop the connection); scripted faults still apply after.

    outage = TimedOutage.install(platform.state, clock)
    outage.down_for(minutes=10, endpoints=("token", "scores"))

It replaces `state.faults` with a FaultPlan subclass, so the platform code is untouched.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from demo_platform import Fault, FaultPlan


class TimedOutage(FaultPlan):
    def __init__(self, clock) -> None:
        super().__init__()
        self.clock = clock
        self.down_until: datetime | None = None
        self.endpoints: frozenset[str] = frozenset()
        self.fault = Fault.unavailable()
        self.refused: dict[str, int] = {}

    @classmethod
    def install(cls, state, clock) -> TimedOutage:
        plan = cls(clock)
        state.faults = plan
        return plan

    def down_for(
        self, *, endpoints=("token", "scores"), fault: Fault | None = None, **delta: float
    ) -> datetime:
        self.down_until = self.clock.now() + timedelta(**delta)
        self.endpoints = frozenset(endpoints)
        self.fault = fault or Fault.unavailable()
        return self.down_until

    def take(self, endpoint: str) -> Fault | None:
        if (
            self.down_until is not None
            and endpoint in self.endpoints
            and self.clock.now() < self.down_until
        ):
            self._check(endpoint)
            with self._lock:  # counted like any request; scripted faults wait for later
                self._received[endpoint] += 1
                self.refused[endpoint] = self.refused.get(endpoint, 0) + 1
            return self.fault
        return super().take(endpoint)
