"""Multi-node benchmark (issue 10): answer saves/s with 1, 2 and 3 gunicorn nodes behind nginx
(round-robin, `EMM_TRUSTED_PROXIES=1`), on a throwaway PostgreSQL cluster and Redis, beside the
proxy's own hello world (`GET /proxy-hello`, answered by nginx itself) measured in the same run
with the same driver and concurrency.

Learners are launched through the real LTI platform (lti1p3platform) and start an attempt;
then each client saves that learner's answers back to back. The point is the shape of the
curve (what a node adds on this machine) and the proxy's overhead, not absolute speed: on two
cores shared with PostgreSQL, Redis, nginx and the driver, a third node has no core of its own.

    .venv/bin/python bench/bench_multinode.py [--clients 12] [--duration 10] [--warmup 2]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (
    Connection,
    UnexpectedReply,
    Window,
    closed_loop,
    command_line,
    machine,
    ms,
    wait_for_quiet,
    write_report,
)
from tests.multinode.conftest import right_answers
from tests.multinode.learners import Learner
from tests.multinode.nodes import Proxy
from tests.multinode.stack import Stack

# One save every 30 s and a heartbeat every 30 s per learner on the page: what sizes a node.
LEARNER_REQUESTS_PER_SECOND = 2 / 30


async def proxy_hello(index: int, connection: Connection, window: Window) -> None:
    started = time.perf_counter()
    reply = await connection.request("GET", "/proxy-hello")
    finished = time.perf_counter()
    if reply.status != 200:
        raise UnexpectedReply("GET /proxy-hello", reply)
    window.record("hello", started, finished)


async def app_hello(index: int, connection: Connection, window: Window) -> None:
    """`GET /healthz` through the proxy: the service's own hello world on those nodes."""
    started = time.perf_counter()
    reply = await connection.request("GET", "/healthz")
    finished = time.perf_counter()
    if reply.status != 200:
        raise UnexpectedReply("GET /healthz", reply)
    window.record("healthz", started, finished)


def saving(learners: list[Learner]):
    positions = {learner.sub: 0 for learner in learners}

    async def save(index: int, connection: Connection, window: Window) -> None:
        learner = learners[index % len(learners)]
        position = positions[learner.sub] % len(learner.answers) + 1
        positions[learner.sub] += 1
        started = time.perf_counter()
        reply = await connection.request(
            "POST",
            f"/assessment/attempts/{learner.attempt_id}/questions/{position}/answer",
            json_body={"response": learner.answers[position]},
            headers={
                "X-Launch-Token": learner.token,
                "X-Sitting": learner.sitting,
                "Accept": "application/json",
            },
        )
        finished = time.perf_counter()
        if reply.status != 200:
            raise UnexpectedReply("answer save", reply)
        window.record("save", started, finished)

    return save


def launched_learners(stack: Stack, platform, slug: str, count: int) -> list[Learner]:
    learners = []
    for n in range(count):
        learner = Learner(sub=str(1000 + n), proxy=stack.proxy.url)  # type: ignore[union-attr]
        learner.launch(platform, slug)
        learner.start()
        learner.answers = right_answers(stack, learner.attempt_id)
        learners.append(learner)
    return learners


def measure(url: str, clients: int, iteration, args) -> Window:
    return asyncio.run(
        closed_loop(url, clients, iteration, warmup=args.warmup, duration=args.duration)
    )


def run(args) -> str:
    from demo_platform import PlatformConfig, generate_platform_key
    from tests.support.platform_server import run_platform

    load = wait_for_quiet(args.quiet_wait)
    stack = Stack.start(3, EMM_WORKERS=str(args.workers), EMM_ACCESS_LOG="/dev/null")
    assert stack.proxy is not None
    tool = stack.proxy.url
    platform = run_platform(
        PlatformConfig(
            private_key_pem=generate_platform_key(),
            tool_login_url=tool + "/lti/login",
            tool_launch_url=tool + "/lti/launch",
            tool_jwks_url=tool + "/.well-known/jwks.json",
        )
    )
    lines = []
    try:
        stack.register_platform(platform)
        slug = stack.publish_assessment(inactivity_minutes=60)
        learners = launched_learners(stack, platform, slug, args.clients)
        for count in (1, 2, 3):
            root = stack.root / f"proxy-{count}"
            root.mkdir()
            proxy = Proxy(root, [node.address for node in stack.nodes[:count]])
            proxy.start()
            try:
                hello = measure(proxy.url, args.clients, proxy_hello, args)
                healthz = measure(proxy.url, args.clients, app_hello, args)
                saves = measure(proxy.url, args.clients, saving(learners), args)
            finally:
                proxy.stop()
            lines.append((count, hello, healthz, saves))
    finally:
        platform.shutdown()
        stack.close()
    return report(args, load, lines)


def report(args, load: str, lines) -> str:
    one = lines[0][3].stats("save").per_second or float("nan")
    out = [
        "# Multi-node benchmark: answer saves/s through nginx, 1-3 nodes",
        "",
        f"command: {command_line()}",
        machine(load),
        f"nodes: gunicorn {args.workers} worker(s) x 4 threads each; nginx 1 worker; "
        f"{args.clients} clients, {args.duration:g} s measured after {args.warmup:g} s",
        "",
        "| nodes | proxy hello/s | app /healthz/s | saves/s | saves / proxy hello "
        "| saves / healthz | saves vs 1 node | save p50 ms | save p99 ms | learners served* "
        "| errors |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for count, hello, healthz, saves in lines:
        h, z, s = hello.stats("hello"), healthz.stats("healthz"), saves.stats("save")
        out.append(
            f"| {count} | {h.per_second:.0f} | {z.per_second:.0f} | {s.per_second:.0f} | "
            f"{s.per_second / h.per_second:.3f} | {s.per_second / z.per_second:.2f} | "
            f"{s.per_second / one:.2f} | {ms(s.p50)} | "
            f"{ms(s.p99)} | {s.per_second / LEARNER_REQUESTS_PER_SECOND:.0f} | "
            f"{saves.error_text()} |"
        )
    out += [
        "",
        "*learners served: saves/s divided by what one learner sends (an answer and a "
        "heartbeat every 30 s), i.e. how many learners these nodes keep up with on this machine.",
    ]
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers per node")
    parser.add_argument("--quiet-wait", type=float, default=60.0)
    args = parser.parse_args()
    text = run(args)
    print(text)
    print(f"report: {write_report('multinode.md', text)}")


if __name__ == "__main__":
    main()
