"""One log line per delivery try that did not put the grade in the gradebook, so that an
administrator can follow a grade's retries: which platform, what it answered, and when the
next try is (or that none is, and why). Administrators read these: plain English, untranslated.
The platform's body is logged separately (bounded) by the AGS client."""

from __future__ import annotations

import logging

from lti_tool.grades.delivery import ClaimedGrade, Outcome
from lti_tool.grades.models import PENDING, GradeOutbox

log = logging.getLogger("lti_tool.grades.worker")


def failed_try_line(grade: ClaimedGrade, outcome: Outcome, row: GradeOutbox, max_tries: int) -> str:
    """E.g. `grade 12 (learner 4, "Final exam") to https://moodle.example.org: server_error,
    HTTP 503, try 3 of 30; next try at 2025-05-01T10:00:05+00:00`."""
    answer = f"HTTP {outcome.http_status}" if outcome.http_status else "no HTTP answer"
    head = (
        f"grade {grade.outbox_id} (learner {grade.user_sub}, {grade.resource_link_title!r}) "
        f"to {grade.access.issuer}: {outcome.code}, {answer}"
    )
    if row.version != grade.version:
        return f"{head}; a newer best score is sent next, at {_moment(row.next_attempt_at)}"
    if row.state == PENDING:
        return f"{head}, try {row.tries} of {max_tries}; next try at {_moment(row.next_attempt_at)}"
    if row.last_error_code != outcome.code:  # gave up: too many tries
        return f"{head}, try {row.tries} of {max_tries}; not retried: {row.last_error_code}"
    return f"{head}; not retried until a person fixes the cause and requeues it"


def log_failed_try(grade: ClaimedGrade, outcome: Outcome, row: GradeOutbox, max_tries: int) -> None:
    log.warning("%s", failed_try_line(grade, outcome, row, max_tries))


def _moment(value) -> str:
    return value.isoformat(timespec="seconds") if value is not None else "-"
