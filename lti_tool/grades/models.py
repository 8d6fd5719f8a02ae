"""Tables of grade passback: the outbox (one row per placement and learner) and resolved line items.

The outbox row is the *desired* state of the learner's grade on the platform (their best score so
far), not a queue of messages: a newer best replaces the older one in place (coalescing), so an
older best can never be sent after a newer one. See `lti_tool.grades.outbox` for the rules.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from item_bank.database import Base
from lti_tool.launch.models import LtiUser, Placement

# pending: waiting to be sent (first time, after a newer best, or after a transient error)
PENDING = "pending"
# delivered: the platform accepted this version (or already held an equal or newer best)
DELIVERED = "delivered"
# failed: a person must fix something first; then `flask grades requeue-failed`
FAILED = "failed"
STATES = (PENDING, DELIVERED, FAILED)


class GradeOutbox(Base):
    __tablename__ = "grade_outbox"
    __table_args__ = (
        UniqueConstraint("placement_id", "user_id"),
        CheckConstraint(f"state IN {STATES!r}", name="state"),
        CheckConstraint("score_maximum > 0", name="score_maximum_positive"),
        CheckConstraint("score_given >= 0", name="score_given_not_negative"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("tries >= 0", name="tries_not_negative"),
        # A claim is a lease: who holds it and until when, both or neither.
        CheckConstraint("(claimed_by IS NULL) = (claim_expires_at IS NULL)", name="claim_complete"),
        CheckConstraint(
            "delivered_version IS NULL OR delivered_version <= version", name="delivered_not_ahead"
        ),
        # The worker's "what is due" query.
        Index("ix_grade_outbox_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placements.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_users.id", ondelete="CASCADE"))
    # The attempt that set the best. No foreign key: the attempts tables belong to another module
    # and the row already carries everything that must be sent.
    attempt_id: Mapped[int] = mapped_column(Integer)
    score_given: Mapped[float] = mapped_column(Float)
    score_maximum: Mapped[float] = mapped_column(Float)
    # AGS `timestamp`: when the best was set. Retries reuse it, so the platform's "newer wins"
    # rule (Moodle: 409 for an equal or older timestamp) makes a repeated post harmless.
    score_timestamp: Mapped[datetime]
    # Bumped each time a newer best replaces the row; a worker only marks as delivered the version
    # it actually sent.
    version: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    tries: Mapped[int] = mapped_column(Integer, default=0)  # failed sends of the current version
    next_attempt_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claim_expires_at: Mapped[datetime | None]
    delivered_version: Mapped[int | None] = mapped_column(Integer)
    delivered_score: Mapped[float | None] = mapped_column(Float)
    delivered_at: Mapped[datetime | None]
    # The last problem: a code (lti_tool.grades.failures), the HTTP status, the platform's answer.
    last_error_code: Mapped[str | None] = mapped_column(String(40))
    last_http_status: Mapped[int | None] = mapped_column(Integer)
    last_error_detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    placement: Mapped[Placement] = relationship()
    user: Mapped[LtiUser] = relationship()

    @property
    def fraction(self) -> float:
        return self.score_given / self.score_maximum

    @property
    def is_current_delivered(self) -> bool:
        return self.state == DELIVERED and self.delivered_version == self.version


class GradeLineItem(Base):
    """The line item found or created through `lineitems` for a placement whose launch had none."""

    __tablename__ = "grade_line_items"
    __table_args__ = (UniqueConstraint("placement_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id", ondelete="CASCADE"))
    lineitems_url: Mapped[str] = mapped_column(Text)  # the container it was found in
    lineitem_url: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
