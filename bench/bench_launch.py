"""Launch benchmark (issue #2): OIDC login + signed LTI 1.3 launch per iteration, against
gunicorn (2 workers) with PostgreSQL and Redis, beside the hello-world baseline (`GET /healthz`
of the same app) measured in the same run with the same driver and concurrency.

Each iteration is what Moodle and a browser do: POST /lti/login (the form Moodle posts),
read state and nonce from the redirect and the binding cookie from Set-Cookie, sign an
id_token for a new learner (a fresh `sub`, so a user row is created), POST /lti/launch with
the cookie and expect 303 to the learner's page. The client-side signing is not timed: a
launch's latency is the login round trip plus the launch round trip.

    .venv/bin/python bench/bench_launch.py [--clients 4] [--duration 20] [--warmup 5]

Aim (issue #2): launches/s >= 40 % of the baseline's requests/s; launch p95 < 25 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (  # noqa: E402 - runnable as a script
    Connection,
    FakeMoodle,
    UnexpectedReply,
    Window,
    add_common_arguments,
    closed_loop,
    command_line,
    machine,
    measure_around,
    ms,
    query_of,
    running_tool,
    server_line,
    wait_for_quiet,
    write_report,
)

AIM_RATIO = 0.40
AIM_P95_MS = 25.0


def launch_iteration(moodle: FakeMoodle, base_url: str):
    run = uuid.uuid4().hex[:6]
    numbers = itertools.count(1)

    async def iteration(index: int, connection: Connection, window: Window) -> None:
        sub = f"{run}-{next(numbers)}"
        t0 = time.perf_counter()
        login = await connection.request("POST", "/lti/login",
                                         form=moodle.login_form(base_url, sub))
        t1 = time.perf_counter()
        if login.status != 302:
            raise UnexpectedReply("POST /lti/login", login)
        redirect = query_of(login.location)
        cookie = "; ".join(f"{k}={v}" for k, v in login.cookies().items())
        id_token = moodle.id_token(nonce=redirect["nonce"], sub=sub, tool_base=base_url,
                                   now=time.time())
        t2 = time.perf_counter()
        launch = await connection.request("POST", "/lti/launch",
                                          form={"id_token": id_token, "state": redirect["state"]},
                                          headers={"Cookie": cookie})
        t3 = time.perf_counter()
        if launch.status != 303 or "lt=" not in launch.location:
            raise UnexpectedReply("POST /lti/launch", launch)
        window.record("login", t0, t1)
        window.record("launch request", t2, t3)
        window.record("launch", t0, t3, milliseconds=((t1 - t0) + (t3 - t2)) * 1000)

    return iteration


def report(args, baseline: Window, launches: Window, moodle: FakeMoodle, server,
           load_before: str) -> str:
    base = baseline.stats("healthz")
    launch = launches.stats("launch")
    login = launches.stats("login")
    launch_request = launches.stats("launch request")
    ratio = launch.per_second / base.per_second if base.per_second else float("nan")
    verdict_ratio = "met" if ratio >= AIM_RATIO else "MISSED"
    verdict_p95 = "met" if launch.p95 < AIM_P95_MS else "MISSED"
    lines = [
        "# Launch benchmark (issue #2)",
        "",
        f"Command: `{command_line()}`",
        "",
        f"Machine: {machine(load_before)}.",
        "",
        f"Server: {server_line(server)}. Driver: {args.clients} concurrent keep-alive clients "
        f"(asyncio, same host), {args.warmup:g} s warm-up + {args.duration:g} s measured; the "
        f"baseline is measured for half that before the launches and half after. Every launch "
        f"is a new learner (new `sub`) in one resource link (placed by a first launch before "
        f"the load).",
        "",
        "| workload | ops/s | p50 ms | p95 ms | p99 ms | max ms | ops | ratio to baseline |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| baseline: GET /healthz | {base.per_second:.0f} | {ms(base.p50)} | {ms(base.p95)} | "
        f"{ms(base.p99)} | {ms(base.max)} | {base.count} | 1.00 |",
        f"| **launch** (login + launch round trips) | **{launch.per_second:.0f}** | "
        f"{ms(launch.p50)} | **{ms(launch.p95)}** | {ms(launch.p99)} | {ms(launch.max)} | "
        f"{launch.count} | **{ratio:.2f}** |",
        f"| - POST /lti/login (302) | | {ms(login.p50)} | {ms(login.p95)} | {ms(login.p99)} | "
        f"{ms(login.max)} | {login.count} | |",
        f"| - POST /lti/launch (303) | | {ms(launch_request.p50)} | {ms(launch_request.p95)} | "
        f"{ms(launch_request.p99)} | {ms(launch_request.max)} | {launch_request.count} | |",
        "",
        f"Aim: launches/s >= {AIM_RATIO:.0%} of the baseline's req/s: {ratio:.0%} ({verdict_ratio}); "
        f"launch p95 < {AIM_P95_MS:g} ms: {ms(launch.p95)} ms ({verdict_p95}).",
        f"Errors: launches {launches.error_text()}; baseline {baseline.error_text()}. "
        f"JWKS fetched {moodle.jwks_requests} time(s) by the tool.",
        "",
    ]
    return "\n".join(lines)


async def prime(moodle: FakeMoodle, base_url: str) -> None:
    """One launch before the load: the placement exists, as after a course's first launch
    (concurrent first launches of one link race: reported separately, not measured here)."""
    window = Window()
    window.open(0, 0)
    parts = base_url.rsplit(":", 1)
    connection = Connection(parts[0].split("//")[1], int(parts[1]))
    await launch_iteration(moodle, base_url)(0, connection, window)
    await connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_arguments(parser, clients=4, duration=20.0, warmup=5.0)
    args = parser.parse_args(argv)

    load_before = wait_for_quiet(args.quiet_wait)
    with running_tool("bench_launch-gunicorn", workers=args.workers,
                      threads=args.threads) as (server, moodle, _backends):
        asyncio.run(prime(moodle, server.base_url))
        baseline, launches = measure_around(
            server.base_url, args.clients,
            lambda: asyncio.run(closed_loop(server.base_url, args.clients,
                                            launch_iteration(moodle, server.base_url),
                                            warmup=args.warmup, duration=args.duration)),
            warmup=args.warmup, duration=args.duration)
        text = report(args, baseline, launches, moodle, server, load_before)
    print(text)
    path = write_report("launch.md", text)
    print(f"(written to {path})")
    return 1 if launches.errors or baseline.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
