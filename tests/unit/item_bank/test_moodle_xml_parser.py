"""Reading Moodle XML as Moodle's own exporter writes it (question/format/xml/format.php)."""

from __future__ import annotations

import base64
import hashlib
import io

import pytest
from PIL import Image

from item_bank.loading import validate_path
from item_bank.parsers.moodle_xml import parse_moodle_xml
from item_bank.validation import validate_document
from tests.unit.item_bank.helpers import FIXTURES

MALFORMED = FIXTURES / "malformed"


@pytest.fixture(scope="module")
def parsed():
    path = FIXTURES / "moodle_quiz.xml"
    result = parse_moodle_xml(path.read_bytes(), str(path))
    doc, issues = validate_document(result.document, file_label=str(path), default_source=path.name)
    assert issues == []
    return result, doc


def _item(doc, uid):
    return next(item for item in doc.items if item.uid == uid)


def test_categories_become_pools(parsed):
    _, doc = parsed

    assert [(p.key, p.title, p.draw) for p in doc.pools] == [
        ("basics", {"en": "Migration basics"}, 3),
        ("terms-definitions", {"en": "Terms & definitions"}, 3),
    ]
    assert doc.slug == "moodle-quiz"


def test_single_choice_with_multilang_feedback_tags_and_grade(parsed):
    _, doc = parsed
    item = _item(doc, "iom-founded")

    assert item.type == "single_choice" and item.points == 2.0
    assert item.tags == ("history", "iom")
    assert item.content["stem"] == {
        "en": "<p>In which year was <strong>IOM</strong> founded?</p>",
        "es": "<p>¿En qué año se fundó la <strong>OIM</strong>?</p>",
    }
    assert [(o["id"], o["correct"]) for o in item.content["options"]] == [
        ("a", True),
        ("b", False),
        ("c", False),
    ]
    assert item.content["options"][0]["feedback"] == {"en": "Right: 1951.", "es": "Correcto: 1951."}
    assert item.content["feedback"]["general"]["es"] == "La OIM se fundó en 1951."
    assert item.content["feedback"]["correct"] == {"en": "Your answer is correct."}
    assert "partially_correct" not in item.content["feedback"]  # unreachable for single choice


def test_multiple_response_from_mlang_and_fractions(parsed):
    result, doc = parsed
    item = _item(doc, "migof-principles")

    assert item.type == "multiple_response"
    assert [o["correct"] for o in item.content["options"]] == [True, True, False]
    assert item.content["options"][1]["text"] == {
        "en": "Whole-of-government approaches",
        "es": "Enfoques de gobierno integral",
    }
    warning = next(i for i in result.issues if i.item_id == "migof-principles")
    assert warning.severity == "warning" and "partial-credit rule" in warning.message


def test_true_false_without_idnumber_gets_an_id_from_its_name(parsed):
    _, doc = parsed
    item = _item(doc, "iom-is-a-un-related-organization")

    assert item.content["answer"] is True
    assert item.content["feedback"]["correct"] == {"en": "Yes, in 2016."}
    assert item.content["feedback"]["incorrect"] == {"en": "It did join, in 2016."}


def test_matching_pairs_and_distractor(parsed):
    _, doc = parsed
    item = _item(doc, "acronyms")

    assert item.points == 3.0
    assert [p["id"] for p in item.content["pairs"]] == ["p1", "p2", "p3"]
    assert item.content["pairs"][0]["answer"] == {"en": "International Organization for Migration"}
    assert item.content["distractors"] == [
        {"id": "d1", "text": {"en": "Office of Migration &amp; Borders"}}
    ]


def test_short_answer_and_numerical(parsed):
    result, doc = parsed
    short = _item(doc, "iom-acronym")
    number = _item(doc, "member-states")

    assert short.content["accepted"] == {"en": ["IOM", "OIM"]}
    assert short.content["case_sensitive"] is False
    assert any(
        "50% partial credit" in i.message for i in result.issues if i.item_id == "iom-acronym"
    )
    assert number.content["answer"] == 175.0 and number.content["tolerance"] == 0.0
    assert number.content["feedback"] == {
        "correct": {"en": "Yes, 175."},
        "incorrect": {"en": "It was 175."},
    }


