"""Jalali dates, Persian digits and UTC storage."""
from __future__ import annotations

import datetime as dt

import pytest

from booking import dates


def test_known_jalali_dates() -> None:
    assert dates.jalali_date(dt.date(2026, 11, 24), "en") == "1405/09/03"
    assert dates.jalali_date(dt.date(2026, 3, 21), "en") == "1405/01/01"  # Nowruz
    assert dates.jalali_date(dt.date(2026, 11, 24), "fa") == "۱۴۰۵/۰۹/۰۳"


def test_utc_moment_shown_in_tehran_on_the_right_day() -> None:
    late_utc = dt.datetime(2026, 11, 24, 21, 0, tzinfo=dt.timezone.utc)  # 00:30 on the 25th in Tehran
    assert dates.jalali_date(late_utc, "en") == "1405/09/04"
    assert dates.clock(late_utc, "en") == "00:30"
    assert dates.clock(late_utc, "fa") == "۰۰:۳۰"


def test_week_starts_on_saturday() -> None:
    assert dates.iran_weekday(dt.date(2026, 11, 21)) == 0  # a Saturday
    assert dates.iran_weekday(dt.date(2026, 11, 27)) == 6  # a Friday
    assert dates.jalali_long(dt.date(2026, 11, 24), "fa") == "سه‌شنبه ۳ آذر ۱۴۰۵"
    assert dates.jalali_long(dt.date(2026, 11, 24), "en") == "Tuesday 3 Azar 1405"


def test_digits_both_ways() -> None:
    assert dates.persian_digits("09121234567") == "۰۹۱۲۱۲۳۴۵۶۷"
    assert dates.ascii_digits("۰۹۱۲٣٤٥") == "0912345"


def test_utc_column_round_trip_on_database(app, make_office) -> None:
    from booking.extensions import db
    from offices.models import QueueEvent

    office = make_office()
    moment = dt.datetime(2026, 11, 24, 10, 30, tzinfo=dates.TEHRAN)
    db.session.add(QueueEvent(office_id=office.id, kind="arrived", at=moment, data={}))
    db.session.commit()
    db.session.expire_all()
    stored = db.session.query(QueueEvent).one().at
    assert stored.tzinfo is not None and stored.utcoffset() == dt.timedelta(0)
    assert stored == moment


def test_naive_datetimes_are_refused(app, make_office) -> None:
    from sqlalchemy.exc import StatementError

    from booking.extensions import db
    from offices.models import QueueEvent

    office = make_office()
    db.session.add(QueueEvent(office_id=office.id, kind="arrived", at=dt.datetime(2026, 1, 1), data={}))
    with pytest.raises(StatementError, match="naive datetime"):
        db.session.flush()
