"""The package layering holds: no import cycle between `lti_tool` subpackages, and `item_bank`
(the content model) never imports the LTI tool that uses it.

Imports are read with `ast`, so function-level imports count too: a cycle hidden inside a
function is still a cycle a reader has to untangle.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _imported_modules(path: Path, package_parts: tuple[str, ...]) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                yield node.module or ""
                continue
            base = list(package_parts[: len(package_parts) - node.level + 1])
            yield ".".join(base + ([node.module] if node.module else []))


def _package_of(path: Path) -> tuple[str, ...]:
    """('lti_tool', 'attempts') for lti_tool/attempts/views.py and lti_tool/attempts/__init__.py:
    the package a relative import of that file starts from."""
    return path.relative_to(ROOT).with_suffix("").parts[:-1]


def subpackage_graph() -> dict[str, set[str]]:
    """Edges between the first-level parts of lti_tool (subpackages and top-level modules)."""
    graph: dict[str, set[str]] = {}
    for path in sorted((ROOT / "lti_tool").rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("").parts
        if len(rel) < 2:
            continue
        source = rel[1] if rel[1] != "__init__" else "lti_tool"
        graph.setdefault(source, set())
        for module in _imported_modules(path, _package_of(path)):
            parts = module.split(".")
            if parts[0] == "lti_tool" and len(parts) > 1 and parts[1] != source:
                graph[source].add(parts[1])
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle in the graph as a path that starts and ends at the same node, or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle_and_accepts_a_tree():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle_between_lti_tool_subpackages():
    cycle = find_cycle(subpackage_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


@pytest.mark.parametrize("path", sorted((ROOT / "item_bank").rglob("*.py")), ids=str)
def test_item_bank_never_imports_lti_tool(path: Path):
    imported = set(_imported_modules(path, _package_of(path)))
    assert not {m for m in imported if m.split(".")[0] == "lti_tool"}
