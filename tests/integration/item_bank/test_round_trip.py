"""Moodle XML round trip: import -> export -> import gives the same content (same hashes,
no new versions), and the export looks like what Moodle itself writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from item_bank.catalog import latest_version
from item_bank.exporters.moodle_xml import UnknownAssessment, export_assessment
from item_bank.loading import default_source, import_path
from item_bank.models import AssessmentVersion, ItemVersion
from item_bank.parsers.moodle_xml import parse_moodle_xml
from item_bank.parsers.safe_xml import parse_xml
from item_bank.validation import validate_document
from tests.integration.item_bank.conftest import NOW

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "item_bank"


def _snapshot(version: AssessmentVersion) -> dict:
    return {
        "hash": version.content_hash,
        "pools": [
            (
                p.key,
                p.title,
                p.draw_count,
                [(iv.item_uid, iv.content_hash) for iv in p.item_versions],
            )
            for p in version.pools
        ],
    }


@pytest.mark.parametrize(
    "name",
    [
        "moodle_quiz.xml",
        "moodle_with_image.xml",
        "sample.gift",
        "sample_aiken.txt",
        "valid_assessment.yaml",
    ],
)
def test_import_export_import_yields_the_same_content(session, tmp_path, name):
    first = import_path(session, FIXTURES / name, now=NOW)
    assert first.imported, first.to_text()
    slug = first.results[0].slug
    before = _snapshot(latest_version(session, slug))
    exported = tmp_path / "export.xml"
    exported.write_text(export_assessment(session, slug), encoding="utf-8")

    again = import_path(session, exported, now=NOW)

    assert again.imported, again.to_text()
    assert again.validation.issues == []  # our own export needs no adaptation
    assert [(r.version_number, r.new_version, r.item_versions_created) for r in again.results] == [
        (1, False, 0)
    ]
    assert _snapshot(latest_version(session, slug)) == before
    assert session.scalar(select(func.count()).select_from(ItemVersion)) == len(
        [uid for pool in before["pools"] for uid in pool[3]]
    )


def test_export_parses_back_to_identical_documents_without_a_database(session, tmp_path):
    import_path(session, FIXTURES / "moodle_quiz.xml", now=NOW)
    xml = export_assessment(session, "moodle-quiz").encode("utf-8")
    original = parse_moodle_xml((FIXTURES / "moodle_quiz.xml").read_bytes(), "moodle_quiz.xml")
    doc_a, _ = validate_document(
        original.document, file_label="a.xml", default_source=default_source(original)
    )

    reparsed = parse_moodle_xml(xml, "b.xml")
    doc_b, issues = validate_document(
        reparsed.document, file_label="b.xml", default_source=default_source(reparsed)
    )

    assert issues == []
    assert [(i.uid, i.content_hash) for i in doc_b.items] == [
        (i.uid, i.content_hash) for i in doc_a.items
    ]
    assert doc_b.content_hash == doc_a.content_hash


def test_export_is_moodle_shaped(session):
    import_path(session, FIXTURES / "valid_assessment.yaml", now=NOW)

    xml = export_assessment(session, "sample-assessment")
    root = parse_xml(xml.encode("utf-8"))

    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>')
    types = [q.get("type") for q in root.findall("question")]
    assert types == [
        "category",
        "multichoice",
        "multichoice",
        "truefalse",
        "matching",
        "category",
        "shortanswer",
        "numerical",
    ]
    category = root.findall("question")[0]
    assert category.findtext("idnumber") == "core"
    assert category.findtext("category/text").startswith("$course$/top/")
    single, multiple = root.findall("question")[1:3]
    assert single.findtext("single") == "true" and single.findtext("idnumber") == "sample-sc"
    assert single.findtext("defaultgrade") == "2"
    assert [a.get("fraction") for a in single.findall("answer")] == ["100", "0", "0"]
    assert [a.get("fraction") for a in multiple.findall("answer")] == ["50", "50", "-50"]
    assert (
        '<span lang="en" class="multilang">Which organization is UN Migration?</span>'
        in single.findtext("questiontext/text")
    )
    assert "<![CDATA[" in xml


def test_export_of_unknown_slug(session):
    with pytest.raises(UnknownAssessment):
        export_assessment(session, "nope")


def test_exported_pictures_are_moodles_own_file_elements(session):
    import_path(session, FIXTURES / "moodle_with_image.xml", now=NOW)

    xml = export_assessment(session, "moodle-with-image")

    question = parse_xml(xml.encode("utf-8")).find("question[@type='multichoice']")
    files = question.findall("questiontext/file")
    assert len(files) == 1 and files[0].get("encoding") == "base64"
    name = files[0].get("name")
    assert name.endswith(".png")
    assert xml.count(f"@@PLUGINFILE@@/{name}") == 2  # English and Spanish text
    assert "media:" not in xml
