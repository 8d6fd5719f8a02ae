"""`flask item-bank ...` through Flask's CLI runner, on the app's own SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "item_bank"


@pytest.fixture
def cli(sqlite_app):
    runner = sqlite_app.test_cli_runner()
    return lambda *args: runner.invoke(args=["item-bank", *map(str, args)])


def test_validate_reports_and_exits_non_zero_on_errors(cli):
    good = cli("validate", FIXTURES / "valid_assessment.yaml")
    bad = cli("validate", FIXTURES / "malformed" / "many_errors.yaml")

    assert good.exit_code == 0 and "valid; 0 error(s)" in good.output
    assert bad.exit_code == 1
    assert "many_errors.yaml: item q1: answer: Not a valid number." in bad.output


def test_import_list_export_and_idempotent_reimport(cli, tmp_path, clock):
    first = cli("import", FIXTURES / "moodle_quiz.xml")
    again = cli("import", FIXTURES / "moodle_quiz.xml")
    listing = cli("list")
    out = tmp_path / "out.xml"
    exported = cli("export", "moodle-quiz", "-o", out)

    assert first.exit_code == 0, first.output
    assert "moodle-quiz: version 1 (new version); item versions: 6 created" in first.output
    assert "[skipped]" in first.output and "essay" in first.output
    assert (
        "moodle-quiz: version 1 (unchanged); item versions: 0 created, 6 unchanged" in again.output
    )
    assert listing.output.startswith("moodle-quiz  v1  6 questions  pass 70%  languages en")
    assert exported.exit_code == 0 and out.read_text(encoding="utf-8").startswith("<?xml")


def test_import_of_hostile_xml_fails_and_imports_nothing(cli):
    result = cli("import", FIXTURES / "malformed" / "xxe.xml")

    assert result.exit_code == 1
    assert "Refused: the XML contains a document type declaration" in result.output
    assert "Nothing was imported." in result.output
    assert "No assessments yet" in cli("list").output


def test_export_of_unknown_slug_fails(cli):
    result = cli("export", "nope")

    assert result.exit_code == 1 and "No published assessment with slug 'nope'" in result.output


def test_load_demo(cli):
    result = cli("load-demo")

    assert result.exit_code == 0, result.output
    assert "(new version)" in result.output


def test_export_as_gift_names_what_it_leaves_out(cli, tmp_path):
    cli("import", FIXTURES / "moodle_with_image.xml")
    out = tmp_path / "bank.gift"

    result = cli("export", "moodle-with-image", "--format", "gift", "-o", out)

    assert result.exit_code == 0, result.output
    assert "q1: shows a picture, which GIFT cannot carry; left out." in result.output


def test_export_as_gift_writes_matching_pairs(cli, tmp_path):
    cli("import", FIXTURES / "valid_assessment.yaml")
    out = tmp_path / "bank.gift"

    result = cli("export", "sample-assessment", "--format", "gift", "-o", out)

    assert result.exit_code == 0, result.output
    written = out.read_text(encoding="utf-8")
    assert "::sample-sc::[html]" in written and "::sample-match::[html]" in written
