"""`GET /healthz`: a liveness probe for load balancers, and the benchmarks' hello-world baseline.

It answers from the process alone — no database, no store — so it says "this worker serves
requests", not "every dependency is up"; a failing database must not take workers out of the
balancer's rotation when they could still show a useful error page.
"""

from __future__ import annotations

from flask import Blueprint, Response

bp = Blueprint("health", __name__)

# Set here so the app-wide security hook need not work out the framing origins (a cached
# database read) for a response nobody frames.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cache-Control": "no-store",
}


@bp.get("/healthz")
def healthz() -> Response:
    return Response("ok", mimetype="text/plain", headers=HEADERS)
