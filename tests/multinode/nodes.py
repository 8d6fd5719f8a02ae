"""gunicorn nodes of the service and nginx round-robin in front of them (see cluster.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.multinode.cluster import REPO, free_port, nginx_binary, wait_for


@dataclass
class Node:
    """One gunicorn master with its workers, in a process group of its own (SIGKILL takes all)."""

    name: str
    env: dict[str, str]
    root: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def start(self) -> None:
        metrics_dir = self.root / f"{self.name}-metrics"
        env = {
            **self.env,
            "EMM_BIND": f"127.0.0.1:{self.port}",
            "EMM_DATA_DIR": str(self.root / f"{self.name}-data"),
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        }
        stderr = (self.root / f"{self.name}.err").open("ab")
        self.process = subprocess.Popen(
            # The config turns gunicorn's control socket off (its path is one per user).
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "-c",
                "config/gunicorn.conf.py",
                "wsgi:app",
            ],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
        stderr.close()
        wait_for(self.ready, f"node {self.name} to serve /readyz")

    def ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            log = (self.root / f"{self.name}.err").read_text()[-3000:]
            raise AssertionError(f"node {self.name} exited: {log}")
        try:
            return requests.get(self.url + "/readyz", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def kill(self) -> None:
        """SIGKILL to the master and every worker at once: a machine lost, nothing graceful."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=60)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=60)
        self.process = None


NGINX_CONF = """
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
{user}
events {{ worker_connections 4096; }}
http {{
    access_log {root}/access.log;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    upstream nodes {{
{servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        # The proxy's own answer: the baseline of bench/bench_multinode.py.
        location = /proxy-hello {{ return 200 "hello\\n"; }}
        location / {{
            proxy_pass http://nodes;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $http_host;
            proxy_set_header X-Forwarded-Port $server_port;
            proxy_set_header X-Request-ID $request_id;
            add_header X-Upstream $upstream_addr always;
            # A refused connection (a dead node) goes to the next node, even for a POST: it
            # was never sent. A POST already sent is never sent twice.
            proxy_next_upstream error timeout;
            proxy_read_timeout 120s;
        }}
    }}
}}
"""


@dataclass
class Proxy:
    """nginx, round-robin over the nodes' addresses, X-Request-ID and X-Forwarded-* set."""

    root: Path
    addresses: list[str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = nginx_binary()
        assert binary, "nginx is missing"
        conf = self.root / "nginx.conf"
        servers = "\n".join(
            f"        server {address} max_fails=1 fail_timeout=5s;" for address in self.addresses
        )
        user = "user root root;" if os.geteuid() == 0 else ""  # workers reach the temp dirs
        conf.write_text(
            NGINX_CONF.format(root=self.root, servers=servers, port=self.port, user=user)
        )
        self.process = subprocess.Popen(
            [binary, "-p", str(self.root), "-c", str(conf), "-e", str(self.root / "error.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def hello() -> bool:
            try:
                return requests.get(self.url + "/proxy-hello", timeout=5).status_code == 200
            except requests.RequestException:
                return False

        wait_for(hello, "nginx to answer")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=60)
            self.process = None
