"""The JSON endpoints of an attempt, used by `static/attempt.js`: autosave, heartbeats, and
the grade status the result page polls. A 200 means committed (the actions commit first)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, jsonify, request
from flask_babel import gettext as _

from lti_tool.attempts import learner_actions, service
from lti_tool.attempts.answer_saving import SittingRequest
from lti_tool.attempts.forms import response_from_form
from lti_tool.attempts.learner_actions import AttemptIds
from lti_tool.attempts.view_support import (
    answer_tokens,
    bp,
    ids,
    json_error,
    learner,
    now,
    sitting,
)
from lti_tool.grades.learner_poll import grade_status_response
from lti_tool.launch import tokens as launch_tokens
from lti_tool.launch.sessions import token_from_request
from lti_tool.services import services

log = logging.getLogger(__name__)

HEARTBEATS_PER_MINUTE = 30  # generous: the page sends one every 10-60 s


def _response_from_request(item_type: str) -> Any:
    if request.is_json:
        body = request.get_json(silent=True)
        return body.get("response") if isinstance(body, dict) else body
    return response_from_form(item_type, request.form)


def _sitting_request(attempt_id: int) -> SittingRequest:
    """The request as the hot path needs it: the launch id read from the signed token alone
    (its row is checked in the same query as the attempt), not the loaded launch."""
    at = now()
    launch_id = launch_tokens.read(current_app.config["SECRET_KEY"], token_from_request(), at)
    if launch_id is None:
        launch_id = learner()[0].id  # no valid token: raises LaunchRequired, as every page
    return SittingRequest(launch_id, attempt_id, sitting(), at)


def _ids_of_launch(attempt_id: int) -> Callable[[], AttemptIds]:
    """Whose attempt, from the loaded launch: only the locked path (a refusal) asks."""
    return lambda: ids(learner()[0], attempt_id)


@bp.post("/attempts/<int:attempt_id>/questions/<int:position>/answer")
def answer_json(attempt_id: int, position: int) -> Response:
    """Autosave: 200 only once the answer is committed; 409/410 once the attempt is over."""
    try:
        saved = learner_actions.save_answer(
            _sitting_request(attempt_id),
            position=position,
            read_response=_response_from_request,
            answer_tokens=answer_tokens(),
            ids=_ids_of_launch(attempt_id),
        )
    except service.AttemptError as error:
        return json_error(error)
    timing = saved.timing
    # Nothing of the answer is echoed: the page has it, and ids must not reach the page.
    return jsonify(
        saved=True,
        position=position,
        saved_at=saved.saved_at.isoformat(),
        answered=saved.answered,
        inactivity_seconds_left=timing.inactivity_seconds_left,
        engagement_seconds_left=timing.engagement_seconds_left,
        time_limit_seconds_left=timing.time_limit_seconds_left,
    )


@bp.post("/attempts/<int:attempt_id>/heartbeat")
def heartbeat(attempt_id: int) -> Response:
    try:
        pulse = learner_actions.heartbeat(
            _sitting_request(attempt_id),
            too_many=lambda user_id: _too_many_heartbeats(user_id, attempt_id),
            ids=_ids_of_launch(attempt_id),
        )
    except service.TooManyHeartbeats:
        response = jsonify(error="rate_limited", message=_("Too many requests."))
        response.status_code = 429
        return response
    except service.AttemptError as error:
        return json_error(error)
    timing = pulse.timing
    return jsonify(
        status=pulse.status,
        inactivity_seconds_left=timing.inactivity_seconds_left,
        inactivity_timeout_seconds=timing.inactivity_timeout_seconds,
        engagement_seconds_left=timing.engagement_seconds_left,
        time_limit_seconds_left=timing.time_limit_seconds_left,
        away_seconds=pulse.away_seconds,
    )


def _too_many_heartbeats(user_id: int, attempt_id: int) -> bool:
    """Rate limit in the key-value store, per learner and attempt. The store is an
    optimisation, never needed for liveness: if it is down (a Redis restart), the heartbeat
    goes through."""
    try:
        key = f"attempts:heartbeat:{user_id}:{attempt_id}"
        return services().store.hit(key, 60) > HEARTBEATS_PER_MINUTE
    except Exception:
        log.warning("key-value store unavailable for heartbeat rate limit", exc_info=True)
        return False


@bp.get("/grade-status")
def grade_status() -> Response:
    """The learner's grade status as JSON, asked by the result page while it is waiting."""
    launch, placement = learner()
    return grade_status_response(
        learner_actions.grade_status(placement_id=placement.id, user_id=launch.user_id)
    )
