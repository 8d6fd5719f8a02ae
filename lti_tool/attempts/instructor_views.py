"""The instructor's view of a placement: learners, attempts, best scores, voided attempts and
why, a CSV export, inactivity allowances, and choosing the assessment when none is set.

Each view parses the request, calls one instructor action (its own unit of work, ADR 0012),
maps its `InstructorError` to a page and renders.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from item_bank.languages import translate
from lti_tool.attempts import instructor_actions, reports
from lti_tool.attempts.availability import Window
from lti_tool.attempts.formatting import init_filters
from lti_tool.attempts.instructor_actions import MAX_ALLOWANCE_MINUTES
from lti_tool.clock import current_clock
from lti_tool.launch.links import launch_url
from lti_tool.launch.sessions import require_staff_in_placement
from lti_tool.web.csv_export import csv_download
from lti_tool.web.errors import UserFacingError

bp = Blueprint("instructor", __name__, url_prefix="/instructor")
bp.record_once(lambda state: init_filters(state.app))


def _refusal(error: instructor_actions.InstructorError) -> UserFacingError:
    """The page for a refused instructor action, in the instructor's language."""
    if isinstance(error, instructor_actions.UnknownAssessment):
        message, action = (
            _("That assessment does not exist."),
            _("Go back and choose one from the list."),
        )
        return UserFacingError(message, code=error.code, status=404, action=action)
    if isinstance(error, instructor_actions.AssessmentInUse):
        message = _(
            "Learners have already made attempts in this activity, so its assessment cannot "
            "change: their scores would no longer compare."
        )
        action = _("Create a new activity in the course for another assessment.")
        return UserFacingError(message, code=error.code, status=409, action=action)
    if isinstance(error, instructor_actions.InvalidAvailability):
        message = _(
            "Enter each date as a day and a time (UTC), or leave it empty; the close must "
            "come after the opening."
        )
        return UserFacingError(
            message, code=error.code, status=400, action=_("Go back and correct it.")
        )
    if isinstance(error, instructor_actions.InvalidTimeOrRetake):
        message = _(
            "Enter the time limit as whole minutes from 1 to %(limit)d and the retake delay as "
            "whole minutes from 0 to %(delay)d, or leave them empty.",
            limit=instructor_actions.MAX_TIME_LIMIT_MINUTES,
            delay=instructor_actions.MAX_RETAKE_DELAY_MINUTES,
        )
        return UserFacingError(
            message, code=error.code, status=400, action=_("Go back and correct it.")
        )
    if isinstance(error, instructor_actions.InvalidAllowance):
        message = _(
            "Enter the allowance as a whole number of minutes, from 1 to %(max)d.",
            max=MAX_ALLOWANCE_MINUTES,
        )
        return UserFacingError(
            message, code=error.code, status=400, action=_("Go back and correct it.")
        )
    return UserFacingError(
        _("This learner has not opened this activity."),
        status=404,
        code=error.code,
        action=_("Go back to the list of learners."),
    )


def placement_page():
    """Landing page of staff: the placement's learners, or choosing its assessment."""
    launch, placement = require_staff_in_placement()
    found = instructor_actions.overview(placement, current_clock().now())
    common = dict(
        placement=placement,
        assessments=found.assessments,
        locale=launch.locale,
        translate=translate,
    )
    if found.version is None:
        return render_template("instructor/choose.html", **common)
    return render_template(
        "instructor/placement.html",
        version=found.version,
        rows=found.rows,
        title=translate(found.version.title, launch.locale, found.version.default_language),
        can_change=found.can_change,
        deliveries=found.deliveries,
        **common,
    )


@bp.post("/assessment")
def choose_assessment() -> ResponseReturnValue:
    _launch, placement = require_staff_in_placement()
    try:
        instructor_actions.choose_assessment(placement, request.form.get("assessment", "").strip())
    except instructor_actions.InstructorError as error:
        raise _refusal(error) from None
    return redirect(launch_url("landing.instructor"), code=303)


@bp.get("/learners/<int:user_id>")
def learner(user_id: int):
    _launch, placement = require_staff_in_placement()
    try:
        detail = instructor_actions.learner_detail(placement, user_id, current_clock().now())
    except instructor_actions.InstructorError as error:
        raise _refusal(error) from None
    return render_template(
        "instructor/learner.html",
        placement=placement,
        row=detail.row,
        version=detail.version,
        max_minutes=MAX_ALLOWANCE_MINUTES,
    )


def _minutes_from_form() -> int | None:
    """None takes the allowance away; text that is not a whole number reads as 0 (refused)."""
    raw = request.form.get("minutes", "").strip()
    if request.form.get("action") == "remove" or not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        return 0


@bp.post("/learners/<int:user_id>/accommodation")
def accommodation(user_id: int) -> ResponseReturnValue:
    launch, placement = require_staff_in_placement()
    try:
        instructor_actions.set_allowance(
            placement,
            user_id,
            minutes=_minutes_from_form(),
            set_by_user_id=launch.user_id,
            now=current_clock().now(),
        )
    except instructor_actions.InstructorError as error:
        raise _refusal(error) from None
    return redirect(launch_url("instructor.learner", user_id=user_id, saved=1), code=303)


def _moment_from_form(name: str) -> datetime | None:
    """A datetime-local field read as UTC; empty is None; anything else InvalidAvailability."""
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    try:
        return datetime.strptime(raw[:16], "%Y-%m-%dT%H:%M").replace(tzinfo=UTC)
    except ValueError:
        raise instructor_actions.InvalidAvailability() from None


@bp.post("/availability")
def availability() -> ResponseReturnValue:
    launch, placement = require_staff_in_placement()
    try:
        window = Window(_moment_from_form("opens_at"), _moment_from_form("closes_at"))
        instructor_actions.set_availability(
            placement, window, set_by_user_id=launch.user_id, now=current_clock().now()
        )
    except instructor_actions.InstructorError as error:
        raise _refusal(error) from None
    return redirect(launch_url("landing.instructor", saved="availability"), code=303)


def _whole_minutes(name: str) -> int | None:
    """Empty: None (the assessment's rule); not a whole number: -1 (refused)."""
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    return int(raw) if raw.isdigit() else -1


@bp.post("/learners/<int:user_id>/time-and-retake")
def time_and_retake(user_id: int) -> ResponseReturnValue:
    launch, placement = require_staff_in_placement()
    try:
        instructor_actions.set_time_and_retake_delay(
            placement,
            user_id,
            time_limit_minutes=_whole_minutes("time_limit_minutes"),
            retake_delay_minutes=_whole_minutes("retake_delay_minutes"),
            set_by_user_id=launch.user_id,
            now=current_clock().now(),
        )
    except instructor_actions.InstructorError as error:
        raise _refusal(error) from None
    return redirect(launch_url("instructor.learner", user_id=user_id, saved="time"), code=303)


@bp.get("/export.csv")
def export_csv() -> Response:
    _launch, placement = require_staff_in_placement()
    rows = instructor_actions.report(placement, current_clock().now())
    return csv_download(reports.report_rows(rows), f"attempts-placement-{placement.id}.csv")
