"""What-if staffing for one office and one day: counters needed per hour against the actual timetable.

For each open hour of the day (Tehran time):

* the expected walk-in and booked arrivals per hour -- from the office's fitted engine parameters
  (:class:`offices.models.OfficeEstimate`) when there are any, otherwise the mean of the same weekday's hour
  over the last four weeks of the hourly table;
* the counters actually open -- the mean number of open counters in that hour from the
  :class:`offices.models.CounterShift` rows of that day (or, for a day without shifts yet, of the latest same
  weekday with shifts, or the installed counters);
* the counters needed so that ``quantile`` of citizens wait at most ``target`` minutes
  (:func:`queueing.counters_needed`);
* the predicted average wait and share of citizens served within the target with the actual counters and
  with a change: one counter more all day, or one counter moved from one hour to another.

The waits are the engine's steady-state figures hour by hour (:meth:`queueing.OfficeModel.steady`,
Erlang C, or Erlang A when the office's patience is known); the share within the target uses the
engine's P(wait > 0) and mean wait with an exponential conditional wait, ``P(W > t) = p0 exp(-t p0 / E[W])``.
Where the counters cannot keep up, the line is carried from hour to hour as a fluid (see :func:`_waits`), so
a busy day still has a figure.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
from flask_babel import gettext as _
from sqlalchemy import select

from booking.dates import iran_weekday, tehran_to_utc, to_tehran
from booking.extensions import db
from offices.models import CounterShift, Office, OfficeEstimate, OfficeHourlyStats
from queueing import OfficeModel, counters_needed

CHANGES = ("none", "add", "move")


class WhatIfInputError(ValueError):
    """A change, target or hour the what-if does not accept; the message is safe to show."""


@dataclass
class HourPlan:
    """One open hour: demand, counters actual / needed / after the change, and predicted waits (minutes)."""

    hour: int
    arrivals: float  # per hour
    actual: float  # mean open counters
    needed: int
    changed: float
    wait_actual: float  # mean wait, inf when overloaded
    wait_changed: float
    within_actual: float  # share waiting at most the target
    within_changed: float


@dataclass
class StaffingPlan:
    office_id: int
    day: dt.date
    target: float
    quantile: float
    change: str
    move_from: int | None
    move_to: int | None
    hours: list[HourPlan]
    source: str  # "estimate" or "history"
    timetable_day: dt.date | None  # the day whose counter shifts were used

    def summary(self) -> dict[str, float]:
        """Arrival-weighted day figures before and after the change, and counter-hours actual / needed."""
        weights = np.array([h.arrivals for h in self.hours]) if self.hours else np.zeros(0)
        total = float(weights.sum()) or 1.0

        def weighted(attr: str) -> float:
            vals = np.array([getattr(h, attr) for h in self.hours])
            if np.any(np.isinf(vals) & (weights > 0)):
                return math.inf
            return float(np.nansum(np.where(weights > 0, vals, 0.0) * weights) / total)

        return {
            "counter_hours_actual": float(sum(h.actual for h in self.hours)),
            "counter_hours_needed": float(sum(h.needed for h in self.hours)),
            "counter_hours_changed": float(sum(h.changed for h in self.hours)),
            "hours_short": float(sum(1 for h in self.hours if h.actual < h.needed)),
            "wait_actual": weighted("wait_actual"),
            "wait_changed": weighted("wait_changed"),
            "within_actual": weighted("within_actual"),
            "within_changed": weighted("within_changed"),
        }


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = tehran_to_utc(dt.datetime.combine(day, dt.time()))
    return start, tehran_to_utc(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))


def planning_day(office: Office, moment: dt.datetime) -> dt.date:
    """The day a what-if opens on: today (Tehran) while the office has an open hour still to come, otherwise
    its next day with opening hours (at most two weeks ahead)."""
    local = to_tehran(moment)
    for ahead in range(15):
        day = local.date() + dt.timedelta(days=ahead)
        hours = open_hours(office, day)
        if hours and (ahead > 0 or local.hour <= hours[-1]):
            return day
    return local.date()


def open_hours(office: Office, day: dt.date) -> list[int]:
    """The Tehran hours (0-23) the office is open on ``day``, from its weekly opening hours."""
    weekday = iran_weekday(day)
    for h in office.hours:
        if h.weekday == weekday:
            first = h.opens.hour
            last = h.closes.hour - (1 if h.closes.minute == 0 else 0)
            return list(range(first, last + 1))
    return []


def counters_timetable(office: Office, day: dt.date, hours: list[int]) -> tuple[dict[int, float], dt.date | None]:
    """Mean open counters per hour of ``day`` from the counter shifts (see the module docstring for fallbacks)."""
    for back in range(0, 29, 7):
        d = day - dt.timedelta(days=back)
        start, end = _day_bounds(d)
        shifts = db.session.execute(select(CounterShift.opened_at, CounterShift.closed_at)
                                    .where(CounterShift.office_id == office.id, CounterShift.opened_at < end,
                                           (CounterShift.closed_at.is_(None)) | (CounterShift.closed_at > start))).all()
        if not shifts:
            continue
        out = {}
        for hour in hours:
            h0 = tehran_to_utc(dt.datetime.combine(d, dt.time(hour)))
            h1 = h0 + dt.timedelta(hours=1)
            minutes = 0.0
            for opened, closed in shifts:
                lo, hi = max(opened, h0), min(closed or h1, h1)
                minutes += max(0.0, (hi - lo).total_seconds() / 60.0)
            out[hour] = minutes / 60.0
        return out, d
    return {hour: float(office.counters) for hour in hours}, None


def demand(office: Office, day: dt.date, hours: list[int]) -> tuple[dict[int, float], float, float, float | None, str]:
    """Arrivals per hour, service mean (min), service cv and patience mean (min) for the office on ``day``."""
    estimate = db.session.get(OfficeEstimate, office.id)
    weekday = iran_weekday(day)
    if estimate is not None and estimate.arrivals_per_hour:
        profile = estimate.arrivals_per_hour[weekday]
        return ({h: float(profile[h]) for h in hours}, float(estimate.service_mean), float(estimate.service_cv),
                estimate.patience_mean, "estimate")
    # The same weekday over the last four weeks of the hourly table.
    s = OfficeHourlyStats
    starts = [_day_bounds(day - dt.timedelta(days=7 * k))[0] for k in range(1, 5)]
    rows = db.session.execute(select(s.hour_start, s.arrivals, s.served, s.service_sum)
                              .where(s.office_id == office.id, s.hour_start >= starts[-1],
                                     s.hour_start < starts[0] + dt.timedelta(days=1))).all()
    per_hour: dict[int, float] = {h: 0.0 for h in hours}
    served = service = 0.0
    for hour_start, arrivals, n_served, service_sum in rows:
        local = to_tehran(hour_start)
        if iran_weekday(local.date()) != weekday:
            continue
        if local.hour in per_hour:
            per_hour[local.hour] += (arrivals or 0) / 4.0
        served += n_served or 0
        service += service_sum or 0.0
    mean = service / served if served else 12.0
    return per_hour, mean, 1.0, None, "history"


def _waits(model: OfficeModel, lam_per_min: np.ndarray, counters: np.ndarray, target: float) -> tuple[np.ndarray, np.ndarray]:
    """Mean wait and share within ``target`` for each open hour of the day, in order.

    An hour the counters keep up with, starting with no backlog, has the engine's steady-state figures. An
    hour they cannot keep up with (or one that inherits a line from the hour before) gets the fluid figure:
    the line grows (or shrinks) at arrivals minus capacity through the hour and is carried into the next, and
    a citizen's wait is the line ahead over the capacity. So a busy day always has a number: how long people
    wait, not "overloaded". Those who come in an hour with no counter open wait for the next hour with one; with
    none later that day there is no figure (inf, share 0).
    """
    c = np.maximum(np.round(counters), 0)
    n = lam_per_min.shape[0]
    mean = np.full(n, math.inf)
    within = np.zeros(n)
    quiet = lam_per_min <= 0
    mean[quiet], within[quiet] = 0.0, 1.0
    steady_mean = np.full(n, math.inf)
    steady_within = np.zeros(n)
    ok = (c >= 1) & ~quiet
    if np.any(ok):
        st = model.steady(lam_per_min[ok], c[ok])
        m = np.asarray(st.mean_wait, dtype=float)
        p0 = np.asarray(st.p_wait, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            tail = np.where(np.isfinite(m) & (m > 0), p0 * np.exp(-target * p0 / np.where(m > 0, m, 1.0)),
                            np.where(np.isfinite(m), 0.0, 1.0))
        steady_mean[ok] = m
        steady_within[ok] = 1.0 - tail
    service = float(np.mean(model.service_mean))
    line = 0.0  # citizens still waiting at the start of the hour (fluid)
    for k in range(n):
        capacity = c[k] / service  # citizens served per minute
        arrivals = float(lam_per_min[k])
        if line <= 0.0 and np.isfinite(steady_mean[k]):
            mean[k], within[k] = steady_mean[k], steady_within[k]
            continue
        end = max(0.0, line + (arrivals - capacity) * 60.0)
        if capacity <= 0.0:
            # Nobody is served this hour: those who come wait for the hour to end (on average half of it, plus
            # any further hours without a counter) and then for the line ahead at the next counters open.
            later = next((j for j in range(k + 1, n) if c[j] >= 1), None)
            if later is not None and arrivals > 0.0:
                mean[k] = 30.0 + 60.0 * (later - k - 1) + (line + arrivals * 30.0) / (c[later] / service)
                within[k] = 0.0 if mean[k] > target else 0.5
            line = end
            continue  # with no counter later the same day, no figure (inf, share 0)
        if arrivals <= 0.0:
            line = end
            continue
        # The line ahead of a citizen who comes at minute t is linear in t until it empties (if it does).
        slope = arrivals - capacity
        empty_at = 60.0 if slope >= 0 else min(60.0, line / -slope)
        ahead_mid = (line + max(0.0, line + slope * empty_at)) / 2.0
        fluid = ahead_mid / capacity * (empty_at / 60.0)
        after = steady_mean[k] * (1.0 - empty_at / 60.0) if np.isfinite(steady_mean[k]) else 0.0
        mean[k] = fluid + after  # once the line is gone, the hour's own steady wait
        # Share within the target: the part of the hour the line ahead is short enough.
        limit = target * capacity
        if slope > 0:
            share_time = 0.0 if line >= limit else min(60.0, (limit - line) / slope)
        elif slope < 0:
            share_time = 60.0 if line <= limit else 60.0 - min(60.0, (line - limit) / -slope)
        else:
            share_time = 60.0 if line <= limit else 0.0
        within[k] = share_time / 60.0 * (steady_within[k] if np.isfinite(steady_mean[k]) else 1.0)
        line = end
    return mean, within


def plan(office: Office, day: dt.date, *, target: float = 20.0, quantile: float = 0.9, change: str = "none",
         move_from: int | None = None, move_to: int | None = None) -> StaffingPlan:
    """Counters needed per hour of ``day`` against the actual timetable, and the effect of one change.

    Args:
        office: the office.
        day: the Tehran day.
        target: the wait target (minutes).
        quantile: the share of citizens who must meet it (0.5-0.99).
        change: ``none``, ``add`` (one counter more in every open hour) or ``move`` (one counter from hour
            ``move_from`` to hour ``move_to``; by default from the hour with most spare counters to the hour
            furthest short).

    Raises:
        WhatIfInputError: an unknown change, a target or quantile out of range, or a move between hours
            the office is not open.
    """
    if change not in CHANGES:
        raise WhatIfInputError(_("unknown change %(change)s", change=change))
    if not (1.0 <= target <= 240.0):
        raise WhatIfInputError(_("the wait target must be between 1 and 240 minutes"))
    if not (0.5 <= quantile <= 0.99):
        raise WhatIfInputError(_("the share must be between 50 and 99 percent"))
    hours = open_hours(office, day)
    if change == "move" and any(h is not None and h not in hours for h in (move_from, move_to)):
        raise WhatIfInputError(_("both hours of a move must be hours the office is open"))
    if not hours:
        return StaffingPlan(office.id, day, target, quantile, change, None, None, [], "none", None)
    arrivals, service_mean, service_cv, patience, source = demand(office, day, hours)
    actual, timetable_day = counters_timetable(office, day, hours)
    lam_h = np.array([arrivals[h] for h in hours])
    actual_arr = np.array([actual[h] for h in hours])
    needed = counters_needed(lam_h, service_mean, target, quantile, service_cv=service_cv)
    changed = actual_arr.copy()
    if change == "add":
        changed = changed + 1
    elif change == "move":
        spare = np.round(actual_arr) - needed
        if move_from is None:
            move_from = hours[int(np.argmax(spare))]
        if move_to is None:
            move_to = hours[int(np.argmin(spare))]
        if move_from not in hours or move_to not in hours:
            raise WhatIfInputError(_("both hours of a move must be hours the office is open"))
        i, j = hours.index(move_from), hours.index(move_to)
        if changed[i] < 1:
            raise WhatIfInputError(_("there is no counter open to move in that hour"))
        changed[i] -= 1
        changed[j] += 1
    estimate = db.session.get(OfficeEstimate, office.id)  # already loaded by demand(): no query
    sigma = estimate.patience_sigma if estimate is not None and patience is not None else None
    model = OfficeModel(counters=max(1, office.counters), service_mean=service_mean, service_cv=service_cv,
                        patience_mean=patience, patience_sigma=sigma)
    lam = lam_h / 60.0
    wait_a, within_a = _waits(model, lam, actual_arr, target)
    wait_c, within_c = _waits(model, lam, changed, target)
    rows = [HourPlan(h, float(lam_h[k]), float(actual_arr[k]), int(needed[k]), float(changed[k]), float(wait_a[k]),
                     float(wait_c[k]), float(within_a[k]), float(within_c[k])) for k, h in enumerate(hours)]
    return StaffingPlan(office.id, day, target, quantile, change, move_from, move_to, rows, source, timetable_day)


__all__ = ["CHANGES", "HourPlan", "StaffingPlan", "WhatIfInputError", "open_hours", "plan", "planning_day"]

