"""Predicted waits for the slot lists, from the one forecast (:mod:`offices.forecast`).

A slot list is read by someone booking: its wait is the booked line's (``Forecast.booked_mean``: a booked
citizen coming at the slot is called before the walk-ins). The office page's chart of the day is read by
someone deciding when to walk in: ``line="walk_in"`` gives a walk-in's wait at each slot's start."""
from __future__ import annotations

import datetime as dt
from typing import Sequence

from booking.dates import utcnow
from booking.models import TimeSlot
from offices.forecast import Forecast, forecast_waits
from offices.models import Office


def slot_forecasts(office: Office, slots: Sequence[TimeSlot], now: dt.datetime | None = None
                   ) -> dict[int, Forecast]:
    """The forecast for a citizen arriving at each slot's start, by slot id (slots already started: none)."""
    now = now or utcnow()
    ahead = [s for s in slots if s.starts_at >= now]
    answers = forecast_waits([(office.id, s.starts_at) for s in ahead], now=now)
    return {s.id: a for s, a in zip(ahead, answers) if a is not None}


def slot_waits(office: Office, slots: Sequence[TimeSlot], now: dt.datetime | None = None,
               line: str = "booked") -> dict[int, float]:
    """Predicted mean wait (minutes) at each slot not yet started, by slot id: of a citizen booked in it
    (``line="booked"``), or of a walk-in coming at its start (``"walk_in"``)."""
    figures = slot_forecasts(office, slots, now)
    if line == "walk_in":
        return {slot_id: f.mean for slot_id, f in figures.items()}
    return {slot_id: f.booked_mean for slot_id, f in figures.items()}
