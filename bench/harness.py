"""What every benchmark shares: scratch PostgreSQL + Redis, the app under gunicorn, a stand-in
Moodle (key pair, JWKS served over HTTP, id_tokens shaped like Moodle 4.5's), and a small
asyncio HTTP/1.1 driver that measures server round trips and nothing else.

The driver runs in the same process as the stand-in Moodle and on the same two cores as the
server, so it is kept lean (raw asyncio streams, keep-alive connections). Every benchmark
measures its workload and the hello-world baseline (`GET /healthz` of the same app) with the
same driver, concurrency and duration in one run, and reports ratios: those survive a change
of machine far better than absolute numbers do.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform as host_platform
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"
RESULTS = REPO / "bench" / "results"
ADMIN_DATABASE_URL = os.environ.get(
    "EMM_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_SERVER = os.environ.get("EMM_BENCH_REDIS", "redis://127.0.0.1:6379")
# Databases tried in turn; the first empty one is used (tests use 15).
REDIS_DBS = (14, 13, 12, 11)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- scratch backends ------------------------------------------------------------------------


@dataclass(frozen=True)
class Backends:
    database_url: str
    redis_url: str


@contextmanager
def scratch_backends() -> Iterator[Backends]:
    """A database of its own (dropped afterwards) and an empty Redis database (our keys
    deleted afterwards), so runs never see each other's rows."""
    import redis
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = make_url(ADMIN_DATABASE_URL)
    name = f"emm_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    redis_db = next(
        (n for n in REDIS_DBS if redis.Redis.from_url(f"{REDIS_SERVER}/{n}").dbsize() == 0), None
    )
    if redis_db is None:
        raise SystemExit(f"No empty Redis database among {REDIS_DBS} at {REDIS_SERVER}")
    redis_url = f"{REDIS_SERVER}/{redis_db}"
    try:
        yield Backends(admin.set(database=name).render_as_string(hide_password=False), redis_url)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter("emm:*", count=1000):
            client.delete(key)


# -- the stand-in Moodle ---------------------------------------------------------------------

ROLE_LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


