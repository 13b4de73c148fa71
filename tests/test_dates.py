"""Jalali dates, Persian digits and UTC storage."""
from __future__ import annotations

import datetime as dt
import os

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


def test_the_clock_can_be_set_and_runs_on(clock) -> None:
    from booking.dates import set_clock, utcnow

    friday = dt.datetime(2026, 12, 11, 11, 0, tzinfo=dates.TEHRAN)
    clock(friday)
    first = utcnow()
    assert dt.timedelta(0) <= first - friday < dt.timedelta(seconds=5)
    assert dates.iran_weekday(dates.to_tehran(first).date()) == 6
    assert utcnow() >= first  # it runs on
    set_clock(None)  # back to the clock the process started with
    started_with = os.environ.get(dates.CLOCK_VARIABLE)
    expected = dates.parse_moment(started_with) if started_with else dt.datetime.now(dt.timezone.utc)
    assert abs(utcnow() - friday) > dt.timedelta(minutes=1) or started_with
    assert utcnow() >= expected - dt.timedelta(seconds=5)


def test_clock_setting_reads_tehran_wall_clock_time_and_is_handed_to_child_processes(clock) -> None:
    from booking.dates import CLOCK_VARIABLE, clock_environment, parse_moment

    assert parse_moment("2026-12-10T15:30") == dt.datetime(2026, 12, 10, 12, 0, tzinfo=dt.timezone.utc)
    assert parse_moment("2026-12-10T15:30+00:00") == dt.datetime(2026, 12, 10, 15, 30, tzinfo=dt.timezone.utc)
    clock(parse_moment("2026-12-10T15:30"))
    handed = clock_environment()[CLOCK_VARIABLE]
    assert abs(parse_moment(handed) - parse_moment("2026-12-10T15:30")) < dt.timedelta(seconds=5)


def test_a_child_process_keeps_the_same_clock_however_late_it_starts(clock) -> None:
    """gunicorn's workers and RQ workers start one after another: each must read the clock the parent set, not
    the same reading shifted by how long it took to start (two tickets taken a second apart once came out in
    the wrong order because of it)."""
    import subprocess
    import sys

    from booking.dates import clock_environment, parse_moment

    clock(parse_moment("2026-12-10T15:30"))
    environment = {**os.environ, **clock_environment()}
    ahead = dates.utcnow() - dt.datetime.now(dt.timezone.utc)
    late_start = ("import time; time.sleep(1.5)\n"
                  "import datetime as dt\nfrom booking.dates import utcnow\n"
                  "print((utcnow() - dt.datetime.now(dt.timezone.utc)).total_seconds())")
    result = subprocess.run([sys.executable, "-c", late_start], capture_output=True, text=True, env=environment,
                            timeout=60, check=True)
    child_ahead = dt.timedelta(seconds=float(result.stdout))
    assert abs(child_ahead - ahead) < dt.timedelta(milliseconds=100)


def test_a_server_fixes_when_the_clock_was_read_for_its_workers() -> None:
    from booking.dates import CLOCK_SET_AT_VARIABLE, CLOCK_VARIABLE, anchor_clock, parse_moment

    environ = {CLOCK_VARIABLE: "2026-12-10T15:30"}
    anchor_clock(environ)
    set_at = parse_moment(environ[CLOCK_SET_AT_VARIABLE])
    assert abs(set_at - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(seconds=5)
    anchor_clock(environ)  # a second call keeps the first reading
    assert parse_moment(environ[CLOCK_SET_AT_VARIABLE]) == set_at
    real_time = {}
    anchor_clock(real_time)
    assert real_time == {}


def test_a_bad_clock_setting_stops_the_process_with_its_name() -> None:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", "import booking.dates"], capture_output=True, text=True,
                            env={**os.environ, dates.CLOCK_VARIABLE: "next friday"}, timeout=60)
    assert result.returncode != 0 and "SAFNAMA_CLOCK='next friday' is not an ISO 8601 moment" in result.stderr
