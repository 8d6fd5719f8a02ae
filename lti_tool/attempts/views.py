"""Learner pages of an attempt: home, start, questions, review, submit, result.

Pages work as plain form posts (no JS needed); `static/attempt.js` adds autosave, heartbeats
and countdowns through the JSON endpoints (`json_views`, on the same blueprint). Each view
parses the request, calls one learner action (which commits before it returns, so a redirect
after a post means committed), maps its `AttemptError` and renders.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import redirect, render_template, request
from flask.typing import ResponseReturnValue

from item_bank.feedback_bands import band_text
from item_bank.languages import resolve_language, translate
from item_bank.presentation import present_item, review_item
from item_bank.responses import is_answered
from item_bank.review_policies import review_now
from lti_tool.attempts import flag_views, json_views, learner_actions, rules, service
from lti_tool.attempts.answer_saving import SavedAnswer, SittingRequest
from lti_tool.attempts.availability import Window
from lti_tool.attempts.first_steps import CONFIRM_FIELD, CONFIRMED
from lti_tool.attempts.flags import FLAG, FLAG_ACTIONS
from lti_tool.attempts.forms import response_from_form
from lti_tool.attempts.learner_actions import Standing
from lti_tool.attempts.models import Attempt, AttemptQuestion
from lti_tool.attempts.view_support import (
    SITTING_FIELD,
    answer_problem,
    answer_tokens,
    attempt_url,
    bp,
    ids,
    learner,
    now,
    page_error,
    sitting,
)
from lti_tool.launch.links import launch_url
from lti_tool.launch.models import LaunchSession

# json_views, flag_views: their endpoints join `bp` on import
__all__ = ["bp", "flag_views", "home_page", "json_views"]


# -- home ----------------------------------------------------------------------------------


def home_page():
    """The assessment home: rules, attempts used, best score, start or continue."""
    launch, placement = learner()
    at = now()
    standing = learner_actions.standing(
        placement_id=placement.id, user_id=launch.user_id, slug=placement.assessment_slug, now=at
    )
    if standing is None:
        return render_template("attempts/unavailable.html", placement=placement)
    version, attempts, attempt_rules = standing.version, standing.attempts, standing.rules
    live = service.live_attempt(attempts)
    return render_template(
        "attempts/home.html",
        version=version,
        placement=placement,
        rules=attempt_rules,
        title=translate(version.title, launch.locale, version.default_language),
        instructions=translate(version.instructions, launch.locale, version.default_language),
        attempts=list(reversed(attempts)),
        live=live,
        first_steps=(
            []
            if live or launch.is_staff
            else learner_actions.first_steps(placement, launch.user_id)
        ),
        preview=launch.is_staff,
        confirm_field=CONFIRM_FIELD,
        refusal=rules.can_start(attempts, attempt_rules, at) or Window.of(placement).refusal(at),
        window=Window.of(placement),
        used=rules.attempts_used(attempts),
        left=rules.attempts_left(attempts, attempt_rules),
        best=standing.best,
        now=at,
        return_url=launch.return_url,
    )


@bp.get("")
def home():
    return home_page()


@bp.post("/attempts")
def start() -> ResponseReturnValue:
    launch, placement = learner()
    confirmed = request.form.get(CONFIRM_FIELD) == CONFIRMED
    if not (confirmed or launch.is_staff) and learner_actions.first_steps(
        placement, launch.user_id
    ):
        # Starting would close the entry questionnaire for good: say so and ask first.
        return redirect(launch_url("attempts.before_start"), code=303)
    try:
        attempt = learner_actions.start(
            placement_id=placement.id,
            user_id=launch.user_id,
            slug=placement.assessment_slug,
            now=now(),
            window=Window.of(placement),
            preview=launch.is_staff,  # staff preview: never counts (ADR 0019)
        )
    except service.StartRefused:
        # Another tab started first, or the rules say not yet: the home page explains which.
        return redirect(launch_url("attempts.home"), code=303)
    if attempt is None:
        return redirect(launch_url("attempts.home"), code=303)
    return redirect(attempt_url("attempts.question", attempt, position=1), code=303)


@bp.get("/before-you-start")
def before_start() -> ResponseReturnValue:
    """Starting with a first step pending: take it first, or confirm starting without it."""
    launch, placement = learner()
    steps = learner_actions.first_steps(placement, launch.user_id)
    if not steps:  # taken already (or none): nothing to confirm
        return redirect(launch_url("attempts.home"), code=303)
    return render_template(
        "attempts/before_start.html",
        steps=steps,
        confirm_field=CONFIRM_FIELD,
        confirmed=CONFIRMED,
    )


@bp.post("/attempts/<int:attempt_id>/take-over")
def take_over(attempt_id: int):
    launch, _placement = learner()
    try:
        attempt = learner_actions.take_over(ids(launch, attempt_id), now=now())
    except service.AttemptError as error:
        return page_error(error, launch)
    return redirect(
        attempt_url("attempts.question", attempt, position=attempt.last_position), code=303
    )


# -- questions -----------------------------------------------------------------------------


def _question_context(
    launch: LaunchSession, attempt: Attempt, question: AttemptQuestion, error: str | None = None
) -> dict[str, Any]:
    life = service.liveness(attempt, now())
    timeout = attempt.inactivity_timeout_seconds
    version = attempt.assessment_version
    tokens = answer_tokens().of(question)
    return dict(
        attempt=attempt,
        question=question,
        total=len(attempt.questions),
        item=tokens.disguise_item(
            present_item(question.item_version, launch.locale, question.option_order)
        ),
        response=tokens.disguise_response(question.response),
        error=error,
        answered={q.position for q in attempt.questions if q.response and is_answered(q.response)},
        flagged={q.position for q in attempt.questions if q.flagged},
        title=translate(version.title, launch.locale, version.default_language),
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
    launch, _placement = learner()
    try:
        attempt = learner_actions.open_page(
            ids(launch, attempt_id), sitting=sitting(), now=now(), position=position
        )
    except service.AttemptError as error:
        return page_error(error, launch)
    current = attempt.questions[position - 1]
    return render_template("attempts/question.html", **_question_context(launch, attempt, current))


def _target(saved: SavedAnswer, go: str) -> str:
    position, total = saved.position, saved.question_count
    keep = {"attempt_id": saved.attempt_id, SITTING_FIELD: saved.sitting_key}
    if go == "prev":
        return launch_url("attempts.question", **keep, position=max(1, position - 1))
    if go == "review" or (go == "next" and position >= total):
        return launch_url("attempts.review", **keep)
    if go.startswith("q-") and go[2:].isdigit() and 1 <= int(go[2:]) <= total:
        return launch_url("attempts.question", **keep, position=int(go[2:]))
    return launch_url("attempts.question", **keep, position=min(total, position + 1))


def _response_from_form(item_type: str) -> Any:
    return response_from_form(item_type, request.form)


@bp.post("/attempts/<int:attempt_id>/questions/<int:position>")
def answer_form(attempt_id: int, position: int):
    """The no-JS path: save this question's answer, then go where the button said."""
    launch, _placement = learner()
    try:
        saved = learner_actions.save_answer(
            SittingRequest(launch.id, attempt_id, sitting(), now()),
            position=position,
            read_response=_response_from_form,
            answer_tokens=answer_tokens(),
            ids=lambda: ids(launch, attempt_id),
        )
    except service.InvalidAnswer as error:
        context = _question_context(
            launch,
            error.attempt,
            learner_actions.question_at(error.attempt, position),
            error=answer_problem(error),
        )
        context["response"] = request.form  # show what they typed (tokens), to correct it
        return render_template("attempts/question.html", **context), 422
    except service.AttemptError as error:
        return page_error(error, launch)
    go = request.form.get("go", "next")
    if go in FLAG_ACTIONS:  # the flag button without the script: answer saved, now the flag
        return _flag_and_stay(launch, saved, flagged=go == FLAG)
    return redirect(_target(saved, go), code=303)


