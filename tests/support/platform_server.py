"""Serve WSGI apps (the demo LTI platform, a tool's JWKS stub, the tool itself) on
127.0.0.1 with a free port in a background thread.

    with run_platform(PlatformConfig(private_key_pem=generate_platform_key(), ...)) as platform:
        platform.url, platform.app, platform.state, platform.config
        browser.get(platform.launch_url("learner", custom_assessment="final-exam"))
    # or: platform = run_platform(config); ...; platform.shutdown()

The platform's API (routes, launch parameters, state, faults) is described in
demo_platform/__init__.py.

`serve_wsgi(app)` does the same for any WSGI callable (e.g. a stub serving a tool JWKS).
"""

from __future__ import annotations

import dataclasses
import threading
import typing as t

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from demo_platform import PlatformConfig, PlatformState, create_platform_app

WSGIApp = t.Callable[..., t.Iterable[bytes]]


class _LateBoundApp:
    """Lets the server bind (and pick its port) before the app that needs its URL exists."""

    def __init__(self) -> None:
        self.app: WSGIApp | None = None

    def __call__(self, environ: dict[str, t.Any], start_response: t.Any) -> t.Iterable[bytes]:
        assert self.app is not None, "app not bound yet"
        return self.app(environ, start_response)


class ServedApp:
    def __init__(self, server: BaseWSGIServer, host: str) -> None:
        self.server = server
        self.url = f"http://{host}:{server.server_port}"
        # A short poll interval keeps shutdown() (run after every test) fast.
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"wsgi {self.url}",
            daemon=True,
        )
        self._thread.start()
        self._stopped = False

    def shutdown(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> t.Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()


class QuietRequestHandler(WSGIRequestHandler):
    """No access log line per request; errors are still logged."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def _bind(host: str) -> tuple[BaseWSGIServer, _LateBoundApp]:
    late = _LateBoundApp()
    return make_server(host, 0, late, threaded=True, request_handler=QuietRequestHandler), late


def serve_wsgi(app: WSGIApp, host: str = "127.0.0.1") -> ServedApp:
    server, late = _bind(host)
    late.app = app
    return ServedApp(server, host)


class RunningPlatform(ServedApp):
    def __init__(self, server: BaseWSGIServer, host: str, app: Flask) -> None:
        self.app = app
        self.state: PlatformState = app.extensions["lti_platform"]
        self.config: PlatformConfig = self.state.config
        super().__init__(server, host)

    def shutdown(self) -> None:
        self.state.stop()  # wakes slow-answer faults so the server can stop
        super().shutdown()

    def launch_url(self, kind: str = "learner", **params: str) -> str:
        """URL of the launch starter, e.g. launch_url("learner", custom_assessment="x")."""
        from urllib.parse import urlencode

        query = urlencode(params)
        return f"{self.url}/launch/{kind}" + (f"?{query}" if query else "")


def run_platform(config: PlatformConfig, host: str = "127.0.0.1") -> RunningPlatform:
    """Start the demo platform; an empty config.issuer becomes its own http://host:port."""
    server, late = _bind(host)
    if not config.issuer:
        config = dataclasses.replace(config, issuer=f"http://{host}:{server.server_port}")
    app = create_platform_app(config)
    late.app = app
    return RunningPlatform(server, host, app)
