"""Learner pages and the JSON endpoints of an attempt.

Pages work as plain form posts (no JS needed); `static/attempt.js` adds autosave, heartbeats
and countdowns through the JSON endpoints. Every view commits before it answers, so a 200 (or
a redirect after a post) means the answer is committed. A tab proves it holds the sitting with
the attempt's sitting key (`s`: query, form field or `X-Sitting` header).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, request
from flask_babel import gettext as _

from item_bank.catalog import latest_version
from item_bank.languages import translate
from item_bank.models import AssessmentVersion
from item_bank.presentation import present_item, review_item
from item_bank.responses import is_answered
from lti_tool import db
from lti_tool.attempts import rules, service
from lti_tool.attempts.answer_tokens import AnswerTokens
from lti_tool.attempts.best import best_result
from lti_tool.attempts.formatting import init_filters
from lti_tool.attempts.forms import response_from_form
from lti_tool.attempts.models import Attempt, AttemptQuestion
from lti_tool.clock import current_clock
from lti_tool.launch.links import launch_url
from lti_tool.launch.models import LaunchSession, Placement
from lti_tool.launch.sessions import current_launch
from lti_tool.services import services
from lti_tool.web.errors import UserFacingError

log = logging.getLogger(__name__)

bp = Blueprint("attempts", __name__, url_prefix="/assessment")
bp.record_once(lambda state: init_filters(state.app))

SITTING_FIELD = "s"
SITTING_HEADER = "X-Sitting"
HEARTBEATS_PER_MINUTE = 30  # generous: the page sends one every 10-60 s


# -- who and where -------------------------------------------------------------------------


def _learner() -> tuple[LaunchSession, Placement]:
    launch = current_launch()
    if launch.placement is None:
        raise UserFacingError(
            _(
                "This page belongs to an assessment activity, and this launch did not come from one."
            ),
            code="no_placement",
            action=_("Open the assessment from its activity in your course."),
        )
    return launch, launch.placement


def _version(placement: Placement) -> AssessmentVersion | None:
    if not placement.assessment_slug:
        return None
    return latest_version(db.session(), placement.assessment_slug)


def _ids(launch: LaunchSession, attempt_id: int) -> dict[str, int]:
    return {
        "attempt_id": attempt_id,
        "placement_id": launch.placement_id,
        "user_id": launch.user_id,
    }


def _sitting() -> str:
    return (
        request.headers.get(SITTING_HEADER)
        or request.form.get(SITTING_FIELD)
        or request.args.get(SITTING_FIELD)
        or ""
    )


def _now():
    return current_clock().now()


def _answer_tokens() -> AnswerTokens:
    """Question pages show and post opaque tokens, never authored option ids."""
    return AnswerTokens(current_app.config["SECRET_KEY"])


def attempt_url(endpoint: str, attempt: Attempt, **values: Any) -> str:
    """A URL of an attempt page that keeps the launch token and this tab's sitting key."""
    return launch_url(
        endpoint, attempt_id=attempt.id, **{SITTING_FIELD: attempt.sitting_key}, **values
    )


def _locale(launch: LaunchSession) -> str:
    return launch.locale


def _return_url(launch: LaunchSession) -> str:
    return launch.return_url or launch_url("attempts.home")


# -- errors of an attempt, as pages and as JSON --------------------------------------------


def _messages(error: service.AttemptError) -> tuple[int, str, str]:
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
        return 422, _answer_problem(error), _("Correct the answer and try again.")
    if isinstance(error, service.QuestionNotFound):
        return 404, _("This attempt has no such question."), _("Go back to the assessment.")
    return 404, _("This attempt was not found."), _("Go back to the assessment.")


def _answer_problem(error: service.InvalidAnswer) -> str:
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


def _json_error(error: service.AttemptError) -> Response:
    db.session().commit()  # what settling found (void, time up) is the truth: keep it
    status, message, action = _messages(error)
    next_url, next_label = _next_step(error)
    response = jsonify(
        error=error.code, message=message, action=action, next_url=next_url, next_label=next_label
    )
    response.status_code = status
    return response


