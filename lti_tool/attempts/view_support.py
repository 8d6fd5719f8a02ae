"""The learner blueprint and what its pages and JSON endpoints share: who is asking, which
sitting, and how an `AttemptError` reads as a page or as JSON.

A tab proves it holds the sitting with the attempt's sitting key (`s`: query, form field or
`X-Sitting` header). Nothing here commits: the learner's actions own their transactions.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, request
from flask_babel import gettext as _

from lti_tool.attempts import service
from lti_tool.attempts.answer_tokens import AnswerTokens
from lti_tool.attempts.formatting import init_filters
from lti_tool.attempts.learner_actions import AttemptIds
from lti_tool.attempts.models import Attempt
from lti_tool.clock import current_clock
from lti_tool.launch.links import launch_url
from lti_tool.launch.models import LaunchSession, Placement
from lti_tool.launch.sessions import current_launch
from lti_tool.web.errors import UserFacingError

bp = Blueprint("attempts", __name__, url_prefix="/assessment")
bp.record_once(lambda state: init_filters(state.app))

SITTING_FIELD = "s"
SITTING_HEADER = "X-Sitting"


# -- who and where -------------------------------------------------------------------------


def learner() -> tuple[LaunchSession, Placement]:
    launch = current_launch()
    if launch.placement is None:
        raise UserFacingError(
            _(
                "This page belongs to an assessment activity, and this launch did not come from one."  # noqa: E501 (one msgid)
            ),
            code="no_placement",
            action=_("Open the assessment from its activity in your course."),
        )
    return launch, launch.placement


def ids(launch: LaunchSession, attempt_id: int) -> AttemptIds:
    placement_id = launch.placement_id
    assert placement_id is not None  # learner() refused a launch without a placement
    return AttemptIds(attempt_id, placement_id, launch.user_id)


def sitting() -> str:
    return (
        request.headers.get(SITTING_HEADER)
        or request.form.get(SITTING_FIELD)
        or request.args.get(SITTING_FIELD)
        or ""
    )


def now():
    return current_clock().now()


def answer_tokens() -> AnswerTokens:
    """Question pages show and post opaque tokens, never authored option ids."""
    return AnswerTokens(current_app.config["SECRET_KEY"])


def attempt_url(endpoint: str, attempt: Attempt, **values: Any) -> str:
    """A URL of an attempt page that keeps the launch token and this tab's sitting key."""
    return launch_url(
        endpoint, attempt_id=attempt.id, **{SITTING_FIELD: attempt.sitting_key}, **values
    )


def return_url(launch: LaunchSession) -> str:
    return launch.return_url or launch_url("attempts.home")


# -- errors of an attempt, as pages and as JSON --------------------------------------------


def messages(error: service.AttemptError) -> tuple[int, str, str]:
    """(status, message, what to do) for a refusal; all in the learner's language."""
    if isinstance(error, service.AttemptOver):
        return (
            409,
            _("This attempt is over: it has been submitted, so no more answers are taken."),
            _("See your result."),
        )
    if isinstance(error, service.AttemptVoid):
        return (
            410,
            _(
                "This attempt has ended without a score because there was no activity "
                "for longer than the allowed time."
            ),
            _("Start a new attempt."),
        )
    if isinstance(error, service.SittingMoved):
        return (
            409,
            _(
                "This attempt is now open in another tab or window, so this copy has "
                "stopped. Nothing you saved is lost."
            ),
            _("Continue in the other tab, or continue here."),
        )
    if isinstance(error, service.InvalidAnswer):
        return 422, answer_problem(error), _("Correct the answer and try again.")
    if isinstance(error, service.QuestionNotFound):
        return 404, _("This attempt has no such question."), _("Go back to the assessment.")
    return 404, _("This attempt was not found."), _("Go back to the assessment.")


def answer_problem(error: service.InvalidAnswer) -> str:
    code = error.problem.code
    if code == "not_a_number":
        return _("Enter a number, for example 12 or 12.5.")
    if code == "too_long":
        return _("This answer is too long.")
    return _("This answer does not fit the question.")


def _next_step(error: service.AttemptError) -> tuple[str, str]:
    """Where a stopped page sends the learner, and the words of that link."""
    attempt = error.attempt
    if attempt is not None and isinstance(error, service.AttemptOver):
        return launch_url("attempts.result", attempt_id=attempt.id), _("See your result")
    if attempt is not None and isinstance(error, service.AttemptVoid):
        return (
            launch_url("attempts.result", attempt_id=attempt.id),
            _("See what happened and start again"),
        )
    return launch_url("attempts.home"), _("Go to the assessment page")


def json_error(error: service.AttemptError) -> Response:
    status, message, action = messages(error)
    next_url, next_label = _next_step(error)
    response = jsonify(
        error=error.code, message=message, action=action, next_url=next_url, next_label=next_label
    )
    response.status_code = status
    return response


def page_error(error: service.AttemptError, launch: LaunchSession):
    if isinstance(error, (service.AttemptOver, service.AttemptVoid)) and error.attempt is not None:
        return redirect(launch_url("attempts.result", attempt_id=error.attempt.id), code=303)
    if isinstance(error, service.SittingMoved) and error.attempt is not None:
        return render_template(
            "attempts/elsewhere.html", attempt=error.attempt, return_url=return_url(launch)
        ), 409
    status, message, action = messages(error)
    raise UserFacingError(message, action=action, status=status, code=error.code)
