"""Learner views never leak answer keys; reviews show exactly what the policy allows."""

from __future__ import annotations

import json

import pytest

from item_bank.presentation import present_item, review_item
from item_bank.review_policies import (
    REVIEW_FULL,
    REVIEW_FULL_AFTER_CLOSE,
    REVIEW_RESPONSES,
    review_now,
)
from tests.unit.item_bank.helpers import choice, item_version, matching

SINGLE = item_version(choice())
MATCH = item_version(matching())
SHORT = item_version(
    {
        "id": "sa",
        "type": "short_answer",
        "stem": {"en": "Acronym?", "es": "¿Sigla?"},
        "accepted": {"en": ["IOM"], "es": ["OIM"]},
        "feedback": {"correct": {"en": "Yes"}},
    }
)
NUM = item_version(
    {"id": "n", "type": "numerical", "answer": 1951, "tolerance": 1, "stem": {"en": "Year?"}}
)
TF = item_version(
    {
        "id": "tf",
        "type": "true_false",
        "answer": False,
        "stem": {"en": "S"},
        "feedback": {"correct": {"en": "Right"}, "incorrect": {"en": "Wrong"}},
    }
)

SECRET_KEYS = {"correct", "feedback", "accepted", "answer", "tolerance"}


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


@pytest.mark.parametrize("item", [SINGLE, MATCH, SHORT, NUM, TF])
def test_learner_view_has_no_answer_keys_or_feedback(item):
    view = present_item(item, "es", None)

    assert not (_keys(view) & SECRET_KEYS)
    text = json.dumps(view)
    assert (
        "Well done" not in text
        and "About a" not in text
        and "1951" not in text
        and "OIM" not in text
    )


def test_options_follow_the_given_order_and_locale_with_fallback():
    view = present_item(SINGLE, "es-MX", ["c", "a", "d", "b"])

    assert [o["id"] for o in view["options"]] == ["c", "a", "d", "b"]
    assert view["options"][0]["text"] == "Opción c"
    assert view["stem"] == "Elija" and view["language"] == "es"
    french = present_item(SINGLE, "fr", None)
    assert french["stem"] == "Pick" and french["language"] == "en"  # falls back to the default


def test_matching_view_keeps_prompts_and_orders_answers():
    view = present_item(MATCH, "es", ["d1", "p3", "p1", "p2"])

    assert [p["id"] for p in view["prompts"]] == ["p1", "p2", "p3"]
    assert [a["id"] for a in view["answers"]] == ["d1", "p3", "p1", "p2"]
    assert view["answers"][2]["text"] == "Migración"  # translated answer
    assert view["answers"][3]["text"] == "Refugees"  # falls back to English


def test_an_option_order_that_is_not_a_permutation_is_refused():
    with pytest.raises(ValueError, match="not a permutation"):
        present_item(SINGLE, "en", ["a", "b"])


def test_review_policies_reveal_progressively_more():
    response = {"choice": "b"}

    none = review_item(SINGLE, "en", response, "none")
    score = review_item(SINGLE, "en", response, "score")
    responses = review_item(SINGLE, "en", response, "responses")
    full = review_item(SINGLE, "en", response, "full")

    assert none == {"item_version_id": 1, "type": "single_choice", "policy": "none", "shown": False}
    assert score["awarded"] == 0.0 and "stem" not in score and "response" not in score
    assert responses["response"] == {"choice": "b"} and responses["outcome"] == "incorrect"
    assert not (_keys(responses) & {"correct", "feedback"})
    assert full["correct"] == {"choice": "a"}
    assert [o["correct"] for o in full["options"]] == [True, False, False, False]
    assert full["feedback"] == {"general": "General", "outcome": "No", "options": {"b": "About b"}}


def test_full_review_of_other_types():
    short = review_item(SHORT, "es", {"text": "oim"}, "full")
    number = review_item(NUM, "en", {"value": "1950"}, "full")
    truth = review_item(TF, "en", {"value": True}, "full")
    unanswered = review_item(MATCH, "en", {}, "full")

    assert short["outcome"] == "correct" and short["correct"] == {"texts": ["OIM"]}
    assert short["feedback"]["outcome"] == "Yes"
    assert number["awarded"] == 1.0 and number["correct"] == {"value": 1951.0, "tolerance": 1.0}
    assert truth["outcome"] == "incorrect" and truth["feedback"]["outcome"] == "Wrong"
    assert unanswered["outcome"] == "unanswered" and unanswered["correct"]["pairs"] == {
        "p1": "p1",
        "p2": "p2",
        "p3": "p3",
    }


def test_partial_matching_outcome():
    view = review_item(MATCH, "en", {"pairs": {"p1": "p1", "p2": "p3"}}, "responses")

    assert view["outcome"] == "partial"
    assert view["awarded"] == pytest.approx(1.0)


def test_unknown_policy_is_refused():
    with pytest.raises(ValueError):
        review_item(SINGLE, "en", {}, "everything")


@pytest.mark.parametrize(
    ("can_take_again", "expected"), [(True, REVIEW_RESPONSES), (False, REVIEW_FULL)]
)
def test_full_after_close_is_responses_until_no_retake_is_possible(can_take_again, expected):
    assert review_now(REVIEW_FULL_AFTER_CLOSE, can_take_again=can_take_again) == expected
    assert review_now(REVIEW_FULL, can_take_again=True) == REVIEW_FULL  # others stay


def test_full_after_close_must_be_decided_before_a_review_is_built():
    """Built as it stands it could show the key to a learner who may retake: refused."""
    with pytest.raises(ValueError, match="review_now"):
        review_item(item_version(choice()), "en", {"choice": "a"}, REVIEW_FULL_AFTER_CLOSE)
