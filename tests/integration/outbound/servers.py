"""Real TCP servers that misbehave the way a hostile or broken platform does: answers that
drip a byte at a time, answers of many megabytes, redirects, plain answers over TLS.

    with serve_raw(drip_body(every=0.1)) as server:
        server.url, server.heads  # the request heads received (bytes), server.sni

An answer is a function (socket, stop event) writing bytes. Answers that take their time wait
on the stop event, so closing the server ends them at once.
"""

from __future__ import annotations

import socket
import socketserver
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

Answer = Callable[[socket.socket, threading.Event], None]


@dataclass
class RawServer:
    url: str = ""
    port: int = 0
    heads: list[bytes] = field(default_factory=list)
    sni: list[str | None] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)


def _read_head(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            missing = int(value.strip()) - len(rest)
            while missing > 0:
                chunk = sock.recv(min(missing, 65536))
                if not chunk:
                    break
                missing -= len(chunk)
    return head


@contextmanager
def serve_raw(
    answer: Answer, *, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None
) -> Iterator[RawServer]:
    state = RawServer()
    if tls is not None:

        def remember_sni(sock, server_name, context):
            state.sni.append(server_name)

        tls.sni_callback = remember_sni

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            sock = self.request
            try:
                if tls is not None:
                    sock = tls.wrap_socket(sock, server_side=True)
                state.heads.append(_read_head(sock))
                answer(sock, state.stop)
            except (OSError, ssl.SSLError):
                pass  # the client went away (that is what these tests are about)
            finally:
                if sock is not self.request:
                    sock.close()

    family = socket.AF_INET6 if ":" in host else socket.AF_INET

    class Server(socketserver.ThreadingTCPServer):
        address_family = family
        allow_reuse_address = True
        daemon_threads = False
        block_on_close = True  # server_close() waits for every answer to end

    server = Server((host, 0), Handler)
    state.port = server.server_address[1]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    state.url = f"{'https' if tls else 'http'}://{shown}:{state.port}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield state
    finally:
        state.stop.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def respond(
    status: int = 200,
    body: bytes = b"",
    *,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> Answer:
    def answer(sock: socket.socket, stop: threading.Event) -> None:
        lines = [
            f"HTTP/1.1 {status} X",
            f"Content-Type: {content_type}",
            f"Content-Length: {len(body)}",
            "Connection: close",
        ]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)

    return answer


def drip_head(every: float) -> Answer:
    """A status line, then a header byte every `every` seconds, for ever."""

    def answer(sock: socket.socket, stop: threading.Event) -> None:
        sock.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        while not stop.wait(every):
            sock.sendall(b"a")

    return answer


def drip_body(every: float, length: int = 100_000) -> Answer:
    """Prompt headers, then a body byte every `every` seconds (each read is quick: only the
    whole answer is slow)."""

    def answer(sock: socket.socket, stop: threading.Event) -> None:
        sock.sendall(
            f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n\r\n".encode()
        )
        while not stop.wait(every):
            sock.sendall(b" ")

    return answer


def huge_body(total: int, *, announce: bool) -> Answer:
    """`total` bytes of JSON-ish filler, with or without a Content-Length saying so."""

    def answer(sock: socket.socket, stop: threading.Event) -> None:
        head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
        if announce:
            head += f"Content-Length: {total}\r\n"
        sock.sendall((head + "\r\n").encode())
        chunk = b"[" + b"0," * 32767 + b"0"
        sent = 0
        while sent < total and not stop.is_set():
            sock.sendall(chunk)
            sent += len(chunk)

    return answer