def _page_error(error: service.AttemptError, launch: LaunchSession):
    db.session().commit()
    if isinstance(error, (service.AttemptOver, service.AttemptVoid)) and error.attempt is not None:
        return redirect(launch_url("attempts.result", attempt_id=error.attempt.id), code=303)
    if isinstance(error, service.SittingMoved) and error.attempt is not None:
        return render_template(
            "attempts/elsewhere.html", attempt=error.attempt, return_url=_return_url(launch)
        ), 409
    status, message, action = _messages(error)
    raise UserFacingError(message, action=action, status=status, code=error.code)


# -- home ----------------------------------------------------------------------------------


def home_page():
    """The assessment home: rules, attempts used, best score, start or continue."""
    launch, placement = _learner()
    session = db.session()
    version = _version(placement)
    if version is None:
        return render_template("attempts/unavailable.html", placement=placement)
    now = _now()
    attempts = service.history(session, placement_id=placement.id, user_id=launch.user_id, now=now)
    session.commit()
    attempt_rules = service.rules_for(
        session, version, placement_id=placement.id, user_id=launch.user_id
    )
    return render_template(
        "attempts/home.html",
        version=version,
        placement=placement,
        rules=attempt_rules,
        title=translate(version.title, _locale(launch), version.default_language),
        instructions=translate(version.instructions, _locale(launch), version.default_language),
        attempts=list(reversed(attempts)),
        live=service.live_attempt(attempts),
        refusal=rules.can_start(attempts, attempt_rules, now),
        used=rules.attempts_used(attempts),
        left=rules.attempts_left(attempts, attempt_rules),
        best=best_result(session, placement.id, launch.user_id),
        now=now,
        return_url=launch.return_url,
    )


@bp.get("")
def home():
    return home_page()


@bp.post("/attempts")
def start() -> Response:
    launch, placement = _learner()
    version = _version(placement)
    if version is None:
        return redirect(launch_url("attempts.home"), code=303)
    session = db.session()
    try:
        outcome = service.start_attempt(
            session, placement_id=placement.id, user_id=launch.user_id, version=version, now=_now()
        )
    except service.StartRefused:
        # Another tab started first, or the rules say not yet: the home page explains which.
        session.commit()
        return redirect(launch_url("attempts.home"), code=303)
    session.commit()
    return redirect(attempt_url("attempts.question", outcome.attempt, position=1), code=303)


@bp.post("/attempts/<int:attempt_id>/take-over")
def take_over(attempt_id: int):
    launch, _placement = _learner()
    try:
        attempt = service.take_over(db.session(), **_ids(launch, attempt_id), now=_now())
    except service.AttemptError as error:
        return _page_error(error, launch)
    db.session().commit()
    return redirect(
        attempt_url("attempts.question", attempt, position=attempt.last_position), code=303
    )


# -- questions -----------------------------------------------------------------------------


def _question_context(
    launch: LaunchSession, attempt: Attempt, question: AttemptQuestion, error: str | None = None
) -> dict[str, Any]:
    now = _now()
    life = service.liveness(attempt, now)
    timeout = attempt.inactivity_timeout_seconds
    version = attempt.assessment_version
    tokens = _answer_tokens().of(question)
    return dict(
        attempt=attempt,
        question=question,
        total=len(attempt.questions),
        item=tokens.disguise_item(
            present_item(question.item_version, _locale(launch), question.option_order)
        ),
        response=tokens.disguise_response(question.response),
        error=error,
        answered={q.position for q in attempt.questions if q.response and is_answered(q.response)},
        title=translate(version.title, _locale(launch), version.default_language),
        inactivity_seconds_left=int(life.inactivity_seconds_left),
        engagement_seconds_left=int(life.engagement_seconds_left),
        time_limit_seconds_left=(
            None if life.time_limit_seconds_left is None else int(life.time_limit_seconds_left)
        ),
        warning_seconds=rules.warning_seconds(timeout),
        heartbeat_seconds=rules.heartbeat_interval_seconds(timeout),
        sitting_field=SITTING_FIELD,
    )


