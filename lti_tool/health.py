"""Probes for load balancers and orchestrators, also the benchmarks' reference points.

`GET /healthz` (liveness) answers from the process alone — no database, no store — so it says
"this worker serves requests"; a failing database must not take workers out of rotation when
they could still show a useful error page. `GET /readyz` (readiness) also makes one round trip
to the database and one to the key-value store, so it says "this worker can do real work".
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)

# Set here so the app-wide security hook need not work out the framing origins (a cached
# database read) for a response nobody frames.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cache-Control": "no-store",
}


# A 503 says when to ask again (RFC 9110 15.6.4), like the service's other 503s
# (lti_tool/web/outages.py): a load balancer or script that honours it backs off instead of
# hammering a node whose database or store is away.
RETRY_AFTER_SECONDS = 5


def _plain(text: str, status: int = 200) -> Response:
    headers = dict(HEADERS)
    if status == 503:
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return Response(text, status=status, mimetype="text/plain", headers=headers)


@bp.get("/healthz")
def healthz() -> Response:
    return _plain("ok")


@bp.get("/readyz")
def readyz() -> Response:
    from sqlalchemy import text

    from lti_tool import db
    from lti_tool.services import services

    unavailable = []
    try:
        db.session().execute(text("SELECT 1"))
    except Exception:
        log.warning("readiness: database unavailable", exc_info=True)
        unavailable.append("database")
    try:
        services().store.get("readyz")
    except Exception:
        log.warning("readiness: key-value store unavailable", exc_info=True)
        unavailable.append("store")
    if unavailable:
        return _plain("unavailable: " + ", ".join(unavailable), 503)
    return _plain("ready")
