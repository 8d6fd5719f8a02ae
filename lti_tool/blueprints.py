"""Every blueprint of the service, in one place."""

from __future__ import annotations

from functools import cache

from flask import Blueprint, Flask


def register(app: Flask) -> None:
    from lti_tool.analysis.views import bp as analysis
    from lti_tool.attempts import (  # noqa: F401 (their routes join `instructor`)
        regrade_views,
        responses_views,
        staff_attempt_views,
    )
    from lti_tool.attempts.instructor_views import bp as instructor
    from lti_tool.attempts.views import bp as attempts
    from lti_tool.audit.views import bp as audit
    from lti_tool.authoring.views import bp as authoring
    from lti_tool.deep_linking.views import bp as deep_linking
    from lti_tool.health import bp as health
    from lti_tool.landing.views import bp as landing
    from lti_tool.launch.views import bp as launch
    from lti_tool.media.views import bp as media
    from lti_tool.observability.views import bp as observability
    from lti_tool.roster.views import bp as roster

    app.register_blueprint(launch)
    app.register_blueprint(landing)
    app.register_blueprint(deep_linking)
    app.register_blueprint(health)
    app.register_blueprint(observability)
    app.register_blueprint(attempts)
    app.register_blueprint(instructor)
    app.register_blueprint(analysis)
    app.register_blueprint(roster)
    app.register_blueprint(media)
    app.register_blueprint(authoring)
    app.register_blueprint(audit)
    app.register_blueprint(_certificates_with_forms())


@cache
def _certificates_with_forms() -> Blueprint:
    """The certificates blueprint with the forms pages inside it (`certificates.forms.*`).

    Nested here rather than in either package, so that forms never import certificates; and
    once per process, because a blueprint takes no new children after its first registration.
    """
    from lti_tool.certificates.views import bp as certificates
    from lti_tool.forms.views import bp as forms

    certificates.register_blueprint(forms)
    return certificates
