"""Errors a person can act on: a 4xx page (or JSON) that says what went wrong and what to do.

Raise `UserFacingError` (or a subclass) anywhere below a view; the handler renders it. Any
other exception is a bug: it is logged with its traceback and shown as a generic 500 page
that leaks nothing.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class UserFacingError(Exception):
    status = 400
    title = _l("Something needs your attention")

    def __init__(
        self,
        message: str,
        *,
        action: str | None = None,
        status: int | None = None,
        code: str = "bad_request",
        headers: dict[str, str] | None = None,
    ):
        super().__init__(str(message))
        self.message = message
        self.action = action
        self.code = code
        self.headers = headers or {}
        if status is not None:
            self.status = status


def _wants_json() -> bool:
    if request.path.endswith(".json") or request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def render_error(
    status: int,
    title: str,
    message: str,
    action: str | None,
    code: str,
    headers: dict[str, str] | None = None,
):
    g.error_code = code  # the refusal's reason, for the metrics (lti_tool.observability)
    if _wants_json():
        body = {"error": code, "message": str(message)}
        if action:
            body["action"] = str(action)
        response: Response | str = jsonify(body)
    else:
        response = render_template("error.html", title=title, message=message, action=action)
    return response, status, headers or {}


def init_app(app: Flask) -> None:
    @app.errorhandler(UserFacingError)
    def _user_facing(error: UserFacingError):
        return render_error(
            error.status, str(error.title), error.message, error.action, error.code, error.headers
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        from flask_babel import gettext as _

        messages = {
            404: (
                _("Page not found"),
                _("This address does not exist in the assessment service."),
                _("Go back to your course and open the assessment from there."),
            ),
            405: (_("Not allowed"), _("This address does not accept that kind of request."), None),
            413: (_("Too large"), _("What was sent is too large."), None),
            429: (
                _("Too many requests"),
                _("Too many requests came from you in a short time."),
                _("Wait a minute, then try again."),
            ),
        }
        title, message, action = messages.get(
            error.code or 400,
            (
                _("Request not understood"),
                error.description or _("The request was not valid."),
                None,
            ),
        )
        return render_error(
            error.code or 400,
            title,
            message,
            action,
            (error.name or "error").lower().replace(" ", "_"),
        )

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        from flask_babel import gettext as _

        # The route's rule, not the path: a path may hold a secret (a registration invite).
        rule = request.url_rule.rule if request.url_rule is not None else "(no route)"
        log.exception("unexpected error on %s %s", request.method, rule)
        return render_error(
            500,
            _("Something went wrong on our side"),
            _(
                "The assessment service had an unexpected problem. Nothing you "
                "saved before this was lost."
            ),
            _("Try again in a moment. If it keeps happening, tell your instructor."),
            "internal_error",
        )
