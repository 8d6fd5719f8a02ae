"""`flask` commands run before the setup say what to do in one line, never with a traceback
(issue 16, bug 10); a production start with unsafe settings is refused the same way, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings import Settings
from lti_tool import create_app
from lti_tool.cli import upgrade_database
from lti_tool.startup import REFUSED_EXIT_STATUS, refuse_unsafe_start
from lti_tool.store.memory import MemoryStore

ROOT = Path(__file__).resolve().parents[3]
UNSAFE_PRODUCTION = {"EMM_ENV": "production", "EMM_SECRET_KEY": "short"}


@pytest.fixture
def fresh_app(tmp_path, clock):
    """An app on a data directory nobody ran `flask setup` in: no tables, no secret."""
    settings = Settings(data_dir=tmp_path / "data", public_base_url="http://tool.test")
    (tmp_path / "data").mkdir()
    app = create_app(settings, clock=clock, store=MemoryStore(clock))
    yield app
    app.extensions["emm_engine"].dispose()


def _run(app, *args: str):
    result = app.test_cli_runner().invoke(args=list(args))
    assert "Traceback" not in result.output
    return result


@pytest.mark.parametrize("command", [("keys", "list"), ("platform", "list"), ("grades", "status")])
def test_commands_on_an_empty_database_say_run_setup(fresh_app, command):
    result = _run(fresh_app, *command)

    assert result.exit_code == 1
    assert "has no tables yet: run `flask setup` first" in result.output
    assert result.output.count("\n") == 1  # one line


@pytest.mark.parametrize("command", [("keys", "generate"), ("keys", "rotate")])
def test_key_commands_without_a_secret_say_how_to_get_one(fresh_app, command):
    result = _run(fresh_app, *command)

    assert result.exit_code == 1
    assert "There is no secret key yet: set EMM_SECRET_KEY, or run `flask setup`" in result.output


def test_keys_list_without_keys_says_so(fresh_app):
    upgrade_database(fresh_app.config["EMM_SETTINGS"].sqlalchemy_url)

    result = _run(fresh_app, "keys", "list")

    assert result.exit_code == 0
    assert "No signing key yet. Create one with `flask keys generate`" in result.output


def test_an_unreachable_database_is_named_without_its_password(tmp_path, clock):
    url = "postgresql+psycopg://emm:s3cret@127.0.0.1:1/emm"
    settings = Settings(data_dir=tmp_path, database_url=url, secret_key="k" * 40)
    app = create_app(settings, clock=clock, store=MemoryStore(clock))

    result = _run(app, "platform", "list")

    assert result.exit_code == 1
    assert "Cannot reach the database postgresql+psycopg://emm:***@127.0.0.1:1/emm" in (
        result.output
    )
    assert "s3cret" not in result.output


def _python(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("EMM_")}
    environ.update(EMM_DATA_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,  # a backstop on a loaded machine, not a measurement
    )


@pytest.mark.parametrize(
    "entry",
    [
        "from flask.cli import main; main()",  # `flask --app lti_tool:create_app keys list`
        "import wsgi",  # gunicorn's workers, any WSGI server
    ],
)
def test_unsafe_production_settings_are_refused_without_a_traceback(tmp_path, entry):
    code = (
        f"import sys; sys.argv = ['flask', '--app', 'lti_tool:create_app', 'keys', 'list']; {entry}"
    )

    done = _python(code, tmp_path, **UNSAFE_PRODUCTION)

    assert done.returncode == REFUSED_EXIT_STATUS, done.stderr
    assert done.stderr.startswith("Error: Refusing to start in production with unsafe settings:")
    assert "- EMM_SECRET_KEY must be set" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unreadable_setting_is_one_line_and_exit_2(tmp_path):
    done = _python("import wsgi", tmp_path, EMM_ENV="Prod")

    assert done.returncode == REFUSED_EXIT_STATUS
    assert done.stderr == "Error: EMM_ENV must be one of: development, production (not 'Prod')\n"


def test_gunicorns_master_refuses_before_any_worker(capsys):
    with pytest.raises(SystemExit) as stopped:
        refuse_unsafe_start(UNSAFE_PRODUCTION)

    assert stopped.value.code == REFUSED_EXIT_STATUS
    assert capsys.readouterr().err.startswith("Error: Refusing to start in production")
