"""The YAML authoring format: what is accepted, and how every problem is reported."""

from __future__ import annotations

import copy

import pytest

from item_bank.loading import validate_path
from item_bank.parsers.yaml_format import load_yaml_text, parse_yaml
from item_bank.validation import validate_document
from tests.unit.item_bank.helpers import FIXTURES


def _valid() -> dict:
    return load_yaml_text((FIXTURES / "valid_assessment.yaml").read_text(encoding="utf-8"))


def _validate(raw: dict):
    return validate_document(raw, file_label="a.yaml", default_source="a.yaml")


def test_valid_file_normalises_rules_to_seconds_and_keeps_translations():
    doc, issues = _validate(_valid())

    assert issues == []
    assert doc.slug == "sample-assessment"
    assert doc.rules.inactivity_timeout_seconds == 15 * 60
    assert doc.rules.time_limit_seconds == 30 * 60
    assert doc.rules.max_attempts == 3
    assert doc.rules.retake_delay_seconds == 3600
    assert doc.rules.review_policy == "full"
    assert doc.pass_mark_percent == 60
    assert doc.questions_drawn == 5
    assert doc.title["es"] == "Evaluación de ejemplo"
    assert doc.languages == ("en", "es")  # fr only in the title, not in the items


def test_defaults_apply_when_optional_fields_are_left_out():
    raw = {
        "assessment": {"slug": "minimal", "title": {"en": "Minimal"}},
        "pools": [
            {
                "id": "p",
                "items": [{"id": "m-1", "type": "true_false", "answer": True, "stem": {"en": "S"}}],
            }
        ],
    }
    doc, issues = _validate(raw)

    assert issues == []
    assert doc.pass_mark_percent == 70
    assert doc.default_language == "en"
    assert doc.rules.inactivity_timeout_seconds == 600
    assert doc.rules.time_limit_seconds is None and doc.rules.max_attempts is None
    assert doc.rules.review_policy == "responses"
    assert doc.pools[0].draw == 1  # draw defaults to every item
    item = doc.items[0]
    assert item.points == 1.0 and item.source == "a.yaml" and item.tags == ()


def test_all_errors_are_reported_together_with_file_item_and_field():
    report = validate_path(FIXTURES / "malformed" / "many_errors.yaml")

    assert not report.ok
    rendered = [str(issue) for issue in report.errors]
    assert all("many_errors.yaml" in line for line in rendered)
    located = {(issue.item_id, issue.field) for issue in report.errors}
    assert (None, "assessment.slug") in located
    assert (None, "assessment.pass_mark_percent") in located
    assert ("q1", "options") in located  # single choice without a right answer
    assert ("q1", "id") in located  # duplicate id
    assert ("q1", "answer") in located  # numerical answer that is not a number
    assert ("q3", "type") in located  # unknown type
    assert ("q4", "stem.xx") in located  # unsupported language
    assert ("q4", "corect") in located  # typo of a field name


def test_draw_larger_than_pool_is_an_error():
    raw = _valid()
    raw["pools"][1]["draw"] = 3

    doc, issues = _validate(raw)

    assert doc is None
    assert [(i.field, i.message) for i in issues] == [
        ("pool extra.draw", "Draws 3 items but the pool has only 2.")
    ]


@pytest.mark.parametrize(
    ("mutate", "item_id", "field", "fragment"),
    [
        (
            lambda r: r["pools"][0]["items"][1]["options"].__setitem__(
                slice(None), [dict(o, correct=False) for o in r["pools"][0]["items"][1]["options"]]
            ),
            "sample-mr",
            "options",
            "at least one right option",
        ),
        (
            lambda r: r["pools"][0]["items"][0]["options"][1].__setitem__("correct", True),
            "sample-sc",
            "options",
            "exactly one right option",
        ),
        (
            lambda r: r["pools"][0]["items"][0]["options"][1].__setitem__("id", "a"),
            "sample-sc",
            "options",
            "Duplicate option id",
        ),
        (
            lambda r: r["pools"][0]["items"][3]["pairs"][1].__setitem__(
                "answer", {"en": "migration", "es": "x"}
            ),
            "sample-match",
            "pairs[1].answer.en",
            "Same answer text",
        ),
        (
            lambda r: r["pools"][0]["items"][3]["pairs"][0].__setitem__("id", "d1"),
            "sample-match",
            "pairs[0].id",
            "reserved",
        ),
        (
            lambda r: r["pools"][1]["items"][1].__setitem__("tolerance", -1),
            "sample-num",
            "tolerance",
            "greater than or equal to 0",
        ),
        (
            lambda r: r["pools"][1]["items"][0].__setitem__("accepted", {"en": []}),
            "sample-sa",
            "accepted.en",
            "non-empty list",
        ),
        (
            lambda r: r["pools"][0]["items"][2].__setitem__("stem", {"es": "Sólo español"}),
            "sample-tf",
            "stem",
            "default language",
        ),
        (
            lambda r: r["pools"][0]["items"][2].__setitem__("points", 0),
            "sample-tf",
            "points",
            "greater than 0",
        ),
        (
            lambda r: r["pools"][0]["items"][2].__setitem__(
                "stem", {"en": "<script>alert(1)</script>"}
            ),
            "sample-tf",
            "stem.en",
            "unsafe HTML",
        ),
    ],
)
def test_cross_field_rules_name_item_and_field(mutate, item_id, field, fragment):
    raw = copy.deepcopy(_valid())
    mutate(raw)

    doc, issues = _validate(raw)

    assert doc is None
    assert any(
        i.item_id == item_id and i.field == field and fragment in i.message for i in issues
    ), [str(i) for i in issues]


