"""Template helpers: the launch token in links and forms, and a not-set-up guard."""

from __future__ import annotations

from flask import Flask, g, url_for
from flask_babel import gettext as _

from lti_tool.launch import tokens
from lti_tool.web.errors import UserFacingError


def launch_url(endpoint: str, **values: object) -> str:
    """url_for that carries this request's launch token along."""
    token = g.get("launch_token")
    if token:
        values.setdefault(tokens.FIELD, token)
    return url_for(endpoint, **values)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(launch_url=launch_url, token_field=tokens.FIELD)

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
    def _launch_context() -> dict:
        from flask_babel import get_locale

        return {
            "launch": g.get("launch"),
            "launch_token": g.get("launch_token"),
            "current_locale": str(get_locale() or "en"),
        }
