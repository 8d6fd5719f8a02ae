"""Every CSV download the tool offers, written one way.

* UTF-8 with a byte order mark: spreadsheet programs then read accented and Turkish letters
  correctly instead of guessing a legacy code page;
* CRLF line endings, as RFC 4180 says and spreadsheet programs expect;
* formula defusing: a cell that starts like a formula (`=`, `+`, `-`, `@`, tab, carriage return)
  gets a leading apostrophe, so a name or comment a learner typed never runs when opened;
  numbers (int, float) are written as they are: a negative number is no formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime

from flask import Response

BYTE_ORDER_MARK = "\ufeff"
LINE_END = "\r\n"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """Spreadsheet-safe text for one cell: None is empty, dates are ISO 8601."""
    if value is None:
        text = ""
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)  # a number is never a formula: -0.25 must stay a number for analysts
    elif isinstance(value, (datetime, date)):
        text = value.isoformat()
    else:
        text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    """The rows as CSV text (CRLF, every cell defused), without the byte order mark."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=LINE_END)
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
    return buffer.getvalue()


def csv_download(rows: Iterable[Iterable[object]], filename: str) -> Response:
    """A CSV file to save: the byte order mark, then `csv_text(rows)`."""
    return Response(
        BYTE_ORDER_MARK + csv_text(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
