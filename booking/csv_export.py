"""CSV downloads, with every cell a spreadsheet would run as a formula neutralised.

A complaint's text is written by anyone; opened in a spreadsheet, a cell starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is read as a formula (``=HYPERLINK(…)`` sends a click elsewhere,
``@SUM(…)|cmd`` has run programs). Such a cell gets a leading apostrophe (OWASP's advice), which a
spreadsheet shows as text; numbers stay numbers.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value as it goes into a CSV cell: text that a spreadsheet would run gets a leading ``'``."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_response(filename: str, header: list[str], rows: Iterable[list[Any]]) -> Response:
    """A CSV download (UTF-8 with a byte-order mark so that spreadsheets read Persian), every cell made safe."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    response = Response(buffer.getvalue(), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
