"""Links that carry the launch along, and the launch in every template's context.

The launch token travels in links and forms rather than in a cookie (ADR 0002), so every
link a launched page renders goes through `launch_url()`. This lives in the launch package,
not in `lti_tool.web`: web is the lowest layer and knows nothing of launches.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, url_for

from lti_tool.launch import tokens


def launch_url(endpoint: str, **values: Any) -> str:
    """url_for that carries this request's launch token along."""
    token = g.get("launch_token")
    if token:
        values.setdefault(tokens.FIELD, token)
    return url_for(endpoint, **values)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(launch_url=launch_url, token_field=tokens.FIELD)

    @app.context_processor
    def _launch_context() -> dict[str, object]:
        return {"launch": g.get("launch"), "launch_token": g.get("launch_token")}
