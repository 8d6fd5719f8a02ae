"""The database or Redis unreachable: 503 with Retry-After and a message, never a 500."""

from __future__ import annotations

import logging

import pytest

from config.settings import Settings


@pytest.fixture
def unreachable_app(tmp_path):
    from lti_tool import create_app

    # Nothing listens on port 1: every connection is refused at once.
    app = create_app(
        Settings(
            secret_key="k" * 40,
            data_dir=tmp_path,
            database_url="postgresql+psycopg://emm@127.0.0.1:1/emm",
            redis_url="redis://127.0.0.1:1/0",
            demo_mode=False,
        )
    )
    yield app
    app.extensions["emm_engine"].dispose()


def test_database_down_is_a_503_with_retry_after(unreachable_app, caplog):
    client = unreachable_app.test_client()
    with caplog.at_level(logging.WARNING):
        page = client.get("/verify/ABCDEFGH")
        api = client.get("/.well-known/jwks.json")
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert "Temporarily unavailable" in page.get_data(as_text=True)
    assert api.status_code == 503 and api.headers["Retry-After"] == "5"
    assert api.get_json()["error"] == "temporarily_unavailable"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # not logged as a bug


def test_redis_down_is_a_503_with_retry_after(unreachable_app):
    client = unreachable_app.test_client()
    response = client.post(
        "/lti/login",
        data={"iss": "https://moodle.test", "login_hint": "4", "target_link_uri": "http://x/"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.get_json()["error"] == "temporarily_unavailable"


def test_an_outage_is_counted_by_backend(unreachable_app):
    from prometheus_client import REGISTRY

    def count() -> float:
        return REGISTRY.get_sample_value("emm_unavailable_total", {"backend": "database"}) or 0.0

    before = count()
    assert unreachable_app.test_client().get("/.well-known/jwks.json").status_code == 503
    assert count() == before + 1