@bp.get("/attempts/<int:attempt_id>/questions/<int:position>")
def question(attempt_id: int, position: int):
    launch, _placement = _learner()
    session = db.session()
    try:
        attempt = service.resume(
            session,
            **_ids(launch, attempt_id),
            sitting=_sitting(),
            now=_now(),
            position=position,
            new_sitting=True,
        )
    except service.AttemptError as error:
        return _page_error(error, launch)
    session.commit()
    current = attempt.questions[position - 1]
    return render_template("attempts/question.html", **_question_context(launch, attempt, current))


def _target(attempt: Attempt, position: int, go: str) -> str:
    total = len(attempt.questions)
    if go == "prev":
        return attempt_url("attempts.question", attempt, position=max(1, position - 1))
    if go == "review" or (go == "next" and position >= total):
        return attempt_url("attempts.review", attempt)
    if go.startswith("q-") and go[2:].isdigit() and 1 <= int(go[2:]) <= total:
        return attempt_url("attempts.question", attempt, position=int(go[2:]))
    return attempt_url("attempts.question", attempt, position=min(total, position + 1))


@bp.post("/attempts/<int:attempt_id>/questions/<int:position>")
def answer_form(attempt_id: int, position: int):
    """The no-JS path: save this question's answer, then go where the button said."""
    launch, _placement = _learner()
    session = db.session()
    try:
        attempt = service.get_attempt(session, **_ids(launch, attempt_id), lock=True)
        current = _question_of(attempt, position)
        response = response_from_form(current.item_version.type, request.form)
        service.save_answer(
            session,
            **_ids(launch, attempt_id),
            sitting=_sitting(),
            position=position,
            response=response,
            now=_now(),
            locked=attempt,
            answer_tokens=_answer_tokens(),
        )
    except service.InvalidAnswer as error:
        session.commit()
        context = _question_context(
            launch,
            error.attempt,
            _question_of(error.attempt, position),
            error=_answer_problem(error),
        )
        context["response"] = request.form  # show what they typed (tokens), to correct it
        return render_template("attempts/question.html", **context), 422
    except service.AttemptError as error:
        return _page_error(error, launch)
    session.commit()
    return redirect(_target(attempt, position, request.form.get("go", "next")), code=303)


def _question_of(attempt: Attempt, position: int) -> AttemptQuestion:
    if not 1 <= position <= len(attempt.questions):
        raise service.QuestionNotFound(attempt)
    return attempt.questions[position - 1]


def _response_from_request(question: AttemptQuestion) -> Any:
    if request.is_json:
        body = request.get_json(silent=True)
        return body.get("response") if isinstance(body, dict) else body
    return response_from_form(question.item_version.type, request.form)


@bp.post("/attempts/<int:attempt_id>/questions/<int:position>/answer")
def answer_json(attempt_id: int, position: int) -> Response:
    """Autosave: 200 only once the answer is committed; 409/410 once the attempt is over."""
    launch, _placement = _learner()
    session = db.session()
    try:
        # Locked at once: the save below works on this read instead of reading it again.
        attempt = service.get_attempt(session, **_ids(launch, attempt_id), lock=True)
        response = _response_from_request(_question_of(attempt, position))
        saved = service.save_answer(
            session,
            **_ids(launch, attempt_id),
            sitting=_sitting(),
            position=position,
            response=response,
            now=_now(),
            locked=attempt,
            answer_tokens=_answer_tokens(),
        )
    except service.AttemptError as error:
        return _json_error(error)
    session.commit()
    life = service.liveness(saved.attempt, _now())
    # Nothing of the answer is echoed: the page has it, and ids must not reach the page.
    return jsonify(
        saved=True,
        position=position,
        saved_at=saved.saved_at.isoformat(),
        answered=bool(saved.response and is_answered(saved.response)),
        inactivity_seconds_left=life.inactivity_seconds_left,
        engagement_seconds_left=life.engagement_seconds_left,
        time_limit_seconds_left=life.time_limit_seconds_left,
    )


