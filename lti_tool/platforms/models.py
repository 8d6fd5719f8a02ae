from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from item_bank.database import Base


class Platform(Base):
    """One registration of this tool in one LMS (Moodle: one "External tool" type)."""

    __tablename__ = "platforms"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(500))  # Moodle: "Platform ID"
    client_id: Mapped[str] = mapped_column(String(255))  # Moodle: "Client ID"
    auth_login_url: Mapped[str] = mapped_column(Text)  # Moodle: "Authentication request URL"
    auth_token_url: Mapped[str] = mapped_column(Text)  # Moodle: "Access token URL"
    key_set_url: Mapped[str] = mapped_column(Text)  # Moodle: "Public keyset URL"
    created_at: Mapped[datetime]

    deployments: Mapped[list["Deployment"]] = relationship(
        back_populates="platform", cascade="all, delete-orphan", order_by="Deployment.id"
    )

    @property
    def origin(self) -> str:
        """scheme://host[:port] of the platform, for CSP frame-ancestors."""
        from urllib.parse import urlsplit

        parts = urlsplit(self.issuer)
        return f"{parts.scheme}://{parts.netloc}"


class Deployment(Base):
    __tablename__ = "deployments"
    __table_args__ = (UniqueConstraint("platform_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(String(255))  # Moodle: "Deployment ID"
    created_at: Mapped[datetime]

    platform: Mapped[Platform] = relationship(back_populates="deployments")
