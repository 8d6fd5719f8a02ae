"""Launch benchmark (issue #2): OIDC login + signed LTI 1.3 launch per iteration, against
gunicorn (2 workers) with PostgreSQL and Redis, beside the hello-world baseline (`GET /healthz`
of the same app) measured in the same run with the same driver and concurrency.

Each iteration is what Moodle and a browser do: POST /lti/login (the form Moodle posts),
read state and nonce from the redirect and the binding cookie from Set-Cookie, sign an
id_token for a new learner (a fresh `sub`, so a user row is created), POST /lti/launch with
the cookie and expect 303 to the learner's page. The client-side signing is not timed: a
launch's latency is the login round trip plus the launch round trip.

    .venv/bin/python bench/bench_launch.py [--levels 1,4] [--duration 20] [--warmup 5]

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

from bench.harness import (
    RENEW_EVERY,
    Connection,
    CpuMeter,
    FakeMoodle,
    UnexpectedReply,
    Window,
    add_common_arguments,
    command_line,
    cpu_text,
    machine,
    measure_beside_baselines,
    ms,
    query_of,
    running_tool,
    server_line,
    wait_for_quiet,
    write_report,
)
from bench.profile_requests import census_text, statement_census

AIM_RATIO = 0.40
AIM_P95_MS = 25.0


def launch_iteration(moodle: FakeMoodle, base_url: str, links: int = 1):
    run = uuid.uuid4().hex[:6]
    numbers = itertools.count(1)

    async def iteration(index: int, connection: Connection, window: Window) -> None:
        # A new learner comes with a new browser: a new connection. (Kept-alive connections
        # stay with the gunicorn worker that accepted them; a few long-lived ones can all land
        # on one worker and leave the other idle.)
        await connection.close()
        number = next(numbers)
        sub = f"{run}-{number}"
        t0 = time.perf_counter()
        login = await connection.request(
            "POST", "/lti/login", form=moodle.login_form(base_url, sub)
        )
        t1 = time.perf_counter()
        if login.status != 302:
            raise UnexpectedReply("POST /lti/login", login)
        redirect = query_of(login.location)
        cookie = "; ".join(f"{k}={v}" for k, v in login.cookies().items())
        id_token = moodle.id_token(
            nonce=redirect["nonce"],
            sub=sub,
            tool_base=base_url,
            now=time.time(),
            resource_link_id=str(number % links + 1),
        )
        t2 = time.perf_counter()
        launch = await connection.request(
            "POST",
            "/lti/launch",
            form={"id_token": id_token, "state": redirect["state"]},
            headers={"Cookie": cookie},
        )
        t3 = time.perf_counter()
        if launch.status != 303 or "lt=" not in launch.location:
            raise UnexpectedReply("POST /lti/launch", launch)
        window.record("login", t0, t1)
        window.record("launch request", t2, t3)
        window.record("launch", t0, t3, milliseconds=((t1 - t0) + (t3 - t2)) * 1000)

    return iteration


def level_rows(clients: int, baseline: Window, reference: Window, launches: Window) -> list[str]:
    base = baseline.stats("healthz")
    ref = reference.stats("readyz")
    launch = launches.stats("launch")
    login = launches.stats("login")
    launch_request = launches.stats("launch request")

    def ratio(stats) -> str:
        """To /healthz, then to /readyz: what the stack allows a request that touches the
        database and the store at all."""
        to_base = f"{stats.per_second / base.per_second:.2f}" if base.per_second else "-"
        to_ref = f"{stats.per_second / ref.per_second:.2f}" if ref.per_second else "-"
        return f"{to_base} / {to_ref}"

    def cells(stats) -> str:
        return (
            f"{ms(stats.p50)} | {ms(stats.p95)} | {ms(stats.p99)} | {ms(stats.max)} | {stats.count}"
        )

    def cpu(window: Window, name: str) -> str:
        app = window.cpu_ms_per_op(name)
        db = window.cpu_ms_per_op(name, "PostgreSQL")
        return f"{app:.2f} + {db:.2f}"

    return [
        f"| {clients} | baseline: GET /healthz | {base.per_second:.0f} | {cells(base)} | "
        f"1.00 / {base.per_second / ref.per_second if ref.per_second else float('nan'):.2f} | "
        f"{cpu(baseline, 'healthz')} |",
        f"| {clients} | reference: GET /readyz (1 DB + 1 Redis round trip) | "
        f"{ref.per_second:.0f} | {cells(ref)} | {ratio(ref)} | {cpu(reference, 'readyz')} |",
        f"| {clients} | **launch** (login + launch round trips) | **{launch.per_second:.0f}** | "
        f"{cells(launch)} | **{ratio(launch)}** | {cpu(launches, 'launch')} |",
        f"| {clients} | - POST /lti/login (302) | | {cells(login)} | | |",
        f"| {clients} | - POST /lti/launch (303) | | {cells(launch_request)} | | |",
    ]


def report(
    args,
    levels: dict[int, tuple[Window, Window, Window]],
    moodle: FakeMoodle,
    server,
    load_before: str,
    census: dict[str, int],
) -> str:
    lines = [
        "# Launch benchmark (issue #2)",
        "",
        f"Command: `{command_line()}`",
        "",
        f"Machine: {machine(load_before)}.",
        "",
        f"Server: {server_line(server)}. Driver: concurrent clients (asyncio, same host); each "
        f"launch on a new connection (a new learner's browser), the baseline and reference on "
        f"keep-alive connections renewed every {RENEW_EVERY} requests; per concurrency level "
        f"{args.warmup:g} s warm-up + {args.duration:g} s measured; "
        f"the baseline is measured for half that before the launches and half after, the "
        f"reference for half after. Every launch is a new learner (new `sub`) in one resource "
        f"link{'' if args.links == 1 else f' of {args.links}, in turn'} (placed by a first launch "
        f"before the load). Client-side signing is not timed.",
        "",
        "| clients | workload | ops/s | p50 ms | p95 ms | p99 ms | max ms | ops "
        "| ratio to /healthz / to /readyz | CPU ms/op: app + PostgreSQL |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    verdicts, errors, cpu = [], [], []
    for clients, (baseline, reference, launches) in levels.items():
        lines += level_rows(clients, baseline, reference, launches)
        cpu += [
            f"- {clients} client(s), launches: {cpu_text(launches.cpu)}",
            f"- {clients} client(s), baseline (first half): {cpu_text(baseline.cpu)}",
            f"- {clients} client(s), reference: {cpu_text(reference.cpu)}",
        ]
        base, launch = baseline.stats("healthz"), launches.stats("launch")
        ratio = launch.per_second / base.per_second if base.per_second else float("nan")
        verdicts.append(
            f"{clients} client(s): throughput {ratio:.1%} of the baseline "
            f"({'met' if ratio >= AIM_RATIO else 'MISSED'}), p95 {ms(launch.p95)} ms "
            f"({'met' if launch.p95 < AIM_P95_MS else 'MISSED'})"
        )
        errors.append(
            f"{clients} client(s): launches {launches.error_text()}, baseline "
            f"{baseline.error_text()}, reference {reference.error_text()}"
        )
    lines += [
        "",
        "CPU ms/op: CPU time of the gunicorn workers and of the PostgreSQL backends "
        "per operation while measuring; other work on the machine barely moves it, unlike "
        "throughput. CPU used while measuring (cores):",
        "",
        *cpu,
    ]
    lines += [
        "",
        f"Aim (issue #2): launches/s >= {AIM_RATIO:.0%} of the baseline's req/s and launch p95 < "
        f"{AIM_P95_MS:g} ms. " + "; ".join(verdicts) + ".",
        "",
        census_text(census) + ".",
        "",
        "Errors: " + "; ".join(errors) + f". JWKS fetched {moodle.jwks_requests} time(s) by the "
        "tool.",
        "",
    ]
    return "\n".join(lines)


async def prime(moodle: FakeMoodle, base_url: str, links: int) -> None:
    """One launch per link before the load: the placement exists, as after a course's first
    launch (concurrent first launches of one link are a correctness matter, not measured here)."""
    window = Window()
    window.open(0, 0)
    parts = base_url.rsplit(":", 1)
    connection = Connection(parts[0].split("//")[1], int(parts[1]))
    iteration = launch_iteration(moodle, base_url, links)
    for _ in range(links):
        await iteration(0, connection, window)
    await connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_arguments(parser, clients=4, duration=20.0, warmup=5.0)
    parser.add_argument(
        "--levels",
        type=lambda v: [int(x) for x in v.split(",")],
        default=None,
        help="several concurrency levels, e.g. 1,4 (overrides --clients)",
    )
    parser.add_argument(
        "--links",
        type=int,
        default=1,
        help="resource links (course activities) the learners launch, in turn "
        "(default 1: one class launching one assessment)",
    )
    args = parser.parse_args(argv)

    load_before = wait_for_quiet(args.quiet_wait)
    levels: dict[int, tuple[Window, Window, Window]] = {}
    with running_tool("bench_launch-gunicorn", workers=args.workers, threads=args.threads) as (
        server,
        moodle,
        backends,
    ):
        asyncio.run(prime(moodle, server.base_url, args.links))
        meter = CpuMeter(server, backends.database_url)
        for clients in args.levels or [args.clients]:
            levels[clients] = measure_beside_baselines(
                server.base_url,
                clients,
                launch_iteration(moodle, server.base_url, args.links),
                warmup=args.warmup,
                duration=args.duration,
                meter=meter,
            )
        census = statement_census(server, moodle, launch_only=True)
        text = report(args, levels, moodle, server, load_before, census)
    print(text)
    path = write_report("launch.md", text)
    print(f"(written to {path})")
    return 1 if any(w.errors for triple in levels.values() for w in triple) else 0


if __name__ == "__main__":
    raise SystemExit(main())
