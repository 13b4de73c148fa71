"""The one forecast behind every wait a citizen sees: an office, a moment, the predicted wait (mean, P50, P90).

:func:`forecast_waits` answers for many ``(office, moment)`` pairs at once. For each office it uses

* the office's hours and closures: a moment when the office is closed is answered with the next opening
  (``Forecast.opens_at``) and the wait predicted at that opening;
* the counters expected at each hour: today, the counters open now (from the live load) until the end of
  the current hour, then the counter timetable learned from the counter shifts of the last four weeks
  (:class:`~offices.models.OfficeHourlyStats` ``counter_minutes``, by weekday and hour), else the counters
  installed;
* the hourly walk-in arrival profile: the fitted one (:class:`~offices.models.OfficeEstimate`, less the
  share of booked arrivals seen in those hours), else the walk-ins of the last four weeks' hourly figures,
  else the walk-in reserve of the counters filled to 80 % (the office's typical service times);
* the appointments booked in the slots between the start and the moment and not yet checked in (each comes
  with probability ``1 - no_show``); for a day after today, whose appointments are still being made, those
  still to come to reach the office's usual number (its booked arrivals over the last four weeks, over the show
  rate) fill the hours that hold fewer than usual;
* the call policy: booked citizens who come in their slot's window are called before walk-ins, so the
  engine's one first-come-first-served line is split in two (:mod:`queueing.priority`): ``mean``, ``p50``
  and ``p90`` are a walk-in's wait, ``booked_mean`` … a booked citizen's;
* when the moment is today and the office has opened: the live load (people waiting, in service, counters
  open); otherwise an empty office at the day's opening.

The engine is :meth:`queueing.OfficeModel.wait_at` on minutes from Tehran midnight; offices that start from
the same minute and close at the same minute are solved together on one grid of horizons every
:data:`GRID` minutes (a moment between two grid points is interpolated), so that an office's figure does
not depend on which other offices or moments were asked with it: every page and the API show the same
number for the same office and moment.

The offices' profiles (hours, closures, parameters, timetables) are kept in the process for
``FORECAST_PROFILE_TTL`` seconds (default 600); a call costs at most one query for the appointments still
to come (the wait now needs them too: a booked citizen who comes before a walk-in's turn is called first),
kept ``FORECAST_BOOKINGS_TTL`` seconds (default 5) unless this process changes an appointment, and one
Redis ``MGET`` for the live loads, whatever the number of offices. The engine's
answer for a run is kept ``FORECAST_SOLVED_TTL`` seconds (default 60) by everything it depends on
(:data:`SOLVED_TTL`), so the same question within the minute is not solved again; a question another thread
of the process is solving is waited for (:data:`IN_FLIGHT_WAIT`), not solved again beside it.

Units: minutes, arrivals per hour, moments in UTC.
"""
from __future__ import annotations

import datetime as dt
import math
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from flask import current_app
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from booking.dates import iran_weekday, tehran_to_utc, to_tehran, utcnow
from booking.extensions import db
from offices.call_policy import grace_windows
from offices.models import (Closure, CounterPlan, Office, OfficeEstimate, OfficeHourlyStats, OpeningHours,
                            ServiceType, office_services)
from queueing import OfficeModel

#: Minutes between the horizons the engine is solved at (moments in between are interpolated).
GRID = 5.0
#: Weeks of hourly figures the counter timetable and the walk-in history are learned from.
HISTORY_DAYS = 28
#: Minutes after opening from which today's shortfall of counters (against the timetable) is taken to last.
SETTLED_MINUTES = 60
#: Minutes the counters open now are taken to hold when the timetable expects more this hour (counters still
#: opening after the doors open); after them the timetable's count, less any settled shortfall.
LIVE_HOLD_MINUTES = 15
#: The first hour after opening, in steps of 5 minutes: the counters usually open at each (the estimate's
#: ``opening_counters``) replace the hourly count there, as counters open one by one after the doors do.
RAMP_STEP, RAMP_STEPS = 5, 12
#: Minutes of bookings past a run's last horizon that the engine is given (four times its booking jitter).
BOOKED_REACH = 20
#: Days searched ahead for the next opening.
SCAN_DAYS = 60
DEFAULT_SERVICE_MINUTES = 12.0
DEFAULT_SERVICE_CV = 0.7
DEFAULT_NO_SHOW = 0.1
_CACHE_KEY = "safnama.forecast_profiles"
#: Seconds an office's profile is kept in the process (config ``FORECAST_PROFILE_TTL``): what it holds changes
#: nightly (the fit), hourly (the hourly table) or rarely (hours, closures), and the minute job reads every office.
PROFILE_TTL = 600.0
_SOLVED_KEY = "safnama.forecast_solved"
#: Seconds the engine's answer for one run (an office's day from one state) is kept in the process, keyed by
#: everything it depends on: the office's profile, the day, the starting minute and state (the live line,
#: the counters open) and the bookings ahead. The same question within that time gets the same figures
#: without solving again; the state or the bookings changed, it is a new question.
SOLVED_TTL = 60.0
SOLVED_MAX = 4096
_SOLVED_LOCK = threading.Lock()
#: Runs being solved by a thread of this process, by (cache, key): the other threads asking wait for it,
#: at most IN_FLIGHT_WAIT seconds (then they solve it themselves).
_IN_FLIGHT: dict[tuple, threading.Event] = {}
IN_FLIGHT_WAIT = 5.0
#: Runs' counter timetables by (office, day, start, counters open now), with the profile they were made from.
_TIMETABLES: dict[tuple, tuple[Profile, list[tuple[float, float, int]]]] = {}


