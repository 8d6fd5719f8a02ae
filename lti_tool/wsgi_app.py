"""The served application: the tool, plus the demo platform mounted beside it in demo mode."""

from __future__ import annotations

from flask import Flask

from config.settings import Settings
from lti_tool.startup import settings_from_env


def build_wsgi_app(settings: Settings | None = None) -> Flask:
    from lti_tool import create_app

    settings = settings or settings_from_env()
    app = create_app(settings)
    if settings.demo_enabled:
        from lti_tool.demo import mount_demo_platform

        mount_demo_platform(app)
    return app


def start_background_work(app: Flask) -> None:
    """Called once per server worker process (gunicorn's post_worker_init), never at import."""
    settings: Settings = app.config["EMM_SETTINGS"]
    if settings.runs_embedded_grade_worker:
        from lti_tool.attempts.sweeper import start_embedded_sweeper
        from lti_tool.grades.embedded import start_embedded_worker

        start_embedded_worker(app)
        start_embedded_sweeper(app)
