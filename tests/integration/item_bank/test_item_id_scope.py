"""Item ids are unique within an assessment, not across the bank (issue 11): two Moodle quizzes
may both name a question "Q1", and the GIFT export of a bank imports beside its Moodle XML."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from item_bank.catalog import latest_version
from item_bank.loading import import_path
from item_bank.models import Item, ItemVersion
from tests.integration.item_bank.conftest import NOW

QUIZ = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="truefalse">
    <name><text>Q1</text></name>
    <questiontext format="html"><text><![CDATA[<p>{stem}</p>]]></text></questiontext>
    <answer fraction="100" format="moodle_auto_format"><text>true</text></answer>
    <answer fraction="0" format="moodle_auto_format"><text>false</text></answer>
  </question>
</quiz>
"""


def _quiz(tmp_path: Path, name: str, stem: str) -> Path:
    path = tmp_path / f"{name}.xml"
    path.write_text(QUIZ.format(stem=stem), encoding="utf-8")
    return path


def test_two_quizzes_with_the_same_question_name_both_import(session, tmp_path):
    first = import_path(session, _quiz(tmp_path, "quiza", "The sky is blue."), now=NOW)
    session.commit()
    second = import_path(session, _quiz(tmp_path, "quizb", "Water is dry."), now=NOW)
    session.commit()

    assert first.imported and second.imported, second.to_text()
    assert session.scalars(select(Item.uid)).all() == ["q1", "q1"]
    stems = {
        slug: latest_version(session, slug).pools[0].item_versions[0].content["stem"]["en"]
        for slug in ("quiza", "quizb")
    }
    assert stems == {"quiza": "<p>The sky is blue.</p>", "quizb": "<p>Water is dry.</p>"}


def test_reimporting_each_quiz_stays_idempotent(session, tmp_path):
    paths = [_quiz(tmp_path, "quiza", "A."), _quiz(tmp_path, "quizb", "B.")]
    for path in paths:
        import_path(session, path, now=NOW)
    session.commit()

    again = [import_path(session, path, now=NOW) for path in paths]
    session.commit()

    assert all(r.imported and not r.results[0].new_version for r in again)
    assert session.scalar(select(func.count()).select_from(ItemVersion)) == 2


def test_one_directory_may_hold_two_assessments_sharing_item_ids(session, tmp_path):
    _quiz(tmp_path, "quiza", "A.")
    _quiz(tmp_path, "quizb", "B.")

    report = import_path(session, tmp_path, now=NOW)

    assert report.imported, report.to_text()
    assert len(report.results) == 2


def test_item_versions_are_numbered_per_assessment(session, tmp_path):
    import_path(session, _quiz(tmp_path, "quiza", "A."), now=NOW)
    import_path(session, _quiz(tmp_path, "quizb", "B."), now=NOW)
    import_path(session, _quiz(tmp_path, "quizb", "B changed."), now=NOW)
    session.commit()

    a_item = latest_version(session, "quiza").pools[0].item_versions[0]
    b_item = latest_version(session, "quizb").pools[0].item_versions[0]
    assert (a_item.version, b_item.version) == (1, 2)
    assert a_item.item_id != b_item.item_id
