"""Real HTTP servers for browser and end-to-end tests: the tool (and any WSGI app) on a free
loopback port, served by werkzeug's threaded server in a background thread.

    with serve_app(wsgi_app) as server:            # any WSGI callable
        server.url                                 # http://127.0.0.1:<port>

The tool must know its own public URL before it is built (it signs it into redirect URIs and
deep-linking answers), so the port is picked first and the app mounted afterwards:

    with serve_app(host="localhost") as server:    # answers 503 until an app is mounted
        server.mount(build(server.url))

`start_live_tool(data_dir, clock=..., host="localhost")` does that for the tool itself (SQLite in
`data_dir`, like tests/conftest.py's `sqlite_app`) and returns a `LiveTool` that can register a
running demo platform (`register_platform`) and load the demo assessments (`load_demo_content`).

The tool is served as http://localhost:<port> by default while the demo platform is on
http://127.0.0.1:<port>: two different *sites*, as Moodle and the tool are in production, so
the browser treats the tool inside the platform's page as a third party.
"""

from __future__ import annotations

import typing as t
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from werkzeug.serving import make_server

from tests.support.platform_server import QuietRequestHandler, ServedApp

if t.TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy.orm import Session

    from config.settings import Settings
    from lti_tool.clock import Clock
    from lti_tool.platforms.models import Platform

WSGIApp = t.Callable[..., t.Iterable[bytes]]

TEST_SECRET = "live-test-secret-" + "x" * 40


def _not_mounted(environ: dict[str, t.Any], start_response: t.Any) -> t.Iterable[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"no app mounted on this live server yet"]


class LiveServer(ServedApp):
    """One threaded werkzeug server bound to a loopback port; `url` is what browsers use.
    Unlike `serve_wsgi`, the app can be mounted (or replaced) after the port is known."""

    def __init__(self, wsgi_app: WSGIApp | None = None, *, host: str = "127.0.0.1") -> None:
        self._app: WSGIApp = wsgi_app or _not_mounted
        # "localhost" binds 127.0.0.1 (werkzeug picks IPv4 for host names); browsers resolve
        # it to loopback themselves, but it is another site than 127.0.0.1.
        bind_host = "127.0.0.1" if host == "localhost" else host
        server = make_server(
            bind_host, 0, self._dispatch, threaded=True, request_handler=QuietRequestHandler
        )
        self.host = host
        self.port: int = server.server_port
        super().__init__(server, host)

    def _dispatch(self, environ: dict[str, t.Any], start_response: t.Any) -> t.Iterable[bytes]:
        return _closed_even_if_dropped(self._app(environ, start_response))

    def mount(self, wsgi_app: WSGIApp) -> None:
        self._app = wsgi_app

    @property
    def app(self) -> WSGIApp:
        return self._app


def _closed_even_if_dropped(body: t.Iterable[bytes]) -> t.Iterator[bytes]:
    """The response body, closed however the write ends. werkzeug's server closes it only
    after a complete write: when the browser drops the connection first (a page navigating
    away mid-download), a static file stayed open until the garbage collector warned about
    it, failing whichever test ran then."""
    try:
        yield from body
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


def serve_app(wsgi_app: WSGIApp | None = None, *, host: str = "127.0.0.1") -> LiveServer:
    """Start serving at once; use as a context manager or call `.shutdown()`."""
    return LiveServer(wsgi_app, host=host)


@dataclass
class LiveTool:
    server: LiveServer
    app: Flask
    settings: Settings

    @property
    def url(self) -> str:
        return self.server.url

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A database session of the running tool (committed on success)."""
        from lti_tool import db

        with self.app.app_context(), db.session_scope() as session:
            yield session

    def now(self):
        from lti_tool.clock import current_clock

        with self.app.app_context():
            return current_clock().now()

    def register_platform(self, platform: t.Any, *, name: str = "Demo Moodle") -> Platform:
        """Register a running demo platform (tests.support.platform_server.RunningPlatform) the
        way an admin would paste Moodle's values; also makes sure the tool has a signing key."""
        from lti_tool.platforms.keys import ensure_signing_key
        from lti_tool.platforms.registry import PlatformRegistration, add_platform

        config = platform.config
        now = self.now()
        with self.session() as session:
            ensure_signing_key(session, self.app.config["SECRET_KEY"], now)
            registered = add_platform(
                session,
                PlatformRegistration(
                    name=name,
                    issuer=config.issuer,
                    client_id=config.client_id,
                    deployment_ids=(config.deployment_id,),
                    auth_login_url=config.url("/auth"),
                    auth_token_url=config.token_url(),
                    key_set_url=config.url("/jwks"),
                ),
                now,
            )
        return registered

    def load_demo_content(self) -> t.Any:
        """Import item_bank/content/*.yaml; returns the item bank's ImportReport."""
        from item_bank.demo import load_demo_content

        with self.session() as session:
            return load_demo_content(session, now=self.now())

    def shutdown(self) -> None:
        from tests.support.backends import dispose_when_idle

        self.server.shutdown()
        dispose_when_idle(self.app.extensions["emm_engine"])

    def __enter__(self) -> t.Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()


def tool_settings(public_base_url: str, data_dir: Path, **overrides: t.Any) -> Settings:
    """Settings like tests/conftest.py's SQLite ones, with the live URL as public base URL."""
    from config.settings import Settings

    return Settings(
        secret_key=TEST_SECRET, data_dir=data_dir, public_base_url=public_base_url, **overrides
    )


def start_live_tool(
    data_dir: Path,
    *,
    clock: Clock | None = None,
    host: str = "localhost",
    **settings_overrides: t.Any,
) -> LiveTool:
    """Serve the tool on a free port (SQLite database in `data_dir`, schema created)."""
    from lti_tool import create_app
    from lti_tool.models import metadata
    from tests.support.backends import watch_connections

    server = serve_app(host=host)
    try:
        settings = tool_settings(server.url, data_dir, **settings_overrides)
        app = create_app(settings, clock=clock)
        watch_connections(app.extensions["emm_engine"])
        if settings.sqlalchemy_url.startswith("sqlite"):
            metadata.create_all(app.extensions["emm_engine"])
    except BaseException:
        server.shutdown()
        raise
    server.mount(app)
    return LiveTool(server=server, app=app, settings=settings)
