"""Bookable time slots: which days an office is open, how many places a slot has, and the slots themselves.

Slots are made lazily: the first time anyone looks at an office's day, its slots are inserted (a second
request doing the same at the same moment is harmless: the UNIQUE(office_id, starts_at) constraint and
``ON CONFLICT DO NOTHING`` keep one row per slot). ``ensure_slots_ahead`` lets a job prepare them too.

Capacity of a slot (places): ``floor(counters x slot_minutes / mean_service_minutes x (1 - walkin_reserve))``,
i.e. what the counters can serve in the slot, less the share the office keeps for walk-ins.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Iterable, Sequence

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from booking.dates import iran_weekday, tehran_to_utc, to_tehran, utcnow
from booking.extensions import db
from booking.models import TimeSlot
from offices.models import Closure, Office, OfficeEstimate, OpeningHours

BOOKING_DAYS = 14  # open days a citizen can book ahead, today included
_SCAN_LIMIT = 60  # calendar days searched for the open ones
DEFAULT_SERVICE_MINUTES = 12.0


def today_tehran(now: dt.datetime | None = None) -> dt.date:
    return to_tehran(now or utcnow()).date()


def closed_days(office: Office, first: dt.date, last: dt.date) -> set[dt.date]:
    """Public holidays and the office's own closures between two dates (inclusive)."""
    rows = db.session.scalars(select(Closure.day).where(
        Closure.day >= first, Closure.day <= last,
        (Closure.office_id == office.id) | Closure.office_id.is_(None)))
    return set(rows)


def closed_ahead(office: Office, start: dt.date) -> set[dt.date]:
    """The office's closed days among those :func:`open_days` looks at from ``start``."""
    return closed_days(office, start, start + dt.timedelta(days=_SCAN_LIMIT))


def opening_on(office: Office, day: dt.date, closed: set[dt.date] | None = None) -> OpeningHours | None:
    """The office's opening hours on a day, or None when it is closed (weekly day off, holiday, closure)."""
    if closed is None:
        closed = closed_days(office, day, day)
    if day in closed:
        return None
    weekday = iran_weekday(day)
    return next((h for h in office.hours if h.weekday == weekday), None)


def open_days(office: Office, start: dt.date, count: int = BOOKING_DAYS,
              closed: set[dt.date] | None = None) -> list[dt.date]:
    """The next ``count`` days (from ``start``, included) on which the office is open (``closed``: the
    closed days from ``start`` on, when already read with :func:`closed_ahead`)."""
    if closed is None:
        closed = closed_ahead(office, start)
    days: list[dt.date] = []
    for offset in range(_SCAN_LIMIT):
        day = start + dt.timedelta(days=offset)
        if opening_on(office, day, closed) is not None:
            days.append(day)
            if len(days) == count:
                break
    return days


def mean_service_minutes(office: Office) -> float:
    """The office's mean service time (minutes): its fitted estimate, else its services' typical times."""
    fitted = db.session.get(OfficeEstimate, office.id)
    if fitted is not None and fitted.service_mean > 0:
        return float(fitted.service_mean)
    typical = [s.typical_minutes for s in office.services]
    return float(sum(typical) / len(typical)) if typical else DEFAULT_SERVICE_MINUTES


def slot_capacity(counters: int, slot_minutes: int, service_minutes: float, walkin_reserve: float) -> int:
    """Places in one slot: counters x slot length / mean service time, less the walk-in reserve (floored)."""
    if service_minutes <= 0:
        raise ValueError("service_minutes must be positive")
    return max(0, math.floor(counters * slot_minutes / service_minutes * (1.0 - walkin_reserve) + 1e-9))


def slot_starts(office: Office, day: dt.date, hours: OpeningHours) -> list[dt.datetime]:
    """UTC start times of the slots that fit whole inside the day's opening hours."""
    step = dt.timedelta(minutes=office.slot_minutes)
    start = dt.datetime.combine(day, hours.opens)
    end = dt.datetime.combine(day, hours.closes)
    starts = []
    while start + step <= end:
        starts.append(tehran_to_utc(start))
        start += step
    return starts


def ensure_slots(office: Office, day: dt.date) -> list[TimeSlot]:
    """The office's slots on a day (Tehran), made now if they do not exist yet; [] on a closed day."""
    return ensure_days_slots(office, [day])[day]


def ensure_days_slots(office: Office, days: Sequence[dt.date],
                      closed: set[dt.date] | None = None) -> dict[dt.date, list[TimeSlot]]:
    """:func:`ensure_slots` for several days at once: one query reads them all (and, when some are missing,
    one statement makes them and one more reads them again). ``closed`` holds the closed days among
    ``days`` when already read (:func:`closed_ahead`)."""
    if not days:
        return {}
    if closed is None:
        closed = closed_days(office, min(days), max(days))
    starts: dict[dt.date, list[dt.datetime]] = {}
    for day in days:
        hours = opening_on(office, day, closed)
        starts[day] = slot_starts(office, day, hours) if hours is not None else []
    wanted = [s for day_starts in starts.values() for s in day_starts]
    if not wanted:
        return {day: [] for day in days}
    existing = _slots_between(office.id, min(wanted), max(wanted))
    have = {s.starts_at for s in existing}
    if any(s not in have for s in wanted):
        capacity = slot_capacity(office.counters, office.slot_minutes, mean_service_minutes(office),
                                 office.walkin_reserve)
        rows = [{"office_id": office.id, "starts_at": s, "minutes": office.slot_minutes, "capacity": capacity,
                 "booked": 0} for s in dict.fromkeys(wanted) if s not in have]
        dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
        db.session.execute(dialect.insert(TimeSlot).values(rows).on_conflict_do_nothing(
            index_elements=["office_id", "starts_at"]))
        db.session.flush()
        existing = _slots_between(office.id, min(wanted), max(wanted))
    # Each day keeps the slots between its first and last start, as made (a slot length changed since
    # leaves the slots already made, and booked, in place).
    return {day: [s for s in existing if day_starts and day_starts[0] <= s.starts_at <= day_starts[-1]]
            for day, day_starts in starts.items()}


