"""The JSON endpoint `static/attempt.js` uses to flag a question for later without leaving
the page. Without the script the question form's flag button does the same by a form post
(`views.answer_form`, which saves the answer first)."""

from __future__ import annotations

from flask import Response, jsonify, request

from lti_tool.attempts import learner_actions, service
from lti_tool.attempts.view_support import bp, ids, json_error, learner, now, sitting


def _wanted() -> bool:
    if request.is_json:
        body = request.get_json(silent=True)
        return bool(isinstance(body, dict) and body.get("flagged") is True)
    return request.form.get("flagged") in ("1", "true")


@bp.post("/attempts/<int:attempt_id>/questions/<int:position>/flag")
def flag_json(attempt_id: int, position: int) -> Response:
    """200 {"flagged": ...} once committed; the attempt's refusals as every JSON endpoint."""
    launch, _placement = learner()
    try:
        flagged = learner_actions.set_flag(
            ids(launch, attempt_id),
            sitting=sitting(),
            position=position,
            flagged=_wanted(),
            now=now(),
        )
    except service.AttemptError as error:
        return json_error(error)
    return jsonify(flagged=flagged, position=position)