def _flag_and_stay(launch: LaunchSession, saved: SavedAnswer, *, flagged: bool):
    try:
        learner_actions.set_flag(
            ids(launch, saved.attempt_id),
            sitting=saved.sitting_key,
            position=saved.position,
            flagged=flagged,
            now=now(),
        )
    except service.AttemptError as error:
        return page_error(error, launch)
    keep = {"attempt_id": saved.attempt_id, SITTING_FIELD: saved.sitting_key}
    url = launch_url("attempts.question", **keep, position=saved.position)
    return redirect(url + "#flag-toggle", code=303)


# -- review, submit, result ----------------------------------------------------------------


@bp.get("/attempts/<int:attempt_id>/review")
def review(attempt_id: int):
    """Before submitting: which questions are answered, a way back to each, and submit."""
    return _live_attempt_page(attempt_id, "attempts/review.html")


@bp.get("/attempts/<int:attempt_id>/submit")
def confirm_submit(attempt_id: int):
    """Without the script, "Submit" on the review page asks here (with it, a dialog asks)."""
    return _live_attempt_page(attempt_id, "attempts/confirm_submit.html")


def _live_attempt_page(attempt_id: int, template: str):
    """A page of the live attempt about the whole of it, opened at its last question."""
    launch, _placement = learner()
    try:
        attempt = learner_actions.open_page(ids(launch, attempt_id), sitting=sitting(), now=now())
    except service.AttemptError as error:
        return page_error(error, launch)
    context = _question_context(launch, attempt, attempt.questions[attempt.last_position - 1])
    return render_template(template, **context)


