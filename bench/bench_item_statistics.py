"""Benchmark: item statistics of 50,000 submitted attempts x 20 items (default), beside a plain
read of the same rows from the same database.

A SQLite file is seeded once (20,000 learners in five languages, one to four attempts each,
a launch per learner; answers from a Rasch model). Each measurement then runs in a fresh Python
process so its peak memory is its own: wall time around the measured step, peak RSS
(ru_maxrss) and RSS growth over the process's state just before the step. Steps:

* baseline   - the three SELECTs the analysis runs (launches, attempts, their questions),
               every row fetched into a Python list: what any report must pay
* matrix     - lti_tool.analysis.reading.read_matrix: the same rows streamed into numpy arrays
* statistics - read_matrix, then service.compute for first, best and all attempts (each with
               the language comparison), as three page views with an empty cache would

Usage: .venv/bin/python bench/bench_item_statistics.py [--attempts 50000] [--items 20]
       [--repeats 3] [--keep PATH]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
LANGUAGES = ("en", "es", "fr", "tr", "id")
STEPS = ("baseline", "matrix", "statistics")


def _rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


def _assessment(items: int) -> dict:
    def item(n: int) -> dict:
        return {
            "id": f"bench-q{n:02d}",
            "type": "single_choice",
            "points": 1,
            "source": "bench",
            "stem": {code: f"Question {n} ({code})" for code in LANGUAGES},
            "options": [
                {
                    "id": o,
                    "text": {code: f"{o} ({code})" for code in LANGUAGES},
                    "correct": o == "b",
                }
                for o in "abcd"
            ],
        }

    return {
        "assessment": {
            "slug": "bench-stats",
            "default_language": "en",
            "title": {code: "Bench" for code in LANGUAGES},
            "instructions": {code: "Answer." for code in LANGUAGES},
            "pass_mark_percent": 70,
            "rules": {"inactivity_timeout_minutes": 10, "review": "full"},
        },
        "pools": [
            {
                "id": "p",
                "title": {"en": "All"},
                "draw": items,
                "items": [item(n) for n in range(items)],
            }
        ],
    }


def _context(session, now: datetime) -> tuple[int, int, int]:
    """(platform id, deployment id, placement id) of one course activity."""
    from lti_tool.launch.models import Placement
    from lti_tool.platforms.models import Deployment, Platform

    platform_row = Platform(
        name="Bench",
        issuer="https://moodle.bench",
        client_id="c",
        auth_login_url="https://moodle.bench/a",
        auth_token_url="https://moodle.bench/t",
        key_set_url="https://moodle.bench/k",
        created_at=now,
    )
    session.add(platform_row)
    session.flush()
    deployment = Deployment(platform_id=platform_row.id, deployment_id="1", created_at=now)
    session.add(deployment)
    session.flush()
    placement = Placement(
        deployment_id=deployment.id,
        resource_link_id="1",
        assessment_slug="bench-stats",
        updated_at=now,
    )
    session.add(placement)
    session.flush()
    return platform_row.id, deployment.id, placement.id


def seed(path: Path, attempts: int, items: int) -> dict:
    import numpy as np
    import yaml
    from sqlalchemy import create_engine, insert
    from sqlalchemy.orm import Session

    from item_bank.catalog import latest_version
    from item_bank.loading import import_files
    from lti_tool.attempts.models import SUBMITTED, Attempt, AttemptQuestion
    from lti_tool.launch.models import LaunchSession, LtiUser
    from lti_tool.models import metadata

    now = datetime(2026, 12, 1, tzinfo=UTC)
    engine = create_engine(_url(path))
    metadata.create_all(engine)
    source = path.with_suffix(".yaml")
    source.write_text(yaml.safe_dump(_assessment(items), allow_unicode=True))
    rng = np.random.default_rng(12)
    started = time.perf_counter()
    with Session(engine) as session:
        assert import_files(session, [source], now=now).validation.ok
        version = latest_version(session, "bench-stats")
        assert version is not None
        item_ids = [m.item_version_id for m in version.pools[0].members]
        version_id = version.id
        platform_id, deployment_id, placement_id = _context(session, now)
        learners = max(1, attempts * 2 // 5)
        session.execute(
            insert(LtiUser),
            [
                dict(platform_id=platform_id, sub=str(n), name=f"L{n}", updated_at=now)
                for n in range(learners)
            ],
        )
        user_ids = [
            row[0]
            for row in session.execute(
                LtiUser.__table__.select().with_only_columns(LtiUser.id).order_by(LtiUser.id)
            )
        ]
        language = rng.integers(0, len(LANGUAGES), learners)
        session.execute(
            insert(LaunchSession),
            [
                dict(
                    id=f"bench-{n}",
                    user_id=uid,
                    deployment_id=deployment_id,
                    placement_id=placement_id,
                    message_type="LtiResourceLinkRequest",
                    role="learner",
                    locale=LANGUAGES[language[n]],
                    claims={},
                    created_at=now - timedelta(days=30),
                    expires_at=now,
                )
                for n, uid in enumerate(user_ids)
            ],
        )
        owner = np.concatenate(
            [np.arange(learners), rng.integers(0, learners, attempts - learners)]
        )
        ability = rng.normal(0, 1.2, learners)[owner]
        difficulty = np.linspace(-1.5, 1.5, items)
        right = rng.random((attempts, items)) < 1 / (
            1 + np.exp(-(ability[:, None] - difficulty[None, :]))
        )
        numbers: dict[int, int] = {}
        attempt_rows = []
        for a in range(attempts):
            learner = int(owner[a])
            numbers[learner] = numbers.get(learner, 0) + 1
            points = float(right[a].sum())
            attempt_rows.append(
                dict(
                    id=a + 1,
                    placement_id=placement_id,
                    user_id=user_ids[learner],
                    assessment_version_id=version_id,
                    number=numbers[learner],
                    seed=a,
                    status=SUBMITTED,
                    sitting_key="k",
                    started_at=now,
                    last_activity_at=now,
                    last_answer_or_page_at=now,
                    inactivity_timeout_seconds=600,
                    finished_at=now,
                    points=points,
                    max_points=float(items),
                    score_percent=100 * points / items,
                    passed=100 * points / items >= 70,
                )
            )
        session.execute(insert(Attempt), attempt_rows)
        for start in range(0, attempts, 2000):
            session.execute(
                insert(AttemptQuestion),
                [
                    dict(
                        attempt_id=a + 1,
                        position=i + 1,
                        item_version_id=item_ids[i],
                        option_order=list("abcd"),
                        response={"choice": "b" if right[a, i] else "acd"[(a + i) % 3]},
                        saved_at=now,
                        points_awarded=1.0 if right[a, i] else 0.0,
                    )
                    for a in range(start, min(attempts, start + 2000))
                    for i in range(items)
                ],
            )
        session.commit()
    engine.dispose()
    return {
        "placement_id": placement_id,
        "version_id": version_id,
        "seconds": time.perf_counter() - started,
    }


def measure(step: str, path: Path, placement_id: int, version_id: int) -> dict:
    """One step in this (fresh) process: wall time and memory."""
    import numpy as np
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from lti_tool.analysis import reading
    from lti_tool.analysis.matrix import SELECTIONS
    from lti_tool.analysis.service import Dataset, VersionInfo, compute
    from lti_tool.models import metadata  # noqa: F401 - every table mapped

    engine = create_engine(_url(path))
    with Session(engine) as session:
        items, texts = reading.version_items(session, version_id)
        session.rollback()
        before = _rss_kib()
        started = time.perf_counter()
        if step == "baseline":
            launches = session.execute(reading.launches_query(placement_id)).all()
            attempts = session.execute(reading.attempts_query(placement_id, version_id)).all()
            rows = session.execute(reading.questions_query(placement_id, version_id)).all()
            size = len(rows) + 0 * len(attempts) * len(launches)
        else:
            matrix = reading.read_matrix(session, placement_id, version_id, items)
            size = int(np.count_nonzero(~np.isnan(matrix.scores)))
            if step == "statistics":
                version = VersionInfo(version_id, 1, {}, "en", 70.0)
                stamp = reading.DataStamp(matrix.n_attempts, 0, None)
                dataset = Dataset(
                    placement_id, version, tuple(items), texts, matrix, stamp, datetime.now(UTC)
                )
                for selection in SELECTIONS:
                    compute(dataset, selection, None)
        seconds = time.perf_counter() - started
    engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "step": step,
        "seconds": seconds,
        "rows": size,
        "peak_kib": peak,
        "growth_kib": _rss_kib() - before,
    }


def _run_step(step: str, path: Path, seeded: dict) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--measure",
            step,
            "--keep",
            str(path),
            "--ids",
            f"{seeded['placement_id']},{seeded['version_id']}",
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(args: argparse.Namespace, seeded: dict, results: dict[str, list[dict]]) -> str:
    base = statistics.median(r["seconds"] for r in results["baseline"])
    lines = [
        f"# Item statistics: {args.attempts:,} attempts x {args.items} items",
        "",
        f"Command: `.venv/bin/python bench/bench_item_statistics.py --attempts {args.attempts} "
        f"--items {args.items} --repeats {args.repeats}`; {platform.platform()}, "
        f"Python {platform.python_version()}; SQLite file; seeding took {seeded['seconds']:.1f} s.",
        "",
        "| step | rows/cells | median s | x baseline | peak RSS MiB | RSS growth MiB |",
        "|---|---|---|---|---|---|",
    ]
    for step in STEPS:
        runs = results[step]
        seconds = statistics.median(r["seconds"] for r in runs)
        lines.append(
            f"| {step} | {runs[0]['rows']:,} | {seconds:.2f} | {seconds / base:.2f} | "
            f"{max(r['peak_kib'] for r in runs) / 1024:.0f} | "
            f"{max(r['growth_kib'] for r in runs) / 1024:.0f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attempts", type=int, default=50_000)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="seed (or reuse) this SQLite file")
    parser.add_argument("--measure", choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument("--ids", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    if args.measure:
        placement_id, version_id = map(int, args.ids.split(","))
        print(json.dumps(measure(args.measure, args.keep, placement_id, version_id)))
        return
    with tempfile.TemporaryDirectory() as scratch:
        path = args.keep or Path(scratch) / "bench.sqlite"
        seeded = seed(path, args.attempts, args.items)
        results = {
            step: [_run_step(step, path, seeded) for _ in range(args.repeats)] for step in STEPS
        }
    text = report(args, seeded, results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "item_statistics.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