def _slots_between(office_id: int, first: dt.datetime, last: dt.datetime) -> list[TimeSlot]:
    return list(db.session.scalars(select(TimeSlot).where(
        TimeSlot.office_id == office_id, TimeSlot.starts_at >= first, TimeSlot.starts_at <= last)
        .order_by(TimeSlot.starts_at)))


def ensure_slots_ahead(office: Office, now: dt.datetime | None = None) -> int:
    """Make the slots of the office's next bookable days (a job calls this nightly); returns how many exist."""
    return sum(len(ensure_slots(office, day)) for day in open_days(office, today_tehran(now)))


@dataclass(frozen=True)
class SlotView:
    """A slot as a citizen sees it."""

    slot: TimeSlot
    remaining: int
    state: str  # "open", "full" or "past"
    wait_minutes: float | None = None  # predicted mean wait on arrival, minutes (booked in it; the office
    # page's chart of the day: walking in at its start)

    @property
    def bookable(self) -> bool:
        return self.state == "open"


def slot_views(slots: Iterable[TimeSlot], now: dt.datetime | None = None,
               waits: dict[int, float] | None = None) -> list[SlotView]:
    """Each slot with its remaining places and whether it can still be chosen."""
    now = now or utcnow()
    views = []
    for slot in slots:
        remaining = max(0, slot.capacity - slot.booked)
        state = "past" if slot.starts_at <= now else ("full" if remaining == 0 else "open")
        views.append(SlotView(slot, remaining, state, (waits or {}).get(slot.id)))
    return views


def day_slots(office: Office, day: dt.date, now: dt.datetime | None = None, *,
              with_waits: bool = True, closed: set[dt.date] | None = None) -> list[SlotView]:
    """The office's slots on a day with remaining places, state and predicted wait."""
    return days_slots(office, [day], now, with_waits=with_waits, closed=closed)[day]


def days_slots(office: Office, days: Sequence[dt.date], now: dt.datetime | None = None, *,
               with_waits: bool = True, closed: set[dt.date] | None = None) -> dict[dt.date, list[SlotView]]:
    """:func:`day_slots` for several days, read together (:func:`ensure_days_slots`) and their waits
    predicted in one call."""
    now = now or utcnow()
    by_day = ensure_days_slots(office, days, closed)
    every = [s for day_slots_ in by_day.values() for s in day_slots_]
    waits = None
    if with_waits and every:
        from booking import forecast

        waits = forecast.slot_waits(office, every, now)
    return {day: slot_views(day_slots_, now, waits) for day, day_slots_ in by_day.items()}


@dataclass(frozen=True)
class Outlook:
    """An office's page: today's slots (for the chart of the day's waits) and the next free times."""

    today: list[SlotView]
    free: list[SlotView]


def office_outlook(office: Office, now: dt.datetime | None = None, limit: int = 6, days: int = 3) -> Outlook:
    """Today's slots with their predicted waits and the first ``limit`` bookable slots of the office's next
    ``days`` open days (without: the page lists their places only), with the closed days and the slots each
    read once."""
    now = now or utcnow()
    today = today_tehran(now)
    closed = closed_ahead(office, today)
    ahead = open_days(office, today, days, closed)
    by_day = ensure_days_slots(office, list(dict.fromkeys([today, *ahead])), closed)
    waits = None
    if by_day[today]:
        from booking import forecast

        waits = forecast.slot_waits(office, by_day[today], now, line="walk_in")  # the chart: walking in then
    views = {day: slot_views(day_slots_, now, waits if day == today else None) for day, day_slots_ in by_day.items()}
    free = [v for day in ahead for v in views[day] if v.bookable]
    return Outlook(views[today], free[:limit])


def best_times(office: Office, now: dt.datetime | None = None, days: int = 2,
               limit: int = 3) -> list[tuple[dt.date, list[SlotView]]]:
    """The ``limit`` bookable slots with the shortest predicted wait (then earliest) of each of the office's
    next ``days`` open days, read together."""
    now = now or utcnow()
    today = today_tehran(now)
    closed = closed_ahead(office, today)
    ahead = open_days(office, today, days, closed)
    by_day = days_slots(office, ahead, now, closed=closed)
    return [(day, _best(by_day[day], limit)) for day in ahead]


def _best(views: list[SlotView], limit: int) -> list[SlotView]:
    bookable = [v for v in views if v.bookable]
    bookable.sort(key=lambda v: (v.wait_minutes if v.wait_minutes is not None else 0.0, v.slot.starts_at))
    return bookable[:limit]


def take_place(slot_id: int) -> bool:
    """Take one place in the slot if one is left; False when it is full. Atomic in the database (one conditional
    ``UPDATE``, backed by the table's CHECK booked <= capacity)."""
    result = db.session.execute(
        update(TimeSlot).where(TimeSlot.id == slot_id, TimeSlot.booked < TimeSlot.capacity)
        .values(booked=TimeSlot.booked + 1).execution_options(synchronize_session=False))
    return result.rowcount == 1


def give_place_back(slot_id: int) -> None:
    """Give one place of the slot back (never below zero)."""
    db.session.execute(update(TimeSlot).where(TimeSlot.id == slot_id, TimeSlot.booked > 0)
                       .values(booked=TimeSlot.booked - 1).execution_options(synchronize_session=False))
