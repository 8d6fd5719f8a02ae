from __future__ import annotations

from flask import Blueprint, render_template

from lti_tool.launch.sessions import current_launch, require_staff

bp = Blueprint("landing", __name__)


@bp.get("/learner")
def learner() -> str:
    launch = current_launch()
    return render_template("landing/learner.html", launch=launch, placement=launch.placement)


@bp.get("/instructor")
def instructor() -> str:
    launch = require_staff()
    return render_template("landing/instructor.html", launch=launch, placement=launch.placement)
