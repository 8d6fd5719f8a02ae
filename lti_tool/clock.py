"""Time as a dependency: the service reads the time only through a clock, so rules about
inactivity, expiry and ordering can be tested without sleeping."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def current_clock() -> Clock:
    from flask import current_app

    return current_app.extensions["emm_clock"]
