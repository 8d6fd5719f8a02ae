"""Where a launch lands: learners on their assessment home, staff on the placement overview."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("landing", __name__)


@bp.get("/learner")
def learner():
    from lti_tool.attempts.views import home_page

    return home_page()


@bp.get("/instructor")
def instructor():
    from lti_tool.attempts.instructor_views import placement_page

    return placement_page()
