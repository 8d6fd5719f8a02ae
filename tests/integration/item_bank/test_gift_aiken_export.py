"""GIFT and Aiken exports (issue 11): what the format can carry comes back the same; what it
cannot is named, never dropped silently."""

from __future__ import annotations

from pathlib import Path

from item_bank.catalog import latest_version
from item_bank.exporters.gift import export_aiken, export_gift
from item_bank.loading import import_path
from tests.integration.item_bank.conftest import NOW

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "item_bank"


def _items(version) -> dict[str, dict]:
    """Item id -> what a learner and the scoring see (not the source, which names the file)."""
    return {
        item.item_uid: {"type": item.type, "points": item.points, "content": item.content}
        for pool in version.pools
        for item in pool.item_versions
    }


def _round_trip(session, tmp_path, name: str, export, suffix: str):
    first = import_path(session, FIXTURES / name, now=NOW)
    assert first.imported, first.to_text()
    before = latest_version(session, first.results[0].slug)
    text, notes = export(before)
    path = tmp_path / f"exported{suffix}"
    path.write_text(text, encoding="utf-8")
    again = import_path(session, path, now=NOW)
    assert again.imported, again.to_text()
    return _items(before), _items(latest_version(session, "exported")), notes


def test_gift_round_trip_keeps_every_question_it_can_carry(session, tmp_path):
    before, after, notes = _round_trip(
        session, tmp_path, "valid_assessment.yaml", export_gift, ".gift"
    )

    assert notes == []
    assert set(after) == set(before)
    for uid, item in after.items():
        expected = before[uid]
        assert item["type"] == expected["type"], uid
        for key in ("stem", "options", "answer", "tolerance", "pairs", "distractors"):
            assert item["content"].get(key) == expected["content"].get(key), (uid, key)
        general = expected["content"]["feedback"].get("general")
        assert item["content"]["feedback"].get("general") == general, uid


def test_a_matching_text_with_an_arrow_is_named_not_split(session):
    """Moodle's GIFT reader splits a pair at its first '->': such a question is left out."""
    import_path(session, FIXTURES / "valid_assessment.yaml", now=NOW)
    version = latest_version(session, "sample-assessment")
    (match,) = [i for p in version.pools for i in p.item_versions if i.type == "matching"]
    match.content = {**match.content, "distractors": [{"id": "d1", "text": {"en": "a -&gt; b"}}]}

    text, notes = export_gift(version)

    assert notes == [
        "sample-match: a matching text contains '->', which GIFT cannot carry; left out."
    ]
    assert "sample-match" not in text


def test_gift_export_of_a_moodle_bank_imports_beside_it(session, tmp_path):
    """The collision of issue 11: same item ids, another assessment."""
    before, after, _notes = _round_trip(session, tmp_path, "moodle_quiz.xml", export_gift, ".gift")

    assert set(after) <= set(before) and after


def test_aiken_round_trip_keeps_single_choice_questions(session, tmp_path):
    before, after, notes = _round_trip(
        session, tmp_path, "valid_assessment.yaml", export_aiken, ".aiken"
    )

    assert len(after) == 1 and len(notes) == 5
    (item,) = after.values()
    original = before["sample-sc"]["content"]
    assert item["content"]["stem"]["en"] == original["stem"]["en"]
    assert [o["correct"] for o in item["content"]["options"]] == [
        o["correct"] for o in original["options"]
    ]


def test_a_question_with_a_picture_is_named_not_dropped_silently(session):
    import_path(session, FIXTURES / "moodle_with_image.xml", now=NOW)
    version = latest_version(session, "moodle-with-image")

    for export in (export_gift, export_aiken):
        _text, notes = export(version)
        assert notes == [
            f"q1: shows a picture, which {'GIFT' if export is export_gift else 'Aiken'} "
            "cannot carry; left out."
        ]
