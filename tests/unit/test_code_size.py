"""Modules stay small enough to read in one sitting, and functions small enough to hold in one's
head: no file over 400 lines (migrations aside: they are generated and never edited) and no
function over 60 lines, in the shipped packages."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("lti_tool", "item_bank", "config", "demo_platform")
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60


def _sources() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


def long_functions(source: str, limit: int = MAX_FUNCTION_LINES) -> list[tuple[str, int]]:
    """(name, lines) of every function or method longer than `limit` lines, decorators aside."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines = (node.end_lineno or node.lineno) - node.lineno + 1
            if lines > limit:
                found.append((node.name, lines))
    return found


def test_the_function_measure_counts_a_long_function_and_spares_a_short_one():
    body = "\n".join(f"    x{n} = {n}" for n in range(70))
    assert long_functions(f"def long():\n{body}\n\ndef short():\n    return 1\n") == [("long", 71)]


def test_no_module_is_over_400_lines():
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in _sources()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_FILE_LINES
    }
    assert too_long == {}


def test_no_function_is_over_60_lines():
    too_long = {
        str(path.relative_to(ROOT)): found
        for path in _sources()
        if (found := long_functions(path.read_text(encoding="utf-8")))
    }
    assert too_long == {}
