"""The validated, normalised form of one assessment file, whatever format it came from.

Every importer produces the same raw authoring-format dict; `validation.validate_document`
turns it into these objects. Hashes are computed from a canonical JSON form, so the same
content always has the same hash (that is what makes imports idempotent).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from item_bank.media.images import VerifiedImage


def canonical_json(value: Any) -> str:
    return json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )


def content_hash(value: Any) -> str:
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class RulesDoc:
    inactivity_timeout_seconds: int = 600
    time_limit_seconds: int | None = None
    max_attempts: int | None = None
    retake_delay_seconds: int = 0
    review_policy: str = "responses"

    def as_dict(self) -> dict[str, Any]:
        return {
            "inactivity_timeout_seconds": self.inactivity_timeout_seconds,
            "time_limit_seconds": self.time_limit_seconds,
            "max_attempts": self.max_attempts,
            "retake_delay_seconds": self.retake_delay_seconds,
            "review_policy": self.review_policy,
        }


@dataclass(frozen=True)
class ItemDoc:
    uid: str
    type: str
    points: float
    source: str
    tags: tuple[str, ...]
    content: dict[str, Any]

    def hashable(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "type": self.type,
            "points": self.points,
            "source": self.source,
            "tags": list(self.tags),
            "content": self.content,
        }

    @property
    def content_hash(self) -> str:
        return content_hash(self.hashable())


@dataclass(frozen=True)
class PoolDoc:
    key: str
    title: dict[str, str]
    draw: int
    items: tuple[ItemDoc, ...]


@dataclass(frozen=True)
class AssessmentDoc:
    slug: str
    default_language: str
    title: dict[str, str]
    instructions: dict[str, str]
    pass_mark_percent: float
    rules: RulesDoc
    pools: tuple[PoolDoc, ...]
    source_file: str = ""
    languages: tuple[str, ...] = field(default=())
    # The pictures its items show, by SHA-256 (their names are in the content, so the
    # content hash already covers them).
    media: Mapping[str, VerifiedImage] = field(default_factory=dict, compare=False, hash=False)
    # Overall feedback by score band, highest band first: ({"min_percent", "text"}, ...).
    feedback_bands: tuple[dict[str, Any], ...] = ()

    @property
    def items(self) -> list[ItemDoc]:
        return [item for pool in self.pools for item in pool.items]

    @property
    def questions_drawn(self) -> int:
        return sum(pool.draw for pool in self.pools)

    def hashable(self) -> dict[str, Any]:
        extra = {"feedback_bands": list(self.feedback_bands)} if self.feedback_bands else {}
        return extra | {
            "slug": self.slug,
            "default_language": self.default_language,
            "title": self.title,
            "instructions": self.instructions,
            "pass_mark_percent": self.pass_mark_percent,
            "rules": self.rules.as_dict(),
            "pools": [
                {
                    "key": pool.key,
                    "title": pool.title,
                    "draw": pool.draw,
                    "items": [[item.uid, item.content_hash] for item in pool.items],
                }
                for pool in self.pools
            ],
        }

    @property
    def content_hash(self) -> str:
        return content_hash(self.hashable())
