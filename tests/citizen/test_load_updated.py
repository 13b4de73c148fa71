"""A load badge says when the load was updated in words a citizen reads at a glance: seconds or minutes ago
within the hour, the time earlier today, else the day and time. A closed office's load is not marked stale (it
does not change); a load written on an earlier day is made again from today's line before it is shown."""
from __future__ import annotations

import datetime as dt

import flask_babel
import pytest

from booking.citizen.fragments import updated_line
from booking.extensions import db
from offices.live import refresh_live_load
from tests.clock import FRIDAY, THURSDAY, tehran_moment


@pytest.mark.parametrize(("lang", "age", "expected"), [
    ("en", dt.timedelta(seconds=42), "updated 42 seconds ago"),
    ("fa", dt.timedelta(seconds=42), "۴۲ ثانیه پیش به‌روز شد"),
    ("en", dt.timedelta(minutes=17, seconds=5), "updated 17 minutes ago"),
    ("fa", dt.timedelta(minutes=17, seconds=5), "۱۷ دقیقه پیش به‌روز شد"),
    ("en", dt.timedelta(hours=2), "updated at 08:30"),
    ("fa", dt.timedelta(hours=2), "ساعت ۰۸:۳۰ به‌روز شد"),
])
def test_updated_line_by_age(app, lang, age, expected):
    now = tehran_moment(THURSDAY, 10, 30)
    with app.test_request_context(f"/?lang={lang}"):
        flask_babel.refresh()
        assert updated_line(now - age, now) == expected


def test_updated_on_an_earlier_day_names_the_day(app):
    now = tehran_moment(FRIDAY, 11)
    thursday = tehran_moment(THURSDAY, 13, 5) - dt.timedelta(days=7 if tehran_moment(THURSDAY, 13, 5) > now else 0)
    with app.test_request_context("/?lang=en"):
        flask_babel.refresh()
        text = updated_line(thursday, now)
    assert text.startswith("updated Thursday ") and text.endswith(" at 13:05"), text


def test_friday_badge_is_made_from_fridays_line_not_thursdays(app, client, clock, make_office, make_service):
    """Thursday's load still in Redis on Friday (Redis keeps it an hour of real time; the minute job would write
    it again sooner) is not Friday's: the badge says closed, is not marked stale, and shows neither Thursday's
    people waiting nor Thursday's time."""
    from offices import queue_ops

    friday = tehran_moment(FRIDAY, 11)
    clock(friday - dt.timedelta(hours=22))  # Thursday 13:00, the half day's last hour
    service = make_service(code="sana", letter="T")
    office = make_office(code="230013", counters=2, services=[service])
    queue_ops.open_counter(office, 1, None)
    for _ in range(3):
        queue_ops.add_walk_in(office, service.code, None)
    db.session.commit()
    assert refresh_live_load(office.id)[office.id].waiting == 3
    clock(friday)
    api = client.get("/api/offices/230013/load").get_json()  # first: nothing has made Friday's load yet
    assert api["waiting"] == 0 and api["level"] == "closed" and not api["stale"]
    english = client.get("/offices/230013?lang=en").get_data(as_text=True)
    assert 'class="badge level-closed"' in english
    assert "3 waiting" not in english and "updated Thursday" not in english
    assert 'class="updated stale"' not in english
    flask_babel.refresh()
    persian = client.get("/offices/230013?lang=fa").get_data(as_text=True)
    assert "پنجشنبه" not in persian.split('class="updated')[1].split("</small>")[0]
