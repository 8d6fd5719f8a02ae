"""The instructor's view of a placement: learners, attempts, best scores, voided attempts and
why, a CSV export, inactivity allowances, and choosing the assessment when none is set."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, redirect, render_template, request
from flask_babel import gettext as _

from item_bank.catalog import latest_version, list_assessments
from item_bank.languages import translate
from lti_tool import db
from lti_tool.attempts import reports
from lti_tool.attempts.accommodations import MAX_ACCOMMODATION_SECONDS, set_accommodation
from lti_tool.attempts.formatting import init_filters
from lti_tool.attempts.models import Attempt
from lti_tool.clock import current_clock
from lti_tool.launch.links import launch_url
from lti_tool.launch.models import LaunchSession, Placement
from lti_tool.launch.sessions import require_staff
from lti_tool.web.csv_export import csv_download
from lti_tool.web.errors import UserFacingError

bp = Blueprint("instructor", __name__, url_prefix="/instructor")
bp.record_once(lambda state: init_filters(state.app))


def _staff() -> tuple[LaunchSession, Placement]:
    launch = require_staff()
    if launch.placement is None:
        raise UserFacingError(
            _(
                "This page belongs to an assessment activity, and this launch did not come from one."
            ),
            code="no_placement",
            action=_("Open the activity from your course."),
        )
    return launch, launch.placement


def _deliveries(placement_id: int) -> Any:
    try:
        from lti_tool.grades.status import placement_deliveries
    except ModuleNotFoundError as missing:  # grade passback not built yet in this tree
        if missing.name in {"lti_tool.grades", "lti_tool.grades.status"}:
            return None
        raise
    return placement_deliveries(db.session(), placement_id)


def placement_page():
    """Landing page of staff: the placement's learners, or choosing its assessment."""
    launch, placement = _staff()
    session = db.session()
    version = (
        latest_version(session, placement.assessment_slug) if placement.assessment_slug else None
    )
    if version is None:
        return render_template(
            "instructor/choose.html",
            placement=placement,
            assessments=list_assessments(session),
            locale=launch.locale,
            translate=translate,
        )
    rows = reports.placement_report(session, placement.id, current_clock().now())
    session.commit()  # settling may have ended attempts: record it
    return render_template(
        "instructor/placement.html",
        placement=placement,
        version=version,
        rows=rows,
        title=translate(version.title, launch.locale, version.default_language),
        can_change=not _has_attempts(placement.id),
        assessments=list_assessments(session),
        locale=launch.locale,
        translate=translate,
        deliveries=_deliveries(placement.id),
    )


def _has_attempts(placement_id: int) -> bool:
    from sqlalchemy import exists, select

    return bool(db.session().scalar(select(exists().where(Attempt.placement_id == placement_id))))


@bp.post("/assessment")
def choose_assessment() -> Response:
    launch, placement = _staff()
    session = db.session()
    slug = request.form.get("assessment", "").strip()
    if latest_version(session, slug) is None:
        raise UserFacingError(
            _("That assessment does not exist."),
            code="unknown_assessment",
            status=404,
            action=_("Go back and choose one from the list."),
        )
    current = (
        latest_version(session, placement.assessment_slug) if placement.assessment_slug else None
    )
    if current is not None and slug != placement.assessment_slug and _has_attempts(placement.id):
        raise UserFacingError(
            _(
                "Learners have already made attempts in this activity, so its assessment cannot "
                "change: their scores would no longer compare."
            ),
            code="assessment_in_use",
            status=409,
            action=_("Create a new activity in the course for another assessment."),
        )
    placement.assessment_slug = slug
    session.commit()
    return redirect(launch_url("landing.instructor"), code=303)


@bp.get("/learners/<int:user_id>")
def learner(user_id: int):
    launch, placement = _staff()
    session = db.session()
    row = reports.learner_row(session, placement.id, user_id, current_clock().now())
    session.commit()
    if row is None:
        raise UserFacingError(
            _("This learner has not opened this activity."),
            status=404,
            code="learner_not_found",
            action=_("Go back to the list of learners."),
        )
    version = (
        latest_version(session, placement.assessment_slug) if placement.assessment_slug else None
    )
    return render_template(
        "instructor/learner.html",
        placement=placement,
        row=row,
        version=version,
        max_minutes=MAX_ACCOMMODATION_SECONDS // 60,
    )


@bp.post("/learners/<int:user_id>/accommodation")
def accommodation(user_id: int) -> Response:
    launch, placement = _staff()
    session = db.session()
    if reports.learner_row(session, placement.id, user_id, current_clock().now()) is None:
        raise UserFacingError(
            _("This learner has not opened this activity."),
            status=404,
            code="learner_not_found",
            action=_("Go back to the list of learners."),
        )
    raw = request.form.get("minutes", "").strip()
    if request.form.get("action") == "remove" or not raw:
        seconds = None
    else:
        try:
            minutes = int(raw)
        except ValueError:
            minutes = 0
        if not 1 <= minutes <= MAX_ACCOMMODATION_SECONDS // 60:
            raise UserFacingError(
                _(
                    "Enter the allowance as a whole number of minutes, from 1 to %(max)d.",
                    max=MAX_ACCOMMODATION_SECONDS // 60,
                ),
                code="invalid_allowance",
                status=400,
                action=_("Go back and correct it."),
            )
        seconds = minutes * 60
    set_accommodation(
        session,
        placement_id=placement.id,
        user_id=user_id,
        seconds=seconds,
        set_by_user_id=launch.user_id,
        now=current_clock().now(),
    )
    session.commit()
    return redirect(launch_url("instructor.learner", user_id=user_id, saved=1), code=303)


@bp.get("/export.csv")
def export_csv() -> Response:
    _launch, placement = _staff()
    session = db.session()
    rows = reports.placement_report(session, placement.id, current_clock().now())
    session.commit()
    return csv_download(reports.report_rows(rows), f"attempts-placement-{placement.id}.csv")