@dataclass(frozen=True)
class Profile:
    """What the forecast knows of an office beside its live load (see the module docstring).

    ``hours``: weekday (0 Saturday) -> (opens, closes) in minutes from midnight; ``walkins`` and ``counters``:
    (7, 24) arrays by weekday and hour (walk-ins per hour, counters expected open).
    """

    office_id: int
    installed: int
    hours: dict[int, tuple[int, int]]
    closed: frozenset[dt.date]
    service_mean: float
    service_cv: float
    patience_mean: float | None
    no_show: float
    walkins: np.ndarray
    counters: np.ndarray
    demand_source: str  # "estimate", "history" or "typical"
    counters_source: str  # "shifts" or "installed"
    #: (7, 24) appointments usually held in each hour by weekday (the booked arrivals of the last four weeks'
    #: hourly figures, over the show rate): what a day still being booked is expected to reach.
    bookings: np.ndarray | None = None
    #: the lognormal patience's log-scale standard deviation (None: exponential)
    patience_sigma: float | None = None
    #: (7, 12) counters usually open at each 5 minutes of the first hour after opening, by weekday (nan: not
    #: known); None when the office's estimate has none
    opening_counters: np.ndarray | None = None
    #: counters the office announced it will staff on a day (:mod:`offices.staffing_plan`): the most expected then
    planned: Mapping[dt.date, int] = field(default_factory=dict)

    def _opening_row(self, day: dt.date) -> np.ndarray | None:
        """Counters usually open on average over each 5 minutes of the first hour after opening on the day's
        weekday, or None when not known."""
        if self.opening_counters is None:
            return None
        row = self.opening_counters[iran_weekday(day)]
        return None if np.isnan(row).any() else row

    def opening_ramp(self, day: dt.date) -> np.ndarray | None:
        """Whole counters usually open at each 5 minutes of the day's first hour after opening (at least one),
        or None when not known."""
        row = self._opening_row(day)
        if row is None:
            return None
        ramp = np.maximum(np.round(row), 1.0).astype(int)
        return np.minimum(ramp, self.planned[day]) if day in self.planned else ramp

    def opening_steps(self, day: dt.date) -> tuple[float, float] | None:
        """Counters usually open on average over the first two :data:`RAMP_STEP` minutes after opening on the
        day's weekday (no more than the day's plan), or None when not known."""
        row = self._opening_row(day)
        if row is None:
            return None
        cap = self.planned.get(day, math.inf)
        return min(float(row[0]), cap), min(float(row[1]), cap)

    def opening(self, day: dt.date) -> tuple[int, int] | None:
        """(opens, closes) minutes of the day, or None when the office is closed that day."""
        if day in self.closed:
            return None
        return self.hours.get(iran_weekday(day))

    def next_open(self, local: dt.datetime) -> tuple[dt.date, int] | None:
        """The day and minute the office is open at ``local`` (Tehran, naive), or opens next after it."""
        minute = local.hour * 60 + local.minute + local.second / 60.0
        for offset in range(SCAN_DAYS):
            day = local.date() + dt.timedelta(days=offset)
            hours = self.opening(day)
            if hours is None:
                continue
            opens, closes = hours
            if offset == 0:
                if opens <= minute < closes:
                    return day, minute  # type: ignore[return-value]
                if minute < opens:
                    return day, opens
                continue
            return day, opens
        return None

    def expected_counters(self, day: dt.date, hour: int) -> int:
        """Counters expected open in an hour the office is open (at least one; no more than the day's plan)."""
        usual = max(1, int(round(float(self.counters[iran_weekday(day), hour]))))
        return min(usual, self.planned[day]) if day in self.planned else usual


@dataclass(frozen=True)
class Forecast:
    """The predicted wait of a citizen arriving at an office at a moment.

    Attributes:
        office_id: the office.
        asked: the moment asked (UTC).
        at: the moment the wait is predicted for: ``asked``, or the next opening when the office is closed then.
        mean, p50, p90: the wait in minutes.
        is_open: whether the office is open at ``asked``.
        opens_at: the next opening (UTC) when closed at ``asked``; None when open (or no opening within
            :data:`SCAN_DAYS` days: then the waits are 0).
        counters: counters expected open at ``at``.
        counters_open: counters open now (live), when ``at`` is today; else None.
        no_counter_open: ``at`` is now or later today, the office has opened and no counter is open yet.
        source: where the figures come from: ``live`` or ``opening`` (the state started from), the demand
            (``estimate``, ``history``, ``typical``) and the counters (``shifts``, ``installed``), joined by
            ``+``.
        booked_mean, booked_p50, booked_p90: the wait in the booked line: of a booked citizen coming at their
            slot at ``at`` (:func:`queueing.priority.booked_wait`), or, for a ticket already in line (``ahead``
            given), with the people ahead of it and nobody coming after it called first. ``mean``, ``p50`` and
            ``p90`` are a walk-in's: the booked citizens who come before their turn are called first
            (:func:`queueing.priority.walk_in_wait`).
    """

    office_id: int
    asked: dt.datetime
    at: dt.datetime
    mean: float
    p50: float
    p90: float
    is_open: bool
    opens_at: dt.datetime | None
    counters: int
    counters_open: int | None
    no_counter_open: bool
    source: str
    booked_mean: float = 0.0
    booked_p50: float = 0.0
    booked_p90: float = 0.0


def _minutes(value: dt.time) -> int:
    return value.hour * 60 + value.minute


