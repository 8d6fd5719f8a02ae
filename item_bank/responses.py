"""Learner responses: shape checks and normalisation, per item type.

Shapes (JSON): single_choice {"choice": "a"}; multiple_response {"choices": ["a", "c"]};
true_false {"value": true}; matching {"pairs": {"p1": "p3"}} (prompt id -> answer id, answer ids
are pair ids and distractor ids d1, d2...); short_answer {"text": "..."}; numerical
{"value": "12.5"} (string or number, comma decimal accepted). `{}` (or a null value) means
"not answered" and scores 0.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from item_bank.item_types import (
    MATCHING,
    MULTIPLE_RESPONSE,
    NUMERICAL,
    SHORT_ANSWER,
    SINGLE_CHOICE,
    TRUE_FALSE,
)

MAX_TEXT_LENGTH = 1000


class ItemLike(Protocol):
    type: str
    points: float
    content: dict[str, Any]


class InvalidResponse(ValueError):
    """A response that does not fit the item; `code` is stable for programs, `message` for people."""

    def __init__(self, message: str, code: str = "invalid_response") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _only_keys(response: Mapping[str, Any], allowed: set[str]) -> None:
    extra = set(response) - allowed
    if extra:
        raise InvalidResponse(
            f"Unexpected field(s) {sorted(extra)}; expected only {sorted(allowed)}.",
            "unexpected_field",
        )


def _option_ids(content: Mapping[str, Any]) -> list[str]:
    return [option["id"] for option in content["options"]]


def _single(content: Mapping[str, Any], response: Mapping[str, Any]) -> dict[str, Any]:
    _only_keys(response, {"choice"})
    choice = response.get("choice")
    if choice is None:
        return {"choice": None}
    if not isinstance(choice, str):
        raise InvalidResponse("'choice' must be an option id (text).", "wrong_shape")
    if choice not in _option_ids(content):
        raise InvalidResponse(f"Unknown option id {choice!r}.", "unknown_option")
    return {"choice": choice}


def _multiple(content: Mapping[str, Any], response: Mapping[str, Any]) -> dict[str, Any]:
    _only_keys(response, {"choices"})
    choices = response.get("choices")
    if choices is None:
        return {"choices": []}
    if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
        raise InvalidResponse("'choices' must be a list of option ids.", "wrong_shape")
    known = _option_ids(content)
    unknown = [c for c in choices if c not in known]
    if unknown:
        raise InvalidResponse(f"Unknown option id(s) {unknown}.", "unknown_option")
    if len(set(choices)) != len(choices):
        raise InvalidResponse("An option is chosen more than once.", "duplicate_choice")
    return {"choices": sorted(choices, key=known.index)}


def _true_false(content: Mapping[str, Any], response: Mapping[str, Any]) -> dict[str, Any]:
    _only_keys(response, {"value"})
    value = response.get("value")
    if value is not None and not isinstance(value, bool):
        raise InvalidResponse("'value' must be true or false.", "wrong_shape")
    return {"value": value}


def _matching(content: Mapping[str, Any], response: Mapping[str, Any]) -> dict[str, Any]:
    _only_keys(response, {"pairs"})
    pairs = response.get("pairs")
    if pairs is None:
        return {"pairs": {}}
    if not isinstance(pairs, Mapping):
        raise InvalidResponse("'pairs' must map prompt ids to answer ids.", "wrong_shape")
    prompts = [pair["id"] for pair in content["pairs"]]
    answers = set(prompts) | {d["id"] for d in content.get("distractors", [])}
    result: dict[str, str] = {}
    for prompt, answer in pairs.items():
        if prompt not in prompts:
            raise InvalidResponse(f"Unknown prompt id {prompt!r}.", "unknown_option")
        if answer is None:
            continue
        if not isinstance(answer, str):
            raise InvalidResponse("Each answer must be an answer id (text).", "wrong_shape")
        if answer not in answers:
            raise InvalidResponse(f"Unknown answer id {answer!r}.", "unknown_option")
        result[prompt] = answer
    return {"pairs": {prompt: result[prompt] for prompt in prompts if prompt in result}}


def _short(content: Mapping[str, Any], response: Mapping[str, Any]) -> dict[str, Any]:
    _only_keys(response, {"text"})
    text = response.get("text")
    if text is None:
        return {"text": None}
    if not isinstance(text, str):
        raise InvalidResponse("'text' must be text.", "wrong_shape")
    if len(text) > MAX_TEXT_LENGTH:
        raise InvalidResponse(
            f"The answer is longer than {MAX_TEXT_LENGTH} characters.", "too_long"
        )
    return {"text": text.strip() or None}


_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


def parse_number(value: Any) -> float:
    """A learner's number: int/float, or text with '.' or one ',' as decimal separator."""
    if isinstance(value, bool):
        raise InvalidResponse("'value' must be a number.", "not_a_number")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip().replace("\u2212", "-").replace(" ", "").replace("\u00a0", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        if not _NUMBER.match(text):
            raise InvalidResponse(f"{value!r} is not a number.", "not_a_number")
        try:
            number = float(Decimal(text))
        except (InvalidOperation, OverflowError):
            raise InvalidResponse(f"{value!r} is not a number.", "not_a_number") from None
    else:
        raise InvalidResponse("'value' must be a number or text.", "wrong_shape")
    if not math.isfinite(number):
        raise InvalidResponse("The number is out of range.", "not_a_number")
    return number


def _numerical(content: Mapping[str, Any], response: Mapping[str, Any]) -> dict[str, Any]:
    _only_keys(response, {"value"})
    value = response.get("value")
    if value is None or (isinstance(value, str) and not value.strip()):
        return {"value": None}
    parse_number(value)
    return {"value": value.strip() if isinstance(value, str) else value}


_VALIDATORS: dict[str, Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, Any]]] = {
    SINGLE_CHOICE: _single,
    MULTIPLE_RESPONSE: _multiple,
    TRUE_FALSE: _true_false,
    MATCHING: _matching,
    SHORT_ANSWER: _short,
    NUMERICAL: _numerical,
}


def validate_response(item_version: ItemLike, response: Any) -> dict[str, Any]:
    """The normalised response, or InvalidResponse explaining what is wrong with it."""
    if response is None:
        response = {}
    if not isinstance(response, Mapping):
        raise InvalidResponse("A response must be a JSON object.", "wrong_shape")
    validator = _VALIDATORS.get(item_version.type)
    if validator is None:
        raise InvalidResponse(f"Unknown item type {item_version.type!r}.", "unknown_type")
    return validator(item_version.content, response)


def is_answered(normalised: Mapping[str, Any]) -> bool:
    return any(value not in (None, [], {}) for value in normalised.values())
