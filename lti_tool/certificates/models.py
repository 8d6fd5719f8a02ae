"""The certificate of completion: issued once, from a passing attempt, with a snapshot of what
it says so that the paper and the verification page always agree."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from item_bank.database import Base
from lti_tool.launch.models import LtiUser, Placement


class Certificate(Base):
    __tablename__ = "certificates"
    __table_args__ = (
        CheckConstraint("length(code) = 16", name="code_length"),
        CheckConstraint("score_percent >= 0 AND score_percent <= 100", name="score_range"),
        CheckConstraint("length(learner_name) > 0", name="learner_named"),
        # A revoked certificate always says why.
        CheckConstraint(
            "(revoked_at IS NULL) = (revoked_reason IS NULL)", name="revocation_has_reason"
        ),
        # At most one valid certificate per learner per placement (a replaced one is revoked).
        Index(
            "uq_certificates_live_per_learner",
            "placement_id",
            "user_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # Crockford base32, no dashes
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placements.id", ondelete="RESTRICT"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("lti_users.id", ondelete="RESTRICT"), index=True
    )
    # The passing attempt it is based on: kept as evidence (an attempt with a certificate
    # cannot be deleted).
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempts.id", ondelete="RESTRICT"), index=True
    )
    assessment_version_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_versions.id", ondelete="RESTRICT")
    )
    # Snapshot at issue time: what the PDF and the verification page say, forever.
    learner_name: Mapped[str] = mapped_column(String(300))
    course_title: Mapped[str] = mapped_column(String(500))
    assessment_title: Mapped[dict[str, str]] = mapped_column(JSON)  # every language of the version
    assessment_default_language: Mapped[str] = mapped_column(String(8))
    score_percent: Mapped[float] = mapped_column(Float)
    achieved_at: Mapped[datetime]  # when the passing attempt was completed
    issued_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(Text)

    placement: Mapped[Placement] = relationship()
    user: Mapped[LtiUser] = relationship()
