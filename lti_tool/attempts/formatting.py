"""How durations and moments read on attempt pages (translatable, no JS needed)."""

from __future__ import annotations

from datetime import datetime

from flask.sansio.app import App
from flask_babel import format_datetime, format_decimal, ngettext


def duration(seconds: float | int | None) -> str:
    """'10 minutes', '1 hour 30 minutes', '45 seconds': exact, never rounded up."""
    total = int(seconds or 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(ngettext("%(num)d hour", "%(num)d hours", hours))
    if minutes:
        parts.append(ngettext("%(num)d minute", "%(num)d minutes", minutes))
    if secs or not parts:
        parts.append(ngettext("%(num)d second", "%(num)d seconds", secs))
    return " ".join(parts)


def clock_time(value: datetime | None) -> str:
    """A moment as people read it on the page (UTC, the service's time zone, said so)."""
    if value is None:
        return ""
    return format_datetime(value, "medium") + " UTC"


def percent(value: float | None) -> str:
    if value is None:
        return ""
    return format_decimal(value, format="0.##") + " %"


def points(value: float | None) -> str:
    """Points as people read them: '1', '0.33' (partial credit is not shown to 6 places)."""
    return format_decimal(value or 0, format="0.##")


def init_filters(app: App) -> None:
    app.jinja_env.filters.update(
        duration=duration, clock_time=clock_time, percent=percent, points=points
    )
