"""The responses report's page and CSV (responses_report), on the instructor blueprint: the
same filters and sorting for both, read from the query string."""

from __future__ import annotations

from flask import Response, render_template, request

from lti_tool.attempts.instructor_views import bp
from lti_tool.attempts.responses_report import (
    HISTOGRAM_BINS,
    Filters,
    Report,
    csv_rows,
    responses_report,
)
from lti_tool.clock import current_clock
from lti_tool.db import unit_of_work
from lti_tool.launch.sessions import require_staff_in_placement
from lti_tool.web.csv_export import csv_download


def _report(locale: str, placement_id: int, filters: Filters) -> Report:
    # Its own unit of work: settling the placement's live attempts first commits what it found.
    with unit_of_work() as session:
        return responses_report(session, placement_id, current_clock().now(), filters, locale)


@bp.get("/responses")
def responses():
    launch, placement = require_staff_in_placement()
    filters = Filters.read(request.args)
    report = _report(launch.locale, placement.id, filters)
    return render_template(
        "instructor/responses.html",
        report=report,
        filters=filters,
        bins=HISTOGRAM_BINS,
        tallest=max(report.histogram, default=0) or 1,
    )


@bp.get("/responses.csv")
def responses_csv() -> Response:
    launch, placement = require_staff_in_placement()
    report = _report(launch.locale, placement.id, Filters.read(request.args))
    return csv_download(csv_rows(report), f"responses-placement-{placement.id}.csv")
