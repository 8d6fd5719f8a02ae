from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from item_bank.database import Base


class Platform(Base):
    """One registration of this tool in one LMS (Moodle: one "External tool" type)."""

    __tablename__ = "platforms"
    __table_args__ = (
        UniqueConstraint("issuer", "client_id"),
        # A Client ID belongs to one platform. The grade worker signs its token requests with
        # sub = client_id: were a second issuer to share it, that issuer's token URL would
        # receive assertions the real platform accepts (its token.php does not check aud).
        UniqueConstraint("client_id"),
        # A logo is stored with the media type it was checked to be (lti_tool.platforms.branding).
        CheckConstraint("(logo IS NULL) = (logo_media_type IS NULL)", name="logo_has_media_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(500))  # Moodle: "Platform ID"
    client_id: Mapped[str] = mapped_column(String(255))  # Moodle: "Client ID"
    auth_login_url: Mapped[str] = mapped_column(Text)  # Moodle: "Authentication request URL"
    auth_token_url: Mapped[str] = mapped_column(Text)  # Moodle: "Access token URL"
    key_set_url: Mapped[str] = mapped_column(Text)  # Moodle: "Public keyset URL"
    created_at: Mapped[datetime]
    # True while `name` is one the tool made up (dynamic registration): a launch may then replace
    # it by the site name the platform advertises; an admin's `add --name` or `rename` ends that.
    name_is_automatic: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Certificate branding (`flask platform brand`): the issuer line says `organisation`, or
    # `name` when there is none.
    organisation: Mapped[str | None] = mapped_column(String(200))
    signatory: Mapped[str | None] = mapped_column(String(300))  # e.g. "Jane Doe, Director"
    logo: Mapped[bytes | None] = mapped_column(LargeBinary)  # PNG or JPEG, size-limited
    logo_media_type: Mapped[str | None] = mapped_column(String(20))

    deployments: Mapped[list[Deployment]] = relationship(
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


INVITE_NOTE_LENGTH = 200  # characters of what the admin meant an invite for


class RegistrationInvite(Base):
    """An administrator's one-time permission for one dynamic registration.

    Only the SHA-256 of the invitation token is kept: the URL printed to the admin is the
    token's only copy, so a database dump cannot be replayed into a registration.
    """

    __tablename__ = "registration_invites"
    __table_args__ = (
        CheckConstraint("expires_at > created_at", name="expires_after_creation"),
        CheckConstraint("used_at IS NULL OR revoked_at IS NULL", name="used_or_revoked_not_both"),
        CheckConstraint(
            "platform_id IS NULL OR used_at IS NOT NULL", name="platform_only_once_used"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)  # hex digest
    note: Mapped[str] = mapped_column(String(INVITE_NOTE_LENGTH))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # The platform it registered; kept as history (NULL) when that platform is removed.
    platform_id: Mapped[int | None] = mapped_column(
        ForeignKey("platforms.id", ondelete="SET NULL"), index=True
    )

    platform: Mapped[Platform | None] = relationship()
