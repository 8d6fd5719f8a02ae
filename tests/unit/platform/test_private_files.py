"""Everything the service writes under its data directory is its user's alone (issue 9, item
13): files 0600, directories 0700, whatever the umask, SQLite's -wal and -shm files included."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from config.settings import Settings
from lti_tool import create_app, write_development_secret
from lti_tool.private_files import private_directory, private_file, write_private_text
from tests.support.clock import FakeClock


@pytest.fixture(params=[0o022, 0o002, 0o000], ids=["umask 022", "umask 002", "umask 000"])
def loose_umask(request):
    previous = os.umask(request.param)
    yield request.param
    os.umask(previous)


def _modes(root: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(root.stat().st_mode)}
    for path in root.rglob("*"):
        found[str(path.relative_to(root))] = stat.S_IMODE(path.stat().st_mode)
    return found


def test_the_data_directory_and_all_it_holds_are_private(tmp_path, loose_umask):
    data = tmp_path / "instance"
    settings = Settings(data_dir=data, public_base_url="http://tool.test")
    write_development_secret(data)  # what `flask setup` does first
    app = create_app(settings, clock=FakeClock())  # SQLite database + SQLite store
    from lti_tool.demo import setup_demo
    from lti_tool.models import metadata

    engine = app.extensions["emm_engine"]
    metadata.create_all(engine)
    with engine.begin() as conn:  # a write, so SQLite has made its -wal and -shm files
        conn.execute(text("CREATE TABLE probe (x INTEGER)"))
        conn.execute(text("INSERT INTO probe VALUES (1)"))
    app.extensions["emm_services"].store.put("probe", "1", 60)
    next(setup_demo(app))  # the demo platform's key
    modes = _modes(data)
    engine.dispose()

    for name in (
        "secret_key",
        "emm_assessment.sqlite3",
        "emm_assessment.sqlite3-wal",
        "emm_assessment.sqlite3-shm",
        "store.sqlite3",
        "store.sqlite3-wal",
        "store.sqlite3-shm",
        "demo_platform_key.pem",
    ):
        assert name in modes, sorted(modes)
    assert modes.pop(".") == 0o700
    assert {name: oct(mode) for name, mode in modes.items() if mode != 0o600} == {}


def test_helpers_set_exact_modes_and_leave_existing_files_alone(tmp_path, loose_umask):
    directory = private_directory(tmp_path / "a" / "b")
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    secret = tmp_path / "a" / "b" / "secret"
    write_private_text(secret, "s3cret")
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600 and secret.read_text() == "s3cret"
    os.chmod(secret, 0o640)  # an administrator's choice is theirs
    private_file(secret)
    assert stat.S_IMODE(secret.stat().st_mode) == 0o640