class FakeMoodle:
    """The platform side: its key pair, its JWKS on a tiny threaded HTTP server (the tool
    fetches it once and caches it), login parameters and signed id_tokens as Moodle 4.5 sends
    them (see tests/fixtures/moodle/launch_student_LtiResourceLinkRequest.json)."""

    client_id = "EqXpaimLxUNQ9Ux"
    deployment_id = "1"
    kid = "bench-moodle-key"

    def __init__(self) -> None:
        from cryptography.hazmat.primitives.asymmetric import rsa
        from jwt.algorithms import RSAAlgorithm

        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        self.jwks = json.dumps({"keys": [jwk]}).encode()
        self.jwks_requests = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.issuer = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, daemon=True, name="fake-moodle-jwks"
        )
        self._thread.start()

    def _handler(self):
        moodle = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path != "/mod/lti/certs.php":
                    self.send_error(404)
                    return
                moodle.jwks_requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(moodle.jwks)))
                self.end_headers()
                self.wfile.write(moodle.jwks)

            def log_message(self, *args):
                pass

        return Handler

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def registration_args(self) -> list[str]:
        return [
            "--name",
            "Bench Moodle",
            "--issuer",
            self.issuer,
            "--client-id",
            self.client_id,
            "--deployment-id",
            self.deployment_id,
            "--auth-login-url",
            self.issuer + "/mod/lti/auth.php",
            "--auth-token-url",
            self.issuer + "/mod/lti/token.php",
            "--key-set-url",
            self.issuer + "/mod/lti/certs.php",
        ]

    def login_form(self, tool_base: str, login_hint: str) -> dict[str, str]:
        return {
            "iss": self.issuer,
            "target_link_uri": tool_base + "/lti/launch",
            "login_hint": login_hint,
            "lti_message_hint": json.dumps({"cmid": 2, "launchid": f"ltilaunch_{login_hint}"}),
            "client_id": self.client_id,
            "lti_deployment_id": self.deployment_id,
        }

    def id_token(
        self,
        *,
        nonce: str,
        sub: str,
        tool_base: str,
        now: float,
        resource_link_id: str = "1",
        custom: dict | None = None,
    ) -> str:
        import jwt

        lti = "https://purl.imsglobal.org/spec/lti/claim/"
        services = self.issuer + "/mod/lti/services.php"
        claims = {
            "nonce": nonce,
            "iat": int(now),
            "exp": int(now) + 60,
            "iss": self.issuer,
            "aud": self.client_id,
            lti + "deployment_id": self.deployment_id,
            lti + "target_link_uri": tool_base + "/lti/launch",
            "sub": sub,
            "https://purl.imsglobal.org/spec/lti/claim/lis": {
                "person_sourcedid": "",
                "course_section_sourcedid": "",
            },
            lti + "roles": [ROLE_LEARNER],
            lti + "context": {
                "id": "2",
                "label": "LTI101",
                "title": "LTI Test Course",
                "type": ["CourseSection"],
            },
            lti + "message_type": "LtiResourceLinkRequest",
            lti + "resource_link": {
                "title": "LTI 1.3 Assessment",
                "description": "Launches the local assessment tool",
                "id": resource_link_id,
            },
            "given_name": "Sam",
            "family_name": f"Student {sub}",
            "name": f"Sam Student {sub}",
            lti + "ext": {"user_username": f"student{sub}", "lms": "moodle-2"},
            "email": f"student{sub}@example.com",
            lti + "launch_presentation": {
                "locale": "en",
                "document_target": "iframe",
                "return_url": self.issuer + "/mod/lti/return.php?course=2&launch_container=4",
            },
            lti + "tool_platform": {
                "product_family_code": "moodle",
                "version": "2024100710",
                "guid": "61fa8b7d689149d0b623c88749531329",
                "name": "ltitest",
                "description": "LTI Test Moodle",
            },
            lti + "version": "1.3.0",
            lti + "custom": custom or {},
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                "scope": [
                    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
                    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
                    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
                ],
                "lineitems": services + "/2/lineitems?type_id=1",
                "lineitem": services + "/2/lineitems/2/lineitem?type_id=1",
            },
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": services + "/CourseSection/2/bindings/1/memberships",
                "service_versions": ["1.0", "2.0"],
            },
        }
        return jwt.encode(
            claims, self._key, algorithm="RS256", headers={"kid": self.kid, "typ": "JWT"}
        )


# -- the app under gunicorn ------------------------------------------------------------------


# The shape config/gunicorn.conf.py ships for production (EMM_ENV=production): two worker
# processes per core, two threads each. The benchmarks run in development mode (production
# insists on an https base URL), so they name the production shape explicitly.
SHIPPED_WORKERS = 2 * (os.cpu_count() or 1)
SHIPPED_THREADS = 2


