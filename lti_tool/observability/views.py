"""`GET /metrics`: the Prometheus text format, for Prometheus only.

Not public: metrics tell an attacker how busy the service is and which platforms it serves. With
`EMM_METRICS_TOKEN` set, a scraper sends `Authorization: Bearer <token>`; without it, only a
client on this machine may read them, and in production nobody (ADR 0026).
"""

from __future__ import annotations

import hmac
import ipaddress

from flask import Blueprint, Response, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from config.settings import Settings
from lti_tool.health import HEADERS

bp = Blueprint("observability", __name__)


@bp.get("/metrics")
def metrics_page() -> Response:
    from lti_tool import db
    from lti_tool.clock import current_clock
    from lti_tool.observability import metrics
    from lti_tool.observability.database_metrics import DatabaseCollector

    settings: Settings = current_app.config["EMM_SETTINGS"]
    if not _may_read(settings):
        # 404 rather than 401/403: an unauthenticated client learns nothing, not even that
        # metrics exist here.
        return Response("not found\n", status=404, mimetype="text/plain", headers=HEADERS)
    database = CollectorRegistry(auto_describe=False)
    database.register(DatabaseCollector(db.session(), current_clock().now()))
    body = metrics.exposition() + generate_latest(database)
    return Response(body, headers={**HEADERS, "Content-Type": CONTENT_TYPE_LATEST})


def _may_read(settings: Settings) -> bool:
    if settings.metrics_token:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), settings.metrics_token.encode()
        )
    if settings.is_production:
        return False
    return _is_loopback(request.remote_addr)


def _is_loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False
