"""CSV cells a spreadsheet could run, and SVG charts that escape what learners and authors wrote."""

from __future__ import annotations

import csv
import io

from lti_tool.forms.charts import Bar, PairedBar, bar_chart, paired_chart
from lti_tool.web.csv_export import csv_cell
from lti_tool.web.csv_export import csv_text as write_csv


def test_formula_like_cells_are_defused_and_others_kept():
    assert csv_cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert (
        csv_cell("+1") == "'+1" and csv_cell("-2") == "'-2" and csv_cell("@SUM(A1)") == "'@SUM(A1)"
    )
    assert csv_cell("Muy útil, gracias") == "Muy útil, gracias"
    assert csv_cell(None) == "" and csv_cell(4.5) == "4.5"


def test_csv_rows_are_quoted_properly():
    text = write_csv([["a", "b"], ["line\nbreak", 'say "hi", ok']])
    assert list(csv.reader(io.StringIO(text))) == [["a", "b"], ["line\nbreak", 'say "hi", ok']]


def test_bar_chart_is_an_accessible_svg_with_escaped_labels():
    svg = str(
        bar_chart(
            [Bar("<script>x</script>", 3, "3 (75 %)"), Bar("Other", 1, "1 (25 %)")],
            maximum=3,
            title="Q & A",
            description="Counts",
            ident="c1",
        )
    )
    assert svg.startswith("<svg") and 'role="img"' in svg and 'aria-labelledby="c1-t c1-d"' in svg
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "Q &amp; A" in svg
    assert 'width="300.0"' in svg and 'width="100.0"' in svg  # 3 of 3 fills the bar; 1 of 3 a third
    assert "style=" not in svg  # the CSP forbids inline styles


def test_paired_chart_scales_to_100_per_cent():
    svg = str(
        paired_chart(
            [PairedBar("Ana", 50.0, 100.0, "50 %", "100 %")],
            before_label="Before",
            after_label="After",
            title="T",
            description="D",
            ident="k",
        )
    )
    assert 'width="150.0"' in svg and 'width="300.0"' in svg
    assert "Before" in svg and "After" in svg and "Ana" in svg
