"""Predicted waits for the slot lists, from the one forecast (:mod:`offices.forecast`)."""
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


def slot_waits(office: Office, slots: Sequence[TimeSlot], now: dt.datetime | None = None) -> dict[int, float]:
    """Predicted mean wait (minutes) for a citizen arriving at each slot not yet started, by slot id."""
    return {slot_id: f.mean for slot_id, f in slot_forecasts(office, slots, now).items()}
