"""Tables of attempts: what each learner was asked, answered and scored, and their best.

The database is the source of truth for everything here (liveness included): losing the
key-value store or a worker process loses nothing a learner was told was saved.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from item_bank.database import Base
from item_bank.models import AssessmentVersion, ItemVersion

IN_PROGRESS = "in_progress"
SUBMITTED = "submitted"
VOID = "void"
STATUSES = (IN_PROGRESS, SUBMITTED, VOID)

VOID_INACTIVITY = "inactivity"  # no answer, page or heartbeat within the inactivity timeout
# Heartbeats only, no answer saved and no page opened, for several allowances (rules.py).
VOID_NO_ANSWER_OR_PAGE = "no_answer_or_page"
VOID_REASONS = (VOID_INACTIVITY, VOID_NO_ANSWER_OR_PAGE)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


_ONE_LIVE = text(f"status = '{IN_PROGRESS}'")


def _same_as_last_activity(context: Any) -> Any:
    """A new attempt's last answer or page is its start, like its last activity."""
    return context.get_current_parameters()["last_activity_at"]


class Attempt(Base):
    """One sitting of one learner in one placement, on one exact assessment version."""

    __tablename__ = "attempts"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        CheckConstraint(
            "void_reason IS NULL OR " + _in("void_reason", VOID_REASONS), name="void_reason_known"
        ),
        # The state and the columns that describe its outcome always agree.
        CheckConstraint(
            f"(status = '{IN_PROGRESS}' AND finished_at IS NULL AND score_percent IS NULL"
            f" AND void_reason IS NULL)"
            f" OR (status = '{SUBMITTED}' AND finished_at IS NOT NULL AND score_percent IS NOT NULL"
            f" AND points IS NOT NULL AND passed IS NOT NULL AND void_reason IS NULL)"
            f" OR (status = '{VOID}' AND finished_at IS NOT NULL AND score_percent IS NULL"
            f" AND void_reason IS NOT NULL)",
            name="outcome_matches_status",
        ),
        CheckConstraint(
            "score_percent IS NULL OR (score_percent >= 0 AND score_percent <= 100)",
            name="score_percent_range",
        ),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("seed >= 0", name="seed_not_negative"),
        CheckConstraint("inactivity_timeout_seconds > 0", name="inactivity_positive"),
        CheckConstraint("max_points > 0", name="max_points_positive"),
        UniqueConstraint("placement_id", "user_id", "number"),
        # One sitting at a time: at most one attempt in progress per learner and placement.
        Index(
            "uq_attempts_one_in_progress",
            "placement_id",
            "user_id",
            unique=True,
            sqlite_where=_ONE_LIVE,
            postgresql_where=_ONE_LIVE,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_users.id", ondelete="CASCADE"), index=True)
    assessment_version_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_versions.id", ondelete="RESTRICT"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per learner and placement
    seed: Mapped[int] = mapped_column(Integer)  # reproduces the draw and the option orders
    status: Mapped[str] = mapped_column(String(20), default=IN_PROGRESS)
    # Which browser tab holds the sitting; a tab with an older key is told to stop.
    sitting_key: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime]
    last_activity_at: Mapped[datetime]  # the last answer, page load or heartbeat
    # The last answer saved or attempt page opened: heartbeats alone do not move it.
    last_answer_or_page_at: Mapped[datetime] = mapped_column(default=_same_as_last_activity)
    # The timeout in force for this attempt (the assessment's, or a learner's accommodation).
    inactivity_timeout_seconds: Mapped[int] = mapped_column(Integer)
    deadline_at: Mapped[datetime | None]  # started_at + time limit, when there is one
    finished_at: Mapped[datetime | None]
    auto_submitted: Mapped[bool] = mapped_column(Boolean, default=False)  # by the time limit
    void_reason: Mapped[str | None] = mapped_column(String(20))
    last_position: Mapped[int] = mapped_column(Integer, default=1)  # where to resume
    points: Mapped[float | None] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
    score_percent: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    # A staff member's preview: scored and shown, never a best score, grade or certificate,
    # never in reports; thrown away when they start the next one (ADR 0019).
    preview: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    assessment_version: Mapped[AssessmentVersion] = relationship()
    questions: Mapped[list[AttemptQuestion]] = relationship(
        back_populates="attempt", order_by="AttemptQuestion.position", cascade="all, delete-orphan"
    )

    @property
    def is_live(self) -> bool:
        return self.status == IN_PROGRESS

    @property
    def engagement_limit_seconds(self) -> int:
        """How long heartbeats alone kept this attempt going (no answer, no page)."""
        from lti_tool.attempts.rules import engagement_limit_seconds  # rules import this module

        return engagement_limit_seconds(self.inactivity_timeout_seconds)


class AttemptQuestion(Base):
    """One drawn question of an attempt and the learner's latest acknowledged response."""

    __tablename__ = "attempt_questions"
    __table_args__ = (
        UniqueConstraint("attempt_id", "position"),
        CheckConstraint("position >= 1", name="position_positive"),
        CheckConstraint(
            "points_awarded IS NULL OR points_awarded >= 0", name="points_not_negative"
        ),
        CheckConstraint("(response IS NULL) = (saved_at IS NULL)", name="saved_response_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # 1-based, the order the learner sees
    item_version_id: Mapped[int] = mapped_column(
        ForeignKey("item_versions.id", ondelete="RESTRICT"), index=True
    )
    option_order: Mapped[list[str]] = mapped_column(JSON)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # normalised; None = never saved
    saved_at: Mapped[datetime | None]
    points_awarded: Mapped[float | None] = mapped_column(Float)  # set when the attempt is scored
    # The learner's "flag for later" (navigation and review page); no bearing on the score.
    flagged: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    attempt: Mapped[Attempt] = relationship(back_populates="questions")
    item_version: Mapped[ItemVersion] = relationship()


class BestScore(Base):
    """The retained (highest) score of a learner in a placement. Never decreases."""

    __tablename__ = "best_scores"
    __table_args__ = (
        UniqueConstraint("placement_id", "user_id"),
        CheckConstraint("best_percent >= 0 AND best_percent <= 100", name="best_percent_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_users.id", ondelete="CASCADE"), index=True)
    best_percent: Mapped[float] = mapped_column(Float)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    achieved_at: Mapped[datetime]
    passed: Mapped[bool] = mapped_column(Boolean)

    attempt: Mapped[Attempt] = relationship()


class Accommodation(Base):
    """An instructor's arrangements for one learner in one placement (None: the assessment's
    own rule): a longer inactivity allowance, a longer time limit, another retake delay."""

    __tablename__ = "attempt_accommodations"
    __table_args__ = (
        UniqueConstraint("placement_id", "user_id"),
        CheckConstraint(
            "inactivity_timeout_seconds IS NULL OR inactivity_timeout_seconds > 0",
            name="inactivity_positive",
        ),
        CheckConstraint(
            "time_limit_seconds IS NULL OR time_limit_seconds > 0", name="time_limit_positive"
        ),
        CheckConstraint(
            "retake_delay_seconds IS NULL OR retake_delay_seconds >= 0",
            name="retake_delay_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_users.id", ondelete="CASCADE"))
    inactivity_timeout_seconds: Mapped[int | None] = mapped_column(Integer)
    time_limit_seconds: Mapped[int | None] = mapped_column(Integer)  # only ever lengthens
    retake_delay_seconds: Mapped[int | None] = mapped_column(Integer)  # 0: retake at once
    set_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("lti_users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime]
