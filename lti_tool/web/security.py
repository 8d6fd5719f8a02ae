"""Security headers on every response.

The tool may be framed by the registered platforms and by nobody else: `frame-ancestors`
lists their origins (read from the database, cached briefly per process). No inline script
or style is ever needed, so the CSP allows none.
"""

from __future__ import annotations

import time

from flask import Flask, Response, current_app

ORIGINS_CACHE_SECONDS = 30


def _platform_origins() -> list[str]:
    cache = current_app.extensions.setdefault("emm_frame_origins", {"at": 0.0, "origins": []})
    # Monotonic process time, not the injected clock: this is a cache, not a rule.
    if time.monotonic() - cache["at"] > ORIGINS_CACHE_SECONDS:
        from lti_tool import db
        from lti_tool.platforms.registry import list_platforms, platform_origins

        cache["origins"] = platform_origins(list_platforms(db.session()))
        cache["at"] = time.monotonic()
    return cache["origins"]


def forget_platform_origins(app: Flask) -> None:
    app.extensions.pop("emm_frame_origins", None)


def content_security_policy(frame_origins: list[str]) -> str:
    ancestors = " ".join(["'self'", *frame_origins])
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        # The launch form posts to the platform (deep linking return) and to ourselves.
        "form-action 'self' " + " ".join(frame_origins) if frame_origins else "form-action 'self'",
        f"frame-ancestors {ancestors}",
    ])


def init_app(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        if "Content-Security-Policy" not in response.headers:  # a view may set its own
            response.headers["Content-Security-Policy"] = content_security_policy(
                _platform_origins())
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        # Launch tokens travel in URLs: never leak them to other sites.
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cache-Control", "no-store")
        if app.config["EMM_SETTINGS"].cookies_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
