"""Every CSV the tool offers follows one convention (issue 16, bug 8): a UTF-8 byte order mark
so spreadsheet programs read accented names, CRLF line endings, formula-like cells defused.
The attempts export had no byte order mark while the forms exports had one."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from lti_tool.web.csv_export import BYTE_ORDER_MARK, csv_cell, csv_text


def test_the_attempts_export_has_the_byte_order_mark_and_crlf_lines(
    app, make_assessment, instructor_of, moodle, clock
):
    from tests.integration.attempts.conftest import launch_person
    from tests.support.signed_launches import launch

    slug = make_assessment()
    client = app.test_client()

    def accented(claims):
        claims["name"] = "Zeynep Çelik Núñez"

    launch(
        client,
        moodle,
        clock.now().timestamp(),
        sub="8",
        custom={"assessment": slug},
        claims_edit=accented,
    )
    teacher = launch_person(app, client, moodle, clock, slug=slug, role="Instructor", sub="99")
    response = teacher.get("/instructor/export.csv")
    assert response.content_type == "text/csv; charset=utf-8"
    body = response.get_data()
    assert body.startswith(BYTE_ORDER_MARK.encode("utf-8"))
    text = body.decode("utf-8").removeprefix(BYTE_ORDER_MARK)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "learner"
    assert any(row[0] == "Zeynep Çelik Núñez" for row in rows[1:])


def test_cells_are_defused_and_dates_written_in_iso_8601():
    assert csv_cell("=SUM(A1)") == "'=SUM(A1)" and csv_cell("-1") == "'-1"
    assert csv_cell("@x") == "'@x" and csv_cell("\tx") == "'\tx"
    assert csv_cell(None) == "" and csv_cell(70.5) == "70.5" and csv_cell(True) == "True"
    moment = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert csv_cell(moment) == "2026-11-23T09:00:00+00:00"


def test_the_text_has_crlf_lines_and_no_byte_order_mark_of_its_own():
    text = csv_text([["a", "b"], ["line\nbreak", 'say "hi", ok']])
    assert text == 'a,b\r\n"line\nbreak","say ""hi"", ok"\r\n'
