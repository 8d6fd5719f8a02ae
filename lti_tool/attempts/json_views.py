"""The JSON endpoints of an attempt, used by `static/attempt.js`: autosave, heartbeats, and
the grade status the result page polls. A 200 means committed (the actions commit first)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, jsonify, request
from flask_babel import gettext as _

from item_bank.responses import is_answered
from lti_tool.attempts import learner_actions, service
from lti_tool.attempts.forms import response_from_form
from lti_tool.attempts.models import AttemptQuestion
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
from lti_tool.services import services

log = logging.getLogger(__name__)

HEARTBEATS_PER_MINUTE = 30  # generous: the page sends one every 10-60 s


def _response_from_request(question: AttemptQuestion) -> Any:
    if request.is_json:
        body = request.get_json(silent=True)
        return body.get("response") if isinstance(body, dict) else body
    return response_from_form(question.item_version.type, request.form)


@bp.post("/attempts/<int:attempt_id>/questions/<int:position>/answer")
def answer_json(attempt_id: int, position: int) -> Response:
    """Autosave: 200 only once the answer is committed; 409/410 once the attempt is over."""
    launch, _placement = learner()
    try:
        saved = learner_actions.save_answer(
            ids(launch, attempt_id),
            sitting=sitting(),
            position=position,
            read_response=_response_from_request,
            answer_tokens=answer_tokens(),
            now=now(),
        )
    except service.AttemptError as error:
        return json_error(error)
    life, question = saved.life, saved.question
    # Nothing of the answer is echoed: the page has it, and ids must not reach the page.
    return jsonify(
        saved=True,
        position=position,
        saved_at=question.saved_at.isoformat() if question.saved_at else None,
        answered=bool(question.response and is_answered(question.response)),
        inactivity_seconds_left=life.inactivity_seconds_left,
        engagement_seconds_left=life.engagement_seconds_left,
        time_limit_seconds_left=life.time_limit_seconds_left,
    )


@bp.post("/attempts/<int:attempt_id>/heartbeat")
def heartbeat(attempt_id: int) -> Response:
    launch, _placement = learner()
    try:
        life = learner_actions.heartbeat(
            ids(launch, attempt_id),
            sitting=sitting(),
            too_many=lambda: _too_many_heartbeats(launch.user_id, attempt_id),
            now=now(),
        )
    except service.TooManyHeartbeats:
        response = jsonify(error="rate_limited", message=_("Too many requests."))
        response.status_code = 429
        return response
    except service.AttemptError as error:
        return json_error(error)
    return jsonify(
        status=life.attempt.status,
        inactivity_seconds_left=life.inactivity_seconds_left,
        inactivity_timeout_seconds=life.attempt.inactivity_timeout_seconds,
        engagement_seconds_left=life.engagement_seconds_left,
        time_limit_seconds_left=life.time_limit_seconds_left,
        away_seconds=life.away_seconds,
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
