"""Scoring: one pure function per item type (each type's `score` in `item_bank.item_types`,
whose module docstring states its rule), looked up by type.

Every scorer gets (content, points, normalised response) and returns points awarded in
[0, points]; `score_response` validates the response first and clamps the result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from item_bank.item_types import REGISTRY
from item_bank.item_types.base import clamp
from item_bank.item_types.short_answer import normalise_text
from item_bank.responses import ItemLike, validate_response

__all__ = ["SCORERS", "is_full_marks", "normalise_text", "score_response"]

Scorer = Callable[[Mapping[str, Any], float, Mapping[str, Any]], float]
SCORERS: dict[str, Scorer] = {name: item_type.score for name, item_type in REGISTRY.items()}


def score_response(item_version: ItemLike, response: Any) -> float:
    """Points awarded (0..item_version.points). Raises InvalidResponse for malformed responses."""
    normalised = validate_response(item_version, response)
    points = float(item_version.points)
    return clamp(SCORERS[item_version.type](item_version.content, points, normalised), points)


def is_full_marks(item_version: ItemLike, awarded: float) -> bool:
    return abs(awarded - float(item_version.points)) <= 1e-9 * max(1.0, float(item_version.points))
