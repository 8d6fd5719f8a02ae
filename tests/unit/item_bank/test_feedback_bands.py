"""Overall feedback by score band (issue 15): authored per assessment, validated, chosen by
score; an assessment without bands keeps its content hash."""

from __future__ import annotations

import pytest

from item_bank.feedback_bands import band_text
from item_bank.parsers.yaml_format import load_yaml_text
from item_bank.validation import validate_document
from tests.unit.item_bank.helpers import FIXTURES

BANDS = [
    {"min_percent": 0, "text": {"en": "Study the modules again.", "es": "Repase los módulos."}},
    {"min_percent": 70, "text": {"en": "Well done.", "es": "Bien hecho."}},
    {"min_percent": 90, "text": {"en": "<b>Excellent</b><script>x()</script>"}},
]


def _raw(bands=None) -> dict:
    raw = load_yaml_text((FIXTURES / "valid_assessment.yaml").read_text(encoding="utf-8"))
    if bands is not None:
        raw["assessment"]["feedback_bands"] = bands
    return raw


def _validate(raw: dict):
    return validate_document(raw, file_label="a.yaml", default_source="a.yaml")


def test_bands_are_kept_highest_first_with_their_html_sanitised():
    doc, issues = _validate(_raw(BANDS))
    assert issues == []
    assert [b["min_percent"] for b in doc.feedback_bands] == [90, 70, 0]
    assert "<script>" not in doc.feedback_bands[0]["text"]["en"]
    assert "<b>Excellent</b>" in doc.feedback_bands[0]["text"]["en"]


def test_an_assessment_without_bands_keeps_its_content_hash():
    without, _ = _validate(_raw())
    assert "feedback_bands" not in without.hashable()
    with_bands, _ = _validate(_raw(BANDS))
    assert with_bands.content_hash != without.content_hash


@pytest.mark.parametrize(
    ("bands", "problem"),
    [
        (
            [{"min_percent": 50, "text": {"en": "a"}}, {"min_percent": 50, "text": {"en": "b"}}],
            "already starts at 50",
        ),
        ([{"min_percent": 101, "text": {"en": "a"}}], "min_percent"),
        ([{"min_percent": 10, "text": {"es": "solo español"}}], "feedback_bands[0].text"),
        ([{"text": {"en": "no start"}}], "min_percent"),
    ],
)
def test_bad_bands_are_refused_with_where_and_why(bands, problem):
    doc, issues = _validate(_raw(bands))
    assert doc is None
    assert any(problem in str(issue) for issue in issues), [str(i) for i in issues]


@pytest.mark.parametrize(
    ("score", "expected"),
    [(0.0, "Study"), (69.99, "Study"), (70.0, "Well"), (89.5, "Well"), (90.0, "<b>"), (100, "<b>")],
)
def test_the_highest_band_a_score_reaches_gives_the_feedback(score, expected):
    doc, _ = _validate(_raw(BANDS))
    text = band_text(doc.feedback_bands, score)
    assert text is not None and text["en"].startswith(expected)


def test_a_score_below_every_band_gets_none():
    assert band_text([{"min_percent": 50, "text": {"en": "x"}}], 49.0) is None
    assert band_text([], 100.0) is None
