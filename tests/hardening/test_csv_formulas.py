"""Cells a spreadsheet would run as a formula are neutralised in every CSV export."""
from __future__ import annotations

import csv
import io
import re

from booking import PROJECT_ROOT
from booking.csv_export import safe_cell
from booking.extensions import db
from tests.hardening.conftest import Cast, log_in

FORMULAS = ['=HYPERLINK("https://evil.example","click")', "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1 complaint",
            "-2+3 complaint", "\t=1+1 complaint", "\r=1+1 complaint"]


def test_safe_cell():
    for text in FORMULAS:
        assert safe_cell(text) == "'" + text
    assert safe_cell("plain text") == "plain text"
    assert safe_cell(12) == 12 and safe_cell(-3.5) == -3.5  # numbers stay numbers
    assert safe_cell("") == "" and safe_cell(None) == ""


def test_complaints_csv_neutralises_formulas(app, cast: Cast):
    from offices.dashboard.complaints import file_complaint

    for text in FORMULAS:
        file_complaint(cast.office_a, text)
    db.session.commit()
    client = log_in(app.test_client(), cast.users["national_supervisor"])
    response = client.get("/dashboard/complaints?format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    texts = {row["text"] for row in rows}
    assert texts == {"'" + text.strip() for text in FORMULAS}  # stored stripped: "=1+1 complaint"
    for row in rows:
        for value in row.values():
            assert not value or value[0] not in "=+-@\t\r", value


def test_every_csv_goes_through_the_one_writer():
    writers = []
    for package in ("booking", "offices"):
        for path in (PROJECT_ROOT / package).rglob("*.py"):
            if re.search(r"csv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8")):
                writers.append(str(path.relative_to(PROJECT_ROOT)))
    assert writers == ["booking/csv_export.py"]
