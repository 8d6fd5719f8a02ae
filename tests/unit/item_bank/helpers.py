"""Builders shared by the item-bank unit tests: real validated content, no database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from item_bank.models import ItemVersion
from item_bank.validation import _Collector, load_item

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "item_bank"


def item_version(raw: dict[str, Any], *, language: str = "en", id: int = 1) -> ItemVersion:
    """An ItemVersion (not persisted) from an authoring-format item dict, validated for real."""
    out = _Collector("test.yaml")
    doc = load_item(
        raw, path="items[0]", language=language, source_default="test.yaml", seen_items={}, out=out
    )
    assert doc is not None, [str(issue) for issue in out.issues]
    return ItemVersion(
        id=id,
        item_uid=doc.uid,
        version=1,
        type=doc.type,
        points=doc.points,
        content=doc.content,
        content_hash=doc.content_hash,
        source=doc.source,
        tags=list(doc.tags),
    )


def choice(
    item_type: str = "single_choice",
    correct: tuple[str, ...] = ("a",),
    ids: str = "abcd",
    points: float = 1,
) -> dict[str, Any]:
    return {
        "id": "q-choice",
        "type": item_type,
        "points": points,
        "stem": {"en": "Pick", "es": "Elija"},
        "options": [
            {
                "id": oid,
                "text": {"en": f"Option {oid}", "es": f"Opción {oid}"},
                "correct": oid in correct,
                "feedback": {"en": f"About {oid}"},
            }
            for oid in ids
        ],
        "feedback": {
            "correct": {"en": "Well done"},
            "incorrect": {"en": "No"},
            "general": {"en": "General"},
        },
    }


def matching(points: float = 3) -> dict[str, Any]:
    return {
        "id": "q-match",
        "type": "matching",
        "points": points,
        "stem": {"en": "Match"},
        "pairs": [
            {"id": "p1", "prompt": {"en": "IOM"}, "answer": {"en": "Migration", "es": "Migración"}},
            {"id": "p2", "prompt": {"en": "UNHCR"}, "answer": {"en": "Refugees"}},
            {"id": "p3", "prompt": {"en": "ILO"}, "answer": {"en": "Labour"}},
        ],
        "distractors": [{"en": "Trade"}],
    }
