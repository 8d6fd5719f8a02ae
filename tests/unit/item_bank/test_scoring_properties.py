"""Property-based scoring tests, one group per item type: the score is always within
[0, points], the right answer earns full marks, and the order options are shown (or stored)
in never changes a score."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from item_bank.item_types import ITEM_TYPES
from item_bank.models import ItemVersion
from item_bank.scoring import SCORERS, score_response

# Local settings (not a global profile): other suites keep Hypothesis' defaults.
PROPERTY = settings(deadline=None, max_examples=150)

POINTS = st.sampled_from([0.5, 1.0, 2.0, 3.0, 7.5, 10.0])
OPTION_IDS = list("abcdefgh")


def _item(item_type: str, points: float, **content) -> ItemVersion:
    return ItemVersion(
        id=1,
        item_uid="q",
        version=1,
        type=item_type,
        points=points,
        content={"default_language": "en", "stem": {"en": "S"}, "feedback": {}, **content},
    )


def _options(ids: list[str], right: set[str]) -> list[dict]:
    return [{"id": oid, "text": {"en": oid}, "correct": oid in right} for oid in ids]


def _permuted(values: list, seed: int) -> list:
    copy = list(values)
    random.Random(seed).shuffle(copy)
    return copy


def _within(score: float, points: float) -> bool:
    return 0.0 <= score <= points


def test_every_item_type_has_a_scorer():
    assert set(SCORERS) == set(ITEM_TYPES)


@st.composite
def choice_items(draw, item_type: str):
    count = draw(st.integers(min_value=2, max_value=8))
    ids = OPTION_IDS[:count]
    if item_type == "single_choice":
        right = {draw(st.sampled_from(ids))}
    else:
        right = set(draw(st.lists(st.sampled_from(ids), min_size=1, unique=True)))
    return ids, right, draw(POINTS)


@PROPERTY
@given(choice_items("single_choice"), st.data(), st.integers())
def test_single_choice_properties(case, data, seed):
    ids, right, points = case
    item = _item("single_choice", points, options=_options(ids, right))
    choice = data.draw(st.none() | st.sampled_from(ids))

    score = score_response(item, {"choice": choice})

    assert _within(score, points)
    assert score_response(item, {"choice": next(iter(right))}) == points
    shuffled = _item("single_choice", points, options=_permuted(item.content["options"], seed))
    assert score_response(shuffled, {"choice": choice}) == score


@PROPERTY
@given(choice_items("multiple_response"), st.data(), st.integers())
def test_multiple_response_properties(case, data, seed):
    ids, right, points = case
    item = _item("multiple_response", points, options=_options(ids, right))
    chosen = data.draw(st.lists(st.sampled_from(ids), unique=True))

    score = score_response(item, {"choices": chosen})

    assert _within(score, points)
    assert score_response(item, {"choices": sorted(right)}) == points
    shuffled = _item("multiple_response", points, options=_permuted(item.content["options"], seed))
    assert score_response(shuffled, {"choices": _permuted(chosen, seed + 1)}) == score


@PROPERTY
@given(choice_items("multiple_response"))
def test_multiple_response_partial_credit_rule(case):
    ids, right, points = case
    item = _item("multiple_response", points, options=_options(ids, right))
    wrong = [oid for oid in ids if oid not in right]
    one_right = sorted(right)[:1]

    assert abs(score_response(item, {"choices": one_right}) - points / len(right)) < 1e-9
    if wrong:
        # one right and one wrong cancel out; everything chosen is never full marks
        assert score_response(item, {"choices": one_right + wrong[:1]}) == 0.0
        assert score_response(item, {"choices": ids}) < points
        assert score_response(item, {"choices": wrong}) == 0.0  # floored at 0


@PROPERTY
@given(st.booleans(), POINTS, st.none() | st.booleans())
def test_true_false_properties(answer, points, value):
    item = _item("true_false", points, answer=answer)

    score = score_response(item, {"value": value})

    assert _within(score, points)
    assert score_response(item, {"value": answer}) == points
    assert score == (points if value is answer else 0.0)


@st.composite
def matching_items(draw):
    n = draw(st.integers(min_value=2, max_value=6))
    distractors = draw(st.integers(min_value=0, max_value=3))
    pairs = [
        {"id": f"p{i}", "prompt": {"en": f"P{i}"}, "answer": {"en": f"A{i}"}}
        for i in range(1, n + 1)
    ]
    extra = [{"id": f"d{i}", "text": {"en": f"D{i}"}} for i in range(1, distractors + 1)]
    return pairs, extra, draw(POINTS)


@PROPERTY
@given(matching_items(), st.data(), st.integers())
def test_matching_properties(case, data, seed):
    pairs, distractors, points = case
    item = _item("matching", points, pairs=pairs, distractors=distractors)
    answer_ids = [p["id"] for p in pairs] + [d["id"] for d in distractors]
    chosen = {
        p["id"]: data.draw(st.sampled_from(answer_ids)) for p in pairs if data.draw(st.booleans())
    }

    score = score_response(item, {"pairs": chosen})

    assert _within(score, points)
    assert score_response(item, {"pairs": {p["id"]: p["id"] for p in pairs}}) == points
    correct = sum(1 for prompt, answer in chosen.items() if prompt == answer)
    assert abs(score - points * correct / len(pairs)) < 1e-9
    shuffled = _item(
        "matching", points, pairs=_permuted(pairs, seed), distractors=_permuted(distractors, seed)
    )
    assert (
        abs(
            score_response(shuffled, {"pairs": dict(_permuted(list(chosen.items()), seed))}) - score
        )
        < 1e-9
    )


WORDS = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N")), min_size=1, max_size=12
)


@PROPERTY
@given(st.lists(WORDS, min_size=1, max_size=3), WORDS, POINTS, st.booleans(), st.integers(0, 3))
def test_short_answer_properties(words, other, points, case_sensitive, padding):
    answer = " ".join(words)
    item = _item(
        "short_answer",
        points,
        accepted={"en": [answer], "es": ["OIM"]},
        case_sensitive=case_sensitive,
    )

    assert score_response(item, {"text": answer}) == points
    spaced = " " * padding + "  ".join(words) + "\t" * padding
    assert score_response(item, {"text": spaced}) == points  # whitespace is trimmed and collapsed
    assert score_response(item, {"text": "OIM"}) == points  # any language's answer counts
    if not case_sensitive:
        assert score_response(item, {"text": answer.upper()}) == points
    assert _within(score_response(item, {"text": other}), points)
    assert score_response(item, {"text": None}) == 0.0


def test_short_answer_case_sensitivity_is_respected():
    sensitive = _item("short_answer", 1.0, accepted={"en": ["IOM"]}, case_sensitive=True)
    insensitive = _item("short_answer", 1.0, accepted={"en": ["IOM"]}, case_sensitive=False)

    assert score_response(sensitive, {"text": "iom"}) == 0.0
    assert score_response(insensitive, {"text": "iom"}) == 1.0


NUMBERS = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@PROPERTY
@given(NUMBERS, st.floats(min_value=0, max_value=100), NUMBERS, POINTS)
def test_numerical_properties(answer, tolerance, guess, points):
    item = _item("numerical", points, answer=answer, tolerance=tolerance)

    score = score_response(item, {"value": guess})

    assert _within(score, points)
    assert score_response(item, {"value": answer}) == points
    assert score_response(item, {"value": repr(answer)}) == points
    if abs(guess - answer) > tolerance * (1 + 1e-9) + 1e-6 * max(1, abs(answer)):
        assert score == 0.0


def test_numerical_accepts_comma_decimal_and_tolerance_edges():
    item = _item("numerical", 2.0, answer=12.5, tolerance=0.5)

    assert score_response(item, {"value": "12,5"}) == 2.0
    assert score_response(item, {"value": "13"}) == 2.0
    assert score_response(item, {"value": 12.0}) == 2.0
    assert score_response(item, {"value": "13.01"}) == 0.0
    assert (
        score_response(_item("numerical", 1.0, answer=0.3, tolerance=0), {"value": 0.1 + 0.2})
        == 1.0
    )


def test_case_insensitive_matching_handles_turkish_dotted_and_dotless_i():
    item = _item("short_answer", 1.0, accepted={"tr": ["İstanbul", "ılık"]}, case_sensitive=False)

    assert score_response(item, {"text": "ISTANBUL"}) == 1.0
    assert score_response(item, {"text": "istanbul"}) == 1.0
    assert score_response(item, {"text": "ILIK"}) == 1.0
