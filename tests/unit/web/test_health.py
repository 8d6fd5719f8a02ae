"""`GET /healthz` answers from the process alone: a dead database must not fail it."""

from __future__ import annotations

from sqlalchemy import event

from config.settings import Settings

# Nothing listens on port 9: any attempt to reach the database fails at once.
UNREACHABLE_DB = "postgresql+psycopg://postgres@127.0.0.1:9/nowhere?connect_timeout=1"


def _app(tmp_path, database_url=""):
    from lti_tool import create_app
    from lti_tool.models import metadata

    settings = Settings(
        secret_key="s" * 40,
        data_dir=tmp_path,
        database_url=database_url,
        public_base_url="http://tool.test",
    )
    app = create_app(settings)
    if not database_url:
        metadata.create_all(app.extensions["emm_engine"])
    return app


def test_healthz_says_ok_in_plain_text(tmp_path):
    response = _app(tmp_path).test_client().get("/healthz")

    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == "ok"
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_healthz_does_not_touch_the_database(tmp_path):
    app = _app(tmp_path, UNREACHABLE_DB)
    connects = []
    event.listen(app.extensions["emm_engine"], "do_connect", lambda *a, **k: connects.append(1))

    response = app.test_client().get("/healthz")

    assert response.status_code == 200
    assert connects == []


def test_readyz_says_ready_when_database_and_store_answer(tmp_path):
    response = _app(tmp_path).test_client().get("/readyz")

    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ready"


def test_readyz_says_which_dependency_is_down(tmp_path):
    app = _app(tmp_path)

    class DeadStore:
        def get(self, key):
            raise ConnectionError("store down")

    app.extensions["emm_services"].store = DeadStore()

    response = app.test_client().get("/readyz")

    assert response.status_code == 503
    assert response.get_data(as_text=True) == "unavailable: store"
    assert response.headers["Retry-After"] == "5"
    assert response.headers["Cache-Control"] == "no-store"


def test_only_a_503_says_when_to_retry(tmp_path):
    client = _app(tmp_path).test_client()

    assert "Retry-After" not in client.get("/readyz").headers
    assert "Retry-After" not in client.get("/healthz").headers
