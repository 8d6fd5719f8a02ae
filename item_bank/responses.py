"""Learner responses: shape checks and normalisation, per item type (each type's
`normalise_response` in `item_bank.item_types`).

Shapes (JSON): single_choice {"choice": "a"}; multiple_response {"choices": ["a", "c"]};
true_false {"value": true}; matching {"pairs": {"p1": "p3"}} (prompt id -> answer id, answer ids
are pair ids and distractor ids d1, d2...); short_answer {"text": "..."}; numerical
{"value": "12.5"} (string or number, comma decimal accepted). `{}` (or a null value) means
"not answered" and scores 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from item_bank.item_types import REGISTRY
from item_bank.item_types.base import InvalidResponse, parse_number
from item_bank.item_types.short_answer import MAX_TEXT_LENGTH

__all__ = [
    "MAX_TEXT_LENGTH",
    "InvalidResponse",
    "ItemLike",
    "is_answered",
    "parse_number",
    "validate_response",
]


class ItemLike(Protocol):
    """Read only: an ItemVersion row or a cached, frozen snapshot of one."""

    @property
    def type(self) -> str: ...
    @property
    def points(self) -> float: ...
    @property
    def content(self) -> dict[str, Any]: ...


def validate_response(item_version: ItemLike, response: Any) -> dict[str, Any]:
    """The normalised response, or InvalidResponse explaining what is wrong with it."""
    if response is None:
        response = {}
    if not isinstance(response, Mapping):
        raise InvalidResponse("A response must be a JSON object.", "wrong_shape")
    item_type = REGISTRY.get(item_version.type)
    if item_type is None:
        raise InvalidResponse(f"Unknown item type {item_version.type!r}.", "unknown_type")
    return item_type.normalise_response(item_version.content, response)


def is_answered(normalised: Mapping[str, Any]) -> bool:
    return any(value not in (None, [], {}) for value in normalised.values())
