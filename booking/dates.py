"""Time handling: store UTC, show Asia/Tehran, and show every date as Jalali with Persian digits in Persian."""
from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import MutableMapping
from zoneinfo import ZoneInfo

import jdatetime
from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

from booking.numbers import ascii_digits, persian_digits  # noqa: F401 - the digits of dates, and for callers

TEHRAN = ZoneInfo("Asia/Tehran")

# Saturday is the first day of the Iranian week: Python's weekday() 5 (Saturday) becomes 0.
WEEKDAY_NAMES_FA = ("شنبه", "یکشنبه", "دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه")
WEEKDAY_NAMES_EN = ("Saturday", "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def iran_weekday(day: dt.date) -> int:
    """Day of the Iranian week: 0 = Saturday … 6 = Friday."""
    return (day.weekday() + 2) % 7


#: ``SAFNAMA_CLOCK``: a moment (ISO 8601; without an offset it is Tehran wall-clock time) the site's clock
#: reads when the process starts, running on from there. For demos and tests on a chosen day and hour; unset,
#: the site keeps real time.
CLOCK_VARIABLE = "SAFNAMA_CLOCK"
#: ``SAFNAMA_CLOCK_SET_AT``: the real moment (ISO 8601, UTC) at which the site's clock read ``SAFNAMA_CLOCK``;
#: unset, the moment the process starts. Processes started one after another (gunicorn's workers, RQ workers)
#: that share it keep the same clock, to the microsecond, instead of each starting from the same reading.
CLOCK_SET_AT_VARIABLE = "SAFNAMA_CLOCK_SET_AT"


def parse_moment(text: str) -> dt.datetime:
    """An ISO 8601 moment as aware UTC; a moment without an offset is Tehran wall-clock time."""
    moment = dt.datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TEHRAN)
    return moment.astimezone(dt.timezone.utc)


def _offset_for(moment: dt.datetime | None) -> dt.timedelta:
    if moment is None:
        return dt.timedelta(0)
    return moment - dt.datetime.now(dt.timezone.utc)


def _moment_from_environment(name: str, example: str) -> dt.datetime | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        return parse_moment(raw)
    except ValueError as error:
        raise SystemExit(f"{name}={raw!r} is not an ISO 8601 moment (e.g. {example})") from error


def _offset_from_environment() -> dt.timedelta:
    moment = _moment_from_environment(CLOCK_VARIABLE, "2026-12-01T10:00")
    if moment is None:
        return dt.timedelta(0)
    set_at = _moment_from_environment(CLOCK_SET_AT_VARIABLE, "2026-12-01T06:30:00+00:00")
    return moment - (set_at or dt.datetime.now(dt.timezone.utc))


_clock_offset = _offset_from_environment()


def utcnow() -> dt.datetime:
    """The current time, timezone-aware, in UTC (shifted when the clock is set: :func:`set_clock`)."""
    return dt.datetime.now(dt.timezone.utc) + _clock_offset


def set_clock(moment: dt.datetime | None) -> None:
    """Make :func:`utcnow` read ``moment`` now and run on from there; ``None`` goes back to the clock this
    process started with (``SAFNAMA_CLOCK``, or real time)."""
    global _clock_offset
    _clock_offset = _offset_for(moment) if moment is not None else _offset_from_environment()


def clock_environment() -> dict[str, str]:
    """``SAFNAMA_CLOCK`` and ``SAFNAMA_CLOCK_SET_AT`` for child processes, so that their clocks read what this
    one reads however long each takes to start (empty: real time)."""
    if not _clock_offset:
        return {CLOCK_VARIABLE: "", CLOCK_SET_AT_VARIABLE: ""}
    real = dt.datetime.now(dt.timezone.utc)
    return {CLOCK_VARIABLE: (real + _clock_offset).isoformat(), CLOCK_SET_AT_VARIABLE: real.isoformat()}