class ToolServer:
    """`gunicorn -c config/gunicorn.conf.py wsgi:app` with production-like settings against
    the scratch backends, set up through the app's own CLI (migrations, key, platform)."""

    def __init__(
        self,
        backends: Backends,
        moodle: FakeMoodle,
        *,
        workers: int = SHIPPED_WORKERS,
        threads: int = SHIPPED_THREADS,
        log_name: str = "gunicorn",
    ) -> None:
        import tempfile

        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._data_dir = tempfile.TemporaryDirectory(prefix="emm-bench-")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("EMM_")}
        self.env.update(
            {
                "EMM_ENV": "development",
                "EMM_DEMO_MODE": "0",
                "EMM_DATABASE_URL": backends.database_url,
                "EMM_REDIS_URL": backends.redis_url,
                "EMM_SECRET_KEY": "bench-" + uuid.uuid4().hex + uuid.uuid4().hex,
                "EMM_PUBLIC_BASE_URL": self.base_url,
                "EMM_BIND": f"127.0.0.1:{self.port}",
                "EMM_WORKERS": str(workers),
                "EMM_ACCESS_LOG": "/dev/null",
                "EMM_DATA_DIR": self._data_dir.name,
                # Every simulated browser comes from 127.0.0.1: a limit far above any level keeps
                # the limiter's cost (one store round trip) in the measurement without refusals.
                "EMM_LAUNCH_RATE_PER_MINUTE": "100000000",
            }
        )
        self.env["EMM_THREADS"] = str(threads)
        self.workers = workers
        self.threads = threads
        self._moodle = moodle
        RESULTS.mkdir(parents=True, exist_ok=True)
        self.log_path = RESULTS / f"{log_name}.log"
        self._process: subprocess.Popen | None = None

    def flask(self, *args: str) -> str:
        done = subprocess.run(
            [str(VENV_BIN / "flask"), "--app", "lti_tool:create_app", *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def prepare(self, content: list[Path] = ()) -> None:
        self.flask("setup")
        self.flask("platform", "add", *self._moodle.registration_args)
        for path in content:
            self.flask("item-bank", "import", str(path))

    def start(self, timeout: float = 30.0) -> None:
        log = self.log_path.open("w")
        self._process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-c", "config/gunicorn.conf.py", "wsgi:app"],
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {self._process.returncode}; see "
                    f"{self.log_path}:\n{self.log_path.read_text()[-3000:]}"
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(
                        b"GET /healthz HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"
                    )
                    if sock.recv(64).startswith(b"HTTP/1.1 200"):
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(
            f"gunicorn did not answer /healthz within {timeout} s; see {self.log_path}"
        )

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)  # graceful: finish requests in flight
            try:
                self._process.wait(timeout=25)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._data_dir.cleanup()


@contextmanager
def running_tool(
    log_name: str,
    *,
    workers: int = SHIPPED_WORKERS,
    threads: int = SHIPPED_THREADS,
    content: list[Path] = (),
) -> Iterator[tuple[ToolServer, FakeMoodle, Backends]]:
    """Scratch backends, the stand-in Moodle and the app under gunicorn; all gone afterwards."""
    with scratch_backends() as backends:
        moodle = FakeMoodle()
        server = ToolServer(backends, moodle, workers=workers, threads=threads, log_name=log_name)
        try:
            server.prepare(content)
            server.start()
            yield server, moodle, backends
        finally:
            server.stop()
            moodle.close()


# -- where the CPU went ----------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads) so far; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def _machine_busy() -> float:
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / _TICK  # all but idle and iowait


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "stat").read_text().rsplit(")", 1)[1].split()[1] == str(parent):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _named(name: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


class CpuMeter:
    """CPU used during a measured span, in cores: the app's gunicorn workers, PostgreSQL
    backends of the scratch database, Redis, this driver, and everything else on the machine
    (other work competing for the same cores, which makes a run less trustworthy)."""

    def __init__(self, server: ToolServer, database_url: str) -> None:
        from sqlalchemy.engine import make_url

        url = make_url(database_url)
        self._database = url.database
        self._admin = url.set(drivername="postgresql", database="postgres").render_as_string(
            hide_password=False
        )
        # Found once, before any load: scanning /proc takes milliseconds.
        self._fixed = {
            "app (gunicorn workers)": _children(server.pid),
            "Redis": _named("redis-server"),
            "driver": [os.getpid()],
        }
        self._before: dict[str, dict[int, float]] = {}
        self._started = 0.0
        self._busy = 0.0

    def _groups(self) -> dict[str, list[int]]:
        import psycopg

        with psycopg.connect(self._admin, autocommit=True) as conn:
            backends = [
                row[0]
                for row in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s", (self._database,)
                )
            ]
        return {**self._fixed, "PostgreSQL": backends}

    def start(self) -> None:
        self._before = {
            name: {pid: _process_cpu(pid) for pid in pids} for name, pids in self._groups().items()
        }
        self._started, self._busy = time.perf_counter(), _machine_busy()

    def stop(self) -> dict[str, float]:
        elapsed = time.perf_counter() - self._started
        busy = _machine_busy() - self._busy
        used = {}
        for name, pids in self._groups().items():
            before = self._before.get(name, {})
            # A backend that appeared during the span is counted from 0: a small overcount.
            used[name] = sum(_process_cpu(pid) - before.get(pid, 0.0) for pid in pids) / elapsed
        used["other processes"] = max(0.0, busy / elapsed - sum(used.values()))
        return used


def cpu_text(used: dict[str, float] | None) -> str:
    if not used:
        return "not measured"
    text = ", ".join(f"{name} {cores:.2f}" for name, cores in used.items())
    warning = (
        f" - other work took {used['other processes']:.2f} cores: the app had less "
        f"than the whole machine"
        if used.get("other processes", 0) > 0.25
        else ""
    )
    return f"{text} (cores of {os.cpu_count()}){warning}"