def test_duplicate_pool_ids_are_reported():
    raw = _valid()
    raw["pools"][1]["id"] = "core"

    _, issues = _validate(raw)

    assert any("Duplicate pool id" in i.message for i in issues)


def test_yaml_words_like_no_and_on_stay_text_but_true_is_a_boolean():
    data = load_yaml_text("a: No\nb: on\nc: true\nd: 2024-01-01\n")

    assert data == {"a": "No", "b": "on", "c": True, "d": "2024-01-01"}


def test_yaml_duplicate_keys_are_a_syntax_error_with_a_line():
    parsed = parse_yaml(b"assessment:\n  slug: a\n  slug: b\npools: []\n", "dup.yaml")

    assert parsed.document is None
    assert "duplicate key 'slug'" in parsed.issues[0].message
    assert "line 3" in parsed.issues[0].message


def test_yaml_in_a_wrong_encoding_is_reported_not_guessed():
    report = validate_path(FIXTURES / "malformed" / "wrong_encoding.yaml")

    assert [i.message for i in report.errors] == [
        "Not valid UTF-8: byte 0xe9 at line 3 (offset 44). Save the file as UTF-8."
    ]


def test_yaml_syntax_error_names_the_position():
    parsed = parse_yaml(b"assessment: {slug: a\npools: [", "broken.yaml")

    assert parsed.document is None
    assert parsed.issues[0].message.startswith("YAML syntax error (line")


def test_numbers_as_option_text_are_accepted_as_text():
    raw = _valid()
    raw["pools"][0]["items"][0]["options"][1]["text"] = {"en": 1951, "es": 1951, "fr": 1951}

    doc, issues = _validate(raw)

    assert issues == []
    assert doc.items[0].content["options"][1]["text"]["en"] == "1951"


def test_short_answer_plain_list_means_default_language():
    raw = _valid()
    raw["pools"][1]["items"][0]["accepted"] = ["IOM", "I.O.M."]

    doc, issues = _validate(raw)

    assert issues == []
    assert doc.items[4].content["accepted"] == {"en": ["IOM", "I.O.M."]}


def test_content_hash_ignores_nothing_that_matters():
    first, _ = _validate(_valid())
    changed = _valid()
    changed["pools"][0]["items"][0]["tags"] = ["core", "new-tag"]
    second, _ = _validate(changed)

    assert first.items[0].content_hash != second.items[0].content_hash
    assert first.items[1].content_hash == second.items[1].content_hash
    assert first.content_hash != second.content_hash


@pytest.mark.parametrize(
    ("field", "path"),
    [
        ("instructions", "assessment.instructions.es"),
        ("feedback_bands", "assessment.feedback_bands[0].text.es"),
    ],
)
def test_a_picture_in_the_assessments_own_text_is_refused_not_dropped(field, path):
    """Only questions show pictures: the sanitiser would drop one here without a word."""
    raw = _valid()
    picture = '<p>Mapa:</p><img src="media:' + "a" * 64 + '" alt="Mapa">'
    if field == "instructions":
        raw["assessment"]["instructions"] = {"en": "<p>Read.</p>", "es": picture}
    else:
        raw["assessment"]["feedback_bands"] = [
            {"min_percent": 0, "text": {"en": "<p>Done.</p>", "es": picture}}
        ]

    doc, issues = _validate(raw)

    assert doc is None
    assert [(issue.field, issue.message) for issue in issues] == [
        (
            path,
            "Pictures are shown in questions only: move the picture into a question, "
            "or describe it in words here.",
        )
    ]
