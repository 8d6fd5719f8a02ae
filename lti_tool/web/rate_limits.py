"""Per-client-address rate limits, declared on the views they guard:

    @bp.post("/lti/login")
    @limited_per_address("lti-login", per_minute=lambda settings: settings.launch_rate_per_minute)
    def login(): ...

Counted in the app's key-value store (docs/decisions/0008-rate-limits-in-the-store.md): Redis in
production, so every instance shares the count; the embedded SQLite store otherwise, shared by
every worker process; the injected clock decides when a window ends. The client address is
`request.remote_addr`, which ProxyFix sets from X-Forwarded-For only for the number of proxies
EMM_TRUSTED_PROXIES says to trust, so a client cannot pick its own bucket.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, request
from flask_babel import gettext as _

from config.settings import Settings
from lti_tool.web.errors import UserFacingError

WINDOW_SECONDS = 60


class TooManyRequests(UserFacingError):
    status = 429

    def __init__(self, retry_after_seconds: int):
        super().__init__(
            _("Too many launches came from your network in a short time."),
            code="too_many_requests",
            action=_("Wait a minute, then open the assessment again from your course."),
            # Fixed windows: the client may retry at the latest when this one ends.
            headers={"Retry-After": str(retry_after_seconds)},
        )


def limited_per_address(bucket: str, per_minute: Callable[[Settings], int]):
    """At most `per_minute(settings)` requests a minute from one client address to the views
    sharing `bucket`; the next ones get a 429 with Retry-After. 0 turns the limit off."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def limited(*args: Any, **kwargs: Any) -> Any:
            limit = per_minute(current_app.config["EMM_SETTINGS"])
            if limit > 0:
                from lti_tool.services import services

                key = f"rate:{bucket}:{request.remote_addr or 'unknown'}"
                if services().store.hit(key, WINDOW_SECONDS) > limit:
                    raise TooManyRequests(WINDOW_SECONDS)
            return view(*args, **kwargs)

        return limited

    return decorate
