"""Faults in the middle of an attempt, against the production stack: gunicorn (2 workers),
PostgreSQL and Redis. A worker killed with SIGKILL right after acknowledging an answer, and
Redis losing every key, must lose no acknowledged answer and must not end the attempt."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import redis
import requests

from config.settings import Settings
from lti_tool.attempts.answer_tokens import AnswerTokens
from tests.support import backends
from tests.support.attempt_content import right_response

pytestmark = pytest.mark.postgres

REPO = Path(__file__).resolve().parents[3]
SECRET = "fault-test-secret-" + "y" * 40
# A Redis database of its own, so flushing it (our "Redis restart") touches nobody else.
REDIS_DB = 13
BOOT_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_url() -> str:
    return re.sub(r"/\d+$", "", backends.redis_url()) + f"/{REDIS_DB}"


def _children(pid: int) -> set[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(p) for p in path.read_text().split()} if path.exists() else set()


def _wait_for(condition, what: str, seconds: float = BOOT_SECONDS):
    """Wait for a process-level event (a server booting, a worker respawning): not for
    assessment time, which these tests never wait for."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def database():
    from lti_tool.cli import upgrade_database

    url = backends.create_scratch_database()
    upgrade_database(url)
    yield url
    backends.drop_database(url)


@pytest.fixture
def store_redis():
    backends.check_redis()
    client = redis.Redis.from_url(_redis_url())
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def seeded(database, tmp_path):
    """A placement with a 4-question assessment and a learner's launch token (made directly in
    the database: this test is about faults, not launches)."""
    from datetime import datetime

    from lti_tool import create_app, db
    from lti_tool.launch import tokens
    from lti_tool.launch.models import LaunchSession, LtiUser, Placement
    from lti_tool.platforms.models import Deployment, Platform
    from tests.support.attempt_content import publish

    settings = Settings(
        secret_key=SECRET,
        database_url=database,
        redis_url=_redis_url(),
        data_dir=tmp_path / "seed",
        demo_mode=False,
    )
    app = create_app(settings)
    now = datetime.now(UTC)
    with app.app_context(), db.session_scope() as session:
        slug = publish(session, tmp_path, now, inactivity_minutes=10).assessment.slug
        platform = Platform(
            name="Moodle",
            issuer="https://moodle.test",
            client_id="c",
            auth_login_url="https://moodle.test/a",
            auth_token_url="https://moodle.test/t",
            key_set_url="https://moodle.test/k",
            created_at=now,
        )
        deployment = Deployment(platform=platform, deployment_id="1", created_at=now)
        placement = Placement(
            deployment=deployment,
            resource_link_id="rl",
            assessment_slug=slug,
            ags_scopes=[],
            updated_at=now,
        )
        user = LtiUser(platform=platform, sub="4", name="Ana", updated_at=now)
        launch = LaunchSession(
            id="fault-launch",
            user=user,
            deployment=deployment,
            placement=placement,
            message_type="LtiResourceLinkRequest",
            role="learner",
            locale="en",
            claims={},
            created_at=now,
            expires_at=now + timedelta(hours=2),
        )
        session.add(launch)
    app.extensions["emm_engine"].dispose()
    return tokens.mint(SECRET, "fault-launch", now + timedelta(hours=2))


@pytest.fixture
def server(database, store_redis, tmp_path):
    """gunicorn with the project's config, 2 workers, its access log naming the worker pid."""
    port = _free_port()
    log = tmp_path / "access.log"
    errors = tmp_path / "gunicorn.err"
    env = {
        **os.environ,
        "EMM_SECRET_KEY": SECRET,
        "EMM_DATABASE_URL": database,
        "EMM_REDIS_URL": _redis_url(),
        "EMM_DEMO_MODE": "false",
        "EMM_DATA_DIR": str(tmp_path / "data"),
        "EMM_BIND": f"127.0.0.1:{port}",
        "EMM_WORKERS": "2",
        "EMM_ACCESS_LOG": str(log),
        "EMM_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "EMM_EMBEDDED_GRADE_WORKER": "false",
    }
    err_file = errors.open("wb")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "-c",
            "config/gunicorn.conf.py",
            "--access-logformat",
            '%(p)s "%(m)s %(U)s" %(s)s',
            "wsgi:app",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=err_file,
    )
    url = f"http://127.0.0.1:{port}"

    def ready():
        if process.poll() is not None:
            raise AssertionError("gunicorn exited: " + errors.read_text()[-2000:])
        try:
            return (
                requests.get(url + "/healthz", timeout=5).status_code == 200
                and len(_children(process.pid)) == 2
            )
        except requests.RequestException:  # not listening yet, or a worker still booting
            return False

    try:
        _wait_for(ready, "gunicorn to boot")
        yield url, process, log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        err_file.close()


