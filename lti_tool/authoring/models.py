"""Who may author, and uploads waiting for their author's confirmation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from item_bank.database import Base


class AuthoringPlatform(Base):
    """A platform whose staff may change the shared item bank (an admin's decision)."""

    __tablename__ = "authoring_platforms"

    platform_id: Mapped[int] = mapped_column(
        ForeignKey("platforms.id", ondelete="CASCADE"), primary_key=True
    )
    allowed_at: Mapped[datetime]


class PendingUpload(Base):
    """An uploaded file between its report and its author's confirmation. Named by a random
    token and bound to the launch that uploaded it: the confirmation never names a path."""

    __tablename__ = "authoring_uploads"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    launch_id: Mapped[str] = mapped_column(
        ForeignKey("launch_sessions.id", ondelete="CASCADE"), index=True
    )
    file_name: Mapped[str] = mapped_column(String(200))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
