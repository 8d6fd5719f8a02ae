"""Scoring: one pure function per item type, in a registry keyed by type.

Every scorer gets (content, points, normalised response) and returns points awarded in
[0, points]. Rules:
* single_choice, true_false, numerical (|value - answer| <= tolerance): all or nothing.
* multiple_response: with k right options, each right option chosen earns points/k and each
  wrong option chosen costs points/k; the total is floored at 0.
* matching: points/n for each of the n prompts matched to its own answer (no penalty).
* short_answer: all or nothing; the text matches an accepted answer of any language after
  trimming and collapsing whitespace (and case folding unless case_sensitive).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from item_bank.item_types import (
    MATCHING,
    MULTIPLE_RESPONSE,
    NUMERICAL,
    SHORT_ANSWER,
    SINGLE_CHOICE,
    TRUE_FALSE,
)
from item_bank.responses import ItemLike, parse_number, validate_response

Scorer = Callable[[Mapping[str, Any], float, Mapping[str, Any]], float]
SCORERS: dict[str, Scorer] = {}


def scorer(item_type: str) -> Callable[[Scorer], Scorer]:
    def register(function: Scorer) -> Scorer:
        SCORERS[item_type] = function
        return function

    return register


def _clamp(value: float, points: float) -> float:
    return min(max(value, 0.0), points)


@scorer(SINGLE_CHOICE)
def score_single_choice(
    content: Mapping[str, Any], points: float, response: Mapping[str, Any]
) -> float:
    right = next(option["id"] for option in content["options"] if option["correct"])
    return points if response.get("choice") == right else 0.0


@scorer(MULTIPLE_RESPONSE)
def score_multiple_response(
    content: Mapping[str, Any], points: float, response: Mapping[str, Any]
) -> float:
    right = {option["id"] for option in content["options"] if option["correct"]}
    chosen = set(response.get("choices") or ())
    net = len(chosen & right) - len(chosen - right)
    return _clamp(points * net / len(right), points)


@scorer(TRUE_FALSE)
def score_true_false(
    content: Mapping[str, Any], points: float, response: Mapping[str, Any]
) -> float:
    value = response.get("value")
    return points if value is not None and value == content["answer"] else 0.0


@scorer(MATCHING)
def score_matching(content: Mapping[str, Any], points: float, response: Mapping[str, Any]) -> float:
    pairs = content["pairs"]
    chosen = response.get("pairs") or {}
    matched = sum(1 for pair in pairs if chosen.get(pair["id"]) == pair["id"])
    return _clamp(points * matched / len(pairs), points)


def normalise_text(text: str, case_sensitive: bool) -> str:
    collapsed = " ".join(unicodedata.normalize("NFC", text).split())
    if case_sensitive:
        return collapsed
    # Turkish has dotted and dotless i in both cases (İ i / I ı); Unicode case folding is not
    # locale-aware, so "ISTANBUL" would never match "İstanbul". Ignoring case therefore also
    # ignores the dot of i.
    folded = (
        unicodedata.normalize("NFD", collapsed.casefold()).replace("\u0307", "").replace("ı", "i")
    )
    return unicodedata.normalize("NFC", folded)


@scorer(SHORT_ANSWER)
def score_short_answer(
    content: Mapping[str, Any], points: float, response: Mapping[str, Any]
) -> float:
    text = response.get("text")
    if not text:
        return 0.0
    case_sensitive = bool(content.get("case_sensitive"))
    accepted = {
        normalise_text(a, case_sensitive)
        for answers in content["accepted"].values()
        for a in answers
    }
    return points if normalise_text(text, case_sensitive) in accepted else 0.0


@scorer(NUMERICAL)
def score_numerical(
    content: Mapping[str, Any], points: float, response: Mapping[str, Any]
) -> float:
    value = response.get("value")
    if value is None:
        return 0.0
    number = parse_number(value)
    answer = float(content["answer"])
    # A relative epsilon absorbs binary rounding (0.1 + 0.2) without widening real tolerances.
    slack = float(content.get("tolerance", 0)) + 1e-9 * max(1.0, abs(answer))
    return points if abs(number - answer) <= slack else 0.0


def score_response(item_version: ItemLike, response: Any) -> float:
    """Points awarded (0..item_version.points). Raises InvalidResponse for malformed responses."""
    normalised = validate_response(item_version, response)
    points = float(item_version.points)
    return _clamp(SCORERS[item_version.type](item_version.content, points, normalised), points)


def is_full_marks(item_version: ItemLike, awarded: float) -> bool:
    return abs(awarded - float(item_version.points)) <= 1e-9 * max(1.0, float(item_version.points))
