"""Where pictures are kept: one small interface, content-addressed (a picture's name is the
SHA-256 of its bytes, so storing it twice stores it once and a name never changes meaning).

`DatabaseMediaStore` keeps them in the `media_files` table, inside the importing transaction, so
a failed import leaves no picture behind. Another backend (an S3-compatible bucket) implements
the same two methods; it must write before the import commits and may leave unreferenced
objects after a rollback, which are harmless (nothing names them) and can be swept (ADR 0024).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from item_bank.media.images import VerifiedImage
from item_bank.models import MediaFile


@dataclass(frozen=True)
class StoredMedia:
    sha256: str
    media_type: str
    data: bytes


class MediaStore(Protocol):
    def put(self, image: VerifiedImage, *, now: datetime) -> None:
        """Keep `image` (idempotent: a picture already kept is left as it is)."""

    def get(self, sha256: str) -> StoredMedia | None:
        """The picture named `sha256`, or None."""


class DatabaseMediaStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def put(self, image: VerifiedImage, *, now: datetime) -> None:
        if self.session.get(MediaFile, image.sha256) is not None:
            return
        self.session.add(
            MediaFile(
                sha256=image.sha256,
                media_type=image.media_type,
                data=image.data,
                byte_size=len(image.data),
                width=image.width,
                height=image.height,
                created_at=now,
            )
        )

    def get(self, sha256: str) -> StoredMedia | None:
        row = self.session.execute(
            select(MediaFile.media_type, MediaFile.data).where(MediaFile.sha256 == sha256)
        ).first()
        return None if row is None else StoredMedia(sha256, row.media_type, row.data)
