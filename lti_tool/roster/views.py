"""The roster page of staff: every learner of the course (from the platform's membership
service) with their standing in this activity; a button refreshes the list from the platform.
A learner's token gets 403 (require_staff)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal
from flask_babel import gettext as _

from lti_tool.attempts.formatting import init_filters
from lti_tool.clock import current_clock
from lti_tool.grades import failures
from lti_tool.launch.links import launch_url
from lti_tool.launch.models import LaunchSession
from lti_tool.launch.sessions import require_staff_in_placement
from lti_tool.roster import nrps, service
from lti_tool.web.errors import UserFacingError

bp = Blueprint("roster", __name__, url_prefix="/instructor/roster")
bp.record_once(lambda state: init_filters(state.app))  # percent, clock_time


def _staff_in_placement() -> LaunchSession:
    return require_staff_in_placement()[0]


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


def _cut_note(cut: str | None) -> str | None:
    """Why the platform's list is incomplete, for staff (the bounds of ADR 0021)."""
    if cut == nrps.CUT_MEMBERS:
        return _(
            "This list is incomplete: the platform listed more than %(limit)s course members "
            "and the tool reads at most that many. Learners after them are missing here.",
            limit=format_decimal(nrps.MAX_MEMBERS),
        )
    if cut == nrps.CUT_BYTES:
        return _(
            "This list is incomplete: the platform's answer was larger than the %(limit)s MB "
            "the tool reads for one roster. Learners after that point are missing here.",
            limit=format_decimal(nrps.MAX_LISTING_BYTES // (1024 * 1024)),
        )
    if cut == nrps.CUT_PAGES:
        return _(
            "This list is incomplete: the platform split it into more than %(limit)s pages "
            "and the tool reads at most that many. Learners after them are missing here.",
            limit=format_decimal(nrps.MAX_PAGES),
        )
    if cut == nrps.CUT_TIME:
        return _(
            "This list is incomplete: the platform took longer than %(limit)s seconds to send "
            "it. Learners not received by then are missing here; refresh the list later.",
            limit=format_decimal(int(nrps.LISTING_TIME.total_seconds())),
        )
    return None


def _show(refresh: bool):
    launch = _staff_in_placement()
    try:
        found = service.roster(launch, refresh=refresh, now=current_clock().now())
    except service.RosterUnavailable as problem:
        raise _unavailable(problem) from None
    return found


@bp.get("/")
def page():
    found = _show(refresh=False)
    return render_template(
        "roster/roster.html", roster=found, s=service, cut_note=_cut_note(found.cut)
    )


@bp.post("/refresh")
def refresh() -> ResponseReturnValue:
    _show(refresh=True)
    return redirect(launch_url("roster.page"), code=303)
