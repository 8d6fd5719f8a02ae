"""The audit log for instructors: a page and a CSV of the placement's entries. Staff only
(a learner's launch gets 403), and only the entries of the placement they launched from."""

from __future__ import annotations

from flask import Blueprint, Response, render_template
from flask_babel import lazy_gettext as _l

from lti_tool import db
from lti_tool.audit import log
from lti_tool.launch.sessions import require_staff_in_placement
from lti_tool.web.csv_export import csv_download

# The pages use the attempts' template filters (clock_time, percent), which the attempts
# blueprints install on the app; importing them here would make audit and attempts a cycle.
bp = Blueprint("audit", __name__, url_prefix="/instructor/audit")

ACTION_LABELS = {
    log.AVAILABILITY_SET: _l("Availability dates set"),
    log.ALLOWANCE_SET: _l("Inactivity allowance set"),
    log.TIME_AND_RETAKE_SET: _l("Time limit and retake delay set"),
    log.ATTEMPT_REOPENED: _l("Attempt re-opened"),
    log.ATTEMPT_DELETED: _l("Attempt deleted"),
    log.SCORE_OVERRIDDEN: _l("Score overridden"),
    log.ATTEMPTS_REGRADED: _l("Attempt regraded"),
}


@bp.get("")
def audit_log():
    _launch, placement = require_staff_in_placement()
    events = log.events_of(db.session(), placement.id)  # read only: no unit of work
    return render_template(
        "audit/log.html", events=events, labels=ACTION_LABELS, placement=placement
    )


@bp.get("/export.csv")
def audit_csv() -> Response:
    _launch, placement = require_staff_in_placement()
    events = log.events_of(db.session(), placement.id)
    return csv_download(log.csv_rows(events), f"audit-placement-{placement.id}.csv")
