"""Staff previews of an assessment (Moodle's quiz "Preview"): an instructor takes the
assessment as a learner would, from the same pages, in a throwaway attempt (ADR 0019).

An attempt started from a staff launch is a preview (`Attempt.preview`): it is scored and its
result shown, but it never sets a best score, sends a grade or earns a certificate, and the
reports leave it out. Starting a new preview deletes the staff member's finished previews in
the placement, so retake rules (attempt limit, retake delay) never block a preview, and the
placement's dates do not apply to it.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from lti_tool.attempts.models import IN_PROGRESS, Attempt


def discard_finished_previews(session: Session, *, placement_id: int, user_id: int) -> None:
    session.execute(
        delete(Attempt)
        .where(
            Attempt.placement_id == placement_id,
            Attempt.user_id == user_id,
            Attempt.preview.is_(True),
            Attempt.status != IN_PROGRESS,
        )
        .execution_options(synchronize_session=False)
    )
