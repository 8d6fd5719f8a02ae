"""Benchmark: importing a generated Moodle XML file of N items (default 5,000) with M embedded
pictures (default 500, as Moodle exports them: base64 <file> + @@PLUGINFILE@@) against a plain
parse of the same file with the same XML library (defusedxml over the stdlib expat parser).

Each measurement runs in a fresh Python process so peak memory is its own: wall time around the
measured step, peak RSS (ru_maxrss) and the RSS growth over the process's state just before the
step (interpreter + imports excluded). Steps:

* baseline  - defusedxml.ElementTree.fromstring(bytes): parse only
* validate  - item_bank.loading.validate_path: parse + map Moodle -> authoring format + validate
* import    - item_bank.loading.import_path into a fresh SQLite file, committed

Pictures are distinct 160x120 PNGs of noise (~57 KB each, so neither compression nor
deduplication flatters them); each is verified with Pillow (decoded completely) and stored.

Usage: .venv/bin/python bench/bench_item_import.py [--items 5000] [--images 500] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"


def _rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _picture(index: int) -> str:
    """A distinct PNG of noise, base64 (as in a Moodle export's <file>)."""
    import base64
    import io
    import random

    from PIL import Image

    buffer = io.BytesIO()
    noise = random.Random(index).randbytes(160 * 120 * 3)
    Image.frombytes("RGB", (160, 120), noise).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _with_picture(stem: str, index: int) -> tuple[str, str]:
    """The stem showing picture `index`, and the <file> element that carries it."""
    name = f"map {index}.png"
    img = f'<p><img src="@@PLUGINFILE@@/map%20{index}.png" alt="Map for question {index}"></p>]]>'
    file = f'<file name="{name}" path="/" encoding="base64">{_picture(index)}</file>'
    return stem.removesuffix("]]>") + img, file


def generate(path: Path, items: int, images: int = 0) -> None:
    """A Moodle-shaped file: 20 categories, every supported type, multilang on a third, and
    `images` questions (spread evenly) showing a picture."""
    kinds = ["single", "multi", "tf", "match", "short", "num"]
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n']
    per_category = max(1, items // 20)
    every = items // images if images else 0
    for index in range(items):
        if index % per_category == 0:
            category = index // per_category
            out.append(
                f'  <question type="category"><category><text>$course$/top/Bench/Category {category}</text></category>'
                f'<info format="moodle_auto_format"><text></text></info><idnumber>cat-{category}</idnumber></question>\n'
            )
        kind = kinds[index % len(kinds)]
        if index % 3 == 0:
            stem = (
                f'<![CDATA[<p><span lang="en" class="multilang">Question {index}: which statement is right?</span>'
                f'<span lang="es" class="multilang">Pregunta {index}: ¿qué afirmación es correcta?</span></p>]]>'
            )
        else:
            stem = f"<![CDATA[<p>Question {index}: which statement about migration governance is right?</p>]]>"
        file = ""
        if every and index % every == 0 and index // every < images:
            stem, file = _with_picture(stem, index)
        head = (
            f'  <question type="{ {"single": "multichoice", "multi": "multichoice", "tf": "truefalse", "match": "matching", "short": "shortanswer", "num": "numerical"}[kind] }">\n'
            f"    <name><text>Bench question {index}</text></name>\n"
            f'    <questiontext format="html"><text>{stem}</text>{file}</questiontext>\n'
            f'    <generalfeedback format="html"><text>General feedback {index}</text></generalfeedback>\n'
            f"    <defaultgrade>1.0000000</defaultgrade><penalty>0.0000000</penalty><hidden>0</hidden>\n"
            f"    <idnumber>bench-{index:05d}</idnumber>\n"
        )
        out.append(head)
        if kind in ("single", "multi"):
            single = kind == "single"
            out.append(
                f"    <single>{'true' if single else 'false'}</single><shuffleanswers>true</shuffleanswers><answernumbering>abc</answernumbering>\n"
            )
            out.append(
                '    <correctfeedback format="html"><text>Your answer is correct.</text></correctfeedback>\n'
                '    <partiallycorrectfeedback format="html"><text>Your answer is partially correct.</text></partiallycorrectfeedback>\n'
                '    <incorrectfeedback format="html"><text>Your answer is incorrect.</text></incorrectfeedback>\n'
            )
            fractions = ["100", "0", "0", "0"] if single else ["50", "50", "-50", "-50"]
            for option, fraction in enumerate(fractions):
                out.append(
                    f'    <answer fraction="{fraction}" format="html"><text>Option {option} of question {index}</text>'
                    f'<feedback format="html"><text>Feedback {option}</text></feedback></answer>\n'
                )
        elif kind == "tf":
            out.append(
                '    <answer fraction="100" format="moodle_auto_format"><text>true</text><feedback format="html"><text>Yes</text></feedback></answer>\n'
                '    <answer fraction="0" format="moodle_auto_format"><text>false</text><feedback format="html"><text>No</text></feedback></answer>\n'
            )
        elif kind == "match":
            out.append("    <shuffleanswers>true</shuffleanswers>\n")
            for pair in range(4):
                out.append(
                    f'    <subquestion format="html"><text>Prompt {pair} of {index}</text><answer><text>Answer {pair} of {index}</text></answer></subquestion>\n'
                )
        elif kind == "short":
            out.append(
                "    <usecase>0</usecase>\n"
                f'    <answer fraction="100" format="moodle_auto_format"><text>answer {index}</text><feedback format="html"><text>Right</text></feedback></answer>\n'
            )
        else:
            out.append(
                f'    <answer fraction="100" format="moodle_auto_format"><text>{index}.5</text><feedback format="html"><text>Right</text></feedback><tolerance>0.5</tolerance></answer>\n'
            )
        out.append("  </question>\n")
    out.append("</quiz>\n")
    path.write_text("".join(out), encoding="utf-8")


def _measure(step: str, xml: Path, workdir: Path) -> dict[str, float]:
    """Runs in the child process."""
    sys.path.insert(0, str(REPO))
    from datetime import datetime

    import defusedxml.ElementTree as DET

    if step == "baseline":
        data = xml.read_bytes()
        before = _rss_kib()
        start = time.perf_counter()
        root = DET.fromstring(data, forbid_dtd=True)
        elapsed = time.perf_counter() - start
        assert len(root) > 0
    else:
        from sqlalchemy import create_engine
        from sqlalchemy.orm import Session

        from item_bank import models  # noqa: F401 - registers the tables
        from item_bank.database import Base
        from item_bank.loading import import_path, validate_path

        if step == "validate":
            before = _rss_kib()
            start = time.perf_counter()
            report = validate_path(xml)
            elapsed = time.perf_counter() - start
            assert report.ok, report.to_text()[-2000:]
        else:
            engine = create_engine(f"sqlite:///{workdir / 'bench.sqlite3'}")
            Base.metadata.create_all(engine)
            now = datetime(2026, 1, 1, tzinfo=UTC)
            before = _rss_kib()
            start = time.perf_counter()
            with Session(engine) as session:
                report = import_path(session, xml, now=now)
                session.commit()
            elapsed = time.perf_counter() - start
            assert report.imported, report.to_text()[-2000:]
            engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {"seconds": elapsed, "peak_kib": peak, "growth_kib": max(0, peak - before)}


def _run_child(step: str, xml: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as workdir:
        output = subprocess.run(
            [sys.executable, __file__, "--child", step, "--xml", str(xml), "--workdir", workdir],
            check=True,
            capture_output=True,
            text=True,
            cwd=REPO,
        )
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--images", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--child", choices=["baseline", "validate", "import"], help=argparse.SUPPRESS
    )
    parser.add_argument("--xml", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_measure(args.child, args.xml, args.workdir)))
        return

    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / f"bench_{args.items}.xml"
        generate(xml, args.items, args.images)
        size_mib = xml.stat().st_size / 2**20
        results: dict[str, list[dict[str, float]]] = {
            step: [] for step in ("baseline", "validate", "import")
        }
        for _ in range(args.repeats):  # interleaved, so drift affects every step alike
            for step in results:
                results[step].append(_run_child(step, xml))

    summary = {
        step: {
            "seconds": statistics.median(r["seconds"] for r in runs),
            "peak_mib": max(r["peak_kib"] for r in runs) / 1024,
            "growth_mib": max(r["growth_kib"] for r in runs) / 1024,
        }
        for step, runs in results.items()
    }
    base = summary["baseline"]
    command = " ".join(shlex.quote(part) for part in [".venv/bin/python", *sys.argv])
    lines: list[str] = []
    emit = lines.append  # the table is shown and saved
    emit(f"$ {command}")
    emit(
        f"{args.items} items with {args.images} pictures, {size_mib:.1f} MiB Moodle XML; median of {args.repeats} runs, each step in a fresh process; "
        f"Python {platform.python_version()}, {platform.machine()}"
    )
    emit("")
    emit(
        f"| {'step':<9} | {'wall time':>10} | {'x baseline':>10} | {'peak RSS':>9} | {'RSS growth':>10} | {'x baseline':>10} |"
    )
    emit(f"|{'-' * 11}|{'-' * 12}|{'-' * 12}|{'-' * 11}|{'-' * 12}|{'-' * 12}|")
    for step, row in summary.items():
        time_ratio = row["seconds"] / base["seconds"]
        memory_ratio = (
            row["growth_mib"] / base["growth_mib"] if base["growth_mib"] else float("nan")
        )
        emit(
            f"| {step:<9} | {row['seconds']:>8.3f} s | {time_ratio:>9.1f}x | {row['peak_mib']:>5.0f} MiB | "
            f"{row['growth_mib']:>6.1f} MiB | {memory_ratio:>9.1f}x |"
        )
    emit("")
    emit(
        "baseline = defusedxml.ElementTree.fromstring (expat) of the same bytes; validate = parse + "
        "Moodle mapping + picture verification (Pillow) + marshmallow validation + nh3 sanitising; "
        "import = validate + SQLite writes (pictures included) + commit."
    )
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "item_import.md").write_text("```\n" + text + "```\n", encoding="utf-8")


if __name__ == "__main__":
    main()
