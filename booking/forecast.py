"""Predicted waits for citizens' pages and the API, from the queueing engine (``queueing``).

This module only gathers the engine's inputs from the database and Redis and calls the engine:
* per slot (days ahead): the steady state of the office in that hour (Erlang C, or Erlang A with
  abandonment), with walk-ins from the office's fitted hourly profile plus the slot's bookings;
* per office now / on arrival: :meth:`queueing.OfficeModel.wait_at` from the live load.
"""
from __future__ import annotations

import datetime as dt
from typing import Sequence

import numpy as np

from booking.dates import iran_weekday, to_tehran
from booking.extensions import db
from booking.models import TimeSlot
from offices.models import Office, OfficeEstimate
from queueing import OfficeModel

WAIT_CAP = 240.0  # minutes: an unstable hour shows as "more than 4 hours"


def _service_mean(office: Office, fitted: OfficeEstimate | None) -> float:
    if fitted is not None and fitted.service_mean > 0:
        return float(fitted.service_mean)
    typical = [s.typical_minutes for s in office.services]
    return float(sum(typical) / len(typical)) if typical else 12.0


def walkins_per_hour(office: Office, moment: dt.datetime, fitted: OfficeEstimate | None) -> float:
    """Expected walk-ins per hour at a moment: the fitted weekly profile, else the walk-in reserve kept free."""
    local = to_tehran(moment)
    if fitted is not None and fitted.arrivals_per_hour:
        try:
            return float(fitted.arrivals_per_hour[iran_weekday(local.date())][local.hour])
        except (IndexError, TypeError):
            pass
    # Without a fit: assume walk-ins fill 80% of the share of the counters kept for them.
    return 0.8 * office.walkin_reserve * office.counters * 60.0 / _service_mean(office, None)


def slot_waits(office: Office, slots: Sequence[TimeSlot]) -> dict[int, float]:
    """Predicted mean wait (minutes) for a citizen arriving at each slot, by slot id."""
    if not slots:
        return {}
    fitted = db.session.get(OfficeEstimate, office.id)
    service_mean = _service_mean(office, fitted)
    patience = fitted.patience_mean if fitted is not None and fitted.patience_mean else None
    cv = fitted.service_cv if fitted is not None else 1.0
    no_show = fitted.no_show if fitted is not None else 0.1
    model = OfficeModel(office.counters, service_mean, cv, patience_mean=patience)
    rates = np.array([walkins_per_hour(office, s.starts_at, fitted) / 60.0
                      + s.booked * (1.0 - no_show) / max(s.minutes, 1) for s in slots])
    mean = np.asarray(model.steady(rates).mean_wait, dtype=float)
    mean = np.where(np.isfinite(mean), np.minimum(mean, WAIT_CAP), WAIT_CAP)
    return {s.id: float(m) for s, m in zip(slots, np.broadcast_to(mean, (len(slots),)))}
