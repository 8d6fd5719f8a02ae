"""A learner's "flag for later" on one question of their attempt (like Moodle's quiz).

A flag is a note to oneself: it never changes a score, it shows in the question navigation
and on the review page, and it is kept on the attempt's question row (so it survives a reload
or another device). Setting one is a page action like opening the question: the same checks
(the attempt is live, this tab holds the sitting) and it counts as activity.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from lti_tool.attempts import service
from lti_tool.attempts.models import AttemptQuestion

FLAG = "flag"
UNFLAG = "unflag"
FLAG_ACTIONS = (FLAG, UNFLAG)


def set_flag(
    session: Session,
    *,
    attempt_id: int,
    placement_id: int,
    user_id: int,
    sitting: str,
    position: int,
    flagged: bool,
    now: datetime,
) -> AttemptQuestion:
    """Flag (or unflag) the question at `position`; AttemptError as any page of the attempt."""
    attempt = service.resume(
        session,
        attempt_id=attempt_id,
        placement_id=placement_id,
        user_id=user_id,
        sitting=sitting,
        now=now,
        position=position,
    )
    question = attempt.questions[position - 1]
    question.flagged = flagged
    session.flush()
    return question
