"""The roster page of staff: every learner of the course (from the platform's membership
service) with their standing in this activity; a button refreshes the list from the platform.
A learner's token gets 403 (require_staff)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from lti_tool.attempts.formatting import init_filters
from lti_tool.clock import current_clock
from lti_tool.grades import failures
from lti_tool.launch.links import launch_url
from lti_tool.launch.models import LaunchSession
from lti_tool.launch.sessions import require_staff
from lti_tool.roster import service
from lti_tool.web.errors import UserFacingError

bp = Blueprint("roster", __name__, url_prefix="/instructor/roster")
bp.record_once(lambda state: init_filters(state.app))  # percent, clock_time


def _staff_in_placement() -> LaunchSession:
    launch = require_staff()
    if launch.placement is None:
        raise UserFacingError(
            _(
                "The roster belongs to an assessment activity, and this launch did not come "
                "from one."
            ),
            code="no_placement",
            action=_("Open the activity from your course."),
        )
    return launch


def _unavailable(problem: service.RosterUnavailable) -> UserFacingError:
    code = problem.error.code
    if code in failures.TRANSIENT:
        action = _("Try again in a few minutes.")
    elif code == failures.DESTINATION_REFUSED:
        action = _(
            "Ask the administrator of this tool to allow the platform's address for outbound "
            "requests."
        )
    else:
        action = _(
            "Ask the platform's administrator to enable Names and Role Provisioning Services "
            "for this tool, then open the roster again."
        )
    return UserFacingError(
        _("The course's list of members could not be fetched from the platform."),
        status=502,
        code=f"roster_{code}",
        action=action,
    )


def _show(refresh: bool):
    launch = _staff_in_placement()
    try:
        found = service.roster(launch, refresh=refresh, now=current_clock().now())
    except service.RosterUnavailable as problem:
        raise _unavailable(problem) from None
    return found


@bp.get("/")
def page():
    return render_template("roster/roster.html", roster=_show(refresh=False), s=service)


@bp.post("/refresh")
def refresh() -> ResponseReturnValue:
    _show(refresh=True)
    return redirect(launch_url("roster.page"), code=303)
