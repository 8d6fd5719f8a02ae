"""What the pages show about grade delivery: one learner's status and a placement's problems."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lti_tool.grades import explanations, failures
from lti_tool.grades.models import DELIVERED, FAILED, PENDING, GradeOutbox
from lti_tool.launch.models import LtiUser

IN_GRADEBOOK = "in_gradebook"
WAITING = "waiting"
NOT_SENT = "failed"


@dataclass(frozen=True)
class LearnerGradeStatus:
    """`state`: in_gradebook | waiting | failed. `delivered_*`: what the gradebook already holds
    from us when a newer best is still on its way (None if nothing was delivered yet)."""

    state: str
    score_given: float
    score_maximum: float
    delivered_score: float | None
    delivered_at: datetime | None
    updated_at: datetime

    @property
    def in_gradebook(self) -> bool:
        return self.state == IN_GRADEBOOK

    @property
    def waiting(self) -> bool:
        return self.state == WAITING

    @property
    def failed(self) -> bool:
        return self.state == NOT_SENT

    @property
    def percent(self) -> float:
        return 100.0 * self.score_given / self.score_maximum


@dataclass(frozen=True)
class Delivery:
    """One learner's grade that is not (yet) in the gradebook, for the instructor view."""

    outbox_id: int
    learner_name: str
    learner_sub: str
    state: str  # pending | failed
    score_given: float
    score_maximum: float
    score_timestamp: datetime
    tries: int
    next_attempt_at: datetime | None
    error_code: str | None
    http_status: int | None
    platform_answer: str | None
    updated_at: datetime

    @property
    def reason(self) -> str:
        """The administrators' sentence (settings and commands named)."""
        return failures.reason(self.error_code)

    @property
    def instructor_reason(self) -> str:
        """What the instructor can do about it, or whom to ask."""
        return explanations.instructor_reason(self.error_code)

    @property
    def answer_line(self) -> str:
        """The platform's last answer in one short line; never its HTML page."""
        return explanations.platform_answer(self.error_code, self.http_status, self.platform_answer)

    @property
    def is_failed(self) -> bool:
        return self.state == FAILED


@dataclass(frozen=True)
class PlacementDeliveries:
    delivered: int
    pending: list[Delivery]
    failed: list[Delivery]

    @property
    def has_problems(self) -> bool:
        return bool(self.pending or self.failed)

    @property
    def total(self) -> int:
        return self.delivered + len(self.pending) + len(self.failed)


def learner_grade_status(
    session: Session, placement_id: int, user_id: int
) -> LearnerGradeStatus | None:
    """None when there is no grade to send (no completed attempt yet)."""
    row = session.scalars(
        select(GradeOutbox).where(
            GradeOutbox.placement_id == placement_id, GradeOutbox.user_id == user_id
        )
    ).first()
    if row is None:
        return None
    if row.is_current_delivered:
        state = IN_GRADEBOOK
    elif row.state == FAILED:
        state = NOT_SENT
    else:
        state = WAITING
    return LearnerGradeStatus(
        state=state,
        score_given=row.score_given,
        score_maximum=row.score_maximum,
        delivered_score=row.delivered_score if row.delivered_version else None,
        delivered_at=row.delivered_at,
        updated_at=row.updated_at,
    )


def placement_deliveries(session: Session, placement_id: int) -> PlacementDeliveries:
    """Pending and failed deliveries of a placement (failed first, oldest first), plus how many
    grades are in the gradebook."""
    delivered = (
        session.scalar(
            select(func.count())
            .select_from(GradeOutbox)
            .where(GradeOutbox.placement_id == placement_id, GradeOutbox.state == DELIVERED)
        )
        or 0
    )
    rows = session.execute(
        select(GradeOutbox, LtiUser)
        .join(LtiUser, LtiUser.id == GradeOutbox.user_id)
        .where(GradeOutbox.placement_id == placement_id, GradeOutbox.state.in_((PENDING, FAILED)))
        .order_by(GradeOutbox.updated_at, GradeOutbox.id)
    ).all()
    pending: list[Delivery] = []
    failed: list[Delivery] = []
    for row, user in rows:
        item = Delivery(
            outbox_id=row.id,
            learner_name=user.display_name,
            learner_sub=user.sub,
            state=row.state,
            score_given=row.score_given,
            score_maximum=row.score_maximum,
            score_timestamp=row.score_timestamp,
            tries=row.tries,
            next_attempt_at=row.next_attempt_at if row.state == PENDING else None,
            error_code=row.last_error_code,
            http_status=row.last_http_status,
            platform_answer=row.last_error_detail,
            updated_at=row.updated_at,
        )
        (failed if row.state == FAILED else pending).append(item)
    return PlacementDeliveries(delivered=delivered, pending=pending, failed=failed)
