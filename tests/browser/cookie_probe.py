"""A control for third-party-cookie tests: two cookies set from the tool's origin.

`with_cookie_probe(app)` wraps the tool's WSGI app; on the tool's origin,
GET /__cookie-probe/set sets `probe_plain` (Secure; SameSite=None) and `probe_partitioned`
(the same plus Partitioned, i.e. CHIPS, like the tool's login binding cookie), and
GET /__cookie-probe/echo answers the cookies the browser sent, as JSON. Framed by another site
in a browser that blocks third-party cookies, only `probe_partitioned` comes back.
"""

from __future__ import annotations

import json
import typing as t

from werkzeug.wrappers import Request, Response

PREFIX = "/__cookie-probe/"
SET_PATH = PREFIX + "set"
ECHO_PATH = PREFIX + "echo"


WSGIApp = t.Callable[..., t.Iterable[bytes]]


def with_cookie_probe(app: WSGIApp) -> WSGIApp:
    def probe(environ: dict[str, t.Any], start_response: t.Any) -> t.Iterable[bytes]:
        request = Request(environ)
        if request.path == SET_PATH:
            response = Response(
                '<!doctype html><title>probe</title><p id="probe">set</p>', mimetype="text/html"
            )
            response.set_cookie("probe_plain", "1", secure=True, samesite="None", path="/")
            response.set_cookie(
                "probe_partitioned", "1", secure=True, samesite="None", partitioned=True, path="/"
            )
            return response(environ, start_response)
        if request.path == ECHO_PATH:
            response = Response(json.dumps(dict(request.cookies)), mimetype="application/json")
            return response(environ, start_response)
        return app(environ, start_response)

    return probe
