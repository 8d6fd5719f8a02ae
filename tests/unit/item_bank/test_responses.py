"""Malformed responses are refused with a clear message; valid ones are normalised."""

from __future__ import annotations

import pytest

from item_bank.responses import InvalidResponse, validate_response
from item_bank.scoring import score_response
from tests.unit.item_bank.helpers import choice, item_version, matching

SINGLE = item_version(choice())
MULTIPLE = item_version(choice("multiple_response", correct=("a", "c")))
MATCH = item_version(matching())
TF = item_version({"id": "tf", "type": "true_false", "answer": True, "stem": {"en": "S"}})
SHORT = item_version(
    {"id": "sa", "type": "short_answer", "accepted": {"en": ["IOM"]}, "stem": {"en": "S"}}
)
NUM = item_version({"id": "n", "type": "numerical", "answer": 1951, "stem": {"en": "S"}})


@pytest.mark.parametrize(
    ("item", "response", "code", "fragment"),
    [
        (SINGLE, {"choice": "z"}, "unknown_option", "Unknown option id 'z'"),
        (SINGLE, {"choice": ["a"]}, "wrong_shape", "'choice' must be an option id"),
        (SINGLE, {"choices": ["a"]}, "unexpected_field", "Unexpected field"),
        (SINGLE, ["a"], "wrong_shape", "must be a JSON object"),
        (MULTIPLE, {"choices": "a"}, "wrong_shape", "list of option ids"),
        (MULTIPLE, {"choices": ["a", "x"]}, "unknown_option", "'x'"),
        (MULTIPLE, {"choices": ["a", "a"]}, "duplicate_choice", "more than once"),
        (TF, {"value": "true"}, "wrong_shape", "true or false"),
        (MATCH, {"pairs": {"p9": "p1"}}, "unknown_option", "Unknown prompt id"),
        (MATCH, {"pairs": {"p1": "d7"}}, "unknown_option", "Unknown answer id"),
        (MATCH, {"pairs": ["p1"]}, "wrong_shape", "map prompt ids"),
        (SHORT, {"text": 5}, "wrong_shape", "'text' must be text"),
        (SHORT, {"text": "x" * 1001}, "too_long", "longer than"),
        (NUM, {"value": "nineteen"}, "not_a_number", "is not a number"),
        (NUM, {"value": "1e999"}, "not_a_number", "out of range"),
        (NUM, {"value": True}, "not_a_number", "must be a number"),
        (NUM, {"value": [1]}, "wrong_shape", "number or text"),
    ],
)
def test_malformed_responses_raise_invalid_response(item, response, code, fragment):
    with pytest.raises(InvalidResponse) as caught:
        validate_response(item, response)

    assert caught.value.code == code
    assert fragment in caught.value.message
    with pytest.raises(InvalidResponse):
        score_response(item, response)


@pytest.mark.parametrize("item", [SINGLE, MULTIPLE, MATCH, TF, SHORT, NUM])
def test_empty_response_means_unanswered_and_scores_zero(item):
    assert score_response(item, {}) == 0.0
    assert score_response(item, None) == 0.0


def test_normalisation_orders_choices_and_keeps_numbers_as_typed():
    assert validate_response(MULTIPLE, {"choices": ["c", "a"]}) == {"choices": ["a", "c"]}
    assert validate_response(NUM, {"value": " 1951,0 "}) == {"value": "1951,0"}
    assert validate_response(MATCH, {"pairs": {"p2": "p2", "p1": None}}) == {"pairs": {"p2": "p2"}}
    assert validate_response(SHORT, {"text": "   "}) == {"text": None}