def _load_profiles(ids: list[int], today: dt.date) -> dict[int, Profile]:
    """Profiles of offices from the database: seven grouped queries, whatever the number of offices."""
    offices = {row[0]: row for row in db.session.execute(
        select(Office.id, Office.counters, Office.walkin_reserve).where(Office.id.in_(ids)))}
    hours: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
    for office_id, weekday, opens, closes in db.session.execute(
            select(OpeningHours.office_id, OpeningHours.weekday, OpeningHours.opens, OpeningHours.closes)
            .where(OpeningHours.office_id.in_(ids))):
        if _minutes(closes) > _minutes(opens):
            hours[office_id][weekday] = (_minutes(opens), _minutes(closes))
    closed: dict[int | None, set[dt.date]] = defaultdict(set)
    for office_id, day in db.session.execute(
            select(Closure.office_id, Closure.day).where(
                Closure.day >= today, Closure.day <= today + dt.timedelta(days=SCAN_DAYS),
                Closure.office_id.in_(ids) | Closure.office_id.is_(None))):
        closed[office_id].add(day)
    estimates = {e.office_id: e for e in db.session.scalars(
        select(OfficeEstimate).where(OfficeEstimate.office_id.in_(ids)))}
    typical = dict(db.session.execute(
        select(office_services.c.office_id, func.avg(ServiceType.typical_minutes))
        .join(ServiceType, ServiceType.id == office_services.c.service_type_id)
        .where(office_services.c.office_id.in_(ids)).group_by(office_services.c.office_id)).all())
    # The last four weeks' hourly figures, by office, weekday and hour.
    since = tehran_to_utc(dt.datetime.combine(today - dt.timedelta(days=HISTORY_DAYS), dt.time()))
    until = tehran_to_utc(dt.datetime.combine(today, dt.time()))
    s = OfficeHourlyStats
    shape = (7, 24)
    arrivals = defaultdict(lambda: np.zeros(shape))
    booked = defaultdict(lambda: np.zeros(shape))
    counter_minutes = defaultdict(lambda: np.zeros(shape))
    served = defaultdict(float)
    service_sum = defaultdict(float)
    days: dict[int, set[dt.date]] = defaultdict(set)
    for office_id, start, n_arr, n_booked, minutes, n_served, service in db.session.execute(
            select(s.office_id, s.hour_start, s.arrivals, s.booked_arrivals, s.counter_minutes, s.served,
                   s.service_sum).where(s.office_id.in_(ids), s.hour_start >= since, s.hour_start < until)):
        local = to_tehran(start)
        w, h = iran_weekday(local.date()), local.hour
        arrivals[office_id][w, h] += n_arr or 0
        booked[office_id][w, h] += n_booked or 0
        counter_minutes[office_id][w, h] += minutes or 0.0
        served[office_id] += n_served or 0
        service_sum[office_id] += service or 0.0
        if (n_arr or 0) > 0 or (minutes or 0) > 0:
            days[office_id].add(local.date())
    planned: dict[int, dict[dt.date, int]] = defaultdict(dict)
    for office_id, day, counters in db.session.execute(
            select(CounterPlan.office_id, CounterPlan.day, CounterPlan.counters).where(
                CounterPlan.office_id.in_(ids), CounterPlan.day >= today,
                CounterPlan.day <= today + dt.timedelta(days=SCAN_DAYS))):
        planned[office_id][day] = counters
    profiles = {}
    for office_id in ids:
        row = offices.get(office_id)
        if row is None:
            continue
        installed = max(1, int(row[1] or 1))
        observed = np.zeros(7)
        for day in days.get(office_id, ()):
            observed[iran_weekday(day)] += 1
        per_day = np.maximum(observed, 1.0)[:, None]
        estimate = estimates.get(office_id)
        walkin_history = np.maximum(arrivals[office_id] - booked[office_id], 0.0) / per_day \
            if office_id in arrivals else None
        if estimate is not None and estimate.service_mean and estimate.service_mean > 0:
            service_mean, service_cv = float(estimate.service_mean), max(float(estimate.service_cv), 0.0)
        elif served.get(office_id):
            service_mean, service_cv = service_sum[office_id] / served[office_id], DEFAULT_SERVICE_CV
        else:
            service_mean, service_cv = float(typical.get(office_id) or DEFAULT_SERVICE_MINUTES), DEFAULT_SERVICE_CV
        service_mean = max(service_mean, 0.5)
        profile_ok = estimate is not None and estimate.arrivals_per_hour and \
            np.asarray(estimate.arrivals_per_hour, dtype=float).shape == shape
        if profile_ok:
            walkins = np.asarray(estimate.arrivals_per_hour, dtype=float).copy()
            if office_id in arrivals:  # the fitted profile counts every arrival: keep the walk-ins' share
                total = arrivals[office_id]
                share = np.where(total > 0, 1.0 - booked[office_id] / np.maximum(total, 1.0), 1.0)
                walkins *= np.clip(share, 0.0, 1.0)
            demand_source = "estimate"
        elif walkin_history is not None and walkin_history.sum() > 0:
            walkins, demand_source = walkin_history, "history"
        else:
            walkins = np.full(shape, 0.8 * float(row[2] or 0.0) * installed * 60.0 / service_mean)
            demand_source = "typical"
        if office_id in counter_minutes and counter_minutes[office_id].sum() > 0:
            counters, counters_source = counter_minutes[office_id] / 60.0 / per_day, "shifts"
        else:
            counters, counters_source = np.full(shape, float(installed)), "installed"
        office_hours = hours.get(office_id, {})
        open_mask = np.zeros(shape, dtype=bool)
        for weekday, (opens, closes) in office_hours.items():
            open_mask[weekday, opens // 60:(closes + 59) // 60] = True
        patience = estimate.patience_mean if estimate is not None and estimate.patience_mean else None
        patience_sigma = estimate.patience_sigma if patience is not None and estimate.patience_sigma else None
        opening_counters = _opening_counters(estimate.opening_counters if estimate is not None else None)
        no_show = min(max(float(estimate.no_show), 0.0), 1.0) if estimate is not None else DEFAULT_NO_SHOW
        usual_bookings = booked[office_id] / per_day / max(1.0 - no_show, 0.05) if office_id in booked else None
        profiles[office_id] = Profile(
            office_id=office_id, installed=installed, hours=dict(office_hours),
            closed=frozenset(closed.get(office_id, set()) | closed.get(None, set())),
            service_mean=service_mean, service_cv=service_cv, patience_mean=patience,
            no_show=no_show, walkins=np.where(open_mask, walkins, 0.0), counters=counters,
            demand_source=demand_source, counters_source=counters_source,
            bookings=np.where(open_mask, usual_bookings, 0.0) if usual_bookings is not None else None,
            patience_sigma=patience_sigma, opening_counters=opening_counters, planned=planned.get(office_id, {}))
    return profiles


def _opening_counters(stored: object) -> np.ndarray | None:
    """An estimate's opening ramp as a (7, 12) array (nan for a weekday without one), or None."""
    if not isinstance(stored, list) or len(stored) != 7:
        return None
    out = np.full((7, RAMP_STEPS), np.nan)
    for weekday, row in enumerate(stored):
        if isinstance(row, list) and len(row) == RAMP_STEPS:
            out[weekday] = row
    return None if np.isnan(out).all() else out


def office_profiles(office_ids: Sequence[int], now: dt.datetime | None = None) -> dict[int, Profile]:
    """The offices' profiles, from the process cache (``FORECAST_PROFILE_TTL`` seconds) or the database."""
    ids = list(dict.fromkeys(office_ids))
    today = to_tehran(now or utcnow()).date()
    app = current_app._get_current_object()
    ttl = float(app.config.get("FORECAST_PROFILE_TTL", PROFILE_TTL))
    cache: dict[int, tuple[float, dt.date, Profile]] = app.extensions.setdefault(_CACHE_KEY, {})
    clock = time.monotonic()
    found = {}
    for office_id in ids:
        kept = cache.get(office_id)
        if kept is not None and kept[1] == today and clock - kept[0] < ttl:
            found[office_id] = kept[2]
    missing = [i for i in ids if i not in found]
    if missing:
        loaded = _load_profiles(missing, today)
        found.update(loaded)
        if ttl > 0:
            for office_id, profile in loaded.items():
                cache[office_id] = (clock, today, profile)
    return found


def forget_profiles(office_ids: Sequence[int]) -> None:
    """Drop the offices' profiles kept in this process, after a change they are made of (a staffing plan): the
    next forecast reads them again. Other processes read them again within ``FORECAST_PROFILE_TTL``."""
    cache = current_app.extensions.get(_CACHE_KEY)
    if cache is not None:
        for office_id in office_ids:
            cache.pop(office_id, None)


#: Reads the live loads of offices by id: :func:`offices.live.read_live_loads`, set by :mod:`offices.live` when
#: it is imported (it imports this module for the wait now; an import back would make a circle).
_live_loads: Callable[[list[int]], Mapping[int, object]] | None = None


def use_live_loads(reader: Callable[[list[int]], Mapping[int, object]]) -> None:
    """Set how :func:`forecast_waits` reads the live loads it is not given."""
    global _live_loads
    _live_loads = reader


@dataclass
class _Run:
    """One office's day solved from one state: ``start`` minute (from midnight) to ``end`` (closing)."""

    profile: Profile
    day: dt.date
    start: float
    end: float
    waiting: float
    busy: float
    live_counters: int | None  # counters open now (today), None otherwise
    live: bool
    furthest: float = 0.0  # minutes ahead of ``start`` asked about
    in_line: bool = False  # ``waiting`` is the people ahead of a citizen already in line (a ticket's ETA)
    # Live: minutes left of the windows of the booked citizens waiting now who go before one booked now, in
    # the order they are called.
    booked_windows: tuple[float, ...] = ()
    # A day after today: its appointments are still being made (:func:`_filled_to_usual`).
    ahead: bool = False

    @property
    def at_the_doors(self) -> bool:
        """Whether the run starts from the moment before anyone comes in at the opening (:func:`_at_the_doors`):
        a day ahead, today before the doors open, or today in the opening minute with nobody in yet. A ticket
        already in line keeps its own figure: its place is known, whoever comes after it."""
        if self.in_line:
            return False
        if not self.live:
            return True
        hours = self.profile.opening(self.day)
        return hours is not None and self.start <= hours[0] and not self.waiting and not self.busy

    def timetable(self) -> list[tuple[float, float, int]]:
        """Counters from the opening to the closing (the last count carries on after it); kept in the process
        by what it depends on (the profile, the day, the start and the counters open now), as every page
        asking about an office in the same minute asks for the same table.

        Today, once the office has been open :data:`SETTLED_MINUTES`, a shortfall of the counters open now
        against the timetable's count for this hour (a counter unstaffed today) is taken to last the day: the
        counters usually opening later come as usual, and where the usual count falls the open ones fall in
        proportion (:func:`_less_the_absent`)."""
        key = (self.profile.office_id, self.day, self.start, self.live_counters)
        kept = _TIMETABLES.get(key)
        if kept is not None and kept[0] is self.profile:
            return kept[1]
        rows = self._build_timetable()
        if len(_TIMETABLES) >= SOLVED_MAX:
            _TIMETABLES.clear()
        _TIMETABLES[key] = (self.profile, rows)
        return rows

    def _build_timetable(self) -> list[tuple[float, float, int]]:
        opens, closes = self.profile.opening(self.day) or (int(self.start), int(self.end))
        short, usual_then = 0, 0
        if self.live_counters and self.start >= opens + SETTLED_MINUTES:
            usual_then = self.profile.expected_counters(self.day, int(self.start) // 60)
            short = max(0, usual_then - self.live_counters)
        rows: list[tuple[float, float, int]] = []
        for hour in range(opens // 60, (closes + 59) // 60):
            lo, hi = max(opens, 60 * hour), min(closes, 60 * hour + 60)
            if hi <= lo:
                continue
            count = self.profile.expected_counters(self.day, hour)
            if hi > self.start and short:
                count = _less_the_absent(count, usual_then, short)
            if self.live_counters and lo <= self.start < hi:  # today: the counters open now, to the hour's end
                if self.start > lo:
                    rows.append((lo, self.start, count))
                # Fewer open than the hour's count: held a while (more are usually opening), then the count.
                until = hi if self.live_counters >= count else min(hi, self.start + LIVE_HOLD_MINUTES)
                rows.append((self.start, until, self.live_counters))
                if until < hi:
                    rows.append((until, hi, count))
                continue
            rows.append((lo, hi, count))
        if self.live_counters and (not rows or rows[-1][1] <= self.start):  # a line served after the hours
            rows.append((self.start, self.start + 60.0, self.live_counters))
        ramp = self.profile.opening_ramp(self.day)
        if ramp is not None and self.start < opens + RAMP_STEP * RAMP_STEPS:
            rows = _with_opening_ramp(rows, opens, ramp, self.start, self.live_counters or None)
        return rows

    def counters_at(self, minute: float) -> int:
        return int(self.counters_over(np.array([minute], dtype=float))[0])

    def counters_over(self, minutes: np.ndarray) -> np.ndarray:
        """The counters at each of ``minutes`` (from midnight) at once: the count of the last row of the
        timetable starting at or before the minute (the first row's before it)."""
        table = self.__dict__.get("_timetable")
        if table is None:  # asked for every moment of the run: made once
            table = self.__dict__["_timetable"] = self.timetable()
        starts = np.array([lo for lo, _hi, _n in table], dtype=float)
        counts = np.array([n for _lo, _hi, n in table], dtype=float)
        row = np.searchsorted(starts, minutes, side="right") - 1
        return np.where(row >= 0, counts[np.maximum(row, 0)], counts[0])


def _less_the_absent(usual: int, usual_then: int, short: int) -> int:
    """Counters expected in a later hour whose usual count is ``usual``, when ``short`` of the ``usual_then``
    counters usually open when the shortfall was seen are absent today. Counters that usually open later come as
    usual (``usual - short``); where the usual count falls (counters that usually close early), the closing ones
    are as likely to be among the absent as among the open, so the open ones fall in proportion: ``usual`` times
    the share of ``usual_then`` that is open (taking all the closings from the open ones would count an absent
    counter twice when it is the one that usually closes early)."""
    if usual >= usual_then:
        return max(1, usual - short)
    return max(1, int(usual * (usual_then - short) / usual_then + 0.5))


def _with_opening_ramp(rows: list[tuple[float, float, int]], opens: int, ramp: np.ndarray, start: float,
                       live: int | None) -> list[tuple[float, float, int]]:
    """The timetable's rows with the first hour after opening counted every :data:`RAMP_STEP` minutes: the
    counters usually open then (``ramp``). Today (``live`` counters open now) the ones usually opening after
    ``start`` are added to those open now; one usually open by now that is not (late, or absent) is expected
    only after :data:`LIVE_HOLD_MINUTES`, and then the usual count. Before ``start`` the rows are left as they
    are."""
    end = opens + RAMP_STEP * len(ramp)

    def step_of(minute: float) -> int:
        return min(max(int((minute - opens) // RAMP_STEP), 0), len(ramp) - 1)

    usual_now = int(ramp[step_of(start)])
    out: list[tuple[float, float, int]] = []
    for lo, hi, count in rows:
        if hi <= opens or lo >= end:
            out.append((lo, hi, count))
            continue
        if lo < opens:
            out.append((lo, opens, count))
        a, b = max(lo, opens), min(hi, end)
        edges = {a, b} | {float(opens + RAMP_STEP * k) for k in range(len(ramp)) if a < opens + RAMP_STEP * k < b}
        if live is not None:
            edges |= {t for t in (start, start + LIVE_HOLD_MINUTES) if a < t < b}
        cuts = sorted(edges)
        for x, y in zip(cuts, cuts[1:]):
            usual = int(ramp[step_of(x)])
            if live is None:
                out.append((x, y, usual))
            elif x < start:
                out.append((x, y, count))  # the past: as it was
            elif x < start + LIVE_HOLD_MINUTES:
                out.append((x, y, live + max(0, usual - usual_now)))
            else:
                out.append((x, y, max(live, usual)))
        if hi > end:
            out.append((end, hi, count))
    merged: list[tuple[float, float, int]] = []
    for lo, hi, count in out:
        if merged and merged[-1][2] == count and merged[-1][1] == lo:
            merged[-1] = (merged[-1][0], hi, count)
        else:
            merged.append((lo, hi, count))
    return merged


def _to_minute(moment: dt.datetime) -> dt.datetime:
    return moment.replace(second=0, microsecond=0)


def _day_moment(day: dt.date, minute: float) -> dt.datetime:
    return tehran_to_utc(dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute))


def forecast_waits(requests: Sequence[tuple[int, dt.datetime]], *, now: dt.datetime | None = None,
                   loads: Mapping[int, object] | None = None,
                   ahead: Mapping[int, int] | None = None) -> list[Forecast | None]:
    """The predicted wait of a citizen arriving at each ``(office id, moment)``.

    Args:
        requests: pairs of an office id and a moment (aware UTC).
        now: the present (default the site's clock); moments before it are answered as now. The present
            and the moments are taken to the minute (floored), so that calls within a minute agree.
        loads: the offices' live loads (:class:`offices.live.LiveLoad` by office id) when the caller has
            read them; otherwise read with one ``MGET`` for the offices asked about today
            (:func:`offices.live.read_live_loads`, see :func:`use_live_loads`).
        ahead: for a citizen already in line (a ticket's ETA): the people ahead of them by office id, in
            place of the people waiting in the live load.

    Returns:
        One :class:`Forecast` per request, in order; None for an unknown office.
    """
    now = _to_minute(now or utcnow())
    local_now = to_tehran(now).replace(tzinfo=None)
    today = local_now.date()
    now_minute = local_now.hour * 60 + local_now.minute + local_now.second / 60.0
    profiles = office_profiles([office_id for office_id, _ in requests], now)

    # Where each request lands: its own moment when open, else the next opening.
    targets: list[tuple[Profile, dt.datetime, bool, dt.date, float] | None] = []
    for office_id, moment in requests:
        profile = profiles.get(office_id)
        if profile is None:
            targets.append(None)
            continue
        local = to_tehran(max(_to_minute(moment), now)).replace(tzinfo=None)
        if ahead and office_id in ahead:  # a citizen in line now: the line is served whatever the hours
            targets.append((profile, moment, True, today, now_minute))
            continue
        found = profile.next_open(local)
        if found is None:
            targets.append((profile, moment, False, local.date(), -1.0))
            continue
        day, minute = found
        is_open = day == local.date() and minute == local.hour * 60 + local.minute + local.second / 60.0
        targets.append((profile, moment, is_open, day, float(minute)))

    today_ids = sorted({t[0].office_id for t in targets if t is not None and t[3] == today and t[4] >= 0})
    if today_ids and loads is None and _live_loads is not None:
        loads = _live_loads(today_ids)
    loads = loads or {}

    runs: dict[tuple[int, dt.date], _Run] = {}
    for target in targets:
        if target is None or target[4] < 0:
            continue
        profile, _moment, _open, day, _minute = target
        key = (profile.office_id, day)
        if key in runs:
            continue
        opens, closes = profile.opening(day) or (int(now_minute), int(now_minute) + 60)
        if ahead and profile.office_id in ahead:
            closes = max(closes, int(now_minute) + int(GRID))
        load = loads.get(profile.office_id) if day == today else None
        if day == today and load is not None:
            start = max(float(opens), now_minute)
            counters_open = int(getattr(load, "counters_open", 0) or 0)
            waiting = (ahead or {}).get(profile.office_id, getattr(load, "waiting", 0) or 0)
            runs[key] = _Run(profile, day, start, float(closes), float(waiting),
                             float(min(getattr(load, "in_service", 0) or 0, counters_open)) if counters_open else 0.0,
                             counters_open or None, now_minute >= opens,
                             in_line=bool(ahead and profile.office_id in ahead),
                             booked_windows=tuple(max(0.0, (closes_at - now.timestamp()) / 60.0)
                                                  for closes_at in getattr(load, "booked_windows_close", None) or ()))
        else:
            runs[key] = _Run(profile, day, float(opens), float(closes), 0.0, 0.0, None, False, ahead=day > today)

    for target in targets:  # how far ahead each run is asked about
        if target is not None and target[4] >= 0:
            run = runs[(target[0].office_id, target[3])]
            run.furthest = max(run.furthest, target[4] - run.start)
    results = _solve(list(runs.values()))
    # Each run's figures at all the moments asked of it, interpolated together.
    asked_of: dict[tuple[int, dt.date], list[int]] = defaultdict(list)
    for i, target in enumerate(targets):
        if target is not None and target[4] >= 0:
            asked_of[(target[0].office_id, target[3])].append(i)
    on_grid: dict[bytes, list[tuple[tuple[int, dt.date], list[int]]]] = defaultdict(list)
    for key, indices in asked_of.items():  # runs solved together share a grid: interpolated in one go
        on_grid[results[key][0].tobytes()].append((key, indices))
    figures: dict[int, tuple[float, ...]] = {}
    for members in on_grid.values():
        grid = results[members[0][0]][0]
        series = np.stack([results[key][1] for key, _indices in members])
        row = np.repeat(np.arange(len(members)), [len(indices) for _key, indices in members])
        h = np.clip(np.array([targets[i][4] - runs[key].start for key, indices in members for i in indices]),
                    0.0, float(grid[-1]))
        order = [i for _key, indices in members for i in indices]
        figures.update(zip(order, map(tuple, _interpolate(h, grid, series[row]).tolist())))
    answers: list[Forecast | None] = []
    for i, ((office_id, moment), target) in enumerate(zip(requests, targets)):
        if target is None:
            answers.append(None)
            continue
        profile, asked, is_open, day, minute = target
        if minute < 0:
            answers.append(Forecast(office_id, asked, asked, 0.0, 0.0, 0.0, False, None, 0, None, False,
                                    "closed", 0.0, 0.0, 0.0))
            continue
        run = runs[(office_id, day)]
        mean, p50, p90, booked_mean, booked_p50, booked_p90 = figures[i]
        counters = run.counters_at(max(minute, run.start))
        counters_open = int(getattr(loads.get(office_id), "counters_open", 0) or 0) if day == today else None
        source = "+".join(("live" if run.live else "opening", profile.demand_source, profile.counters_source))
        answers.append(Forecast(
            office_id=office_id, asked=asked, at=asked if is_open else _day_moment(day, minute),
            mean=mean, p50=p50, p90=p90, is_open=is_open,
            opens_at=None if is_open else _day_moment(day, minute), counters=counters,
            counters_open=counters_open, no_counter_open=run.live and not counters_open,
            source=source, booked_mean=booked_mean, booked_p50=booked_p50, booked_p90=booked_p90))
    return answers


def forecast_wait(office_id: int, moment: dt.datetime | None = None, *, now: dt.datetime | None = None,
                  loads: Mapping[int, object] | None = None,
                  ahead: Mapping[int, int] | None = None) -> Forecast | None:
    """:func:`forecast_waits` for one office and one moment (default now)."""
    now = now or utcnow()
    return forecast_waits([(office_id, moment or now)], now=now, loads=loads, ahead=ahead)[0]


def _bookings(runs: list[_Run]) -> dict[tuple[int, dt.date], np.ndarray]:
    """Appointments still to come (booked, not yet checked in) by minute of the day (0-1439) for each run's
    office and day: kept in the process (:func:`_kept_bookings`), those missing read in one query. Those checked
    in are in the line already."""
    if not runs:
        return {}
    from booking.models import Appointment, TimeSlot

    kept, ttl = _kept_bookings()
    clock = time.monotonic()
    out: dict[tuple[int, dt.date], np.ndarray] = {}
    missing: dict[dt.date, set[int]] = defaultdict(set)
    for run in runs:
        key = (run.profile.office_id, run.day)
        entry = kept.get(key) if kept is not None else None
        if entry is not None and entry[1] == _bookings_generation and clock - entry[0] < ttl:
            if entry[2] is not None:
                out[key] = entry[2]
        else:
            missing[run.day].add(run.profile.office_id)
    if not missing:
        return out
    generation = _bookings_generation
    found: dict[tuple[int, dt.date], np.ndarray] = {}
    for office_id, starts_at, booked in db.session.execute(
            select(TimeSlot.office_id, TimeSlot.starts_at, func.count(Appointment.id))
            .join(Appointment, Appointment.slot_id == TimeSlot.id)
            .where(TimeSlot.office_id.in_(sorted(set().union(*missing.values()))),
                   TimeSlot.starts_at >= _day_moment(min(missing), 0.0),
                   TimeSlot.starts_at < _day_moment(max(missing), 1440.0), Appointment.status == "booked")
            .group_by(TimeSlot.office_id, TimeSlot.starts_at)):
        local = to_tehran(starts_at)
        key = (office_id, local.date())
        if local.date() in missing and office_id in missing[local.date()]:
            found.setdefault(key, np.zeros(1440))[local.hour * 60 + local.minute] += booked
    for day, office_ids in missing.items():
        for office_id in office_ids:
            by_minute = found.get((office_id, day))
            if by_minute is not None:
                out[(office_id, day)] = by_minute
            if kept is not None:
                if len(kept) >= BOOKINGS_MAX:
                    with _SOLVED_LOCK:
                        kept.clear()
                kept[(office_id, day)] = (clock, generation, by_minute)
    return out


#: Seconds the appointments still to come at an office on a day are kept in the process (config
#: ``FORECAST_BOOKINGS_TTL``; 0 turns it off, as in tests unless set). A booking, cancellation or check-in made
#: by this process drops them at once; one made by another process reaches this one's forecasts within that
#: time, as its pages' kept copies do (``booking.page_cache``).
BOOKINGS_TTL = 5.0
BOOKINGS_MAX = 8192
_BOOKINGS_KEY = "safnama.forecast_bookings"
#: Bumped when this process commits a change to an appointment: every kept count is then read again.
_bookings_generation = 0


def _kept_bookings() -> tuple[dict | None, float]:
    app = current_app._get_current_object()
    ttl = float(app.config.get("FORECAST_BOOKINGS_TTL", 0.0 if app.testing else BOOKINGS_TTL))
    return (app.extensions.setdefault(_BOOKINGS_KEY, {}) if ttl > 0 else None), ttl


def _note_appointment_changes(session, _flush_context) -> None:
    """After a flush: remember whether it wrote an appointment (its status or slot may have changed)."""
    if any(getattr(obj, "__tablename__", None) == "appointments"
           for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info["safnama.appointments_changed"] = True


def _forget_kept_bookings(session) -> None:
    """After a commit that wrote an appointment: the counts kept in the process are read again."""
    global _bookings_generation
    if session.info.pop("safnama.appointments_changed", False):
        _bookings_generation += 1


def _discard_appointment_changes(session) -> None:
    session.info.pop("safnama.appointments_changed", None)


event.listen(Session, "after_flush", _note_appointment_changes)
event.listen(Session, "after_commit", _forget_kept_bookings)
event.listen(Session, "after_soft_rollback", lambda session, _previous: _discard_appointment_changes(session))


def _solve(runs: list[_Run]) -> dict[tuple[int, dt.date], tuple[np.ndarray, np.ndarray]]:
    """The engine over the runs, grouped by (start, end) so that each run is solved on its own grid: for each
    run its grid of horizons and its six series on it (rows: a walk-in's mean, P50 and P90, then a booked
    citizen's).

    A run asked only about its start (the wait now) is solved at horizons 0 and GRID alone: the law at 0 is the
    starting state whatever the grid, so the figure is the same as on the full grid.

    One question is solved once in a process: a run another thread of the process is solving already (the
    first pages after the minute turns all ask about the same offices) is waited for, not solved again beside
    it, which would only share the CPU among identical solutions and make every one of those pages late.
    """
    bookings = _bookings(runs)  # the engine's arrivals ahead, and the booked citizens called before a walk-in
    out: dict[tuple[int, dt.date], tuple[np.ndarray, tuple[np.ndarray, ...]]] = {}
    solved, ttl = _solved_cache()
    clock = time.monotonic()
    mine: list[tuple[_Run, np.ndarray, tuple, np.ndarray]] = []
    others: list[tuple[_Run, np.ndarray, tuple, np.ndarray, threading.Event]] = []
    claimed: list[tuple] = []
    for run in runs:
        now_only = run.furthest <= 0.0
        grid = _grid(run.start, run.end, now_only)
        # The bookings the engine is given reach past the last horizon by BOOKED_REACH minutes: each comes around
        # its slot (a 5-minute jitter), so those just after a horizon already weigh on it.
        length = int(math.ceil(grid[-1])) + 1 + BOOKED_REACH
        row = np.zeros(length)
        rest = np.zeros(1)
        by_minute = bookings.get((run.profile.office_id, run.day))
        if run.ahead:
            by_minute = _filled_to_usual(by_minute, run.profile, run.day)
        if by_minute is not None:  # minute m of the day is minute m - start ahead
            first = int(math.ceil(run.start))
            rest = by_minute[first:] if first < 1440 else rest
            part = rest[:length]
            row[:part.size] = part
        key = (run.profile.office_id, run.day, run.start, run.end, now_only, run.waiting, run.busy,
               run.live_counters, run.live, run.in_line, run.booked_windows, rest.tobytes() if rest.any() else b"")
        kept = solved.get(key) if solved is not None else None
        if kept is not None and kept[0] is run.profile and clock - kept[1] < ttl:
            out[(run.profile.office_id, run.day)] = kept[2]
            continue
        if solved is None:
            mine.append((run, row, key, rest))
            continue
        flight = (id(solved), key)
        with _SOLVED_LOCK:
            event = _IN_FLIGHT.get(flight)
            if event is None:
                _IN_FLIGHT[flight] = threading.Event()
                claimed.append(flight)
        if event is None:
            mine.append((run, row, key, rest))
        else:
            others.append((run, row, key, rest, event))
    try:
        _solve_groups(mine, solved, clock, out)
    finally:
        with _SOLVED_LOCK:
            for flight in claimed:
                _IN_FLIGHT.pop(flight).set()
    late = []
    for run, row, key, rest, event in others:
        event.wait(IN_FLIGHT_WAIT)
        kept = solved.get(key)
        if kept is not None and kept[0] is run.profile:
            out[(run.profile.office_id, run.day)] = kept[2]
        else:  # the other thread failed or is slow: solved here after all
            late.append((run, row, key, rest))
    _solve_groups(late, solved, clock, out)
    if solved is not None and len(solved) > SOLVED_MAX:
        with _SOLVED_LOCK:  # drop the oldest half (a web process's threads share the cache)
            kept_at = sorted((entry[1], key) for key, entry in list(solved.items()))
            for _at, key in kept_at[:len(kept_at) // 2]:
                solved.pop(key, None)
    return out


def _filled_to_usual(by_minute: np.ndarray | None, profile: Profile, day: dt.date) -> np.ndarray | None:
    """The appointments of a day still being booked, by minute: the day is expected to reach the office's usual
    number of appointments, and the ones still to come fill the hours that hold fewer than usual, in proportion
    to their shortfall, spread over each hour. A day already as full as usual is as booked (a quiet hour in it is
    not filled with appointments that will not come)."""
    if profile.bookings is None:
        return by_minute
    usual = profile.bookings[iran_weekday(day)]
    have = np.zeros(1440) if by_minute is None else by_minute
    short = np.maximum(usual - have.reshape(24, 60).sum(axis=1), 0.0)
    to_come = usual.sum() - have.sum()
    if to_come <= 0.0 or not short.any():
        return by_minute
    return have + np.repeat(short * min(1.0, to_come / short.sum()) / 60.0, 60)


def _solve_groups(entries: list[tuple[_Run, np.ndarray, tuple, np.ndarray]], solved: dict | None, clock: float,
                  out: dict) -> None:
    """Solve the runs of ``entries`` (run, bookings ahead on its grid, cache key, bookings ahead), those with the
    same grid together, into ``out`` and the process's cache."""
    groups: dict[tuple[float, float, bool], list[tuple[_Run, np.ndarray, tuple, np.ndarray]]] = defaultdict(list)
    for entry in entries:
        run = entry[0]
        groups[(run.start, run.end, run.furthest <= 0.0)].append(entry)
    for (start, end, now_only), group in groups.items():
        members = [run for run, _row, _key, _rest in group]
        grid = _grid(start, end, now_only)
        booked = np.array([row for _run, row, _key, _rest in group])
        booked = booked if booked.any() else None
        model = OfficeModel(
            counters=[r.timetable() for r in members],
            service_mean=np.array([r.profile.service_mean for r in members]),
            service_cv=np.array([r.profile.service_cv for r in members]),
            arrivals_per_hour=np.array([r.profile.walkins[iran_weekday(r.day)] for r in members]),
            patience_mean=np.array([r.profile.patience_mean or np.inf for r in members]),
            patience_sigma=np.array([r.profile.patience_sigma or np.nan for r in members]),
            open_minutes=1440.0, no_show=np.array([r.profile.no_show for r in members]))
        wait = model.wait_at(grid, np.array([r.waiting for r in members]), np.array([r.busy for r in members]),
                             now=start, booked=booked)
        mean, p50, p90, p_wait = (np.asarray(a, dtype=float).reshape(len(members), grid.size)
                                  for a in (wait.mean, wait.p50, wait.p90, wait.p_wait))
        lines = _two_lines(members, [rest for _run, _row, _key, rest in group], grid, mean, p50, p90, p_wait)
        lines = _at_the_doors(members, [rest for _run, _row, _key, rest in group], grid, lines)
        for k, (run, _row, key, _rest) in enumerate(group):
            result = (grid, np.stack([series[k] for series in lines]))
            out[(run.profile.office_id, run.day)] = result
            if solved is not None:
                solved[key] = (run.profile, clock, result)


def _at_the_doors(members: list[_Run], rests: list[np.ndarray], grid: np.ndarray,
                  lines: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    """The figures at the opening of runs that start from the moment before anyone comes in
    (:attr:`_Run.at_the_doors`: a day ahead, today before the doors open or in the opening minute with nobody in
    yet): those of :data:`GRID` minutes later, or the wait for a counter to open, whichever is longer. The engine
    starts there with every counter free, but a citizen coming as the doors open comes with the others who come
    then (the first slot's booked citizens, who cannot come earlier, and the first walk-ins) and before most
    counters open: the first slot was told 0 minutes where its citizens waited up to 5 minutes on an ordinary
    day and up to 70 with twice the bookings. Where it is known how the counters usually open in the first
    minutes (:meth:`Profile.opening_steps`) and none is open yet, a citizen at the doors waits for one to open for them
    (:func:`queueing.doors.door_wait`): a booked citizen among the first slot's who came before it begins (the
    share :data:`queueing.priority.ARRIVAL_LEAD` of the slot's :data:`queueing.priority.SLOT_MINUTES`), a
    walk-in after all of them."""
    from queueing.doors import door_wait, opening_spread
    from queueing.priority import ARRIVAL_LEAD, SLOT_MINUTES

    at_opening = np.array([r.at_the_doors for r in members])
    if grid.size < 2 or not at_opening.any():
        return lines
    out = []
    for series in lines:
        series = np.array(series, dtype=float)
        series[at_opening, 0] = series[at_opening, 1]
        out.append(series)
    known = [(k, step) for k, r in enumerate(members)
             if at_opening[k] and not r.live_counters and (step := r.profile.opening_steps(r.day)) is not None]
    if not known:
        return tuple(out)
    rows, steps = [k for k, _step in known], [step for _k, step in known]
    counters, spread = opening_spread([first for first, _second in steps], [second for _first, second in steps],
                                      float(RAMP_STEP))
    show = np.array([1.0 - members[k].profile.no_show for k in rows])
    first_slot = np.array([float(rests[k][:int(SLOT_MINUTES)].sum()) for k in rows])
    early = show * ARRIVAL_LEAD / SLOT_MINUTES  # a booked citizen's chance of being at the doors
    service = np.array([members[k].profile.service_mean for k in rows])
    walk_in = door_wait(early * first_slot, counters, spread, service, after=True)
    booked = door_wait(early * np.maximum(first_slot - 1.0, 0.0), counters, spread, service)
    for series, figure in zip(out, (*walk_in, *booked)):
        series[rows, 0] = np.maximum(series[rows, 0], figure)
    return tuple(out)


def _interpolate(h: np.ndarray, grid: np.ndarray, series: np.ndarray) -> np.ndarray:
    """Each point's figures at its horizon: ``series[p]`` (rows of figures on ``grid``) at ``h[p]`` (within the
    grid), as :func:`numpy.interp` gives each, all at once; one row per point, one column per series."""
    if grid.size == 1:
        return series[:, :, 0].copy()
    i = np.clip(np.searchsorted(grid, h, side="right") - 1, 0, grid.size - 2)
    points = np.arange(h.size)
    low, high = series[points, :, i], series[points, :, i + 1]
    slope = (high - low) / (grid[i + 1] - grid[i])[:, None]
    values = slope * (h - grid[i])[:, None] + low
    return np.where((h >= grid[-1])[:, None], series[:, :, -1], values)


def _two_lines(members: list[_Run], rests: list[np.ndarray], grid: np.ndarray, mean: np.ndarray, p50: np.ndarray,
               p90: np.ndarray, p_wait: np.ndarray) -> tuple[np.ndarray, ...]:
    """The engine's one first-come-first-served line split by the call policy: a walk-in's mean, P50 and P90
    (the booked citizens who come before their turn go first), then the booked line's (a booked citizen at
    their slot; for a ticket already in line, its first-come-first-served figures)."""
    from queueing.priority import booked_ahead, booked_wait, walk_in_wait

    span = max(int(math.ceil(grid[-1])) + 1, max(r.size for r in rests) + 1)
    cum = np.zeros((len(members), span))
    same_slot = np.zeros((len(members), grid.size))
    for k, rest in enumerate(rests):
        if rest.any():
            total = np.cumsum(rest)
            cum[k, 1:total.size + 1] = total  # cum[:, m]: booked in minutes [0, m) ahead
            cum[k, total.size + 1:] = total[-1]
            # The appointments of the 15-minute slot a booked citizen coming at each horizon belongs to.
            same_slot[k] = np.interp(grid + 7.5, np.arange(span), cum[k]) - np.interp(grid - 7.5, np.arange(span),
                                                                                        cum[k])
    show = np.array([1.0 - r.profile.no_show for r in members])
    service = np.array([r.profile.service_mean for r in members])
    cv = np.array([r.profile.service_cv for r in members])
    counters = np.array([r.counters_over(r.start + grid) for r in members])
    ahead = np.arange(0.0, span, GRID)  # the counters over the rest of the day, every GRID minutes
    counters_ahead = np.array([r.counters_over(r.start + ahead) for r in members])
    by_minute = np.stack([np.interp(np.arange(span), ahead, row) for row in counters_ahead])
    walk = [walk_in_wait(figure, grid, cum, show, service, by_minute) for figure in (mean, p50, p90)]
    # Booked citizens in their window are called first, so a counter that opens before the next departure is as
    # good as one: the booked line is served by the counters open then (just after opening, one counter busy and
    # two more opening in three minutes serve a booked citizen in three minutes, not after the one's service).
    next_departure = grid[None, :] + service[:, None] / np.maximum(counters, 1.0)
    booked_counters = np.maximum(counters, [r.counters_over(r.start + row) for r, row in zip(members, next_departure)])
    # Now, the booked citizens waiting in their window are known: one booked coming now goes after those of
    # them called before their windows close.
    known_ahead = np.full(same_slot.shape, np.nan)
    known_ahead[:, 0] = [booked_ahead(r.booked_windows, service[k] / max(booked_counters[k, 0], 1.0))
                         if r.live and not r.in_line else np.nan for k, r in enumerate(members)]
    # A booked citizen still waiting when their window closes waits on as a walk-in who came when they did.
    booked = booked_wait(p_wait, same_slot, show[:, None], service[:, None], cv[:, None], booked_counters,
                         walk_in_mean=walk[0], walk_in_p90=walk[2], late_grace=_late_grace(), known_ahead=known_ahead)
    in_line = np.array([r.in_line for r in members])[:, None]
    booked = tuple(np.where(in_line, fcfs, figure) for fcfs, figure in zip((mean, p50, p90), booked))
    return (*walk, *booked)


def _late_grace() -> float:
    """Minutes after their slot's start until which the call policy calls a booked citizen first
    (``QUEUE_LATE_GRACE_MINUTES``)."""
    return grace_windows()[1].total_seconds() / 60.0


def _grid(start: float, end: float, now_only: bool) -> np.ndarray:
    return np.array([0.0, GRID]) if now_only else np.arange(0.0, max(end - start, 0.0) + GRID, GRID)


def _solved_cache() -> tuple[dict | None, float]:
    """The engine's answers kept in the process by everything they depend on, and for how long
    (``FORECAST_SOLVED_TTL`` seconds; 0 turns it off: None)."""
    app = current_app._get_current_object()
    ttl = float(app.config.get("FORECAST_SOLVED_TTL", SOLVED_TTL))
    return (app.extensions.setdefault(_SOLVED_KEY, {}) if ttl > 0 else None), ttl


__all__ = ["Forecast", "Profile", "forecast_wait", "forecast_waits", "forget_profiles", "office_profiles",
           "use_live_loads"]
