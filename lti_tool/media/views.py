"""`GET /media/<sha256>`: a picture an item shows, by the SHA-256 of its bytes (ADR 0024).

The bytes under a name never change, so the answer may be cached for a year by anyone
(`immutable`: browsers do not even revalidate). The type is the one verified at import, never
sniffed; the picture is sandboxed so that even a browser that rendered it as a document would
run nothing.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, request

bp = Blueprint("media", __name__)

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
ONE_YEAR = 365 * 24 * 3600
HEADERS = {
    "Cache-Control": f"public, max-age={ONE_YEAR}, immutable",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cross-Origin-Resource-Policy": "same-origin",
}


@bp.get("/media/<sha256>")
def serve(sha256: str) -> Response:
    if not _SHA256.match(sha256):
        abort(404)
    etag = f'"{sha256}"'
    if etag in request.headers.get("If-None-Match", ""):
        return Response(status=304, headers={**HEADERS, "ETag": etag})
    from item_bank.media.store import DatabaseMediaStore
    from lti_tool import db

    stored = DatabaseMediaStore(db.session()).get(sha256)
    if stored is None:
        abort(404)
    return Response(stored.data, mimetype=stored.media_type, headers={**HEADERS, "ETag": etag})


def media_url(sha256: str) -> str:
    from flask import url_for

    return url_for("media.serve", sha256=sha256)