def anchor_clock(environ: MutableMapping[str, str]) -> None:
    """Fix when ``SAFNAMA_CLOCK`` was read, in ``environ``, for the processes about to be started from it (a
    server's workers): without it each would start its clock from the same reading at its own start, and
    their clocks would differ by how far apart they started."""
    if environ.get(CLOCK_VARIABLE, "").strip() and not environ.get(CLOCK_SET_AT_VARIABLE, "").strip():
        environ[CLOCK_SET_AT_VARIABLE] = dt.datetime.now(dt.timezone.utc).isoformat()


def to_tehran(moment: dt.datetime) -> dt.datetime:
    """A UTC (or naive UTC) moment in Tehran local time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(TEHRAN)


def tehran_to_utc(local: dt.datetime) -> dt.datetime:
    """A naive Tehran wall-clock time as an aware UTC moment."""
    return local.replace(tzinfo=TEHRAN).astimezone(dt.timezone.utc)


@functools.lru_cache(maxsize=4096)
def jalali_parts(day: dt.date) -> tuple[int, int, int]:
    """A Gregorian day's Jalali year, month and day (kept: pages write the same few days again and again)."""
    j = jdatetime.date.fromgregorian(date=day)
    return j.year, j.month, j.day


def jalali_date(value: dt.date | dt.datetime, locale: str = "fa", with_weekday: bool = False) -> str:
    """A date as Jalali ``1405/09/03`` (Persian digits in Persian), optionally with the weekday name."""
    if isinstance(value, dt.datetime):
        value = to_tehran(value).date()
    year, month, day = jalali_parts(value)
    text = f"{year:04d}/{month:02d}/{day:02d}"
    if with_weekday:
        names = WEEKDAY_NAMES_FA if locale == "fa" else WEEKDAY_NAMES_EN
        text = f"{names[iran_weekday(value)]} {text}"
    return persian_digits(text) if locale == "fa" else text


def parse_day_text(text: str) -> dt.date:
    """A day written ``1405/09/03`` (Jalali, Persian digits accepted) or ``2026-11-24`` (Gregorian).

    Raises:
        ValueError: the text is not a date.
    """
    parts = ascii_digits(text or "").strip().replace("-", "/").split("/")
    if len(parts) != 3:
        raise ValueError(f"not a date: {text!r}")
    if any(len(p.strip()) > 4 for p in parts):
        raise ValueError(f"not a date: {text!r}")  # a year past 9999 overflows the date types
    y, m, d = (int(p) for p in parts)
    return jdatetime.date(y, m, d).togregorian() if y < 1700 else dt.date(y, m, d)


def jalali_long(value: dt.date | dt.datetime, locale: str = "fa") -> str:
    """A date in words, e.g. ``سه‌شنبه ۴ آذر ۱۴۰۵`` or ``Tuesday 4 Azar 1405``."""
    if isinstance(value, dt.datetime):
        value = to_tehran(value).date()
    year, month, day = jalali_parts(value)
    if locale == "fa":
        month_name = jdatetime.date.j_months_fa[month - 1]
        return persian_digits(f"{WEEKDAY_NAMES_FA[iran_weekday(value)]} {day} {month_name} {year}")
    return f"{WEEKDAY_NAMES_EN[iran_weekday(value)]} {day} {jdatetime.date.j_months_en[month - 1]} {year}"


def clock(value: dt.datetime | dt.time, locale: str = "fa") -> str:
    """A time of day in Tehran, ``HH:MM``."""
    if isinstance(value, dt.datetime):
        value = to_tehran(value).time()
    text = f"{value.hour:02d}:{value.minute:02d}"
    return persian_digits(text) if locale == "fa" else text


class UTCDateTime(TypeDecorator):
    """A moment stored as UTC (naive in SQLite, ``timestamptz`` in PostgreSQL), always read back aware UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a naive datetime cannot be stored; give it a time zone")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)
