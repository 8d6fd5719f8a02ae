"""The demo platform is an optional extra outside the production package (issue 14): a
production app never loads it or `lti1p3platform`, no module of the tool imports it but the one
demo-mode hook (`lti_tool.demo.demo_platform_package`), and demo mode without the extra stops
with a message saying how to install it instead of a traceback."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DEMO_MODULES = ("demo_platform", "lti1p3platform")
PRODUCTION_PACKAGES = ("lti_tool", "item_bank", "config")
THE_HOOK = Path("lti_tool/demo.py")

# Production settings that pass check_production; nothing listens on port 1, and building the
# app connects to nothing (tests/unit/platform/test_startup_cost.py).
PRODUCTION_ENV = {
    "EMM_ENV": "production",
    "EMM_SECRET_KEY": "k" * 40,
    "EMM_DATABASE_URL": "postgresql+psycopg://emm:pw@127.0.0.1:1/emm",
    "EMM_REDIS_URL": "redis://127.0.0.1:1/0",
    "EMM_PUBLIC_BASE_URL": "https://assessment.example.org",
}

# The served app exactly as gunicorn builds it (wsgi.py), then every module of the tool, so a
# module-level import of the demo platform anywhere in lti_tool shows up.
PRODUCTION_PROBE = """
import importlib, json, pkgutil, sys
import lti_tool
import wsgi

assert not wsgi.app.config["EMM_SETTINGS"].demo_enabled
for module in pkgutil.walk_packages(lti_tool.__path__, "lti_tool."):
    importlib.import_module(module.name)
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""

# As if `pip install .` had left lti1p3platform out: None in sys.modules fails its import.
WITHOUT_EXTRA_PROBE = """
import sys
sys.modules["lti1p3platform"] = None
from pathlib import Path
from config.settings import Settings
from lti_tool import create_app
from lti_tool.demo import platform_key_path

settings = Settings(secret_key="k" * 40, data_dir=Path(sys.argv[1]), demo_mode=True)
result = create_app(settings).test_cli_runner().invoke(args=["setup"])
print(result.exit_code)
print(platform_key_path(settings).exists())
print(result.output)
"""


def _run(probe: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("EMM_")} | env
    return subprocess.run(
        [sys.executable, "-c", probe, *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,  # a backstop on a loaded machine, not a measurement
    )


def test_a_production_app_and_every_tool_module_load_no_demo_platform():
    done = _run(PRODUCTION_PROBE, env=PRODUCTION_ENV)

    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout))
    assert "lti_tool" in loaded and "item_bank" in loaded  # the probe did import the tool
    assert [name for name in DEMO_MODULES if name in loaded] == []


def _is_import_call(node: ast.AST) -> bool:
    """importlib.import_module("name") or __import__("name")."""
    if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
        return False
    function = node.func
    name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
    return name in ("import_module", "__import__") and isinstance(node.args[0].value, str)


def _demo_imports(path: Path) -> list[str]:
    """The demo modules a file imports, or names to importlib, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        elif _is_import_call(node):
            names = [node.args[0].value]  # importlib.import_module("demo_platform")
        else:
            continue
        found += [name for name in names if name.split(".")[0] in DEMO_MODULES]
    return found


def test_only_the_demo_hook_imports_the_demo_platform():
    importers = {
        str(path.relative_to(ROOT)): imports
        for package in PRODUCTION_PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if (imports := _demo_imports(path))
    }

    assert importers == {str(THE_HOOK): ["demo_platform"]}


def test_demo_mode_without_the_extra_says_how_to_install_it_and_writes_no_key(tmp_path):
    done = _run(WITHOUT_EXTRA_PROBE, str(tmp_path / "data"), env={})

    assert done.returncode == 0, done.stderr
    exit_code, key_written, output = done.stdout.split("\n", 2)
    assert exit_code == "2"
    assert key_written == "False"
    assert "lti1p3platform is not installed" in output
    assert "pip install -e '.[demo]'" in output
    assert "Traceback" not in output
