"""Accessibility checks with axe-core in a real browser, offline.

axe-core's `axe.min.js` (MPL-2.0, Deque Systems; its licence header is kept in the file) comes
from the pinned `axe-playwright-python` test dependency, which bundles it, so a fresh machine
needs no network beyond the package install. The script is injected through the DevTools
protocol, which the pages' Content-Security-Policy (script-src 'self') does not restrict.

    violations = axe_check(page)           # Page or Frame; serious and critical only
    assert not violations, describe(violations)
"""

from __future__ import annotations

import typing as t

GATING_IMPACTS = ("serious", "critical")
# axe's default rule set (WCAG 2.x A/AA plus best practices); results limited to violations.
DEFAULT_OPTIONS: dict[str, t.Any] = {"resultTypes": ["violations"]}


class _Evaluates(t.Protocol):
    def evaluate(self, expression: str, arg: t.Any = None) -> t.Any: ...


def axe_script() -> str:
    from axe_playwright_python.base import AXE_SCRIPT

    return AXE_SCRIPT


def axe_run(target: _Evaluates, options: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
    """axe.run() on the document of `target` (a Playwright Page or Frame): the raw results."""
    if not target.evaluate("() => typeof window.axe === 'object'"):
        target.evaluate(axe_script())
    return target.evaluate("options => axe.run(document, options)", options or DEFAULT_OPTIONS)


def axe_check(
    target: _Evaluates,
    *,
    impacts: t.Iterable[str] = GATING_IMPACTS,
    options: dict[str, t.Any] | None = None,
) -> list[dict[str, t.Any]]:
    """The violations whose impact is one of `impacts` (serious or critical by default)."""
    wanted = set(impacts)
    return [v for v in axe_run(target, options)["violations"] if v.get("impact") in wanted]


def describe(violations: list[dict[str, t.Any]]) -> str:
    """A readable list for assertion messages: rule, impact, help and the offending nodes."""
    lines = []
    for violation in violations:
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']} "
            f"<{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node['html'][:200]}")
    return "\n".join(lines)