# -- the HTTP driver -------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # lower-cased names; repeated ones joined with "\n"
    body: bytes

    @property
    def location(self) -> str:
        return self.headers.get("location", "")

    def cookies(self) -> dict[str, str]:
        found = {}
        for line in self.headers.get("set-cookie", "").split("\n"):
            name, _, value = line.split(";", 1)[0].strip().partition("=")
            if name and value:
                found[name] = value
        return found

    def json(self):
        return json.loads(self.body)


class UnexpectedReply(Exception):
    def __init__(self, what: str, reply: Reply):
        super().__init__(f"{what}: HTTP {reply.status} {reply.body[:300]!r}")
        self.reply = reply


class Connection:
    """One keep-alive HTTP/1.1 connection, like one browser's. Reconnects when the server has
    closed an idle connection (gunicorn's keep-alive timeout) and resends the request then:
    nothing of it was read by the server in that case."""

    def __init__(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self.reconnects = 0
        self.sent = 0  # requests on the current connection

    async def _connect(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        self.sent = 0

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
            self._reader = self._writer = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        json_body=None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        body = b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self._host}:{self._port}"]
        if form is not None:
            body = urlencode(form).encode()
            lines.append("Content-Type: application/x-www-form-urlencoded")
        elif json_body is not None:
            body = json.dumps(json_body).encode()
            lines.append("Content-Type: application/json")
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        fresh = self._writer is None
        if fresh:
            await self._connect()
        try:
            return await self._exchange(raw)
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            if fresh or (isinstance(exc, asyncio.IncompleteReadError) and exc.partial):
                raise
            await self.close()
            self.reconnects += 1
            await self._connect()
            return await self._exchange(raw)

    async def _exchange(self, raw: bytes) -> Reply:
        assert self._reader is not None and self._writer is not None
        self.sent += 1
        self._writer.write(raw)
        await self._writer.drain()
        head = await self._reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in header_lines:
            if not line:
                continue
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            headers[name] = headers[name] + "\n" + value if name in headers else value
        if "content-length" in headers:
            body = await self._reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunk = await self._reader.readexactly(size + 2)
                if size == 0:
                    break
                chunks.append(chunk[:-2])
            body = b"".join(chunks)
        else:
            body = await self._reader.read()
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return Reply(status, headers, body)


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


# -- measuring -------------------------------------------------------------------------------


@dataclass
class Window:
    """The measured parts of a run (after each warm-up): samples of operations that started
    and finished inside a measured span; errors are counted over the whole run. One Window
    may collect several spans (the baseline before and after a workload)."""

    spans: list[tuple[float, float]] = field(default_factory=list)
    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    counts: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    error_examples: dict[str, str] = field(default_factory=dict)
    cpu: dict[str, float] | None = None  # cores, over the last measured span, when metered
    cpu_ops: dict[str, int] = field(default_factory=dict)  # operations in that span
    cpu_seconds: float = 0.0

    def cpu_ms_per_op(self, name: str, group: str = "app (gunicorn workers)") -> float:
        """CPU milliseconds `group` spent per `name` operation while metered: unlike
        throughput, barely moved by other work on the machine."""
        ops = self.cpu_ops.get(name, 0)
        if not self.cpu or not ops:
            return float("nan")
        return self.cpu[group] * self.cpu_seconds * 1000 / ops

    def open(self, start: float, end: float) -> None:
        self.spans.append((start, end))

    @property
    def end(self) -> float:
        return self.spans[-1][1]

    @property
    def seconds(self) -> float:
        return sum(end - start for start, end in self.spans)

    def inside(self, started: float, finished: float) -> bool:
        start, end = self.spans[-1]
        return start <= started and finished <= end

    def record(
        self, name: str, started: float, finished: float, milliseconds: float | None = None
    ) -> None:
        """One operation; its latency is `milliseconds` when given (a sum of round trips),
        else finished - started."""
        if self.inside(started, finished):
            self.samples[name].append(
                (finished - started) * 1000 if milliseconds is None else milliseconds
            )

    def count(self, name: str, n: int = 1) -> None:
        """Something counted over the whole run (acknowledged answers, say)."""
        self.counts[name] += n

    def error(self, name: str, detail: str) -> None:
        self.errors[name] += 1
        self.error_examples.setdefault(name, detail[:500])

    def stats(self, name: str) -> Stats:
        return Stats.of(self.samples.get(name, []), self.seconds)

    def error_text(self) -> str:
        if not self.errors:
            return "none"
        return f"{sum(self.errors.values())} {dict(self.errors)}, e.g. {self.error_examples}"


@dataclass(frozen=True)
class Stats:
    count: int
    per_second: float
    p50: float
    p95: float
    p99: float
    max: float

    @classmethod
    def of(cls, values: list[float], seconds: float) -> Stats:
        ordered = sorted(values)
        if not ordered:
            return cls(0, 0.0, float("nan"), float("nan"), float("nan"), float("nan"))

        def rank(p: float) -> float:  # nearest rank: a value that was really observed
            return ordered[max(0, min(len(ordered) - 1, int(-(-p * len(ordered) // 100)) - 1))]

        return cls(len(ordered), len(ordered) / seconds, rank(50), rank(95), rank(99), ordered[-1])


Iteration = Callable[[int, Connection, Window], Awaitable[None]]


async def closed_loop(
    base_url: str,
    clients: int,
    iteration: Iteration,
    *,
    warmup: float,
    duration: float,
    window: Window | None = None,
    meter: CpuMeter | None = None,
) -> Window:
    """`clients` concurrent clients, each with its own keep-alive connection, each running
    `iteration(client_index, connection, window)` back to back until the run ends. Operations
    are measured only between the end of the warm-up and the end of the run (and the CPU
    used then, with a meter)."""
    parts = urlsplit(base_url)
    window = window or Window()
    now = time.perf_counter()
    window.open(now + warmup, now + warmup + duration)

    async def metering() -> None:
        # In a thread: the meter's database query must not stall the clients' event loop.
        await asyncio.sleep(warmup)
        await asyncio.to_thread(meter.start)
        before = {name: len(values) for name, values in window.samples.items()}
        await asyncio.sleep(duration)
        window.cpu = await asyncio.to_thread(meter.stop)
        window.cpu_seconds = duration
        window.cpu_ops = {
            name: len(values) - before.get(name, 0) for name, values in window.samples.items()
        }

    metered = asyncio.create_task(metering()) if meter is not None else None

    async def client(index: int) -> None:
        connection = Connection(parts.hostname, parts.port)
        try:
            while time.perf_counter() < window.end:
                try:
                    await iteration(index, connection, window)
                except (UnexpectedReply, OSError, asyncio.IncompleteReadError) as exc:
                    window.error(type(exc).__name__, str(exc))
                    await connection.close()
        finally:
            await connection.close()

    await asyncio.gather(*(client(i) for i in range(clients)))
    if metered is not None:
        await metered
    return window


# Kept-alive connections stay with the gunicorn worker that accepted them: renewing them
# now and then spreads a few clients' load over the workers as many browsers' would.
RENEW_EVERY = 200


async def hello_world(index: int, connection: Connection, window: Window) -> None:
    """The baseline: one `GET /healthz` of the same app, same driver, same concurrency."""
    if connection.sent >= RENEW_EVERY:
        await connection.close()
    started = time.perf_counter()
    reply = await connection.request("GET", "/healthz")
    finished = time.perf_counter()
    if reply.status != 200 or reply.body != b"ok":
        raise UnexpectedReply("GET /healthz", reply)
    window.record("healthz", started, finished)


async def hello_db(index: int, connection: Connection, window: Window) -> None:
    """The reference: `GET /readyz`, one database and one key-value store round trip through
    the whole stack; what any request that does real work pays at least."""
    if connection.sent >= RENEW_EVERY:
        await connection.close()
    started = time.perf_counter()
    reply = await connection.request("GET", "/readyz")
    finished = time.perf_counter()
    if reply.status != 200 or reply.body != b"ready":
        raise UnexpectedReply("GET /readyz", reply)
    window.record("readyz", started, finished)


def measure_reference(
    base_url: str, clients: int, *, warmup: float, duration: float, meter: CpuMeter | None = None
) -> Window:
    return asyncio.run(
        closed_loop(base_url, clients, hello_db, warmup=warmup, duration=duration, meter=meter)
    )


def measure_around(
    base_url: str,
    clients: int,
    workload: Callable[[], Window],
    *,
    warmup: float,
    duration: float,
    meter: CpuMeter | None = None,
) -> tuple[Window, Window]:
    """The baseline measured for half the duration before the workload and half after it
    (A-B-A), so a change of background load during the run moves both alike."""
    baseline = asyncio.run(
        closed_loop(
            base_url, clients, hello_world, warmup=warmup, duration=duration / 2, meter=meter
        )
    )
    measured = workload()
    asyncio.run(
        closed_loop(
            base_url,
            clients,
            hello_world,
            warmup=min(warmup, 1.0),
            duration=duration / 2,
            window=baseline,
        )
    )
    return baseline, measured


def measure_beside_baselines(
    base_url: str,
    clients: int,
    iteration: Callable,
    *,
    warmup: float,
    duration: float,
    meter: CpuMeter | None = None,
) -> tuple[Window, Window, Window]:
    """(baseline, reference, workload): the workload in a closed loop of `clients`, between
    two halves of /healthz (measure_around), then /readyz for half the duration."""
    baseline, measured = measure_around(
        base_url,
        clients,
        lambda: asyncio.run(
            closed_loop(base_url, clients, iteration, warmup=warmup, duration=duration, meter=meter)
        ),
        warmup=warmup,
        duration=duration,
        meter=meter,
    )
    reference = measure_reference(base_url, clients, warmup=1.0, duration=duration / 2, meter=meter)
    return baseline, reference, measured


def wait_for_quiet(max_wait: float, threshold: float = 1.0) -> str:
    """Wait (up to `max_wait` s) for the 1-minute load average to fall below `threshold`:
    other work on the machine competes for the same cores. Returns what was seen."""
    deadline = time.monotonic() + max_wait
    load = os.getloadavg()[0]
    while load >= threshold and time.monotonic() < deadline:
        time.sleep(5)
        load = os.getloadavg()[0]
    return f"{load:.2f}" + (
        "" if load < threshold else f" (still >= {threshold:g} after waiting {max_wait:g} s)"
    )


# -- reporting -------------------------------------------------------------------------------


def command_line() -> str:
    """The command that produced a report, as typed from the repository root."""
    executable = Path(sys.executable)
    try:
        python = str(executable.relative_to(REPO))
    except ValueError:
        python = "python"
    script = Path(sys.argv[0]).resolve()
    try:
        script_text = str(script.relative_to(REPO))
    except ValueError:
        script_text = str(script)
    return " ".join([python, script_text, *map(shlex.quote, sys.argv[1:])])


def machine(load_before: str) -> str:
    commit = (
        subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        or "?"
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=REPO,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return (
        f"{os.cpu_count()} CPUs, Python {host_platform.python_version()}, "
        f"{host_platform.system()} {host_platform.release()}, commit {commit}"
        f"{' + local changes' if dirty else ''}, {time.strftime('%Y-%m-%d %H:%M %Z')}; "
        f"load average (1 min) {load_before} before the run, "
        f"{os.getloadavg()[0]:.2f} at its end (this run's own processes included)"
    )


def ms(value: float) -> str:
    return f"{value:.1f}"


def write_report(name: str, text: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    path.write_text(text)
    return path


def add_common_arguments(parser, *, clients: int, duration: float, warmup: float) -> None:
    parser.add_argument(
        "--clients", type=int, default=clients, help=f"concurrent clients (default {clients})"
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=duration,
        help=f"measured seconds per workload (default {duration:g})",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=warmup,
        help=f"warm-up seconds per workload (default {warmup:g})",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=SHIPPED_WORKERS,
        help=f"gunicorn workers (default {SHIPPED_WORKERS}: production's two per core)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=SHIPPED_THREADS,
        help=f"threads per gunicorn worker (default {SHIPPED_THREADS}, as in production)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=120.0,
        help="wait up to this many seconds for the machine's load average to "
        "fall below 1 before starting (default 120)",
    )


def server_line(server: ToolServer) -> str:
    return (
        f"gunicorn {server.workers} workers x {server.threads} threads (gthread), "
        f"PostgreSQL + Redis, access log to /dev/null"
    )
