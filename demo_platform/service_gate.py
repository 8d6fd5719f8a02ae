"""Per-request plumbing shared by the views: the state of the current app and the fault gate."""

from __future__ import annotations

import contextlib
import functools
import json
import socket
import typing as t

import flask

from demo_platform.store import PlatformState

EXTENSION_KEY = "lti_platform"
F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def platform_state() -> PlatformState:
    return flask.current_app.extensions[EXTENSION_KEY]


def _drop_connection() -> flask.Response:
    """Close the client socket without an HTTP answer. Werkzeug then fails to write the
    response below and treats it as a dropped connection. Without a socket (test client) the
    nearest thing is a gateway error."""
    sock = flask.request.environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):  # already closed by the client: nothing to drop
            sock.shutdown(socket.SHUT_RDWR)
        return flask.Response("", status=502)
    return flask.Response(
        json.dumps({"error": "connection dropped (simulated)"}),
        status=502,
        mimetype="application/json",
    )


def fault_gate(endpoint: str) -> t.Callable[[F], F]:
    """Count the request and play the next scripted fault of `endpoint`, if any."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def gated(*args: t.Any, **kwargs: t.Any) -> t.Any:
            state = platform_state()
            fault = state.faults.take(endpoint)
            if fault is None:
                return view(*args, **kwargs)
            if fault.delay:
                state.wait(fault.delay)
            if fault.drop:
                return _drop_connection()
            if fault.status is None:
                return view(*args, **kwargs)
            body = fault.body or {"error": f"scripted fault {fault.status}"}
            response = flask.Response(
                json.dumps(body), status=fault.status, mimetype="application/json"
            )
            if fault.retry_after is not None:
                response.headers["Retry-After"] = fault.retry_after
            return response

        return t.cast(F, gated)

    return decorate
