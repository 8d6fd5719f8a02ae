"""Where a request's time goes: the learner flow of bench_answer_saves (login, launch, start,
20 answer saves with heartbeats, submit) run in-process through Flask's test client against a
scratch PostgreSQL + Redis, one request at a time, with per-endpoint CPU time, wall time and
SQL statement counts; optionally the statements of one request and a pyinstrument profile.

Not a benchmark (no server, no concurrency): a tool to find hot spots behind the benchmarks'
numbers. pyinstrument is not a project dependency; `--profile` needs
`.venv/bin/pip install pyinstrument` first.

    .venv/bin/python bench/profile_requests.py [--learners 30] [--sql save] [--profile save]
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_answer_saves import (
    SLUG,
    TYPE_AT,
    answer_for,
    as_posted,
    assessment_yaml,
)
from bench.harness import (
    FakeMoodle,
    ToolServer,
    command_line,
    query_of,
    scratch_backends,
)

ENDPOINTS = ("healthz", "readyz", "login", "launch", "start", "save", "heartbeat", "submit")


class _FunctionProfiler:
    """cProfile behind pyinstrument's start/stop: it counts every call, so what it reports is
    where the CPU goes (pyinstrument samples wall time, dominated by database waits)."""

    def __init__(self) -> None:
        import cProfile

        self._profile = cProfile.Profile(time.process_time)
        self.start, self.stop = self._profile.enable, self._profile.disable

    def output_text(self, **_options) -> str:
        import io
        import os
        import pstats

        out = io.StringIO()
        stats = pstats.Stats(self._profile, stream=out).strip_dirs()
        stats.sort_stats("tottime").print_stats(35)
        stats.sort_stats("cumulative").print_stats(int(os.environ.get("EMM_PROFILE_LINES", "45")))
        return out.getvalue()


class Recorder:
    def __init__(
        self, engine, sql_of: str | None, profile_of: str | None, by_function: bool = False
    ) -> None:
        from sqlalchemy import event

        self.samples: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
        self.measuring = False
        self._statements: list[str] = []
        self._sql_of = sql_of
        self.shown_sql: list[str] = []
        self._profile_of = profile_of
        self.profiler = None
        if profile_of and by_function:
            self.profiler = _FunctionProfiler()
        elif profile_of:
            from pyinstrument import Profiler

            self.profiler = Profiler(interval=0.0002)
        event.listen(
            engine,
            "before_cursor_execute",
            lambda conn, cursor, statement, *rest: self._statements.append(
                " ".join(statement.split())[:140]
            ),
        )
        for name in ("begin", "commit", "rollback"):
            event.listen(
                engine, name, lambda conn, name=name: self._statements.append(name.upper())
            )

    def call(self, name: str, send):
        profiling = self.measuring and name == self._profile_of and self.profiler is not None
        self._statements.clear()
        if profiling:
            self.profiler.start()
        cpu, wall = time.process_time(), time.perf_counter()
        response = send()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if profiling:
            self.profiler.stop()
        if self.measuring:
            self.samples[name].append((cpu * 1000, wall * 1000, len(self._statements)))
            if name == self._sql_of and not self.shown_sql:
                self.shown_sql = list(self._statements)
        return response


def learner(
    client, moodle: FakeMoodle, base: str, sub: str, rec: Recorder, rng, launch_only=False
) -> None:
    def check(response, status, what):
        if response.status_code != status:
            raise RuntimeError(f"{what}: HTTP {response.status_code} {response.data[:300]!r}")
        return response

    rec.call("healthz", lambda: check(client.get("/healthz"), 200, "healthz"))
    rec.call("readyz", lambda: check(client.get("/readyz"), 200, "readyz"))
    login = rec.call(
        "login",
        lambda: check(client.post("/lti/login", data=moodle.login_form(base, sub)), 302, "login"),
    )
    redirect = query_of(login.headers["Location"])
    cookie = login.headers["Set-Cookie"].split(";")[0]
    token = moodle.id_token(
        nonce=redirect["nonce"],
        sub=sub,
        tool_base=base,
        now=time.time(),
        custom={"assessment": SLUG},
    )
    launch = rec.call(
        "launch",
        lambda: check(
            client.post(
                "/lti/launch",
                data={"id_token": token, "state": redirect["state"]},
                headers={"Cookie": cookie},
            ),
            303,
            "launch",
        ),
    )
    if launch_only:
        return
    headers = {"X-Launch-Token": query_of(launch.headers["Location"])["lt"]}
    start = rec.call(
        "start", lambda: check(client.post("/assessment/attempts", headers=headers), 303, "start")
    )
    attempt = int(start.headers["Location"].split("/attempts/")[1].split("/")[0])
    headers["X-Sitting"] = query_of(start.headers["Location"])["s"]
    base_path = f"/assessment/attempts/{attempt}"
    for position, kind in enumerate(TYPE_AT, start=1):
        secret = client.application.config["SECRET_KEY"]
        body = {"response": as_posted(secret, attempt, position, answer_for(kind, rng))}
        rec.call(
            "save",
            lambda position=position, body=body: check(
                client.post(f"{base_path}/questions/{position}/answer", json=body, headers=headers),
                200,
                "save",
            ),
        )
        if position % 2 == 0:
            rec.call(
                "heartbeat",
                lambda: check(
                    client.post(f"{base_path}/heartbeat", headers=headers), 200, "heartbeat"
                ),
            )
    rec.call(
        "submit", lambda: check(client.post(f"{base_path}/submit", headers=headers), 303, "submit")
    )


def in_process_app(server: ToolServer):
    """The app as gunicorn runs it (same settings, same backends), in this process."""
    from config.settings import Settings
    from lti_tool import create_app

    environ = {k: v for k, v in server.env.items() if k.startswith("EMM_")}
    return create_app(Settings.from_env(environ))


def statement_census(
    server: ToolServer, moodle: FakeMoodle, *, learners: int = 3, launch_only: bool = False
) -> dict[str, int]:
    """SQL statements per request type (median, BEGIN/COMMIT included), counted in-process
    against a benchmark's own server setup: the benchmarks print these beside their numbers
    (a server-side counter would cost the measured server CPU)."""
    app = in_process_app(server)
    engine = app.extensions["emm_engine"]
    rec = Recorder(engine, None, None)
    client = app.test_client()
    rng = random.Random(2)
    run = uuid.uuid4().hex[:6]
    learner(client, moodle, server.base_url, f"census-{run}-w", rec, rng, launch_only)
    rec.measuring = True
    for number in range(learners):
        sub = f"census-{run}-{number}"
        learner(client, moodle, server.base_url, sub, rec, rng, launch_only)
    engine.dispose()
    return {
        name: round(statistics.median(s[2] for s in samples))
        for name, samples in rec.samples.items()
        if name not in {"healthz"}
    }


def census_text(counts: dict[str, int]) -> str:
    """One line for a report."""
    return "SQL statements per request (in-process census, BEGIN/COMMIT included): " + ", ".join(
        f"{name} {count}" for name, count in counts.items()
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=30, help="measured learners (default 30)")
    parser.add_argument("--sql", choices=ENDPOINTS, help="print the statements of one such request")
    parser.add_argument(
        "--profile", choices=ENDPOINTS, help="pyinstrument profile of these requests"
    )
    parser.add_argument(
        "--by-function",
        action="store_true",
        help="with --profile: cProfile's per-function CPU instead of pyinstrument",
    )
    args = parser.parse_args(argv)

    with scratch_backends() as backends, tempfile.TemporaryDirectory() as folder:
        content = Path(folder) / f"{SLUG}.yaml"
        content.write_text(yaml.safe_dump(assessment_yaml(), allow_unicode=True))
        moodle = FakeMoodle()
        server = ToolServer(backends, moodle, log_name="profile_requests")
        try:
            server.prepare([content])
            app = in_process_app(server)
            engine = app.extensions["emm_engine"]
            rec = Recorder(engine, args.sql, args.profile, args.by_function)
            client = app.test_client()
            numbers = itertools.count(1)
            rng = random.Random(1)
            for _ in range(10):  # warm-up: connections, statement caches, JWKS
                learner(client, moodle, server.base_url, f"w{next(numbers)}", rec, rng)
            rec.measuring = True
            for _ in range(args.learners):
                learner(client, moodle, server.base_url, f"m{next(numbers)}", rec, rng)
            engine.dispose()
        finally:
            server.stop()
            moodle.close()

    print(f"Command: `{command_line()}`\n")
    print(
        f"In-process (Flask test client, no gunicorn), one request at a time, {args.learners} "
        f"learners; medians.\n"
    )
    print(
        "| request | n | CPU ms | wall ms | SQL statements (incl. BEGIN/COMMIT) | CPU vs /healthz |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    floor = statistics.median(s[0] for s in rec.samples["healthz"])
    for name in ENDPOINTS:
        samples = rec.samples[name]
        cpu = statistics.median(s[0] for s in samples)
        print(
            f"| {name} | {len(samples)} | {cpu:.2f} | "
            f"{statistics.median(s[1] for s in samples):.2f} | "
            f"{statistics.median(s[2] for s in samples):.0f} | {cpu / floor:.0f}x |"
        )
    if rec.shown_sql:
        print(f"\nStatements of one `{args.sql}` request:\n")
        print("\n".join(f"    {line}" for line in rec.shown_sql))
    if rec.profiler is not None:
        print(rec.profiler.output_text(unicode=False, color=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
