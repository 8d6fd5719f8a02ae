"""Answer-save benchmark (issue #4): simulated learners, each doing launch -> start an attempt
-> 20 answers (autosave, with a heartbeat after every second one) -> submit, against gunicorn
(2 workers) with PostgreSQL and Redis, beside the hello-world baseline (`GET /healthz` of the
same app) measured in the same run with the same driver.

Two phases, one run:

* throughput: `--clients` learners back to back, no pause between requests (each learner who
  submits is replaced by a new one); answer saves/s against the baseline's requests/s at the
  same concurrency (the baseline is measured half before, half after);
* latency at `--learners` concurrent learners (default 200): each pauses `--think` seconds on
  average (uniformly 0.5x-1.5x) before every answer, as a learner reads the next question,
  compressed from the real pace (a question every 30-60 s) so that the load is real; p99 of
  answer saves, with the baseline paced the same way.

Afterwards every acknowledged answer (HTTP 200 from the autosave) is looked up in the
database: an acknowledged answer that is missing or different is a lost answer.

    .venv/bin/python bench/bench_answer_saves.py [--clients 8] [--learners 200] [--think 2]

Aim (issue #4): answer saves/s >= 50 % of the baseline's requests/s; p99 < 50 ms at 200
concurrent learners; no errors; no lost answers.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (
    RENEW_EVERY,
    Connection,
    CpuMeter,
    FakeMoodle,
    UnexpectedReply,
    Window,
    add_common_arguments,
    closed_loop,
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

AIM_RATIO = 0.50
AIM_P99_MS = 50.0
SLUG = "bench-answer-saves"
QUESTIONS = 20
HEARTBEAT_EVERY = 2  # answers; the real page sends one every 10-60 s
SETTLE = 5.0  # s after the ramp before the latency phase is measured

# Pools keep their authored order in a draw, so the type at each position is known to the
# driver (it answers like a learner who sees the question): 6 + 4 + 4 + 3 + 3 = 20.
POOLS = (
    ("single_choice", 8, 6),
    ("multiple_response", 5, 4),
    ("true_false", 5, 4),
    ("short_answer", 4, 3),
    ("numerical", 4, 3),
)
TYPE_AT = [kind for kind, _size, draw in POOLS for _ in range(draw)]
assert len(TYPE_AT) == QUESTIONS


# -- content ---------------------------------------------------------------------------------


def assessment_yaml() -> dict[str, Any]:
    def item(kind: str, n: int) -> dict[str, Any]:
        base = {
            "id": f"{SLUG}-{kind}-{n}",
            "type": kind,
            "points": 1,
            "source": "bench",
            "stem": {"en": f"Benchmark question {kind} {n}", "es": f"Pregunta {kind} {n}"},
            "feedback": {"correct": {"en": "Right"}, "incorrect": {"en": "Not quite"}},
        }
        if kind in ("single_choice", "multiple_response"):
            base["options"] = [
                {
                    "id": oid,
                    "text": {"en": f"Option {oid} of {n}"},
                    "correct": oid in ("b", "c") if kind == "multiple_response" else oid == "b",
                }
                for oid in "abcd"
            ]
        elif kind == "true_false":
            base["answer"] = True
        elif kind == "short_answer":
            base["accepted"] = {"en": ["IOM"], "es": ["OIM"]}
        elif kind == "numerical":
            base.update(answer=70, tolerance=0)
        return base

    return {
        "assessment": {
            "slug": SLUG,
            "default_language": "en",
            "title": {"en": "Benchmark assessment", "es": "Evaluación de prueba de carga"},
            "instructions": {"en": "Answer every question."},
            "pass_mark_percent": 70,
            "rules": {
                "inactivity_timeout_minutes": 10,
                "time_limit_minutes": None,
                "max_attempts": None,
                "retake_delay_minutes": 0,
                "review": "full",
            },
        },
        "pools": [
            {
                "id": kind,
                "title": {"en": kind},
                "draw": draw,
                "items": [item(kind, n) for n in range(1, size + 1)],
            }
            for kind, size, draw in POOLS
        ],
    }


def answer_for(kind: str, rng: random.Random) -> dict[str, Any]:
    if kind == "single_choice":
        return {"choice": rng.choice("abcd")}
    if kind == "multiple_response":
        return {"choices": sorted(rng.sample("abcd", rng.randint(1, 3)))}
    if kind == "true_false":
        return {"value": rng.random() < 0.5}
    if kind == "short_answer":
        return {"text": rng.choice(["IOM", "UNHCR", "OIM"])}
    return {"value": str(rng.randint(0, 100))}


def as_posted(
    secret: str, attempt_id: int, position: int, response: dict[str, Any]
) -> dict[str, Any]:
    """`response` as the question page posts it: choice options as the page's opaque tokens
    (lti_tool/attempts/answer_tokens.py). The driver knows the server's secret, so it needs
    no page load to learn them; the server maps them back as it does for every learner."""
    from lti_tool.attempts.answer_tokens import OPTION, AnswerTokens

    tokens = AnswerTokens(secret)
    if "choice" in response:
        return {"choice": tokens.token(attempt_id, position, OPTION, response["choice"])}
    if "choices" in response:
        return {
            "choices": [tokens.token(attempt_id, position, OPTION, c) for c in response["choices"]]
        }
    return response


# -- one learner -----------------------------------------------------------------------------


class Learners:
    """Learner sessions; every acknowledged answer is remembered to be checked afterwards."""

    def __init__(
        self, moodle: FakeMoodle, base_url: str, *, think: float, ramp: float, secret: str
    ):
        self._moodle = moodle
        self._secret = secret
        self._base = base_url
        self._think = think
        self._ramp = ramp
        self._run = uuid.uuid4().hex[:6]
        self._numbers = itertools.count(1)
        self._started: set[int] = set()
        self.acknowledged: dict[tuple[int, int], dict[str, Any]] = {}
        self.submitted: set[int] = set()

    async def _pause(self, rng: random.Random) -> None:
        if self._think > 0:
            await asyncio.sleep(self._think * rng.uniform(0.5, 1.5))

    async def session(self, index: int, connection: Connection, window: Window) -> None:
        rng = random.Random(f"{self._run}-{index}-{len(self.acknowledged)}")
        if index not in self._started:  # spread the first launches over the ramp
            self._started.add(index)
            if self._ramp > 0:
                await asyncio.sleep(rng.uniform(0, self._ramp))
        # A new learner comes with a new browser: a new connection (see bench_launch).
        await connection.close()
        sub = f"{self._run}-{next(self._numbers)}"
        token = await self._launch(sub, connection, window)
        auth = {"X-Launch-Token": token}

        t0 = time.perf_counter()
        start = await connection.request("POST", "/assessment/attempts", headers=auth)
        t1 = time.perf_counter()
        if start.status != 303 or "/questions/1" not in start.location:
            raise UnexpectedReply("POST /assessment/attempts", start)
        window.record("start", t0, t1)
        attempt_id = int(start.location.split("/attempts/")[1].split("/")[0])
        headers = {**auth, "X-Sitting": query_of(start.location)["s"]}
        base = f"/assessment/attempts/{attempt_id}"

        for position, kind in enumerate(TYPE_AT, start=1):
            await self._pause(rng)
            if time.perf_counter() >= window.end:
                return  # the run is over: this learner leaves mid-attempt
            response = answer_for(kind, rng)
            posted = as_posted(self._secret, attempt_id, position, response)
            t0 = time.perf_counter()
            saved = await connection.request(
                "POST",
                f"{base}/questions/{position}/answer",
                json_body={"response": posted},
                headers=headers,
            )
            t1 = time.perf_counter()
            if saved.status != 200 or saved.json().get("saved") is not True:
                raise UnexpectedReply(f"POST answer {position}", saved)
            self.acknowledged[(attempt_id, position)] = response
            window.record("answer save", t0, t1)
            if position % HEARTBEAT_EVERY == 0:
                t0 = time.perf_counter()
                beat = await connection.request("POST", f"{base}/heartbeat", headers=headers)
                t1 = time.perf_counter()
                if beat.status != 200:
                    raise UnexpectedReply("POST heartbeat", beat)
                window.record("heartbeat", t0, t1)

        await self._pause(rng)
        t0 = time.perf_counter()
        done = await connection.request("POST", f"{base}/submit", headers=headers)
        t1 = time.perf_counter()
        if done.status != 303 or "/result" not in done.location:
            raise UnexpectedReply("POST submit", done)
        self.submitted.add(attempt_id)
        window.record("submit", t0, t1)

    async def prime(self) -> None:
        """One launch before the load: the placement exists, as after a course's first launch
        (concurrent first launches of one link are a correctness matter, not measured here)."""
        window = Window()
        window.open(0, 0)
        parts = self._base.rsplit(":", 1)
        connection = Connection(parts[0].split("//")[1], int(parts[1]))
        await self._launch(f"{self._run}-prime", connection, window)
        await connection.close()

    async def _launch(self, sub: str, connection: Connection, window: Window) -> str:
        t0 = time.perf_counter()
        login = await connection.request(
            "POST", "/lti/login", form=self._moodle.login_form(self._base, sub)
        )
        t1 = time.perf_counter()
        if login.status != 302:
            raise UnexpectedReply("POST /lti/login", login)
        redirect = query_of(login.location)
        cookie = "; ".join(f"{k}={v}" for k, v in login.cookies().items())
        id_token = self._moodle.id_token(
            nonce=redirect["nonce"],
            sub=sub,
            tool_base=self._base,
            now=time.time(),
            custom={"assessment": SLUG},
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
        window.record("launch", t0, t3, milliseconds=((t1 - t0) + (t3 - t2)) * 1000)
        return query_of(launch.location)["lt"]


def paced_hello_world(think: float, ramp: float):
    """The baseline of the latency phase: each client pauses like a learner between requests."""
    started: set[int] = set()

    async def iteration(index: int, connection: Connection, window: Window) -> None:
        rng = random.Random()
        if index not in started:
            started.add(index)
            await asyncio.sleep(rng.uniform(0, ramp))
        await asyncio.sleep(think * rng.uniform(0.5, 1.5))
        t0 = time.perf_counter()
        reply = await connection.request("GET", "/healthz")
        t1 = time.perf_counter()
        if reply.status != 200:
            raise UnexpectedReply("GET /healthz", reply)
        window.record("healthz", t0, t1)

    return iteration


# -- checking what was stored ----------------------------------------------------------------


def check_stored(database_url: str, learners: list[Learners]) -> dict[str, int]:
    """Every acknowledged answer against the row in the database."""
    from sqlalchemy import create_engine, text

    acknowledged = {k: v for group in learners for k, v in group.acknowledged.items()}
    submitted = set().union(*(group.submitted for group in learners))
    engine = create_engine(database_url)
    with engine.connect() as conn:
        stored = {
            (row.attempt_id, row.position): row.response
            for row in conn.execute(
                text(
                    "SELECT attempt_id, position, response FROM attempt_questions "
                    "WHERE response IS NOT NULL"
                )
            )
        }
        finished = {
            row.id
            for row in conn.execute(text("SELECT id FROM attempts WHERE status = 'submitted'"))
        }
    engine.dispose()
    lost = [k for k in acknowledged if k not in stored]
    different = [k for k in acknowledged if k in stored and stored[k] != acknowledged[k]]
    return {
        "acknowledged": len(acknowledged),
        "stored": len(stored),
        "lost": len(lost),
        "different": len(different),
        "submits acknowledged": len(submitted),
        "submits not stored": len(submitted - finished),
    }


# -- the report ------------------------------------------------------------------------------


def row(name: str, stats, ratio: str = "") -> str:
    rate = f"{stats.per_second:.0f}" if stats.count else "-"
    return (
        f"| {name} | {rate} | {ms(stats.p50)} | {ms(stats.p95)} | {ms(stats.p99)} | "
        f"{ms(stats.max)} | {stats.count} | {ratio} |"
    )


def per_request(window: Window) -> str:
    """CPU per request of any kind while metered (a learner's requests differ: see
    bench/profile_requests.py for each kind's own cost)."""
    requests = sum(
        window.cpu_ops.get(name, 0) * (2 if name == "launch" else 1) for name in window.cpu_ops
    )
    if not window.cpu or not requests:
        return "CPU per request not measured"
    seconds = window.cpu_seconds * 1000 / requests
    return (
        f"per request: app {window.cpu['app (gunicorn workers)'] * seconds:.2f} ms + "
        f"PostgreSQL {window.cpu['PostgreSQL'] * seconds:.2f} ms"
    )


HEADER = [
    "| workload | ops/s | p50 ms | p95 ms | p99 ms | max ms | ops | ratio to baseline |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
]


def report(
    args,
    server,
    load_before: str,
    phases: dict[str, tuple[Window, Window]],
    reference: Window,
    check: dict[str, int],
    census: str,
) -> str:
    base_a, saves_a = phases["throughput"]
    base_b, saves_b = phases["learners"]
    save_a = saves_a.stats("answer save")
    base_a_stats = base_a.stats("healthz")
    ratio = save_a.per_second / base_a_stats.per_second if base_a_stats.per_second else float("nan")
    ref_stats = reference.stats("readyz")
    to_ref = save_a.per_second / ref_stats.per_second if ref_stats.per_second else float("nan")
    save_b = saves_b.stats("answer save")
    errors = (
        sum(w.errors.total() for pair in phases.values() for w in pair) + reference.errors.total()
    )
    lost = check["lost"] + check["different"] + check["submits not stored"]
    verdicts = [
        f"answer saves/s >= {AIM_RATIO:.0%} of the baseline's req/s: {ratio:.0%} "
        f"({'met' if ratio >= AIM_RATIO else 'MISSED'})",
        f"p99 < {AIM_P99_MS:g} ms at {args.learners} learners: {ms(save_b.p99)} ms "
        f"({'met' if save_b.p99 < AIM_P99_MS else 'MISSED'})",
        f"no errors: {errors} ({'met' if not errors else 'MISSED'})",
        f"no lost answers: {lost} ({'met' if not lost else 'MISSED'})",
    ]
    lines = [
        "# Answer-save benchmark (issue #4)",
        "",
        f"Command: `{command_line()}`",
        "",
        f"Machine: {machine(load_before)}.",
        "",
        f"Server: {server_line(server)}. Driver: asyncio, same host, one new keep-alive "
        f"connection per learner (the baseline's renewed every {RENEW_EVERY} requests). "
        f"A learner: launch (login + launch) -> start -> {QUESTIONS} answer saves "
        f"(JSON autosave, mixed item types) with a heartbeat after every {HEARTBEAT_EVERY} -> "
        f"submit; every learner is new (new `sub`), all in one resource link.",
        "",
        f"## Throughput: {args.clients} learners, no pauses "
        f"({args.warmup:g} s warm-up + {args.duration:g} s measured; baseline half before, "
        f"half after; the reference for half after)",
        "",
        *HEADER,
        row("baseline: GET /healthz", base_a_stats, "1.00"),
        row(
            "reference: GET /readyz (1 DB + 1 Redis round trip)",
            reference.stats("readyz"),
            f"{reference.stats('readyz').per_second / base_a_stats.per_second:.2f}"
            if base_a_stats.per_second
            else "-",
        ),
        row("**answer save**", save_a, f"**{ratio:.2f}** ({to_ref:.2f} of /readyz)"),
        row("heartbeat", saves_a.stats("heartbeat")),
        row("launch (login + launch)", saves_a.stats("launch")),
        row("start attempt", saves_a.stats("start")),
        row("submit", saves_a.stats("submit")),
        "",
        f"## Latency: {args.learners} concurrent learners, {args.think:g} s average pause "
        f"before each answer (learners start over {args.ramp:g} s; {args.ramp + SETTLE:g} s "
        f"warm-up + {args.learner_duration:g} s measured; "
        f"baseline paced the same way, measured half before, half after)",
        "",
        *HEADER,
        row("baseline: GET /healthz", base_b.stats("healthz"), "1.00"),
        row("**answer save**", save_b, ""),
        row("heartbeat", saves_b.stats("heartbeat")),
        row("launch (login + launch)", saves_b.stats("launch")),
        row("start attempt", saves_b.stats("start")),
        row("submit", saves_b.stats("submit")),
        "",
        "CPU used while measuring:",
        "",
        f"- throughput, learners: {cpu_text(saves_a.cpu)}; {per_request(saves_a)}",
        f"- throughput, baseline (first half): {cpu_text(base_a.cpu)}; {per_request(base_a)}",
        f"- throughput, reference: {cpu_text(reference.cpu)}; {per_request(reference)}",
        f"- latency, learners: {cpu_text(saves_b.cpu)}",
        f"- latency, baseline (first half): {cpu_text(base_b.cpu)}",
        "",
        f"Answers acknowledged: {check['acknowledged']}; found in the database with the "
        f"acknowledged value: {check['acknowledged'] - check['lost'] - check['different']}; "
        f"missing: {check['lost']}; different: {check['different']}. Submits acknowledged: "
        f"{check['submits acknowledged']}, not stored as submitted: "
        f"{check['submits not stored']}.",
        "",
        "Errors: "
        + "; ".join(
            f"{name} {which} {window.error_text()}"
            for name, pair in phases.items()
            for which, window in zip(("baseline", "learners"), pair, strict=True)
        )
        + f"; reference {reference.error_text()}",
        "",
        census + ".",
        "",
        "Aim (issue #4): " + "; ".join(verdicts) + ".",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_arguments(parser, clients=8, duration=20.0, warmup=5.0)
    parser.add_argument(
        "--learners",
        type=int,
        default=200,
        help="concurrent learners in the latency phase (default 200)",
    )
    parser.add_argument(
        "--think",
        type=float,
        default=2.0,
        help="average pause before each answer in the latency phase, s (default 2)",
    )
    parser.add_argument(
        "--ramp",
        type=float,
        default=20.0,
        help="the latency phase's learners start spread over this many s; "
        "measuring starts 5 s after (default 20)",
    )
    parser.add_argument(
        "--learner-duration",
        type=float,
        default=60.0,
        help="measured seconds of the latency phase (default 60)",
    )
    args = parser.parse_args(argv)

    load_before = wait_for_quiet(args.quiet_wait)
    with tempfile.TemporaryDirectory(prefix="emm-bench-content-") as folder:
        content = Path(folder) / f"{SLUG}.yaml"
        content.write_text(yaml.safe_dump(assessment_yaml(), allow_unicode=True))
        with running_tool(
            "bench_answer_saves-gunicorn",
            workers=args.workers,
            threads=args.threads,
            content=[content],
        ) as (server, moodle, backends):
            meter = CpuMeter(server, backends.database_url)
            secret = server.env["EMM_SECRET_KEY"]
            fast = Learners(moodle, server.base_url, think=0, ramp=0, secret=secret)
            asyncio.run(fast.prime())
            baseline, reference, saves = measure_beside_baselines(
                server.base_url,
                args.clients,
                fast.session,
                warmup=args.warmup,
                duration=args.duration,
                meter=meter,
            )
            throughput = (baseline, saves)

            paced = Learners(
                moodle, server.base_url, think=args.think, ramp=args.ramp, secret=secret
            )

            async def paced_baseline(window: Window | None = None) -> Window:
                return await closed_loop(
                    server.base_url,
                    args.learners,
                    paced_hello_world(args.think, args.ramp),
                    warmup=args.ramp + SETTLE,
                    duration=args.learner_duration / 2,
                    window=window,
                    meter=meter if window is None else None,
                )

            base_b = asyncio.run(paced_baseline())
            saves_b = asyncio.run(
                closed_loop(
                    server.base_url,
                    args.learners,
                    paced.session,
                    warmup=args.ramp + SETTLE,
                    duration=args.learner_duration,
                    meter=meter,
                )
            )
            asyncio.run(paced_baseline(base_b))
            check = check_stored(backends.database_url, [fast, paced])
            # Imported here: profile_requests imports this module's learner content.
            from bench.profile_requests import census_text, statement_census

            census = census_text(statement_census(server, moodle))
            text = report(
                args,
                server,
                load_before,
                {"throughput": throughput, "learners": (base_b, saves_b)},
                reference,
                check,
                census,
            )
    print(text)
    path = write_report("answer_saves.md", text)
    print(f"(written to {path})")
    failed = reference.errors or any(
        w.errors for pair in (throughput, (base_b, saves_b)) for w in pair
    )
    return 1 if failed or check["lost"] or check["different"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
