"""Regrading after a corrected key (regrading.py), on the instructor blueprint: a page that
shows what would change, and a post that applies the rises with a reason."""

from __future__ import annotations

from flask import redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from lti_tool.attempts import regrading
from lti_tool.attempts.instructor_views import bp
from lti_tool.clock import current_clock
from lti_tool.launch.links import launch_url
from lti_tool.launch.sessions import require_staff_in_placement
from lti_tool.web.errors import UserFacingError


@bp.get("/regrade")
def regrade_plan():
    _launch, placement = require_staff_in_placement()
    changes = regrading.plan(placement)
    return render_template(
        "instructor/regrade.html",
        rises=[c for c in changes if c.rises],
        falls=[c for c in changes if not c.rises],
        applied=request.args.get("applied"),
    )


@bp.post("/regrade")
def regrade_apply() -> ResponseReturnValue:
    launch, placement = require_staff_in_placement()
    reason = request.form.get("reason", "")
    if not reason.strip():
        raise UserFacingError(
            _("Give a reason: it is kept in the audit log."),
            status=400,
            code="reason_required",
            action=_("Go back and correct it."),
        )
    count = regrading.apply(
        placement, staff_user_id=launch.user_id, reason=reason, now=current_clock().now()
    )
    return redirect(launch_url("instructor.regrade_plan", applied=count), code=303)
