"""Whole-attempt benchmark (issue 13): at each concurrency level (default 20 and 100), that
many learners each do whole attempts back to back: launch (login + launch) -> start -> 20
answer saves (a heartbeat after every second one) -> submit, then a new learner takes the
place. Against gunicorn with PostgreSQL and Redis, beside `GET /healthz` (the baseline, half
before and half after) and `GET /readyz` (the reference) at the same concurrency in the same
run, with the same driver. The learners are those of bench_answer_saves.py, without pauses.

    .venv/bin/python bench/bench_whole_attempt.py [--levels 20,100] [--duration 30]

Aim (issue 13): >= 25 whole attempts/s. Afterwards every acknowledged answer and submit is
looked up in the database, as bench_answer_saves.py does.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_answer_saves import (
    HEARTBEAT_EVERY,
    QUESTIONS,
    SLUG,
    Learners,
    assessment_yaml,
    check_stored,
    per_request,
    row,
)
from bench.harness import (
    Connection,
    CpuMeter,
    Window,
    add_common_arguments,
    command_line,
    cpu_text,
    machine,
    measure_beside_baselines,
    running_tool,
    server_line,
    wait_for_quiet,
    write_report,
)
from bench.profile_requests import census_text, statement_census

AIM_ATTEMPTS_PER_SECOND = 25.0
# login, launch, start, the saves, their heartbeats, submit
REQUESTS_PER_ATTEMPT = 4 + QUESTIONS + QUESTIONS // HEARTBEAT_EVERY
REQUEST_TYPES = ("launch", "start", "answer save", "heartbeat", "submit")


def whole_attempts(learners: Learners):
    """An iteration that times a learner's whole attempt (server round trips and the driver's
    own work between them, as a class would see it)."""

    async def iteration(index: int, connection: Connection, window: Window) -> None:
        submitted = len(learners.submitted)
        started = time.perf_counter()
        await learners.session(index, connection, window)
        if len(learners.submitted) > submitted:  # not cut short by the end of the run
            window.record("attempt", started, time.perf_counter())

    return iteration


def level_lines(clients: int, baseline: Window, reference: Window, attempts: Window) -> list[str]:
    base, ref = baseline.stats("healthz"), reference.stats("readyz")
    attempt = attempts.stats("attempt")
    # An attempt is REQUESTS_PER_ATTEMPT requests: compare requests with requests.
    served = attempt.per_second * REQUESTS_PER_ATTEMPT

    def ratio(rate: float, to: float) -> str:
        return f"{rate / to:.3f}" if to else "-"

    return [
        f"### {clients} concurrent learners",
        "",
        "| workload | ops/s | p50 ms | p95 ms | p99 ms | max ms | ops | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        row("baseline: GET /healthz", base, "1.00"),
        row("reference: GET /readyz", ref, ratio(ref.per_second, base.per_second)),
        row(
            "**whole attempt**",
            attempt,
            f"**{ratio(served, base.per_second)}** of /healthz, "
            f"{ratio(served, ref.per_second)} of /readyz (its {REQUESTS_PER_ATTEMPT} requests)",
        ),
        *(row(f"- {name}", attempts.stats(name)) for name in REQUEST_TYPES),
        "",
        f"- CPU, attempts: {cpu_text(attempts.cpu)}; {per_request(attempts)}",
        f"- CPU, baseline (first half): {cpu_text(baseline.cpu)}",
        f"- CPU, reference: {cpu_text(reference.cpu)}",
        f"- Errors: attempts {attempts.error_text()}, baseline {baseline.error_text()}, "
        f"reference {reference.error_text()}",
        "",
    ]


def report(args, server, load_before, levels, check, census) -> str:
    best = max(a.stats("attempt").per_second for _b, _r, a in levels.values())
    lost = check["lost"] + check["different"] + check["submits not stored"]
    lines = [
        "# Whole-attempt benchmark (issue 13)",
        "",
        f"Command: `{command_line()}`",
        "",
        f"Machine: {machine(load_before)}.",
        "",
        f"Server: {server_line(server)}. Driver: asyncio, same host, one new connection per "
        f"learner. Each learner: launch -> start -> {QUESTIONS} answer saves with a heartbeat "
        f"after every {HEARTBEAT_EVERY} -> submit, no pauses; then a new learner. Per level "
        f"{args.warmup:g} s warm-up + {args.duration:g} s measured; the baseline half before "
        f"and half after, the reference for half after.",
        "",
    ]
    for clients, (baseline, reference, attempts) in levels.items():
        lines += level_lines(clients, baseline, reference, attempts)
    lines += [
        census_text(census) + ".",
        "",
        f"Answers acknowledged: {check['acknowledged']}, missing or different: "
        f"{check['lost'] + check['different']}; submits acknowledged: "
        f"{check['submits acknowledged']}, not stored: {check['submits not stored']}.",
        "",
        f"Aim (issue 13): >= {AIM_ATTEMPTS_PER_SECOND:g} whole attempts/s: best {best:.1f} "
        f"({'met' if best >= AIM_ATTEMPTS_PER_SECOND else 'MISSED'}); no lost answers: {lost} "
        f"({'met' if not lost else 'MISSED'}).",
        "",
    ]
    return "\n".join(lines)


def measure_level(server, meter, learners: Learners, clients: int, args):
    return measure_beside_baselines(
        server.base_url,
        clients,
        whole_attempts(learners),
        warmup=args.warmup,
        duration=args.duration,
        meter=meter,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_arguments(parser, clients=20, duration=30.0, warmup=10.0)
    parser.add_argument(
        "--levels",
        type=lambda v: [int(x) for x in v.split(",")],
        default=[20, 100],
        help="concurrent learners, one level after another (default 20,100)",
    )
    args = parser.parse_args(argv)

    load_before = wait_for_quiet(args.quiet_wait)
    with tempfile.TemporaryDirectory(prefix="emm-bench-content-") as folder:
        content = Path(folder) / f"{SLUG}.yaml"
        content.write_text(yaml.safe_dump(assessment_yaml(), allow_unicode=True))
        with running_tool(
            "bench_whole_attempt-gunicorn",
            workers=args.workers,
            threads=args.threads,
            content=[content],
        ) as (server, moodle, backends):
            meter = CpuMeter(server, backends.database_url)
            secret = server.env["EMM_SECRET_KEY"]
            groups, levels = [], {}
            for clients in args.levels:
                learners = Learners(moodle, server.base_url, think=0, ramp=0, secret=secret)
                if not groups:
                    asyncio.run(learners.prime())
                groups.append(learners)
                levels[clients] = measure_level(server, meter, learners, clients, args)
            check = check_stored(backends.database_url, groups)
            census = statement_census(server, moodle)
            text = report(args, server, load_before, levels, check, census)
    print(text)
    path = write_report("whole_attempt.md", text)
    print(f"(written to {path})")
    failed = any(w.errors for triple in levels.values() for w in triple)
    return 1 if failed or check["lost"] or check["different"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
