"""The registry of item types: every type the bank knows, one module each in this package.

Adding a type means writing one module (an `ItemType` subclass: schema, content, responses,
scoring, presentation, Moodle XML and GIFT hooks), listing it in `_TYPES` below, and writing
its two templates in the tool. The database constraint on `item_versions.type` lists the known
types too, so a new type also needs a migration.
"""

from __future__ import annotations

from item_bank.item_types.base import InvalidResponse, ItemType
from item_bank.item_types.choice import (
    MULTIPLE_RESPONSE,
    SINGLE_CHOICE,
    MultipleResponse,
    SingleChoice,
)
from item_bank.item_types.matching import MATCHING, Matching, distractor_id
from item_bank.item_types.numerical import NUMERICAL, Numerical
from item_bank.item_types.short_answer import SHORT_ANSWER, ShortAnswer
from item_bank.item_types.true_false import TRUE_FALSE, TRUE_FALSE_OPTION_IDS, TrueFalse
from item_bank.review_policies import (
    REVIEW_FULL,
    REVIEW_NONE,
    REVIEW_POLICIES,
    REVIEW_RESPONSES,
    REVIEW_SCORE,
)

_TYPES: tuple[ItemType, ...] = (
    SingleChoice(),
    MultipleResponse(),
    TrueFalse(),
    Matching(),
    ShortAnswer(),
    Numerical(),
)
REGISTRY: dict[str, ItemType] = {item_type.name: item_type for item_type in _TYPES}
ITEM_TYPES: tuple[str, ...] = tuple(REGISTRY)
CHOICE_TYPES = frozenset({SINGLE_CHOICE, MULTIPLE_RESPONSE})
# The readers of external formats: Moodle XML by its question type, GIFT by trying types in order.
MOODLE_XML_READERS: dict[str, ItemType] = {
    qtype: item_type for item_type in _TYPES for qtype in item_type.moodle_import_qtypes
}
GIFT_READERS: tuple[ItemType, ...] = tuple(
    sorted(
        (item_type for item_type in _TYPES if item_type.gift_order is not None),
        key=lambda item_type: item_type.gift_order or 0,
    )
)


def item_type(name: str) -> ItemType:
    """The registered type called `name`; KeyError for an unknown one."""
    return REGISTRY[name]


def item_type_or_none(name: object) -> ItemType | None:
    return REGISTRY.get(name) if isinstance(name, str) else None


__all__ = [
    "CHOICE_TYPES",
    "GIFT_READERS",
    "ITEM_TYPES",
    "MATCHING",
    "MOODLE_XML_READERS",
    "MULTIPLE_RESPONSE",
    "NUMERICAL",
    "REGISTRY",
    "REVIEW_FULL",
    "REVIEW_NONE",
    "REVIEW_POLICIES",
    "REVIEW_RESPONSES",
    "REVIEW_SCORE",
    "SHORT_ANSWER",
    "SINGLE_CHOICE",
    "TRUE_FALSE",
    "TRUE_FALSE_OPTION_IDS",
    "InvalidResponse",
    "ItemType",
    "distractor_id",
    "item_type",
    "item_type_or_none",
]
