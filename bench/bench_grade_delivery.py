"""Grade delivery benchmark (issue #5): N grades queued in the outbox, delivered by the worker to
a local AGS endpoint, beside a bare loop of HTTP POSTs of the same scores to the same endpoint
(the baseline: what the network and the endpoint cost by themselves), in one run.

Reported: deliveries/s and the time until the outbox is empty, and their ratio to the bare loop
(measured half before and half after the worker). Afterwards the endpoint must hold exactly the
queued score for every learner and the outbox must be empty.

    .venv/bin/python bench/bench_grade_delivery.py [--grades 1000] [--workers 1]
        [--backend sqlite|postgres] [--endpoint lean|demo]

`--endpoint lean` (default): a small keep-alive HTTP/1.1 AGS endpoint (token + scores with
Moodle's rules: bearer token, score media type, 409 for a stale timestamp), so the numbers show
the worker's own cost. `--endpoint demo`: the lti1p3platform-based demo platform (much slower
per request: it verifies a JWT per call on werkzeug's development server).
`--backend postgres` uses a scratch PostgreSQL database (dropped afterwards); several
`--workers` (threads, each with its own connection and HTTP session) then share the outbox
through FOR UPDATE SKIP LOCKED claims.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import command_line, machine, wait_for_quiet, write_report

SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
RESULT_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"


class LeanAgsEndpoint:
    """Token and score endpoints only, kept small so the measurement is of the client side."""

    def __init__(self) -> None:
        self.token = "bench-token-" + os.urandom(8).hex()
        self.lock = threading.Lock()
        self.grades: dict[tuple[str, str], tuple[float, int]] = {}  # (item, user) -> (frac, ts)
        self.token_requests = 0
        self.score_posts = 0
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as a real platform behind nginx

            def log_message(self, *args) -> None:
                pass

            def _answer(
                self, status: int, body: bytes = b"", content_type: str = "application/json"
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                path = self.path.split("?")[0]
                if path == "/token":
                    with endpoint.lock:
                        endpoint.token_requests += 1
                    self._answer(
                        200,
                        json.dumps(
                            {
                                "access_token": endpoint.token,
                                "token_type": "Bearer",
                                "expires_in": 3600,
                                "scope": SCORE_SCOPE,
                            }
                        ).encode(),
                    )
                    return
                if not (path.startswith("/lineitems/") and path.endswith("/scores")):
                    self._answer(404)
                    return
                if self.headers.get("Authorization") != f"Bearer {endpoint.token}":
                    self._answer(401)
                    return
                if self.headers.get("Content-Type") != SCORE_TYPE:
                    self._answer(400)
                    return
                score = json.loads(raw)
                item = path.split("/")[2]
                stamp = int(datetime.fromisoformat(score["timestamp"]).timestamp())
                fraction = score["scoreGiven"] / score["scoreMaximum"]
                with endpoint.lock:
                    endpoint.score_posts += 1
                    held = endpoint.grades.get((item, score["userId"]))
                    if held is not None and held[1] >= stamp:
                        self._answer(409)
                        return
                    endpoint.grades[(item, score["userId"])] = (fraction, stamp)
                self._answer(200)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    # The shape the benchmark needs from either endpoint.
    def token_url(self) -> str:
        return self.url + "/token"

    def lineitem_url(self, item: str) -> str:
        return f"{self.url}/lineitems/{item}?type_id=1"

    def held(self, item: str) -> dict[str, float]:
        with self.lock:
            return {user: frac for (i, user), (frac, _) in self.grades.items() if i == item}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class DemoAgsEndpoint:
    """The lti1p3platform-based demo platform (tests/support/platform_server.py)."""

    def __init__(self, tool_jwks_url: str, learners: list[str]) -> None:
        from demo_platform import PlatformConfig, generate_platform_key
        from tests.support.platform_server import run_platform

        self.platform = run_platform(
            PlatformConfig(
                private_key_pem=generate_platform_key(),
                tool_jwks_url=tool_jwks_url,
                tool_login_url="http://tool.invalid/login",
                tool_launch_url="http://tool.invalid/l",
            )
        )
        self.url = self.platform.url
        state = self.platform.state
        for sub in learners:
            state.enrol(sub, ["Learner"])
        self.items = {
            name: state.create_line_item(label=name, score_maximum=100).id
            for name in ("baseline", "worker")
        }
        self.client_id = self.platform.config.client_id

    def token_url(self) -> str:
        return self.platform.config.token_url()

    def lineitem_url(self, item: str) -> str:
        return self.platform.config.lineitem_url(self.items[item])

    def held(self, item: str) -> dict[str, float]:
        return {
            g.user_id: g.grade / 100
            for g in self.platform.state.grades(self.items[item])
            if g.grade is not None
        }

    @property
    def score_posts(self) -> int:
        return self.platform.state.faults.received("scores")

    def close(self) -> None:
        self.platform.shutdown()


def build_app(args, data_dir: Path, database_url: str):
    from config.settings import Settings
    from lti_tool import create_app
    from lti_tool.cli import upgrade_database

    settings = Settings(
        secret_key="bench-" + os.urandom(24).hex(),
        data_dir=data_dir,
        database_url=database_url,
        public_base_url="http://tool.bench",
    )
    upgrade_database(settings.sqlalchemy_url)
    return create_app(settings)


def seed(app, endpoint, learners: list[str], now: datetime, client_id: str) -> dict[str, float]:
    """The placement, the learners and one queued grade each (as the attempts module would)."""
    from lti_tool.db import session_scope
    from lti_tool.grades.outbox import enqueue_grade
    from lti_tool.launch.models import LtiUser, Placement
    from lti_tool.platforms.keys import ensure_signing_key
    from lti_tool.platforms.models import Deployment, Platform

    scores = {sub: float(int(sub) % 101) for sub in learners}
    with app.app_context(), session_scope() as session:
        ensure_signing_key(session, app.config["SECRET_KEY"], now)
        platform = Platform(
            name="bench",
            issuer=endpoint.url,
            client_id=client_id,
            auth_login_url=endpoint.url + "/auth",
            auth_token_url=endpoint.token_url(),
            key_set_url=endpoint.url + "/jwks",
            created_at=now,
        )
        deployment = Deployment(platform=platform, deployment_id="1", created_at=now)
        placement = Placement(
            deployment=deployment,
            resource_link_id="1",
            resource_link_title="Final",
            ags_lineitem_url=endpoint.lineitem_url("worker"),
            ags_lineitems_url=None,
            ags_scopes=[SCORE_SCOPE, RESULT_SCOPE],
            updated_at=now,
        )
        users = [LtiUser(platform=platform, sub=sub, updated_at=now) for sub in learners]
        session.add_all([platform, deployment, placement, *users])
        session.flush()
        for user in users:
            enqueue_grade(
                session,
                placement_id=placement.id,
                user_id=user.id,
                attempt_id=1,
                score_given=scores[user.sub],
                score_maximum=100.0,
                timestamp=now,
            )
    return scores


def bare_loop(
    endpoint, learners: list[str], scores: dict[str, float], token: str, now: datetime
) -> float:
    """One keep-alive session POSTing each score once, nothing else."""
    import requests

    http = requests.Session()
    url = endpoint.lineitem_url("baseline").replace("?", "/scores?")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": SCORE_TYPE}
    start = time.perf_counter()
    for sub in learners:
        body = {
            "userId": sub,
            "scoreGiven": scores[sub],
            "scoreMaximum": 100,
            "activityProgress": "Completed",
            "gradingProgress": "FullyGraded",
            "timestamp": now.replace(microsecond=0).isoformat(),
        }
        answer = http.post(url, json=body, headers=headers, timeout=10)
        if answer.status_code != 200:
            raise SystemExit(f"baseline POST answered {answer.status_code}: {answer.text[:200]}")
    return time.perf_counter() - start


def fetch_token(endpoint, app) -> str:
    """A token as the worker would get it (the demo platform checks the assertion)."""
    from lti_tool.clock import SystemClock
    from lti_tool.grades.ags_client import AgsClient, PlatformAccess
    from lti_tool.grades.worker import client_id_holders
    from lti_tool.platforms.keys import signing_key

    sessions = app.extensions["emm_sessionmaker"]

    def key():
        with sessions() as session:
            return signing_key(session, app.config["SECRET_KEY"])

    client = AgsClient(
        app.extensions["emm_services"].http,
        SystemClock(),
        timeout=10,
        signing_key=key,
        client_id_holders=client_id_holders(sessions),
    )
    with sessions() as session:
        from lti_tool.platforms.models import Platform

        access = PlatformAccess.of(session.query(Platform).one())
    return client.access_token(access, (SCORE_SCOPE,))


def run_workers(app, count: int) -> tuple[float, list]:
    from lti_tool.grades.worker import build_worker

    workers = [build_worker(app, name=f"bench-{n}") for n in range(count)]
    done = threading.Barrier(count + 1)
    start_gate = threading.Barrier(count + 1)

    def drain(worker) -> None:
        start_gate.wait()
        worker.run_due()
        done.wait()

    threads = [threading.Thread(target=drain, args=(w,), daemon=True) for w in workers]
    for thread in threads:
        thread.start()
    start_gate.wait()
    start = time.perf_counter()
    done.wait()
    return time.perf_counter() - start, workers


def pending_count(app) -> int:
    from sqlalchemy import func, select

    from lti_tool.grades.models import DELIVERED, GradeOutbox

    with app.extensions["emm_sessionmaker"]() as session:
        return (
            session.scalar(
                select(func.count()).select_from(GradeOutbox).where(GradeOutbox.state != DELIVERED)
            )
            or 0
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--grades", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1, help="worker threads (default 1)")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--endpoint", choices=("lean", "demo"), default="lean")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=60.0,
        help="wait up to this many seconds for the load average to fall below 1",
    )
    args = parser.parse_args()
    load_before = wait_for_quiet(args.quiet_wait)
    learners = [str(1000 + n) for n in range(args.grades)]
    now = datetime.now(UTC) - timedelta(seconds=5)

    with tempfile.TemporaryDirectory(prefix="emm-bench-grades-") as tmp:
        data_dir = Path(tmp)
        backends_cm = None
        database_url = ""
        if args.backend == "postgres":
            from bench.harness import scratch_backends

            backends_cm = scratch_backends()
            database_url = backends_cm.__enter__().database_url
        tool_jwks = None
        try:
            app = build_app(args, data_dir, database_url)
            if args.endpoint == "demo":
                from tests.support.platform_server import serve_wsgi

                tool_jwks = serve_wsgi(app)
                endpoint = DemoAgsEndpoint(tool_jwks.url + "/.well-known/jwks.json", learners)
                client_id = endpoint.client_id
            else:
                endpoint = LeanAgsEndpoint()
                client_id = "bench-client"
            try:
                scores = seed(app, endpoint, learners, now, client_id)
                token = fetch_token(endpoint, app)
                half = len(learners) // 2
                base_1 = bare_loop(endpoint, learners[:half], scores, token, now)
                worker_seconds, workers = run_workers(app, args.workers)
                base_2 = bare_loop(endpoint, learners[half:], scores, token, now)
                left = pending_count(app)
                held = endpoint.held("worker")
                wrong = [s for s in learners if abs(held.get(s, -1) - scores[s] / 100) > 1e-9]
                baseline_held = endpoint.held("baseline")
            finally:
                endpoint.close()
        finally:
            if tool_jwks is not None:
                tool_jwks.shutdown()
            if backends_cm is not None:
                app.extensions["emm_engine"].dispose()
                backends_cm.__exit__(None, None, None)

    n = len(learners)
    base_seconds = base_1 + base_2
    base_rate = n / base_seconds
    rate = n / worker_seconds
    delivered = sum(w.stats.delivered for w in workers)
    retried = sum(w.stats.retried for w in workers)
    lines = [
        "# Grade delivery benchmark (issue #5)",
        "",
        f"Command: `{command_line()}`",
        "",
        f"Machine: {machine(load_before)}.",
        "",
        f"Setup: {n} grades queued in the outbox ({args.backend}, one placement, one learner "
        f"each); {args.workers} worker thread(s) with a {workers[0].config.batch_size}-row "
        f"claim batch; AGS endpoint: {args.endpoint} ({endpoint.url}). The bare loop POSTs the "
        f"same {n} scores over one keep-alive session with a ready token (half before the "
        "worker, half after).",
        "",
        "| run | grades | seconds until done | deliveries/s | ratio to bare loop |",
        "|---|---:|---:|---:|---:|",
        f"| baseline: bare loop of score POSTs | {n} | {base_seconds:.2f} | {base_rate:.0f} "
        "| 1.00 |",
        f"| **worker** (claim, token, POST, record) | {n} | **{worker_seconds:.2f}** "
        f"(outbox empty) | **{rate:.0f}** | **{rate / base_rate:.2f}** |",
        "",
        f"Per grade: bare POST {1000 * base_seconds / n:.2f} ms, worker "
        f"{1000 * worker_seconds / n:.2f} ms (outbox bookkeeping "
        f"{1000 * (worker_seconds - base_seconds) / n:+.2f} ms).",
        f"Check: delivered {delivered}, retried {retried}, not delivered in the outbox {left}; "
        f"endpoint holds {len(held)} worker grades, {len(wrong)} wrong or missing; "
        f"baseline grades held {len(baseline_held)}.",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    path = write_report(f"grade_delivery_{args.backend}_{args.endpoint}.md", report)
    print(f"(written to {path.relative_to(Path(__file__).resolve().parent.parent)})")
    if left or wrong:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
