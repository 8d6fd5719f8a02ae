"""The demo platform's app factory."""

from __future__ import annotations

from flask import Flask

# The views are imported here, not when an app is built, so that importing the package fails
# at once where lti1p3platform (the `demo` extra) is not installed.
from demo_platform import views_launch, views_registration, views_services
from demo_platform.config import PlatformConfig
from demo_platform.service_gate import EXTENSION_KEY
from demo_platform.store import PlatformState

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'self'"
)


def create_platform_app(config: PlatformConfig) -> Flask:
    if not config.issuer:
        raise ValueError("PlatformConfig.issuer is required (run_platform fills it in)")
    app = Flask(__name__)
    app.extensions[EXTENSION_KEY] = PlatformState(config)
    app.register_blueprint(views_launch.bp)
    app.register_blueprint(views_services.bp)
    app.register_blueprint(views_registration.bp)

    @app.after_request
    def security_headers(response):  # type: ignore[no-untyped-def]
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    return app
