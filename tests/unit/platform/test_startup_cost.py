"""Building the app is cheap: every `flask` command, worker and server process builds it first
(issue 16, bug 9). So the factory imports no module that only one command or page needs, and
touches no database, Redis or network: it asserts on what a fresh interpreter has loaded and
on settings whose database and Redis cannot be reached, not on a timing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

# Each loads in tenths of a second and serves one command or page: certificates (fpdf2 with
# fontTools and Pillow, segno), PDF reading, browser automation, the demo platform, migrations.
HEAVY = ("fpdf", "fontTools", "PIL", "segno", "pypdf", "playwright", "lti1p3platform", "alembic")

PROBE = """
import json, sys
from pathlib import Path
from config.settings import Settings
from lti_tool import create_app

app = create_app(Settings(
    data_dir=Path(sys.argv[1]),
    secret_key="k" * 40,
    database_url="postgresql+psycopg://emm:pw@127.0.0.1:1/emm",  # nothing listens on port 1
    redis_url="redis://127.0.0.1:1/0",
    demo_mode=False,
))
loaded = sorted({name.split(".")[0] for name in sys.modules})
print(json.dumps({"loaded": loaded, "commands": sorted(app.cli.list_commands(None))}))
"""


def _probe(data_dir: Path) -> dict:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("EMM_")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(data_dir)],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,  # a backstop on a loaded machine, not a measurement
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_create_app_imports_no_module_of_a_single_command_or_page(tmp_path):
    probe = _probe(tmp_path / "data")

    assert [name for name in HEAVY if name in probe["loaded"]] == []
    assert {"keys", "platform", "grades", "setup"} <= set(probe["commands"])  # all registered


def test_create_app_reaches_no_database_redis_or_file(tmp_path):
    """Port 1 refuses every connection: building the app must not have tried one."""
    data_dir = tmp_path / "data"

    _probe(data_dir)

    assert not data_dir.exists() or list(data_dir.iterdir()) == []
