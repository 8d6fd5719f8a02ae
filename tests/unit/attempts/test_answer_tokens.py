"""Opaque answer tokens (lti_tool/attempts/answer_tokens.py): what a page shows and posts."""

from __future__ import annotations

import re
import timeit
from types import SimpleNamespace

import pytest

from item_bank.presentation import present_item
from item_bank.responses import InvalidResponse, validate_response
from lti_tool.attempts.answer_tokens import ANSWER, OPTION, PROMPT, AnswerTokens

SECRET = "s" * 40
TOKEN = re.compile(r"^[0-9a-f]{20}$")

CHOICE = SimpleNamespace(
    id=1,
    item_uid="q-choice",
    version=1,
    type="single_choice",
    points=1.0,
    default_language="en",
    content={
        "stem": {"en": "Which?"},
        "options": [
            {"id": oid, "text": {"en": f"Option {oid}"}, "correct": oid == "a"} for oid in "abcd"
        ],
    },
)
MULTIPLE = SimpleNamespace(
    id=2,
    item_uid="q-multi",
    version=1,
    type="multiple_response",
    points=1.0,
    default_language="en",
    content={
        "stem": {"en": "Which ones?"},
        "options": [{"id": oid, "text": {"en": oid}, "correct": oid < "c"} for oid in "abcd"],
    },
)
MATCHING = SimpleNamespace(
    id=3,
    item_uid="q-match",
    version=1,
    type="matching",
    points=1.0,
    default_language="en",
    content={
        "stem": {"en": "Match."},
        "pairs": [
            {"id": f"p{n}", "prompt": {"en": f"P{n}"}, "answer": {"en": f"A{n}"}} for n in (1, 2, 3)
        ],
        "distractors": [{"id": "d1", "text": {"en": "Nothing"}}],
    },
)
TRUE_FALSE = SimpleNamespace(
    id=4,
    item_uid="q-tf",
    version=1,
    type="true_false",
    points=1.0,
    default_language="en",
    content={"stem": {"en": "True?"}, "answer": True},
)


def tokens(item, attempt_id=7, position=1, secret=SECRET):
    return AnswerTokens(secret).of_question(attempt_id, position, item)


def test_tokens_are_opaque_and_stable_within_an_attempt():
    first, again = tokens(CHOICE), tokens(CHOICE)
    for oid in "abcd":
        assert TOKEN.match(first.token(OPTION, oid))
        assert first.token(OPTION, oid) == again.token(OPTION, oid)  # a reload shows the same
    assert len({first.token(OPTION, oid) for oid in "abcd"}) == 4


@pytest.mark.parametrize("other", [dict(attempt_id=8), dict(position=2), dict(secret="t" * 40)])
def test_tokens_differ_by_attempt_question_and_secret(other):
    mine, theirs = tokens(CHOICE), tokens(CHOICE, **other)
    assert not {mine.token(OPTION, o) for o in "abcd"} & {theirs.token(OPTION, o) for o in "abcd"}


def test_one_token_alone_is_the_same_as_the_question_s():
    maker = AnswerTokens(SECRET)
    question = maker.of_question(7, 3, MATCHING)
    assert maker.token(7, 3, PROMPT, "p2") == question.token(PROMPT, "p2")
    assert maker.token(7, 3, ANSWER, "d1") == question.token(ANSWER, "d1")


def test_a_matching_prompt_and_its_own_answer_get_different_tokens():
    match = tokens(MATCHING)
    for n in (1, 2, 3):
        assert match.token(PROMPT, f"p{n}") != match.token(ANSWER, f"p{n}")


def test_the_disguised_view_carries_no_authored_id():
    for item in (CHOICE, MULTIPLE, MATCHING):
        view = present_item(item, "en", None)
        disguised = tokens(item).disguise_item(view)
        assert "item_uid" not in disguised and "item_version_id" not in disguised
        ids = [
            entry["id"]
            for key in ("options", "prompts", "answers")
            for entry in disguised.get(key, [])
        ]
        assert ids and all(TOKEN.match(i) for i in ids)
        # Texts and order are untouched: only the ids changed.
        for key in ("options", "prompts", "answers"):
            texts = [e["text"] for e in view.get(key, [])]
            assert [e["text"] for e in disguised.get(key, [])] == texts
    truth = tokens(TRUE_FALSE).disguise_item(present_item(TRUE_FALSE, "en", None))
    assert [o["id"] for o in truth["options"]] == ["true", "false"]  # the label says which


@pytest.mark.parametrize(
    "item, response",
    [
        (CHOICE, {"choice": "c"}),
        (CHOICE, {"choice": None}),
        (MULTIPLE, {"choices": ["a", "d"]}),
        (MULTIPLE, {"choices": []}),
        (MATCHING, {"pairs": {"p1": "p2", "p3": "d1"}}),
        (MATCHING, {"pairs": {}}),
        (TRUE_FALSE, {"value": False}),
    ],
)
def test_a_saved_response_goes_to_the_page_and_comes_back_the_same(item, response):
    question = tokens(item)
    on_page = question.disguise_response(response)
    assert validate_response(item, question.reveal(on_page)) == validate_response(item, response)
    assert not _strings(on_page) & AUTHORED_IDS


AUTHORED_IDS = {*"abcd", "p1", "p2", "p3", "d1"}


def _strings(value) -> set[str]:
    """Every key and text inside a response."""
    if isinstance(value, dict):
        return {str(k) for k in value} | set().union(*map(_strings, value.values()))
    if isinstance(value, list):
        return set().union(*map(_strings, value))
    return {value} if isinstance(value, str) else set()


def test_authored_ids_and_other_attempts_tokens_are_refused():
    mine, other = tokens(CHOICE), tokens(CHOICE, attempt_id=8)
    for posted in ({"choice": "a"}, {"choice": other.token(OPTION, "a")}, {"choice": ""}):
        with pytest.raises(InvalidResponse) as refused:
            mine.reveal(posted)
        assert refused.value.code == "unknown_option" and "'a'" not in refused.value.message
    with pytest.raises(InvalidResponse):
        tokens(MULTIPLE).reveal({"choices": [tokens(MULTIPLE).token(OPTION, "a"), "b"]})
    match = tokens(MATCHING)
    with pytest.raises(InvalidResponse):  # "value equals name": the authored pairing
        match.reveal({"pairs": {"p1": "p1"}})
    with pytest.raises(InvalidResponse):  # a prompt's token is not an answer's
        match.reveal({"pairs": {match.token(PROMPT, "p1"): match.token(PROMPT, "p1")}})


def test_shapes_that_are_not_tokens_are_left_to_validation():
    question = tokens(CHOICE)
    for posted in ([], {"choice": 3}, {"nonsense": "x"}):
        with pytest.raises(InvalidResponse):
            validate_response(CHOICE, question.reveal(posted))


def test_a_secret_is_required():
    with pytest.raises(ValueError):
        AnswerTokens("")


def test_a_question_s_tokens_cost_microseconds():
    """Answer saves are a hot path: a question's mapping is a handful of HMACs."""
    maker = AnswerTokens(SECRET)
    seconds = (
        min(
            timeit.repeat(
                lambda: maker.of_question(7, 1, MATCHING).reveal({"pairs": {}}),
                number=200,
                repeat=3,
            )
        )
        / 200
    )
    assert seconds < 0.001, f"{seconds * 1e6:.0f} µs per question"
