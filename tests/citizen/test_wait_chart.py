"""The office page's chart of today's predicted waits: a scale a reader can read, in their own digits."""
from __future__ import annotations

import re

from flask_babel import refresh

from booking.citizen.charts import Bar, wait_chart
from booking.extensions import db
from booking.numbers import format_number
from tests.clock import TUESDAY, tehran_moment
from tests.forecast.test_forecast import fitted


def test_a_quiet_day_shows_its_scale_so_low_bars_read_as_short_waits() -> None:
    quiet = str(wait_chart([Bar("10:00", 0.4, True), Bar("10:15", 1.2)], "waits", "min"))
    assert 'class="scale">10 min</text>' in quiet  # the top of the scale: 10 minutes at least
    busy = str(wait_chart([Bar("10:00", 23.0, True), Bar("10:15", 41.0)], "waits", "min"))
    assert 'class="scale">50 min</text>' in busy  # 41 × 1.1 rounded up to a multiple of 5
    assert "10:15: 41 min</title>" in busy


def test_the_office_page_writes_the_chart_in_the_readers_digits(app, client, clock, make_office) -> None:
    clock(tehran_moment(TUESDAY, 9))
    office = make_office(code="230041", counters=2)
    fitted(office)
    db.session.commit()
    persian = client.get("/offices/230041?lang=fa").get_data(as_text=True)
    chart = persian[persian.index('<svg class="wait-chart"'):]
    chart = chart[:chart.index("</svg>")]
    scale = re.search(r'class="scale">([^<]*)</text>', chart).group(1)
    assert scale.split()[0] in {format_number(n, "fa") for n in range(10, 1000, 5)} and not re.search(r"[0-9]", scale)
    titles = re.findall(r"<title>[^<]*: ([^<]*)</title></rect>", chart)
    assert titles and not any(re.search(r"[0-9]", t) for t in titles)
    refresh()  # the test's app context outlives each request: Flask-Babel would keep the Persian locale in it
    english = client.get("/offices/230041?lang=en").get_data(as_text=True)
    assert re.search(r'class="scale">\d+ min</text>', english)
