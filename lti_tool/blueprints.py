"""Every blueprint of the service, in one place."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from lti_tool.attempts.instructor_views import bp as instructor
    from lti_tool.attempts.views import bp as attempts
    from lti_tool.certificates.views import bp as certificates
    from lti_tool.deep_linking.views import bp as deep_linking
    from lti_tool.health import bp as health
    from lti_tool.landing.views import bp as landing
    from lti_tool.launch.views import bp as launch

    app.register_blueprint(launch)
    app.register_blueprint(landing)
    app.register_blueprint(deep_linking)
    app.register_blueprint(health)
    app.register_blueprint(attempts)
    app.register_blueprint(instructor)
    app.register_blueprint(certificates)  # also the forms pages (certificates.forms.*)
