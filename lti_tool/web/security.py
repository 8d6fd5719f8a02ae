"""Security headers on every response.

Who may frame a page, and where its forms may post, depends on the page:
- a launched page (a view loaded the launch from its token): our own origin and the origin of
  the platform that launched it, nothing else. One origin, so the header stays small however
  many platforms are registered;
- an error page that belongs to no launch: anyone. A learner whose launch failed, or whose
  launch ended, inside Moodle's iframe must read why (and that the assessment opens in a new
  window) instead of the browser's "refused to connect"; we cannot tell which platform frames
  it, and the page holds nothing to click or to read but that message;
- every other page (home, configuration, certificate verification): nobody.
A view may set its own policy (the dynamic-registration page does, for Moodle's dialog).
No inline script or style is ever needed, so the CSP allows none.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from flask import Flask, Response, g

from lti_tool.web.origins import InvalidOrigin, origin_of, valid_origins

log = logging.getLogger(__name__)

FRAMED_BY_ANYONE = "*"
FRAMED_BY_NOBODY = "'none'"


def content_security_policy(
    frame_origins: Iterable[str] = (), *, frame_ancestors: str | None = None
) -> str:
    """The policy of a page that `frame_origins` may frame and post to (besides ourselves).

    Each origin is checked again here: a value that is not a plain http(s) origin is left out
    rather than written into the header. `frame_ancestors` replaces the computed list with a
    fixed one (FRAMED_BY_ANYONE, FRAMED_BY_NOBODY)."""
    origins = valid_origins(list(frame_origins))
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            # The deep-linking answer posts to the platform that launched us.
            "form-action " + " ".join(["'self'", *origins]),
            "frame-ancestors " + (frame_ancestors or " ".join(["'self'", *origins])),
        ]
    )


def launching_origin(launch) -> list[str]:
    """[origin of the launch's platform], or [] when its stored issuer is not usable."""
    issuer = launch.deployment.platform.issuer
    try:
        return [origin_of(issuer)]
    except InvalidOrigin as problem:
        log.warning(
            "platform #%s has an issuer unfit for a CSP header (%s): framing refused",
            launch.deployment.platform_id,
            problem,
        )
        return []


def policy_for(response: Response) -> str:
    launch = g.get("launch")
    if launch is not None:
        return content_security_policy(launching_origin(launch))
    if response.status_code >= 400:
        return content_security_policy(frame_ancestors=FRAMED_BY_ANYONE)
    return content_security_policy(frame_ancestors=FRAMED_BY_NOBODY)


def init_app(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        if "Content-Security-Policy" not in response.headers:  # a view may set its own
            response.headers["Content-Security-Policy"] = policy_for(response)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        # Launch tokens travel in URLs: never leak them to other sites.
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cache-Control", "no-store")
        if app.config["EMM_SETTINGS"].cookies_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
