"""Moments to pin the site's clock to, so that no test depends on the real day of the week or hour.

Offices keep Iranian hours: Saturday to Wednesday, a half day on Thursday, closed on Friday. A moment is the
next day (the real Tehran date included) that falls on the weekday asked for, at the Tehran hour asked for:
close to real time (Redis keeps real time), whatever the real day and hour.
"""
from __future__ import annotations

import datetime as dt

from booking.dates import TEHRAN, iran_weekday

SATURDAY, SUNDAY, MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY = range(7)


def tehran_moment(weekday: int, hour: int, minute: int = 0) -> dt.datetime:
    """The next Tehran ``weekday`` (0 Saturday … 6 Friday, today included) at ``hour:minute``, as aware UTC."""
    today = dt.datetime.now(TEHRAN).date()
    day = today + dt.timedelta(days=(weekday - iran_weekday(today)) % 7)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TEHRAN).astimezone(dt.timezone.utc)


def working_moment(hour: int = 10, minute: int = 0) -> dt.datetime:
    """A Tuesday at ``hour`` (10:00 by default): an ordinary working day, offices open."""
    return tehran_moment(TUESDAY, hour, minute)
