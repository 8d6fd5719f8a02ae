"""The served application: the tool, plus the demo platform mounted beside it in demo mode."""

from __future__ import annotations

from config.settings import Settings


def build_wsgi_app(settings: Settings | None = None):
    from lti_tool import create_app

    settings = settings or Settings.from_env()
    app = create_app(settings)
    if settings.demo_enabled:
        from lti_tool.demo import mount_demo_platform

        return mount_demo_platform(app)
    return app
