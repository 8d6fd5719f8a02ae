"""An instructor's view of one learner's attempt, question by question (their answers, the
key, the points), and what staff may do to it (attempt_overrides: re-open, delete, raise the
score), each with a reason that goes to the audit log. Routes on the instructor blueprint."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from item_bank.presentation import review_item
from lti_tool.attempts import attempt_overrides as overrides
from lti_tool.attempts.instructor_views import bp
from lti_tool.attempts.models import Attempt
from lti_tool.clock import current_clock
from lti_tool.launch.links import launch_url
from lti_tool.launch.sessions import require_staff_in_placement
from lti_tool.web.errors import UserFacingError


def _refusal(error: overrides.OverrideError) -> UserFacingError:
    status, message = {
        overrides.AttemptNotHere: (404, _("This activity has no such attempt.")),
        overrides.ReasonRequired: (400, _("Give a reason: it is kept in the audit log.")),
        overrides.NotVoid: (409, _("Only an attempt that ended without a score can be re-opened.")),
        overrides.LiveAttemptExists: (
            409,
            _(
                "This learner has another attempt in progress. It must end before this one can be re-opened."  # noqa: E501 (one msgid)
            ),
        ),
        overrides.HoldsBest: (
            409,
            _(
                "This attempt holds the learner's best score, which never decreases, so it cannot be deleted."  # noqa: E501 (one msgid)
            ),
        ),
        overrides.HasCertificate: (
            409,
            _("A certificate was issued for this attempt, so it cannot be deleted."),
        ),
        overrides.NotSubmitted: (409, _("Only a submitted attempt has a score to change.")),
        overrides.ScoreNotHigher: (
            400,
            _(
                "Enter a score above the attempt's current score, at most 100. A score is never lowered: the learner's grade may already be in the gradebook."  # noqa: E501 (one msgid)
            ),
        ),
    }.get(type(error), (400, _("This change is not possible.")))
    return UserFacingError(
        message, status=status, code=error.code, action=_("Go back to the attempt.")
    )


def _reviews(attempt: Attempt, locale: str) -> list[dict[str, Any]]:
    return [
        dict(
            position=q.position,
            **review_item(q.item_version, locale, q.response or {}, "full", q.option_order),
        )
        for q in attempt.questions
    ]


@bp.get("/attempts/<int:attempt_id>")
def attempt_review(attempt_id: int):
    launch, placement = require_staff_in_placement()
    try:
        attempt, holds_best = overrides.for_staff(placement, attempt_id, current_clock().now())
    except overrides.OverrideError as error:
        raise _refusal(error) from None
    return render_template(
        "instructor/attempt.html",
        attempt=attempt,
        holds_best=holds_best,
        reviews=_reviews(attempt, launch.locale),
        done=request.args.get("done"),
    )


def _reason() -> str:
    return request.form.get("reason", "")


def _back(attempt_id: int, done: str) -> ResponseReturnValue:
    return redirect(launch_url("instructor.attempt_review", attempt_id=attempt_id, done=done), 303)


def _change(change: Callable[..., object], attempt_id: int, **reads: Callable[[], Any]) -> None:
    """One staff change to an attempt of this activity, by this staff member, with the posted
    reason, now; `reads` parse the change's own fields (after the staff check, so a learner
    gets a 403 whatever they post). A refusal becomes its page."""
    launch, placement = require_staff_in_placement()
    try:
        change(
            placement,
            attempt_id,
            staff_user_id=launch.user_id,
            reason=_reason(),
            now=current_clock().now(),
            **{name: read() for name, read in reads.items()},
        )
    except overrides.OverrideError as error:
        raise _refusal(error) from None


@bp.post("/attempts/<int:attempt_id>/reopen")
def reopen_attempt(attempt_id: int) -> ResponseReturnValue:
    _change(overrides.reopen, attempt_id)
    return _back(attempt_id, "reopened")


@bp.post("/attempts/<int:attempt_id>/delete")
def delete_attempt(attempt_id: int) -> ResponseReturnValue:
    _change(overrides.delete, attempt_id)
    return redirect(launch_url("audit.audit_log", done="deleted"), code=303)


def _percent() -> float:
    raw = request.form.get("percent", "").strip().replace(",", ".")
    try:
        return float(raw)
    except ValueError:
        raise overrides.ScoreNotHigher() from None


@bp.post("/attempts/<int:attempt_id>/score")
def override_score(attempt_id: int) -> ResponseReturnValue:
    _change(overrides.override_score, attempt_id, percent=_percent)
    return _back(attempt_id, "score")