def _served_by(log: Path, path: str) -> int:
    """The pid of the worker that answered `POST path` (the access log is written after the
    response, so wait for its line)."""

    def find():
        for line in log.read_text().splitlines() if log.exists() else []:
            match = re.match(rf'<(\d+)> "POST {re.escape(path)}" 200', line)
            if match:
                return int(match.group(1))
        return None

    return _wait_for(find, f"the access log line of {path}")


def test_worker_killed_after_an_ack_and_redis_flushed_lose_nothing(
    database, seeded, server, store_redis
):
    url, master, log = server
    token = seeded
    http = requests.Session()
    started = http.post(url + "/assessment/attempts", data={"lt": token}, allow_redirects=False)
    assert started.status_code == 303, started.text
    location = started.headers["Location"]
    attempt_id = int(re.search(r"/attempts/(\d+)/", location).group(1))
    sitting = parse_qs(urlsplit(location).query)["s"][0]
    headers = {"X-Launch-Token": token, "X-Sitting": sitting, "Accept": "application/json"}

    items = _items(database, attempt_id)

    def right(position):
        """The right answer as the page posts it (its tokens; the test knows the secret)."""
        tokens = AnswerTokens(SECRET).of_question(attempt_id, position, items[position])
        return tokens.disguise_response(right_response(items[position]))

    first_path = f"/assessment/attempts/{attempt_id}/questions/1/answer"
    acked = http.post(url + first_path, json={"response": right(1)}, headers=headers)
    assert acked.status_code == 200, acked.text

    # kill -9 the worker that acknowledged the answer, right away.
    worker = _served_by(log, first_path)
    assert worker in _children(master.pid)
    os.kill(worker, signal.SIGKILL)
    _wait_for(
        lambda: worker not in _children(master.pid) and len(_children(master.pid)) == 2,
        "gunicorn to replace the killed worker",
    )

    # And Redis loses every key (what a restart without persistence does).
    store_redis.flushdb()

    page = http.get(
        url + f"/assessment/attempts/{attempt_id}/questions/1", params={"lt": token, "s": sitting}
    )
    assert page.status_code == 200
    # Position 1 is always a single-choice item (pool A comes first): its answer is checked.
    assert re.search(rf'value="{right(1)["choice"]}"\s+checked', page.text)
    # The page handed this tab a fresh sitting key, as attempt.js would pick it up.
    headers["X-Sitting"] = re.search(r'data-sitting="([^"]+)"', page.text).group(1)
    beat = http.post(url + f"/assessment/attempts/{attempt_id}/heartbeat", headers=headers)
    assert beat.status_code == 200 and beat.json()["status"] == "in_progress"
    for position in (2, 3, 4):
        saved = http.post(
            url + f"/assessment/attempts/{attempt_id}/questions/{position}/answer",
            json={"response": right(position)},
            headers=headers,
        )
        assert saved.status_code == 200, saved.text
    done = http.post(
        url + f"/assessment/attempts/{attempt_id}/submit",
        data={"lt": token, "s": headers["X-Sitting"]},
        allow_redirects=False,
    )
    assert done.status_code == 303
    result = http.get(url + f"/assessment/attempts/{attempt_id}/result", params={"lt": token})
    assert "Score: 100 %" in result.text


def _items(database: str, attempt_id: int):
    """Item versions of the attempt by position, read from the server's database."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from lti_tool.attempts.service import attempt_with_questions

    engine = create_engine(database)
    try:
        with Session(engine) as session:
            attempt = attempt_with_questions(session, attempt_id)
            return {q.position: q.item_version for q in attempt.questions}
    finally:
        engine.dispose()
