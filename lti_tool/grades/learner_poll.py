"""The answer of the grade status endpoint that the result page asks while the learner's grade
is on its way (static/grade_status.js): the state, and the message to show in its place,
rendered by the same template as the page so both always say the same."""

from __future__ import annotations

from flask import Response, jsonify, render_template

from lti_tool.grades.status import LearnerGradeStatus

NO_GRADE = "none"  # no completed attempt: nothing to wait for


def grade_status_response(status: LearnerGradeStatus | None) -> Response:
    html = (
        render_template("grades/_learner_status_message.html", grade_status=status)
        if status is not None
        else ""
    )
    response = jsonify(state=status.state if status is not None else NO_GRADE, html=html.strip())
    response.headers["Cache-Control"] = "no-store"  # a poll must never see an old answer
    return response
