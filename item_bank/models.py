"""Tables of the item bank.

An `Assessment` is a stable slug. Each import whose content differs from the latest published
version creates an `AssessmentVersion`: immutable, with its pools and the exact `ItemVersion`s
they draw from. An attempt stores `ItemVersion.id`, so what a learner saw can always be
shown and rescored later. An `Item` is a stable item id within one assessment (two assessments
may both have a "q1": ADR 0023); its `ItemVersion`s are its published contents (identical
content is one version, never two).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from item_bank.database import Base
from item_bank.item_types import ITEM_TYPES, REVIEW_POLICIES


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Assessment(Base):
    __tablename__ = "assessments"
    __table_args__ = (CheckConstraint("length(slug) > 0", name="slug_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime]
    # Archived: no longer offered for new activities; its versions stay readable and the
    # activities already using it keep working.
    archived_at: Mapped[datetime | None]

    versions: Mapped[list[AssessmentVersion]] = relationship(
        back_populates="assessment", order_by="AssessmentVersion.number"
    )


class AssessmentVersion(Base):
    """A published, immutable state of an assessment (rules, texts, pools, item versions)."""

    __tablename__ = "assessment_versions"
    __table_args__ = (
        UniqueConstraint("assessment_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint(
            "pass_mark_percent >= 0 AND pass_mark_percent <= 100", name="pass_mark_range"
        ),
        CheckConstraint("questions_drawn >= 1", name="questions_drawn_positive"),
        CheckConstraint("inactivity_timeout_seconds > 0", name="inactivity_positive"),
        CheckConstraint(
            "time_limit_seconds IS NULL OR time_limit_seconds > 0", name="time_limit_positive"
        ),
        CheckConstraint("max_attempts IS NULL OR max_attempts >= 1", name="max_attempts_positive"),
        CheckConstraint("retake_delay_seconds >= 0", name="retake_delay_not_negative"),
        CheckConstraint(_in("review_policy", REVIEW_POLICIES), name="review_policy_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="RESTRICT"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime]
    source_file: Mapped[str] = mapped_column(String(500), default="")
    default_language: Mapped[str] = mapped_column(String(8))
    languages: Mapped[list[str]] = mapped_column(JSON)  # languages fully translated
    title: Mapped[dict[str, str]] = mapped_column(JSON)  # plain text per language
    instructions: Mapped[dict[str, str]] = mapped_column(JSON)  # sanitised HTML per language
    pass_mark_percent: Mapped[float] = mapped_column(Float)
    questions_drawn: Mapped[int] = mapped_column(Integer)
    inactivity_timeout_seconds: Mapped[int] = mapped_column(Integer)
    time_limit_seconds: Mapped[int | None] = mapped_column(Integer)
    max_attempts: Mapped[int | None] = mapped_column(Integer)
    retake_delay_seconds: Mapped[int] = mapped_column(Integer)
    review_policy: Mapped[str] = mapped_column(String(20))
    # Overall feedback by score band, highest first: [{"min_percent": 90.0, "text": {...}}].
    feedback_bands: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=list, server_default=text("'[]'")
    )

    assessment: Mapped[Assessment] = relationship(back_populates="versions")
    pools: Mapped[list[Pool]] = relationship(
        back_populates="assessment_version", order_by="Pool.position", cascade="all, delete-orphan"
    )

    @property
    def slug(self) -> str:
        return self.assessment.slug


class Pool(Base):
    """A group of items of one assessment version; each attempt draws `draw_count` of them."""

    __tablename__ = "item_pools"
    __table_args__ = (
        UniqueConstraint("assessment_version_id", "key"),
        UniqueConstraint("assessment_version_id", "position"),
        CheckConstraint("draw_count >= 1", name="draw_count_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_version_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_versions.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(100))  # the pool id of the authoring file
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    draw_count: Mapped[int] = mapped_column(Integer)

    assessment_version: Mapped[AssessmentVersion] = relationship(back_populates="pools")
    members: Mapped[list[PoolItem]] = relationship(
        back_populates="pool", order_by="PoolItem.position", cascade="all, delete-orphan"
    )

    @property
    def item_versions(self) -> list[ItemVersion]:
        return [member.item_version for member in self.members]


class PoolItem(Base):
    __tablename__ = "item_pool_members"
    __table_args__ = (
        UniqueConstraint("pool_id", "position"),
        UniqueConstraint("pool_id", "item_version_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(
        ForeignKey("item_pools.id", ondelete="CASCADE"), index=True
    )
    item_version_id: Mapped[int] = mapped_column(
        ForeignKey("item_versions.id", ondelete="RESTRICT"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)

    pool: Mapped[Pool] = relationship(back_populates="members")
    item_version: Mapped[ItemVersion] = relationship()


class Item(Base):
    """A stable item id, unique within the assessment that owns it."""

    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("assessment_id", "uid"),
        CheckConstraint("length(uid) > 0", name="uid_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(100))
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[datetime]


class ItemVersion(Base):
    """One published content of an item, all its languages included. Immutable."""

    __tablename__ = "item_versions"
    __table_args__ = (
        UniqueConstraint("item_id", "version"),
        UniqueConstraint("item_id", "content_hash"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("points > 0", name="points_positive"),
        CheckConstraint(_in("type", ITEM_TYPES), name="type_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="RESTRICT"), index=True)
    # The item's id in its assessment, copied so attempts read it without a join.
    item_uid: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(30))
    points: Mapped[float] = mapped_column(Float)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime]

    @property
    def default_language(self) -> str:
        return str(self.content.get("default_language", "en"))


class MediaFile(Base):
    """A verified picture an item shows, named by the SHA-256 of its bytes (item_bank.media)."""

    __tablename__ = "media_files"
    __table_args__ = (
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
        CheckConstraint(
            _in("media_type", ("image/png", "image/jpeg", "image/gif", "image/webp")),
            name="media_type_known",
        ),
        CheckConstraint("byte_size > 0 AND width > 0 AND height > 0", name="sizes_positive"),
    )

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(20))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    byte_size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]


class ImmutableVersionError(RuntimeError):
    """A published version was about to be changed; publish a new version instead."""


def _refuse_update(_mapper: Any, _connection: Any, target: Any) -> None:
    raise ImmutableVersionError(
        f"{type(target).__name__} {getattr(target, 'id', '?')} is published and cannot be changed"
    )


# Published content must never change under an attempt that references it.
for _model in (AssessmentVersion, Pool, PoolItem, ItemVersion, MediaFile):
    event.listen(_model, "before_update", _refuse_update)
