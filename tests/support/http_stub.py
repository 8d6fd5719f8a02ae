"""A tiny real HTTP server for tests: routes are plain functions of a werkzeug Request."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


@dataclass
class StubServer:
    url: str = ""
    requests: list[tuple[str, str, dict, bytes]] = field(default_factory=list)


@contextmanager
def serve(
    routes: dict[tuple[str, str], Callable[[Request, StubServer], Response]],
) -> Iterator[StubServer]:
    stub = StubServer()

    @Request.application
    def app(request: Request) -> Response:
        stub.requests.append(
            (request.method, request.path, dict(request.headers), request.get_data())
        )
        handler = routes.get((request.method, request.path))
        if handler is None:
            return Response("not found", status=404)
        return handler(request, stub)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    stub.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        thread.join(timeout=5)
