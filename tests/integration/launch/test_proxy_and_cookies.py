"""Behind a reverse proxy: X-Forwarded-* honoured only from the configured number of proxies."""

from __future__ import annotations

from config.settings import Settings
from lti_tool import create_app
from lti_tool.models import metadata
from tests.conftest import SECRET
from tests.support.signed_launches import CLIENT_ID, ISSUER, register


def _login(app, **headers):
    register(app)
    return app.test_client().post(
        "/lti/login",
        data={"iss": ISSUER, "login_hint": "4", "client_id": CLIENT_ID},
        headers=headers,
        base_url="http://tool.test",
    )


def _app(tmp_path, clock, proxies: int):
    app = create_app(
        Settings(
            secret_key=SECRET,
            data_dir=tmp_path,
            trusted_proxies=proxies,
            public_base_url="http://tool.test",
        ),
        clock=clock,
    )
    metadata.create_all(app.extensions["emm_engine"])
    return app


def test_forwarded_https_from_a_trusted_proxy_gives_partitioned_secure_cookies(tmp_path, clock):
    app = _app(tmp_path, clock, proxies=1)
    response = _login(app, **{"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "SameSite=None" in cookie and "Partitioned" in cookie
    app.extensions["emm_engine"].dispose()


def test_forwarded_headers_are_ignored_without_trusted_proxies(tmp_path, clock):
    app = _app(tmp_path, clock, proxies=0)
    response = _login(app, **{"X-Forwarded-Proto": "https"})
    cookie = response.headers["Set-Cookie"]
    assert "Secure" not in cookie and "SameSite=Lax" in cookie
    app.extensions["emm_engine"].dispose()
