"""Helpers for the citizen tests: valid national IDs and a future open day's slots."""
from __future__ import annotations

import datetime as dt
import itertools

from booking import slots
from booking.dates import to_tehran, utcnow

_serial = itertools.count(100_000_001)


def national_id(prefix: int | None = None) -> str:
    """A valid national ID (right check digit), different at each call."""
    body = f"{prefix if prefix is not None else next(_serial):09d}"[-9:]
    remainder = sum(int(body[i]) * (10 - i) for i in range(9)) % 11
    check = remainder if remainder < 2 else 11 - remainder
    return body + str(check)


def future_open_day(office, skip: int = 1) -> dt.date:
    """An open day of the office after today (``skip`` open days ahead)."""
    start = to_tehran(utcnow()).date() + dt.timedelta(days=1)
    return slots.open_days(office, start, skip + 1)[skip - 1]


def a_future_slot(office, skip: int = 1, index: int = 2):
    return slots.ensure_slots(office, future_open_day(office, skip))[index]
