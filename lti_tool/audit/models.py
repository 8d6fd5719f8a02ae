"""The audit log's table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from item_bank.database import Base
from lti_tool.launch.models import LtiUser


class AuditEvent(Base):
    """One thing a staff member did in a placement (`action`: a code of `lti_tool.audit.log`).

    The attempt is named by id and number, not by a foreign key: an entry outlives the attempt
    it records the deletion of."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placements.id", ondelete="CASCADE"), index=True
    )
    staff_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("lti_users.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(String(40))
    learner_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("lti_users.id", ondelete="SET NULL")
    )
    attempt_id: Mapped[int | None] = mapped_column(Integer)
    attempt_number: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # before / after
    at: Mapped[datetime] = mapped_column(index=True)

    staff: Mapped[LtiUser | None] = relationship(foreign_keys=[staff_user_id])
    learner: Mapped[LtiUser | None] = relationship(foreign_keys=[learner_user_id])