@bp.post("/attempts/<int:attempt_id>/heartbeat")
def heartbeat(attempt_id: int) -> Response:
    launch, _placement = _learner()
    session = db.session()
    try:
        # Whose attempt first (404 for anyone else's, not counted), then the rate limit of
        # this learner on it: another learner can never use up someone's heartbeats.
        attempt = service.get_attempt(session, **_ids(launch, attempt_id), lock=True)
        if _too_many_heartbeats(launch.user_id, attempt_id):
            session.commit()  # nothing changed: let the row go
            response = jsonify(error="rate_limited", message=_("Too many requests."))
            response.status_code = 429
            return response
        life = service.heartbeat(
            session, **_ids(launch, attempt_id), sitting=_sitting(), now=_now(), locked=attempt
        )
    except service.AttemptError as error:
        return _json_error(error)
    session.commit()
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


# -- review, submit, result ----------------------------------------------------------------


@bp.get("/attempts/<int:attempt_id>/review")
def review(attempt_id: int):
    """Before submitting: which questions are answered, a way back to each, and submit."""
    launch, _placement = _learner()
    session = db.session()
    try:
        attempt = service.resume(
            session, **_ids(launch, attempt_id), sitting=_sitting(), now=_now(), new_sitting=True
        )
    except service.AttemptError as error:
        return _page_error(error, launch)
    session.commit()
    context = _question_context(launch, attempt, attempt.questions[attempt.last_position - 1])
    return render_template("attempts/review.html", **context)


@bp.post("/attempts/<int:attempt_id>/submit")
def submit(attempt_id: int):
    launch, _placement = _learner()
    session = db.session()
    try:
        service.submit(session, **_ids(launch, attempt_id), sitting=_sitting(), now=_now())
    except service.AttemptError as error:
        return _page_error(error, launch)
    session.commit()
    return redirect(launch_url("attempts.result", attempt_id=attempt_id), code=303)


@bp.get("/attempts/<int:attempt_id>/result")
def result(attempt_id: int):
    """The result of a finished attempt (a void one says why it has none), with what next."""
    launch, placement = _learner()
    session = db.session()
    now = _now()
    try:
        attempt = service.get_attempt(session, **_ids(launch, attempt_id), lock=True)
    except service.AttemptError as error:
        return _page_error(error, launch)
    service.settle(session, attempt, now)
    session.commit()
    if attempt.is_live:
        return redirect(launch_url("attempts.home"), code=303)
    attempts = service.history(session, placement_id=placement.id, user_id=launch.user_id, now=now)
    session.commit()
    version = attempt.assessment_version
    current_version = _version(placement) or version
    attempt_rules = service.rules_for(
        session, current_version, placement_id=placement.id, user_id=launch.user_id
    )
    best = best_result(session, placement.id, launch.user_id)
    return render_template(
        "attempts/result.html",
        attempt=attempt,
        version=version,
        placement=placement,
        title=translate(version.title, _locale(launch), version.default_language),
        best=best,
        rules=attempt_rules,
        used=rules.attempts_used(attempts),
        left=rules.attempts_left(attempts, attempt_rules),
        refusal=rules.can_start(attempts, attempt_rules, now),
        reviews=_reviews(attempt, launch) if attempt.status == "submitted" else [],
        policy=version.review_policy,
        return_url=launch.return_url,
        grade_status=_grade_status(placement.id, launch.user_id),
    )


def _reviews(attempt: Attempt, launch: LaunchSession) -> list[dict[str, Any]]:
    """What the review policy lets the learner see, question by question."""
    policy = attempt.assessment_version.review_policy
    return [
        dict(
            position=q.position,
            **review_item(
                q.item_version, _locale(launch), q.response or {}, policy, q.option_order
            ),
        )
        for q in attempt.questions
    ]


@bp.get("/grade-status")
def grade_status() -> Response:
    """The learner's grade status as JSON, asked by the result page while it is waiting."""
    from lti_tool.grades.learner_poll import grade_status_response

    launch, placement = _learner()
    return grade_status_response(_grade_status(placement.id, launch.user_id))


def _grade_status(placement_id: int, user_id: int) -> Any:
    try:
        from lti_tool.grades.status import learner_grade_status
    except ModuleNotFoundError as missing:  # grade passback not built yet in this tree
        if missing.name in {"lti_tool.grades", "lti_tool.grades.status"}:
            return None
        raise
    return learner_grade_status(db.session(), placement_id, user_id)