def test_unsupported_questions_are_listed_with_reasons(parsed):
    result, _ = parsed

    skipped = {
        (i.item_id, i.message.split(":")[0]) for i in result.issues if i.severity == "skipped"
    }
    assert skipped == {
        (
            "reflect-on-migration-governance",
            "Not imported (essay 'Reflect on migration governance')",
        ),
        ("migrant-stock-growth", "Not imported (calculated 'Migrant stock growth')"),
        ("fill-the-framework", "Not imported (ddwtos 'Fill the framework')"),
        ("about-this-section", "Not imported (description 'About this section')"),
    }
    assert any("<penalty>" in i.message for i in result.issues)


def test_random_questions_set_the_draw_count_of_their_category():
    xml = b"""<?xml version="1.0" encoding="UTF-8"?><quiz>
      <question type="category"><category><text>$course$/top/Pool A</text></category></question>
      <question type="truefalse"><name><text>One</text></name><questiontext><text>1</text></questiontext>
        <answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer></question>
      <question type="truefalse"><name><text>Two</text></name><questiontext><text>2</text></questiontext>
        <answer fraction="0"><text>true</text></answer><answer fraction="100"><text>false</text></answer></question>
      <question type="random"><name><text>Random (Pool A)</text></name><questiontext><text>0</text></questiontext></question>
    </quiz>"""

    result = parse_moodle_xml(xml, "random.xml")

    assert result.document["pools"][0]["draw"] == 1
    assert [i["id"] for i in result.document["pools"][0]["items"]] == ["one", "two"]


def _picture_quiz(data: bytes) -> bytes:
    encoded = base64.b64encode(data)
    return (
        b"""<quiz><question type="truefalse"><name><text>Pic</text></name>
      <questiontext format="html"><text><![CDATA[<img src="@@PLUGINFILE@@/my%20map.png" alt="A map">]]></text>
      <file name="my map.png" path="/" encoding="base64">"""
        + encoded
        + b"""</file></questiontext>
      <answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer></question>
      <question type="truefalse"><name><text>Plain</text></name><questiontext><text>ok</text></questiontext>
      <answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer></question></quiz>"""
    )


def test_embedded_pictures_are_verified_and_named_by_hash():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3)).save(buffer, "PNG")

    result = parse_moodle_xml(_picture_quiz(buffer.getvalue()), "files.xml")

    sha = hashlib.sha256(buffer.getvalue()).hexdigest()
    assert list(result.media) == [sha]
    stem = result.document["pools"][0]["items"][0]["stem"]["en"]
    assert stem == f'<img src="media:{sha}" alt="A map">'
    assert not result.issues


def test_a_damaged_embedded_picture_makes_the_question_invalid():
    result = parse_moodle_xml(_picture_quiz(b"\x89PNG\r\n\x1a\n"), "files.xml")

    assert [(i.severity, i.item_id) for i in result.issues] == [("error", "pic")]
    assert "my map.png" in result.issues[0].message and not result.media


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("truncated.xml", "looks truncated"),
        ("latin1_declared_utf8.xml", "Not valid UTF-8: byte 0xbf at line 20"),
        ("duplicate_ids.xml", "Duplicate item id"),
        ("no_right_answer.xml", "needs exactly one right option"),
        ("numeric_not_a_number.xml", "Not a valid number."),
        ("xxe.xml", "Refused: the XML contains a document type declaration"),
        ("billion_laughs.xml", "Refused: the XML contains a document type declaration"),
    ],
)
def test_malformed_or_hostile_files_give_one_clear_error(name, fragment):
    report = validate_path(MALFORMED / name)

    assert not report.ok
    assert len(report.errors) == 1
    assert fragment in report.errors[0].message
    assert report.errors[0].file.endswith(name)


def test_entity_in_file_without_dtd_is_not_expanded():
    result = parse_moodle_xml(b"<quiz><question type='truefalse'>&xxe;</question></quiz>", "e.xml")

    assert result.document is None
    assert "undefined entity" in result.issues[0].message


def test_declared_latin1_encoding_is_honoured():
    xml = (
        '<?xml version="1.0" encoding="ISO-8859-1"?><quiz><question type="truefalse"><name><text>Café</text></name>'
        '<questiontext><text>Café?</text></questiontext><answer fraction="100"><text>true</text></answer>'
        '<answer fraction="0"><text>false</text></answer></question></quiz>'
    )

    result = parse_moodle_xml(xml.encode("latin-1"), "latin.xml")

    assert result.document["pools"][0]["items"][0]["stem"] == {"en": "Café?"}


def test_not_a_quiz_root():
    result = parse_moodle_xml(b"<questions/>", "x.xml")

    assert (
        result.issues[0].message
        == "Not Moodle XML: the root element is <questions>, expected <quiz>."
    )
