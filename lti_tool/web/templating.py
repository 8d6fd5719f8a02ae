"""Template helpers: the interface language in every page, and a not-set-up guard.

Launch links (`launch_url`, the token field) belong to `lti_tool.launch.links`: web is the
lowest layer and never imports the launch package.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _

from lti_tool.web.errors import UserFacingError


def init_app(app: Flask) -> None:
    @app.before_request
    def _require_secret() -> None:
        if not app.config.get("SECRET_KEY"):
            raise UserFacingError(
                _("The service is not set up yet."),
                status=503,
                code="not_set_up",
                action=_("An administrator must run `flask setup` (or set EMM_SECRET_KEY)."),
            )

    @app.context_processor
    def _locale_context() -> dict[str, str]:
        from flask_babel import get_locale

        return {"current_locale": str(get_locale() or "en")}
