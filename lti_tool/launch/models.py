"""Who launched, from where: people, placements (resource links) and launch sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from item_bank.database import Base
from lti_tool.platforms.models import Deployment, Platform


class LtiUser(Base):
    """A person as a platform knows them: `sub` is stable per issuer (Moodle: the user id)."""

    __tablename__ = "lti_users"
    __table_args__ = (UniqueConstraint("platform_id", "sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"))
    sub: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(300), default="")
    given_name: Mapped[str] = mapped_column(String(200), default="")
    family_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(320), default="")
    updated_at: Mapped[datetime]

    platform: Mapped[Platform] = relationship()

    @property
    def display_name(self) -> str:
        return (
            self.name or " ".join(p for p in (self.given_name, self.family_name) if p) or self.sub
        )


class Placement(Base):
    """One assessment activity in one course: an LTI resource link within a deployment."""

    __tablename__ = "placements"
    __table_args__ = (
        UniqueConstraint("deployment_id", "resource_link_id"),
        CheckConstraint(
            "opens_at IS NULL OR closes_at IS NULL OR opens_at < closes_at", name="window_ordered"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id", ondelete="CASCADE"))
    resource_link_id: Mapped[str] = mapped_column(String(255))
    resource_link_title: Mapped[str] = mapped_column(String(500), default="")
    context_id: Mapped[str] = mapped_column(String(255), default="")
    context_label: Mapped[str] = mapped_column(String(255), default="")
    context_title: Mapped[str] = mapped_column(String(500), default="")
    assessment_slug: Mapped[str | None] = mapped_column(String(100))
    # AGS endpoint claim of the latest launch: where grades go.
    ags_lineitem_url: Mapped[str | None] = mapped_column(Text)
    ags_lineitems_url: Mapped[str | None] = mapped_column(Text)
    ags_scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime]
    # When learners may start attempts, set by an instructor (None: no limit on that side);
    # lti_tool/attempts/availability.py holds the rules.
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]

    deployment: Mapped[Deployment] = relationship()


class LaunchSession(Base):
    """A verified launch. Follow-up requests carry a signed token naming it (no cookies needed)."""

    __tablename__ = "launch_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_users.id", ondelete="CASCADE"), index=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id", ondelete="CASCADE"))
    placement_id: Mapped[int | None] = mapped_column(
        ForeignKey("placements.id", ondelete="CASCADE"), index=True
    )
    message_type: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))  # learner | instructor | admin
    locale: Mapped[str] = mapped_column(String(20))
    return_url: Mapped[str | None] = mapped_column(Text)
    document_target: Mapped[str | None] = mapped_column(String(20))
    claims: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]

    user: Mapped[LtiUser] = relationship()
    deployment: Mapped[Deployment] = relationship()
    placement: Mapped[Placement | None] = relationship()

    @property
    def is_staff(self) -> bool:
        return self.role in {"instructor", "admin"}
