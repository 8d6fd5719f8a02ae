"""Sending failed grades again once a person fixed the cause (`flask grades requeue-failed`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from lti_tool.db import rows_matched
from lti_tool.grades.models import FAILED, PENDING, GradeOutbox


def requeue_failed(
    session: Session, now: datetime, *, placement_id: int | None = None, code: str | None = None
) -> int:
    """Failed rows (optionally of one placement / one failure code) become pending and due now,
    with a fresh try count. Returns how many. Does not commit."""
    statement = update(GradeOutbox).where(GradeOutbox.state == FAILED)
    if placement_id is not None:
        statement = statement.where(GradeOutbox.placement_id == placement_id)
    if code is not None:
        statement = statement.where(GradeOutbox.last_error_code == code)
    result = session.execute(
        statement.values(
            state=PENDING,
            tries=0,
            next_attempt_at=now,
            updated_at=now,
            last_error_code=None,
            last_http_status=None,
            last_error_detail=None,
        ).execution_options(synchronize_session=False)
    )
    return rows_matched(result)
