"""Demo mode on another port (issue 15 items 5 and 7): with EMM_BIND alone, `flask setup` moves
the demo's registration to the new address and the demo's default learner launch reaches the
EMM2.0 final assessment there."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from config.settings import Settings
from tests.e2e.launch.test_launch_with_real_platform import _form_fields, loopback_browser
from tests.support.live_server import TEST_SECRET, serve_app

pytestmark = pytest.mark.e2e


def _setup(settings: Settings) -> tuple[str, list[tuple[str, str, str, list[str]]]]:
    """Run `flask setup`: its output and the stored platforms (issuer, JWKS URL, auth URL,
    deployments)."""
    from lti_tool import create_app
    from lti_tool.platforms.models import Platform

    app = create_app(settings)
    result = app.test_cli_runner().invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from lti_tool import db

        rows = [
            (p.issuer, p.key_set_url, p.auth_login_url, [d.deployment_id for d in p.deployments])
            for p in db.session().scalars(select(Platform).order_by(Platform.id))
        ]
    app.extensions["emm_engine"].dispose()
    return result.output, rows


def test_setup_moves_the_demo_to_the_bind_address_and_its_launch_finds_emm2(tmp_path):
    from lti_tool.wsgi_app import build_wsgi_app

    _output, platforms = _setup(Settings(secret_key=TEST_SECRET, data_dir=tmp_path))
    assert [row[0] for row in platforms] == ["http://127.0.0.1:5000/demo"]
    with serve_app(host="127.0.0.1") as server:
        bind = urlsplit(server.url).netloc  # what EMM_BIND would say: 127.0.0.1:<port>
        settings = Settings.from_env(
            {"EMM_SECRET_KEY": TEST_SECRET, "EMM_DATA_DIR": str(tmp_path), "EMM_BIND": bind}
        )
        assert settings.public_base_url == server.url
        output, platforms = _setup(settings)
        issuer = f"{server.url}/demo"
        assert platforms == [(issuer, f"{issuer}/jwks", f"{issuer}/auth", ["1"])]
        assert f"moved from http://127.0.0.1:5000/demo to {issuer}" in output

        app = build_wsgi_app(settings)
        server.mount(app)
        browser = loopback_browser()
        page = browser.get(f"{issuer}/launch/learner", timeout=10)  # the default launch
        assert page.status_code == 200, page.text[:300]
        action, fields = _form_fields(page.text)
        assert action.startswith(server.url)  # the tool's URL on the new port, not 5000
        landing = browser.post(action, data=fields, timeout=10)
        assert landing.status_code == 200, landing.text[:300]
        assert "Sam Student" in landing.text
        assert 'id="not-configured"' not in landing.text
        assert "EMM2.0" in landing.text and 'id="start-attempt"' in landing.text
        app.extensions["emm_engine"].dispose()
