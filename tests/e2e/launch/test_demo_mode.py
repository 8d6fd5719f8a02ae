"""Demo mode: the served app (wsgi) with the demo platform at /demo, set up by `flask setup`."""

from __future__ import annotations

import pytest

from config.settings import Settings
from tests.e2e.launch.test_launch_with_real_platform import _form_fields, loopback_browser
from tests.support.live_server import TEST_SECRET, serve_app

pytestmark = pytest.mark.e2e


def test_newcomer_launches_as_learner_and_instructor_from_the_demo_platform(tmp_path):
    from lti_tool.wsgi_app import build_wsgi_app

    with serve_app(host="127.0.0.1") as server:
        settings = Settings(secret_key=TEST_SECRET, data_dir=tmp_path, public_base_url=server.url)
        from lti_tool import create_app

        setup_app = create_app(settings)
        result = setup_app.test_cli_runner().invoke(args=["setup"])
        assert result.exit_code == 0, result.output
        assert "/demo/" in result.output
        setup_app.extensions["emm_engine"].dispose()

        app = build_wsgi_app(settings)
        server.mount(app)
        browser = loopback_browser()
        index = browser.get(server.url + "/demo/", timeout=10)
        assert index.status_code == 200
        for kind, who in (("learner", "Sam Student"), ("instructor", "Terry Teacher")):
            page = browser.get(f"{server.url}/demo/launch/{kind}", timeout=10)
            action, fields = _form_fields(page.text)
            landing = browser.post(action, data=fields, timeout=10)
            assert landing.status_code == 200, landing.text[:300]
            assert who in landing.text
        app.extensions["emm_engine"].dispose()


def test_demo_is_never_mounted_in_production():
    settings = Settings.from_env({"EMM_ENV": "production", "EMM_DEMO_MODE": "1"})
    assert not settings.demo_enabled
    assert any("DEMO_MODE" in p for p in settings.production_problems())
