"""Imports are atomic and idempotent; published versions never change."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from item_bank.catalog import latest_version, list_assessments
from item_bank.demo import CONTENT_DIR, load_demo_content
from item_bank.loading import import_path
from item_bank.models import (
    Assessment,
    AssessmentVersion,
    ImmutableVersionError,
    Item,
    ItemVersion,
    Pool,
    PoolItem,
)
from tests.integration.item_bank.conftest import NOW

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "item_bank"
VALID = FIXTURES / "valid_assessment.yaml"


def _counts(session) -> dict[str, int]:
    return {
        m.__name__: session.scalar(select(func.count()).select_from(m))
        for m in (Assessment, AssessmentVersion, Pool, PoolItem, Item, ItemVersion)
    }


def test_import_publishes_version_one(session):
    report = import_path(session, VALID, now=NOW)
    session.commit()

    assert report.imported, report.to_text()
    assert [
        (r.slug, r.version_number, r.new_version, r.item_versions_created) for r in report.results
    ] == [("sample-assessment", 1, True, 6)]
    version = latest_version(session, "sample-assessment")
    assert version.published_at == NOW
    assert (version.pass_mark_percent, version.questions_drawn, version.review_policy) == (
        60.0,
        5,
        "full",
    )
    assert (
        version.inactivity_timeout_seconds,
        version.time_limit_seconds,
        version.max_attempts,
        version.retake_delay_seconds,
    ) == (900, 1800, 3, 3600)
    assert [(p.key, p.draw_count, len(p.members)) for p in version.pools] == [
        ("core", 4, 4),
        ("extra", 1, 2),
    ]
    assert [iv.item_uid for iv in version.pools[0].item_versions] == [
        "sample-sc",
        "sample-mr",
        "sample-tf",
        "sample-match",
    ]
    [summary] = list_assessments(session)
    assert summary.slug == "sample-assessment" and summary.version_id == version.id
    assert (
        summary.languages == ["en", "es"]
        and summary.questions_drawn == 5
        and summary.pass_mark_percent == 60
    )


def test_importing_the_same_content_again_creates_nothing(session):
    import_path(session, VALID, now=NOW)
    session.commit()
    before = _counts(session)

    again = import_path(session, VALID, now=NOW + timedelta(days=1))
    session.commit()

    assert again.imported
    assert [
        (r.version_number, r.new_version, r.item_versions_created, r.item_versions_reused)
        for r in again.results
    ] == [(1, False, 0, 6)]
    assert _counts(session) == before


def test_changed_content_creates_new_versions_and_keeps_the_old_ones(session, tmp_path):
    import_path(session, VALID, now=NOW)
    session.commit()
    v1 = latest_version(session, "sample-assessment")
    old_tf = next(iv for iv in v1.pools[0].item_versions if iv.item_uid == "sample-tf")
    changed = tmp_path / "changed.yaml"
    changed.write_text(
        VALID.read_text(encoding="utf-8").replace(
            "MiGOF is a treaty.", "MiGOF is a binding treaty."
        ),
        encoding="utf-8",
    )

    report = import_path(session, changed, now=NOW + timedelta(hours=1))
    session.commit()

    assert [
        (r.version_number, r.new_version, r.item_versions_created, r.item_versions_reused)
        for r in report.results
    ] == [(2, True, 1, 5)]
    v2 = latest_version(session, "sample-assessment")
    new_tf = next(iv for iv in v2.pools[0].item_versions if iv.item_uid == "sample-tf")
    assert (old_tf.version, new_tf.version) == (1, 2)
    assert old_tf.content["stem"]["en"] == "MiGOF is a treaty."  # v1 still shows what it showed
    unchanged = {
        iv.item_uid: iv.id for iv in v1.pools[0].item_versions if iv.item_uid != "sample-tf"
    }
    assert unchanged == {
        iv.item_uid: iv.id for iv in v2.pools[0].item_versions if iv.item_uid != "sample-tf"
    }
    session.expire_all()
    assert [
        v.number
        for v in session.scalars(select(AssessmentVersion).order_by(AssessmentVersion.number))
    ] == [1, 2]


def test_settings_change_alone_creates_a_new_assessment_version_but_no_item_versions(
    session, tmp_path
):
    import_path(session, VALID, now=NOW)
    changed = tmp_path / "settings.yaml"
    changed.write_text(
        VALID.read_text(encoding="utf-8").replace("pass_mark_percent: 60", "pass_mark_percent: 75"),
        encoding="utf-8",
    )

    report = import_path(session, changed, now=NOW)

    assert [(r.version_number, r.item_versions_created) for r in report.results] == [(2, 0)]
    assert latest_version(session, "sample-assessment").pass_mark_percent == 75


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "malformed").iterdir()))
def test_malformed_files_import_nothing_and_say_why(session, name):
    report = import_path(session, FIXTURES / "malformed" / name, now=NOW)
    session.commit()

    assert not report.imported
    assert report.validation.errors and all(str(issue) for issue in report.validation.errors)
    assert "Nothing was imported." in report.to_text()
    assert set(_counts(session).values()) == {0}


def test_one_bad_file_in_a_directory_keeps_the_good_ones_out_too(session, tmp_path):
    shutil.copy(VALID, tmp_path / "a_valid.yaml")
    shutil.copy(FIXTURES / "malformed" / "no_right_answer.xml", tmp_path / "b_bad.xml")

    report = import_path(session, tmp_path, now=NOW)

    assert not report.imported
    assert report.validation.assessments == 1 and len(report.validation.errors) == 1
    assert set(_counts(session).values()) == {0}


def test_importing_another_assessment_keeps_the_callers_pending_work(session, tmp_path):
    import_path(session, VALID, now=NOW)
    session.commit()
    other = tmp_path / "other.yaml"
    other.write_text(
        VALID.read_text(encoding="utf-8").replace(
            "slug: sample-assessment", "slug: other-assessment"
        ),
        encoding="utf-8",
    )
    session.add(Assessment(slug="pending-work-of-the-caller", created_at=NOW))

    report = import_path(session, other, now=NOW)

    assert report.imported, report.to_text()  # same item ids, another assessment (ADR 0023)
    session.flush()
    assert session.scalars(select(Assessment.slug).order_by(Assessment.slug)).all() == [
        "other-assessment",
        "pending-work-of-the-caller",
        "sample-assessment",
    ]


def test_skipped_questions_import_the_rest_unless_strict(session):
    strict = import_path(session, FIXTURES / "moodle_quiz.xml", now=NOW, strict=True)
    assert not strict.imported and len(strict.validation.errors) == 4
    assert set(_counts(session).values()) == {0}

    lenient = import_path(session, FIXTURES / "moodle_quiz.xml", now=NOW)

    assert lenient.imported
    assert len(lenient.validation.skipped) == 4
    assert _counts(session)["ItemVersion"] == 6


def test_published_versions_cannot_be_updated(session):
    import_path(session, VALID, now=NOW)
    session.commit()
    item = session.scalars(select(ItemVersion)).first()
    item.points = 99

    with pytest.raises(ImmutableVersionError):
        session.flush()
    session.rollback()
    version = session.scalars(select(AssessmentVersion)).first()
    version.pass_mark_percent = 1
    with pytest.raises(ImmutableVersionError):
        session.flush()


def test_database_constraints_hold_without_the_loader(session):
    session.add(Assessment(slug="x", created_at=NOW))
    session.add(Item(uid="bad", assessment_id=1, created_at=NOW))
    session.flush()
    session.add(
        ItemVersion(
            item_id=1,
            item_uid="bad",
            version=1,
            type="essay",
            points=1,
            content={},
            content_hash="h",
            source="s",
            tags=[],
            created_at=NOW,
        )
    )

    with pytest.raises(IntegrityError):
        session.flush()


def test_demo_content_loads_idempotently(session):
    first = load_demo_content(session, now=NOW)
    session.commit()
    second = load_demo_content(session, now=NOW)

    assert first.imported, first.to_text()
    files = sorted(p.name for p in CONTENT_DIR.glob("*.yaml"))
    assert len(first.results) == len(files) >= 1
    assert all(r.new_version for r in first.results)
    assert not any(r.new_version or r.item_versions_created for r in second.results)
    assert {s.slug for s in list_assessments(session)} == {r.slug for r in first.results}


def test_demo_loading_keeps_good_files_when_one_is_broken(session, tmp_path):
    shutil.copy(VALID, tmp_path / "good.yaml")
    shutil.copy(FIXTURES / "malformed" / "many_errors.yaml", tmp_path / "broken.yaml")

    report = load_demo_content(session, now=NOW, directory=tmp_path)

    assert [r.slug for r in report.results] == ["sample-assessment"]
    assert not report.imported and report.validation.errors
    assert "Some files were not imported" in report.to_text()


def test_missing_path_is_reported(session, tmp_path):
    report = import_path(session, tmp_path / "nope.yaml", now=NOW)

    assert (
        not report.imported and report.validation.errors[0].message == "No such file or directory."
    )
