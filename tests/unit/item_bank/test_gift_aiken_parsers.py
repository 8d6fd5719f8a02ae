"""GIFT and Aiken, read the way Moodle's qformat_gift / qformat_aiken read them."""

from __future__ import annotations

from item_bank.loading import validate_path
from item_bank.parsers.aiken import parse_aiken
from item_bank.parsers.gift import parse_gift
from item_bank.validation import validate_document
from tests.unit.item_bank.helpers import FIXTURES


def _gift_doc():
    path = FIXTURES / "sample.gift"
    parsed = parse_gift(path.read_bytes(), str(path))
    doc, issues = validate_document(parsed.document, file_label=str(path), default_source=path.name)
    assert issues == []
    return parsed, {item.uid: item for item in doc.items}, doc


def test_gift_question_types():
    _, items, doc = _gift_doc()

    assert [p.key for p in doc.pools] == ["governance", "languages"]
    year = items["migof-year"]
    assert year.type == "single_choice" and year.tags == ("migof", "history")
    assert [(o["text"]["en"], o["correct"]) for o in year.content["options"]] == [
        ("2015", True),
        ("2001", False),
        ("2010", False),
    ]
    assert year.content["options"][0]["feedback"] == {"en": "Right, in 2015."}
    assert year.content["feedback"]["general"] == {
        "en": "MiGOF was welcomed by the IOM Council in 2015."
    }
    principles = items["principles"]
    assert principles.type == "multiple_response"
    assert [o["correct"] for o in principles.content["options"]] == [True, True, False]
    tf = items["tf"]
    assert tf.content["answer"] is True
    assert tf.content["feedback"] == {
        "incorrect": {"en": "It joined in 2016."},
        "correct": {"en": "Yes, since 2016."},
    }
    capitals = items["capitals"]
    assert [p["answer"]["en"] for p in capitals.content["pairs"]] == ["Ottawa", "Rome", "Tokyo"]
    assert capitals.content["distractors"] == [{"id": "d1", "text": {"en": "Lima"}}]
    assert items["acronym"].content["accepted"] == {"en": ["IOM", "OIM"]}
    assert (items["year"].content["answer"], items["year"].content["tolerance"]) == (1951.0, 0.0)
    assert (items["range"].content["answer"], items["range"].content["tolerance"]) == (1954.5, 4.5)


def test_gift_escapes_and_multilang():
    _, items, _ = _gift_doc()

    escapes = items["escapes"]
    assert escapes.content["stem"] == {"en": "Which symbol is written = in GIFT?"}
    assert [o["text"]["en"] for o in escapes.content["options"]] == [
        "equals sign: =",
        "colon: :",
        "hash #",
    ]
    assert items["multilingual"].content["stem"] == {
        "en": "What is 2 + 2?",
        "es": "¿Cuánto es 2 + 2?",
    }


def test_gift_essay_and_description_are_reported_as_skipped():
    parsed, _, _ = _gift_doc()

    assert [(i.severity, i.item_id) for i in parsed.issues] == [
        ("skipped", "essay"),
        ("skipped", "sample-q010"),
    ]


def test_gift_unbalanced_braces_fail_the_file():
    report = validate_path(FIXTURES / "malformed" / "bad_braces.gift")

    assert [(i.item_id, i.message) for i in report.errors] == [
        ("broken", "Invalid question (line 3, 'Broken'): unbalanced answer braces { }.")
    ]


def test_aiken_sample():
    path = FIXTURES / "sample_aiken.txt"
    parsed = parse_aiken(path.read_bytes(), str(path))
    doc, issues = validate_document(parsed.document, file_label=str(path))

    assert issues == [] and parsed.issues == []
    assert [item.uid for item in doc.items] == ["sample-aiken-q001", "sample-aiken-q002"]
    second = doc.items[1].content
    assert second["stem"] == {"en": 'Which organization is known as "UN Migration"?'}
    assert [(o["id"], o["correct"]) for o in second["options"]] == [
        ("a", False),
        ("b", True),
        ("c", False),
        ("d", False),
    ]


def test_aiken_answer_naming_no_option_fails_the_file():
    report = validate_path(FIXTURES / "malformed" / "aiken_bad_answer.txt")

    assert [i.message for i in report.errors] == [
        "ANSWER: C names no option (options: A, B) (line 4)."
    ]


def test_aiken_missing_answer_line():
    parsed = parse_aiken(b"Question?\nA. yes\nB. no\n", "a.txt")

    assert parsed.document is None
    assert "no ANSWER line" in parsed.issues[0].message


def test_txt_files_are_sniffed_as_gift_or_aiken(tmp_path):
    gift = tmp_path / "quiz.txt"
    gift.write_text("::Q::Sky is blue.{T}\n", encoding="utf-8")
    aiken = tmp_path / "aiken.txt"
    aiken.write_text((FIXTURES / "sample_aiken.txt").read_text(encoding="utf-8"), encoding="utf-8")

    assert validate_path(gift).items == 1
    assert validate_path(aiken).items == 2