@bp.post("/attempts/<int:attempt_id>/submit")
def submit(attempt_id: int):
    launch, _placement = learner()
    try:
        learner_actions.submit(ids(launch, attempt_id), sitting=sitting(), now=now())
    except service.AttemptError as error:
        return page_error(error, launch)
    return redirect(launch_url("attempts.result", attempt_id=attempt_id), code=303)


@bp.get("/attempts/<int:attempt_id>/result")
def result(attempt_id: int):
    """The result of a finished attempt (a void one says why it has none), with what next."""
    launch, placement = learner()
    at = now()
    try:
        found = learner_actions.result(
            ids(launch, attempt_id), slug=placement.assessment_slug, now=at
        )
    except service.AttemptError as error:
        return page_error(error, launch)
    if found is None:  # still live: its time is not up
        return redirect(launch_url("attempts.home"), code=303)
    attempt, standing = found.attempt, found.standing
    version = attempt.assessment_version
    window = Window.of(placement)
    policy = review_now(version.review_policy, can_take_again=_can_take_again(standing, window, at))
    return render_template(
        "attempts/result.html",
        attempt=attempt,
        version=version,
        placement=placement,
        title=translate(version.title, launch.locale, version.default_language),
        best=standing.best,
        rules=standing.rules,
        used=rules.attempts_used(standing.attempts),
        left=rules.attempts_left(standing.attempts, standing.rules),
        refusal=(rules.can_start(standing.attempts, standing.rules, at) or window.refusal(at)),
        reviews=_reviews(attempt, launch, policy) if attempt.status == "submitted" else [],
        policy=policy,
        return_url=launch.return_url,
        grade_status=found.grade_status,
        overall_feedback=_overall_feedback(attempt, launch.locale),
    )


def _overall_feedback(attempt: Attempt, locale: str) -> dict[str, str] | None:
    """The assessment's feedback for the band this score reaches (sanitised HTML, and the
    language it is in: the learner's, or the fallback), if any."""
    version = attempt.assessment_version
    if attempt.score_percent is None or not version.feedback_bands:
        return None
    texts = band_text(version.feedback_bands, attempt.score_percent)
    language = texts and resolve_language(texts, locale, version.default_language)
    return None if not texts or not language else {"html": texts[language], "lang": language}


def _can_take_again(standing: Standing, window: Window, at: datetime) -> bool:
    """Whether the learner may still take the assessment again in this activity, now or
    later: it has not closed and an attempt is left (a retake delay only postpones one). An
    attempt in progress counts as one they are taking again: its answers are not settled."""
    if service.live_attempt(standing.attempts) is not None:
        return True
    left = rules.attempts_left(standing.attempts, standing.rules)
    closed = window.closes_at is not None and at >= window.closes_at
    return not closed and (left is None or left > 0)


def _reviews(attempt: Attempt, launch: LaunchSession, policy: str) -> list[dict[str, Any]]:
    """What the review policy of this moment lets the learner see, question by question."""
    return [
        dict(
            position=q.position,
            **review_item(q.item_version, launch.locale, q.response or {}, policy, q.option_order),
        )
        for q in attempt.questions
    ]
