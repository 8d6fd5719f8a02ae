"""The connection layer under `requests` for calls to platforms: checked, pinned, bounded.

- Pinned: the connection resolves the host through the policy, which checks every address,
  and connects to one of exactly those addresses. The HTTP Host header, TLS SNI and the
  certificate check keep using the host name (urllib3's connection keeps `host`; only the
  socket is opened by us), so nothing between the check and the connect can swap the address.
- Bounded: a per-call watchdog shuts the socket down when the call's deadline passes. A socket
  timeout only bounds each read, so an answer dripping one byte a second would otherwise hold
  the thread forever; a shutdown ends any blocked read (or TLS handshake) at once.
- Single use: every call gets its own adapter, pool and connection, closed when the call
  ends. No connection outlives the check made for it, and no state is shared between threads.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from requests import PreparedRequest
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError
from urllib3.util.connection import create_connection

from lti_tool.outbound.errors import DeadlineExceeded, DestinationRefused
from lti_tool.outbound.policy import OutboundPolicy


class OutboundCall:
    """One call's deadline: `remaining()` for timeouts, and a watchdog that shuts down every
    socket of the call when the deadline passes (`expired` tells afterwards)."""

    def __init__(
        self,
        policy: OutboundPolicy,
        deadline_seconds: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy = policy
        self._monotonic = monotonic
        self._ends_at = monotonic() + deadline_seconds
        self._lock = threading.Lock()
        self._watched: list[socket.socket] = []
        self.expired = False
        self._timer = threading.Timer(max(deadline_seconds, 0.0), self._expire)
        self._timer.name = "outbound-deadline"
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        return self._ends_at - self._monotonic()

    def watch(self, sock: socket.socket) -> None:
        """Shut `sock` down when the deadline passes. A duplicate of the descriptor is kept:
        the TLS layer takes the original over (detaches it) while the handshake runs."""
        duplicate = sock.dup()
        with self._lock:
            self._watched.append(duplicate)
            if self.expired:
                _shutdown(duplicate)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._watched:
                _shutdown(sock)

    def close(self) -> None:
        self._timer.cancel()
        with self._lock:
            for sock in self._watched:
                sock.close()
            self._watched.clear()


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the other side
        sock.shutdown(socket.SHUT_RDWR)


class _PinnedConnect(HTTPConnection):
    """Mixed into urllib3's connections (before HTTPSConnection for https): `_new_conn` is
    urllib3's hook for opening the socket (urllib3.contrib.socks overrides it the same way)."""

    def __init__(self, *args: Any, outbound_call: OutboundCall, **kwargs: Any) -> None:
        self._outbound_call = outbound_call
        super().__init__(*args, **kwargs)

    def _new_conn(self) -> socket.socket:
        call = self._outbound_call
        if not isinstance(self, HTTPSConnection) and call.policy.https_only:
            raise DestinationRefused("only https URLs are fetched in production")
        addresses = call.policy.addresses(self.host, self.port)
        problem: OSError | None = None
        for address in addresses:
            remaining = call.remaining()
            if remaining <= 0:
                raise DeadlineExceeded(f"no connection to {self.host} within the deadline")
            timeout = remaining if self.timeout is None else min(float(self.timeout), remaining)
            try:
                sock = create_connection(
                    (address, self.port),
                    timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except OSError as error:
                problem = error
                continue
            call.watch(sock)
            return sock
        raise NewConnectionError(
            self,
            f"Failed to establish a new connection to {self.host} "
            f"({', '.join(addresses)}): {problem}",
        )


class PinnedHTTPConnection(_PinnedConnect, HTTPConnection):
    pass


class PinnedHTTPSConnection(_PinnedConnect, HTTPSConnection):
    pass


class PinnedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = PinnedHTTPConnection


class PinnedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = PinnedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    """A requests adapter for one call: its own pool, pinned connections, no retries, no
    proxies (a proxy would resolve names itself, out of the policy's sight)."""

    def __init__(self, call: OutboundCall) -> None:
        self._call = call
        self._pools: list[HTTPConnectionPool] = []
        super().__init__(pool_connections=1, pool_maxsize=1, max_retries=0)

    def get_connection_with_tls_context(
        self,
        request: PreparedRequest,
        verify: bool | str | None,
        proxies: Mapping[str, str] | None = None,
        cert: tuple[str, str] | str | None = None,
    ) -> HTTPConnectionPool:
        verify = True if verify is None else verify  # None: requests' default, verified TLS
        host_params, pool_kwargs = self.build_connection_pool_key_attributes(request, verify, cert)
        scheme, host, port = host_params["scheme"], host_params["host"], host_params["port"]
        pool: HTTPConnectionPool
        if scheme == "https":
            pool = PinnedHTTPSConnectionPool(
                host, port, maxsize=1, outbound_call=self._call, **pool_kwargs
            )
        elif scheme == "http":
            pool = PinnedHTTPConnectionPool(host, port, maxsize=1, outbound_call=self._call)
        else:
            raise DestinationRefused(f"only http(s) URLs are fetched, not {scheme}:")
        self._pools.append(pool)
        return pool

    def close(self) -> None:
        for pool in self._pools:
            pool.close()
        self._pools.clear()
        super().close()
