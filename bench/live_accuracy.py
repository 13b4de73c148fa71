"""How true are the waits the site shows? A day played through the real service layer, measured.

``python -m bench.live_accuracy [--offices 2] [--days 28] [--variants ordinary,fewer,bookings] [--day 2026-12-05]
[--dump FILE]``

The demo network is seeded (SQLite and an embedded Redis in a temporary folder) with ``--days`` days of
history ending the day before a working day, and the engine is fitted on that history for the busiest
Tehran offices (:func:`offices.estimates.refit_office`). The demo's arrival model then generates one more
day (another seed: a day the engine was not fitted on): arrivals, bookings, no-shows, service times and
counter shifts. That day is played through the site's own service functions with a moving clock
(:func:`booking.dates.set_clock`):

* the evening before, every booked citizen books a slot (:func:`booking.appointments.book`) and the slot
  list's predicted wait is recorded (:func:`booking.forecast.slot_forecasts`, what the slot list and the
  "best times" chips show), and so is what each walk-in would be told then for the moment they come (the
  forecast of a later moment: the recommendation's ``at``, the find page; scored against the historical hourly
  mean of walk-ins' arrivals in that hour);
* on the day, counters open and close as the generated shifts say, walk-ins take a ticket
  (:func:`offices.queue_ops.add_walk_in`), booked citizens check in, and each free counter calls the next
  citizen by the site's call policy (:func:`offices.queue_ops.call_next`), serves them for their generated
  service time and finishes; who is not called within their patience (the demo's law: lognormal, median 45
  minutes for a walk-in, 90 for a booked citizen) leaves the line (:func:`offices.queue_ops.mark_left`);
* at each arrival the figures the citizen would see are recorded, each from the line the citizen is in
  (booked citizens in their slot's window are called before walk-ins: :mod:`queueing.priority`): the
  recommendation from the office's door (:func:`booking.finder.recommend_offices`, every third walk-in: the
  citizens choosing where to go), the office page's wait now (:func:`offices.forecast.forecast_wait`: a
  walk-in's, or the booked line's for a booked citizen) and, once in line, the ticket's ETA (the forecast
  with the people ahead, in the ticket's line).

Each is compared with the wait that then happened (called minus arrived) of those served, beside two
references on the same arrivals: the **oracle** (issue 14's: the engine's conditional wait
:meth:`queueing.OfficeModel.wait_now` with the true parameters and the true state: the people ahead by the call
policy, the counters busy and open, and the counters that truly opened and closed during the wait (the day's
shifts); each office's true service law (its staff's pace and mix of services, as the demo draws them:
:func:`_service_law`) and the true patience law (the demo's lognormal); for a walk-in, the bookings due before
their turn at the day's true show rate, on the counters truly open then; beside it, the **oracle, the day's
draws**, which also knows each office's service times that day and the mean of the patiences drawn) and the
**historical hourly mean** (the office's mean wait in that hour over the history; its P50/P90 the empirical
quantiles). Ratios are taken on each surface's own arrivals.

Variants of the day: ``ordinary``; ``fewer`` (one counter fewer than usual all day: the highest counter
never opens, and nothing tells the site); ``planned`` (the same day, but each office announced the evening before
that it staffs one counter fewer than installed: :mod:`offices.staffing_plan`; it plays the day and seed of
``fewer``, so it runs apart: ``--variants planned``); ``bookings`` (twice the usual bookings). Each is played
on its own day: ``ordinary`` on the test day, ``fewer`` (and ``planned``) a week later, ``bookings`` two weeks
later (each the next ordinary full working day). Printed per variant and surface: arrivals, RASE of
the mean shown (minutes), P50 and P90 coverage (share of waits at most the figure), and today's P90 coverage
among the arrivals who found every counter busy (``busy90``, as ``bench/engine.py`` scores the engine: who finds
a counter free is shown 0 and waits 0, a certainty that says nothing of the law's width), and beside it the
oracle's on the same arrivals. The slot list shows the
booked line's wait (what a citizen booked in that slot waits). Beside the day-ahead figures, the **per-slot
bound**: the mean wait that then happened in each slot, known only after the day. The slot list shows one figure
per slot, and within a slot the mean has the least squared error, so no slot figure, however made, has a RASE
below the bound's: a ratio to the historical mean below the bound's cannot be reached. With one or two citizens
in a slot the bound is its own answer and says little; so beside it, the **slot list knowing the day**: the
site's own slot forecast, the evening before, from profiles told what only the day itself tells (the counters
truly open each hour and in each 5 minutes of the first hour, the walk-ins that truly came each hour, the day's
service law and show rate, the demo's walk-in patience law for the whole line): what the forecast would show if
nothing of the day were unknown but the order of its arrivals. And the **slot oracle**, which is a bound in
expectation: the day replayed 200 times without the site (:func:`replay_office`, the call policy; replayed with
the day's own draws it gives back every wait the site had, and the run prints the largest difference) with
the counters the day truly had, its booked citizens coming when and whether they truly came, as many walk-ins
each hour as truly came, and fresh draws of what nobody can know ahead (each walk-in's minute in the hour, each
citizen's service time from the office's own that day, each patience from the demo's law; each walk-in's minute
inside their hour and the hours tickets are given); each slot's figure is its booked citizens' mean wait over
the replays, the conditional mean given all the day holds but the order of its arrivals, so no slot figure made
the evening before can expect a smaller squared error (a bound in expectation, not on one day). Beside it, the
**slot oracle on the usual counters**: the same replays, but each on the counters of another usual day at the
office (:func:`usual_counters`: the demo's shift model drawn afresh for the same day, which counters come, when,
and which are absent, as often as the history has them; with ``planned``, less the counter announced), so it
knows all the day holds but its counters: what a slot figure made the evening before, when nothing announced a
counter fewer, could know at best. Its P90 coverage says how far such a figure's coverage can be trusted on a
day a counter is missing (``bench.slot_widening --surface`` widens it). Today, the **office page
knowing the day** is the site's forecast of the wait now from the same profiles and, in place of the counters
it expects, the day's true shifts from now on (at least one counter where none is open). The two rows knowing
the day are not bounds (knowing the day the forecast is sometimes further from what happened); they tell how
much of a miss is what the day held in store. The run also prints each office's true mean service time beside
the fitted one and the day's own.

Today's P90 coverage among the busy is printed with its number of arrivals and its 95 % Wilson interval: a
coverage outside 0.85-0.95 on a few dozen arrivals may be chance. ``--dump FILE`` also writes every row scored
(a pickle), to look into where the error comes from.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import heapq
import itertools
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

#: The week after the test day each variant is played in (its day and its seed): ``planned`` is ``fewer``'s day
#: with the missing counter announced, so the two are played in runs of their own.
VARIANT_WEEK = {"ordinary": 0, "fewer": 1, "planned": 1, "bookings": 2}
SURFACES_TODAY = ("recommendation", "office page", "ticket ETA", "page, knowing the day", "oracle",
                  "oracle, the day's draws", "historical mean")
SURFACES_AHEAD = ("slot (day before)", "historical mean", "slot, knowing the day", "slot oracle",
                  "slot oracle, usual counters", "per-slot bound", "walk-in (day before)", "walk-in hist. mean")


#: How many times the slot oracle replays the day (:func:`replay_office`).
SLOT_ORACLE_REPLAYS = 200


def _national_ids():
    for serial in itertools.count(200_000_001):
        body = f"{serial:09d}"
        remainder = sum(int(body[i]) * (10 - i) for i in range(9)) % 11
        yield body + str(remainder if remainder < 2 else 11 - remainder)


def _patience_law(estimate) -> str:
    """The patience law an office's estimate holds, in words."""
    if not estimate.patience_mean:
        return "nobody left"
    shape = f"lognormal sigma {estimate.patience_sigma:.2f}" if estimate.patience_sigma else "exponential"
    return f"mean {estimate.patience_mean:.0f} min, {shape}"


def _next_working_day(start: dt.date) -> dt.date:
    """``start`` or the first day after it that is an ordinary full working day: not Thursday, not Friday, not
    a public holiday (the demo's calendar closes every office then) nor the day after one (its backlog)."""
    from booking.dates import iran_weekday
    from offices.demo.history import public_holidays

    closed = {h.day for h in public_holidays(start - dt.timedelta(days=1), start + dt.timedelta(days=30))}
    day = start
    while iran_weekday(day) in (5, 6) or day in closed or day - dt.timedelta(days=1) in closed:
        day += dt.timedelta(days=1)
    return day


def _true_timetable(shifts: list[tuple[float, float]], midnight: float) -> list[tuple[float, float, int]]:
    """The counters open, minute by minute from midnight, over the (opened, closed) epochs of an office's shifts, as
    a timetable (the last count carried on after the last shift: the last counter serves the line out)."""
    edges = sorted({(t - midnight) / 60.0 for shift in shifts for t in shift})
    rows: list[tuple[float, float, int]] = []
    for lo, hi in zip(edges, edges[1:]):
        count = sum(1 for o, c in shifts if (o - midnight) / 60.0 <= lo < (c - midnight) / 60.0)
        if rows and rows[-1][2] == count and rows[-1][1] == lo:
            rows[-1] = (rows[-1][0], hi, count)
        else:
            rows.append((lo, hi, count))
    while len(rows) > 1 and rows[-1][2] == 0:
        rows.pop()
    return rows or [(0.0, 1440.0, 1)]


def _knowing_the_day(profile, day: dt.date, shifts: list[tuple[float, float]], walk_in_minutes: list[float],
                     service: tuple[float, float], show: float, midnight: float):
    """``profile`` told, the evening before, what only the day itself tells: the counters truly open in each hour
    of ``day`` (their mean over the hour) and in each 5 minutes of its first hour (``shifts``: epochs), the walk-ins
    that truly came in each hour (``walk_in_minutes``: minutes of the day), the day's own service law, its show rate
    and the demo's true patience law, with every appointment already made. A forecast made from it knows more than
    any made the evening before can."""
    from dataclasses import replace

    from booking.dates import iran_weekday
    from offices.demo.history import WALKIN_PATIENCE_MEDIAN, WALKIN_PATIENCE_SIGMA
    from offices.forecast import RAMP_STEP, RAMP_STEPS

    weekday = iran_weekday(day)
    minute = midnight + 60.0 * (np.arange(1440) + 0.5)
    open_now = np.zeros(1440)
    for opened, closed in shifts:
        open_now += (minute >= opened) & (minute < closed)
    counters = profile.counters.copy()
    counters[weekday] = open_now.reshape(24, 60).mean(axis=1)
    walkins = profile.walkins.copy()
    walkins[weekday] = np.bincount(np.clip(np.asarray(walk_in_minutes, dtype=int) // 60, 0, 23), minlength=24)
    ramp = None
    hours = profile.opening(day)
    if hours is not None:
        ramp = np.full((7, RAMP_STEPS), np.nan) if profile.opening_counters is None else profile.opening_counters.copy()
        first = open_now[hours[0]:hours[0] + RAMP_STEP * RAMP_STEPS]
        ramp[weekday] = first.reshape(RAMP_STEPS, RAMP_STEP).mean(axis=1)
    return replace(profile, counters=counters, walkins=walkins, opening_counters=ramp, service_mean=service[0],
                   service_cv=service[1], no_show=1.0 - show, bookings=None,
                   patience_mean=WALKIN_PATIENCE_MEDIAN * float(np.exp(WALKIN_PATIENCE_SIGMA ** 2 / 2)),
                   patience_sigma=WALKIN_PATIENCE_SIGMA, planned={})


def replay_office(arrive: np.ndarray, slot_start: np.ndarray, service: np.ndarray, patience: np.ndarray,
                  shifts: list[tuple[int, float, float]], early: float = 900.0, late: float = 900.0) -> np.ndarray:
    """One office's day under the site's call policy (:func:`offices.call_policy.call_order`), without the site:
    the citizens who come (``arrive``, epoch seconds, in the order their tickets are made; ``slot_start`` the
    epoch of a booked citizen's slot, NaN for a walk-in), each one's ``service`` and ``patience`` (minutes), and
    the counters' ``shifts`` (counter, opened, closed: epochs). A free open counter, lowest number first, calls
    the booked citizens inside their slot's window (``early`` seconds before its start to ``late`` after),
    earliest slot first, then everyone else by arrival; a counter that closes while serving finishes first; who
    is not called within their patience leaves. Events at one moment are taken in the order
    :func:`play_day` takes them. Returns each citizen's call time (epoch; NaN for who left)."""
    n = len(arrive)
    started = np.full(n, np.nan)
    events: list = []
    seq = itertools.count()
    for counter, opened, closed in shifts:
        heapq.heappush(events, (opened, next(seq), 0, counter))
        heapq.heappush(events, (closed, next(seq), 1, counter))
    for k in range(n):
        heapq.heappush(events, (float(arrive[k]), next(seq), 2, k))
    waiting: set[int] = set()
    open_counters: set[int] = set()
    serving: dict[int, int] = {}
    closing: set[int] = set()

    def dispatch(now: float) -> None:
        for counter in sorted(open_counters):
            if counter in serving or counter in closing:
                continue
            if not waiting:
                return
            inside = [k for k in waiting if slot_start[k] - early <= now <= slot_start[k] + late]
            k = (min(inside, key=lambda j: (slot_start[j], arrive[j], j)) if inside
                 else min(waiting, key=lambda j: (arrive[j], j)))
            waiting.discard(k)
            started[k] = now
            serving[counter] = k
            heapq.heappush(events, (now + 60.0 * service[k], next(seq), 4, counter))

    while events:
        now, _s, kind, data = heapq.heappop(events)
        if kind == 0:
            open_counters.add(data)
        elif kind == 1:
            if data in serving:
                closing.add(data)
            else:
                open_counters.discard(data)
        elif kind == 2:
            waiting.add(data)
            heapq.heappush(events, (now + 60.0 * patience[data], next(seq), 3, data))
        elif kind == 3:
            waiting.discard(data)
        else:
            serving.pop(data)
            if data in closing:
                closing.discard(data)
                open_counters.discard(data)
        dispatch(now)
    return started


def usual_counters(network, day: dt.date, seed: int, draws: int, planned: bool = False) -> list[dict]:
    """``draws`` days of counters as the offices of ``network`` usually have them on ``day``'s weekday, each
    drawn by the demo's model afresh (:func:`offices.demo.history.generate_history`, its own seed: when each
    counter opens and closes, and which are absent): {office code: [(counter, opened, closed), ...]} per draw,
    epochs of ``day``. What the evening before can know of the counters, unannounced; a draw in which an office
    stays shut is drawn again (its slot list is for a day it opens). ``planned``: the highest counter is left
    out, as announced."""
    from offices.demo.history import generate_history

    out: list[dict] = []
    attempt = 0
    while len(out) < draws:
        attempt += 1
        if attempt > 20 * draws:
            raise RuntimeError(f"the offices are shut on every day drawn for {day}")
        day_drawn = generate_history(network, days=1, seed=seed * 100_003 + attempt, end_day=day)
        by_office: dict[str, list] = defaultdict(list)
        for k in range(len(day_drawn.s_office)):
            by_office[network.offices[day_drawn.s_office[k]].code].append(
                (int(day_drawn.s_counter[k]), float(day_drawn.s_opened[k]), float(day_drawn.s_closed[k])))
        if len(by_office) < len(network.offices):
            continue
        if planned:
            for code, rows in by_office.items():
                top = max(n for n, _o, _c in rows)
                if top > 1:
                    by_office[code] = [row for row in rows if row[0] < top]
        out.append(dict(by_office))
    return out


def _service_law(spec, draws: int = 400_000) -> tuple[float, float]:
    """The true law of an office's service times, as the demo draws them (:func:`offices.demo.history
    .generate_history`): the mix of the services it offers by their demand shares, each lognormal with its
    catalogue mean and CV, times the staff's pace, at least a minute, to the second. Returns (mean, CV)."""
    from offices.service_catalogue import SERVICE_CATALOGUE

    offered = [s for s in SERVICE_CATALOGUE if s.code in spec.services]
    share = np.array([s.demand_share for s in offered])
    rng = np.random.default_rng(0x1A3)
    pick = rng.choice(len(offered), draws, p=share / share.sum())
    sig2 = np.log1p(np.array([s.service_cv for s in offered]) ** 2)
    mu = np.log(np.array([s.typical_minutes for s in offered])) - sig2 / 2
    minutes = np.exp(mu[pick] + np.sqrt(sig2[pick]) * rng.standard_normal(draws)) * spec.speed
    minutes = np.round(np.maximum(minutes, 1.0) * 60.0) / 60.0
    return float(minutes.mean()), float(minutes.std() / minutes.mean())


def _score(rows: list[tuple[float, float, float, float]]) -> tuple[int, float, float, float, float]:
    """(n, RASE of the mean, P50 coverage, P90 coverage, bias: mean shown minus actual) of (actual, mean, p50,
    p90) rows."""
    if not rows:
        return 0, float("nan"), float("nan"), float("nan"), float("nan")
    a = np.array(rows, dtype=float)
    return (len(a), float(np.sqrt(np.mean((a[:, 1] - a[:, 0]) ** 2))), float(np.mean(a[:, 0] <= a[:, 2] + 1e-9)),
            float(np.mean(a[:, 0] <= a[:, 3] + 1e-9)), float(np.mean(a[:, 1] - a[:, 0])))


def _coverage_when_busy(table: dict, surface: str, scored: str | None = None) -> tuple[float, int]:
    """P90 coverage among the arrivals of ``surface`` who found every counter busy (as in ``bench/engine.py``),
    and their number: an arrival who finds a counter free is called at once, is shown 0 and waits 0, whatever
    the law of the others' waits; today's tables only (the day before, nobody knows who will find a counter
    free). ``scored`` names other rows to score on those same arrivals (the oracle's: a coverage outside
    0.85-0.95 that the oracle shares is the day's, not the forecast's)."""
    if "_found busy" not in table:
        return float("nan"), 0
    busy = set(table["_found busy"])
    scored = scored or surface

    def keys_of(name: str) -> list:
        return table.get("_keys " + name, table.get("_keys oracle", []))

    where = {k: i for i, k in enumerate(keys_of(scored))}
    rows = [table[scored][where[k]] for k in keys_of(surface) if k in busy and k in where]
    return _score(rows)[3], len(rows)


def _wilson(share: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95 % Wilson interval of a share seen on ``n`` arrivals: the true coverages that share is consistent
    with (0.97 on 60 arrivals does not tell that the P90 is too wide: 0.89-0.99). Arrivals of one day are not
    independent (a long line is seen by many), so the true uncertainty is wider still."""
    if n == 0 or share != share:
        return float("nan"), float("nan")
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(max(centre - half, 0.0)), float(min(centre + half, 1.0))


def _references(table: dict, surface: str) -> tuple[float, float]:
    """RASE of the oracle and of the historical mean on the same arrivals as ``surface`` (today's tables keep
    each surface's arrivals under ``_keys <surface>``; the day-ahead table has no oracle)."""
    if "_keys oracle" not in table:
        hist = "walk-in hist. mean" if surface.startswith("walk-in") else "historical mean"
        return float("nan"), _score(table.get(hist, []))[1]
    where = {k: i for i, k in enumerate(table["_keys oracle"])}
    mine = [where[k] for k in table.get("_keys " + surface, table["_keys oracle"]) if k in where]
    pick = lambda name: [table[name][i] for i in mine]  # noqa: E731
    return _score(pick("oracle"))[1], _score(pick("historical mean"))[1]


def play_day(variant: str, offices: list, spec_by_code: dict, test_day: dt.date, seed: int,
             history_waits: dict) -> tuple[dict, dict]:
    """Play the generated day ``variant`` at ``offices``; returns the (actual, mean, p50, p90) rows per
    surface, today's and the day-ahead slots'."""
    from booking import appointments, finder
    from booking.dates import iran_weekday, set_clock, tehran_to_utc, to_tehran
    from booking.extensions import db
    from booking.forecast import slot_forecasts
    from booking.models import TimeSlot
    from booking.slots import ensure_slots
    from offices import queue_ops
    from offices.call_policy import in_grace_window
    from offices.demo.history import (BOOKED_PATIENCE_MEDIAN, BOOKED_PATIENCE_SIGMA, LAST_TICKET_BEFORE_CLOSE,
                                      OUTCOME_NO_SHOW, WALKIN_PATIENCE_MEDIAN, WALKIN_PATIENCE_SIGMA,
                                      generate_history)
    from offices.demo.network import OfficeNetwork
    from offices.forecast import forecast_wait, forecast_waits
    from offices.live import read_live_loads, refresh_live_load
    from offices.models import QueueTicket
    from offices.queue_ops import position_in_line
    from offices.service_catalogue import SERVICE_CATALOGUE
    from queueing import OfficeModel

    specs = [spec_by_code[o.code] for o in offices]
    network = OfficeNetwork(provinces=(), districts=(), offices=tuple(specs), seed=seed)
    day = generate_history(network, days=1, seed=seed, end_day=test_day)
    by_code = {o.code: o for o in offices}
    start_of_day = tehran_to_utc(dt.datetime.combine(test_day, dt.time()))

    def moment(epoch: float) -> dt.datetime:
        return dt.datetime.fromtimestamp(float(epoch), dt.timezone.utc)

    # Visits: office, service code, booked, no-show, arrival, service minutes.
    visits = []
    for k in range(day.tickets):
        served = day.t_started[k] >= 0 and day.t_ended[k] >= 0
        minutes = (day.t_ended[k] - day.t_started[k]) / 60.0 if served else None
        visits.append([specs[day.t_office[k]].code, SERVICE_CATALOGUE[day.t_service[k]].code, bool(day.t_booked[k]),
                       day.t_outcome[k] == OUTCOME_NO_SHOW, float(day.t_arrived[k]), minutes])
    # Who was not served that day (a no-show, someone who left) is served, if they come, at the office's pace.
    durations = [v[5] for v in visits if v[5] is not None]
    own_durations = {code: [v[5] for v in visits if v[0] == code and v[5] is not None] or durations or [10.0]
                     for code in by_code}
    for v in visits:
        v[5] = v[5] if v[5] is not None else float(np.median(own_durations[v[0]]))
    if variant == "bookings":  # twice the usual bookings: each booked visit comes with a second one
        rng = np.random.default_rng(seed)
        extra = [[v[0], v[1], True, bool(rng.random() < 0.1), v[4] + float(rng.normal(0, 120)),
                  float(rng.choice(own_durations[v[0]]))] for v in visits if v[2]]
        visits += extra
    shifts = [(specs[day.s_office[k]].code, int(day.s_counter[k]), float(day.s_opened[k]), float(day.s_closed[k]))
              for k in range(len(day.s_office))]
    if variant in ("fewer", "planned"):
        top = defaultdict(int)
        for code, counter, _o, _c in shifts:
            top[code] = max(top[code], counter)
        shifts = [s for s in shifts if s[1] < top[s[0]] or top[s[0]] == 1]

    # Patience, as the demo's model has it (offices.demo.history): who is not called within it leaves the line.
    rng_patience = np.random.default_rng([seed, 0xB0B])
    patience = np.array([(BOOKED_PATIENCE_MEDIAN * rng_patience.lognormal(0.0, BOOKED_PATIENCE_SIGMA)) if v[2] else
                         (WALKIN_PATIENCE_MEDIAN * rng_patience.lognormal(0.0, WALKIN_PATIENCE_SIGMA)) for v in visits])
    gave_up = 0

    # The evening before: book the booked visits and record the slot list's forecast.
    ids = _national_ids()
    set_clock(start_of_day - dt.timedelta(hours=4))
    booked_at: dict[int, tuple[int, str]] = {}
    ahead_rows: dict[str, list] = defaultdict(list)
    slot_of: dict[int, int] = {}
    for office in offices:
        for slot in ensure_slots(office, test_day):
            slot.capacity = 1000  # the generated bookings are placed whatever the capacity rule says
    db.session.flush()
    for k, v in enumerate(visits):
        if not v[2]:
            continue
        office = by_code[v[0]]
        slots = ensure_slots(office, test_day)
        arrive = moment(v[4])
        slot = max((s for s in slots if s.starts_at <= arrive + dt.timedelta(minutes=5)),
                   key=lambda s: s.starts_at, default=slots[0])
        service = next(s for s in office.services if s.code == v[1])
        appointment = appointments.book(office, service, slot, next(ids), f"0912{k:07d}")
        booked_at[k] = (appointment.id, appointment.tracking_code)
        slot_of[k] = slot.id
    if variant == "planned":  # the office knows its highest counter has nobody that day, and says so
        from offices.staffing_plan import set_counter_plan

        for office in offices:
            if office.counters > 1:
                set_counter_plan(office, test_day, office.counters - 1)
    db.session.commit()
    slot_forecast = {}
    for office in offices:
        slot_forecast.update(slot_forecasts(office, ensure_slots(office, test_day)))
    # And what a walk-in asking the evening before (the recommendation's ``at``, the find page for a later
    # moment) is told for the moment they will come.
    walk_ahead = {}
    walk_ins = [k for k, v in enumerate(visits) if not v[2]]
    for k, f in zip(walk_ins, forecast_waits([(by_code[visits[k][0]].id, moment(visits[k][4])) for k in walk_ins])):
        walk_ahead[k] = (f.mean, f.p50, f.p90)

    # The reference that knows the day: the same slot list, the evening before, from profiles told the counters
    # that will truly be open, the walk-ins that will come, the day's service law, show rate and true patience.
    import offices.forecast as forecast_module

    midnight = start_of_day.timestamp()
    knowing = {}
    for office in offices:
        code = office.code
        own = np.array([v[5] for v in visits if v[0] == code] or own_durations[code])
        booked_here = [v for v in visits if v[0] == code and v[2]]
        knowing[office.id] = (
            [(o, c) for s_code, _n, o, c in shifts if s_code == code],
            [(v[4] - midnight) / 60.0 for v in visits if v[0] == code and not v[2]],
            (float(own.mean()), float(own.std(ddof=1) / own.mean()) if own.size > 1 else 1.0),
            float(np.mean([not v[3] for v in booked_here])) if booked_here else 1.0)
    told_the_day = forecast_module._load_profiles

    def load_knowing(ids, today):
        return {i: _knowing_the_day(p, test_day, *knowing[i], midnight) if i in knowing else p
                for i, p in told_the_day(ids, today).items()}

    forecast_module._load_profiles = load_knowing
    try:
        slot_knowing = {}
        for office in offices:
            slot_knowing.update(slot_forecasts(office, ensure_slots(office, test_day)))
    finally:
        forecast_module._load_profiles = told_the_day

    # The office page knowing the day: the site's own forecast of the wait now, from the profiles that know the
    # day (as the slot list's above) and the counters the day truly has from now on (its shifts) in place of the
    # ones it expects. What is left between it and the oracle is not what the day held in store.
    true_table = {by_code[code].id: _true_timetable([(o, c) for s_code, _n, o, c in shifts if s_code == code],
                                                    midnight) for code in by_code}
    expected_table = forecast_module._Run.timetable

    @contextlib.contextmanager
    def knowing_the_day():
        def timetable(run):
            if run.live and run.day == test_day and run.profile.office_id in true_table:
                return [(lo, hi, max(n, 1)) for lo, hi, n in true_table[run.profile.office_id]]
            return expected_table(run)

        forecast_module._Run.timetable = timetable
        forecast_module._load_profiles = load_knowing
        try:
            yield
        finally:
            forecast_module._Run.timetable = expected_table
            forecast_module._load_profiles = told_the_day

    # The day: a moving clock over counters, arrivals, calls and finishes.
    events: list = []
    seq = itertools.count()
    for code, counter, opened, closed in shifts:
        heapq.heappush(events, (opened, next(seq), "open", code, counter))
        heapq.heappush(events, (closed, next(seq), "close", code, counter))
    for k, v in enumerate(visits):
        if not (v[2] and v[3]):  # booked no-shows never come
            heapq.heappush(events, (v[4], next(seq), "arrive", v[0], k))
    serving: dict[tuple[str, int], tuple[int, float]] = {}
    closing: set[tuple[str, int]] = set()
    open_counters: dict[str, set[int]] = defaultdict(set)
    ticket_of: dict[int, int] = {}
    visit_of_ticket: dict[int, int] = {}
    shown: dict[str, dict[int, tuple[float, float, float]]] = defaultdict(dict)
    state_at: dict[int, tuple[str, float, float, float, float]] = {}
    in_line_at: dict[int, tuple[float, bool]] = {}  # people ahead by the call policy once in line; called first
    arrivals_seen = 0
    found_busy: set[int] = set()
    # The day's own service law at each office (the oracle's: each office's staff has its own pace).
    law, true_law = {}, {code: _service_law(spec_by_code[code]) for code in by_code}
    for code in by_code:
        own = np.array([v[5] for v in visits if v[0] == code] or own_durations[code])
        law[code] = (float(own.mean()), float(own.std(ddof=1) / own.mean()) if own.size > 1 else 1.0)

    def dispatch(code: str, now: dt.datetime) -> None:
        office = by_code[code]
        for counter in sorted(open_counters[code]):
            if (code, counter) in serving or (code, counter) in closing:
                continue
            ticket = queue_ops.call_next(office, counter, None, now=now)
            if ticket is None:
                return
            queue_ops.start_service(office, ticket.id, None, now=now)
            k = visit_of_ticket[ticket.id]
            end = now.timestamp() + 60.0 * visits[k][5]
            serving[(code, counter)] = (ticket.id, end)
            heapq.heappush(events, (end, next(seq), "finish", code, counter))

    while events:
        at, _s, kind, code, data = heapq.heappop(events)
        now = moment(at)
        set_clock(now)
        office = by_code[code]
        if kind == "open":
            if data not in open_counters[code]:
                queue_ops.open_counter(office, data, None, now=now)
                open_counters[code].add(data)
        elif kind == "close":
            if (code, data) in serving:
                closing.add((code, data))
            elif data in open_counters[code]:
                queue_ops.close_counter(office, data, None, now=now)
                open_counters[code].discard(data)
        elif kind == "give up":  # not called within their patience: they leave the line
            ticket = db.session.get(QueueTicket, ticket_of[data])
            if ticket.outcome == "waiting":
                queue_ops.mark_left(office, ticket.id, None, now=now)
                gave_up += 1
        elif kind == "finish":
            ticket_id, _end = serving.pop((code, data))
            queue_ops.finish_service(office, ticket_id, None, now=now)
            if (code, data) in closing:
                closing.discard((code, data))
                queue_ops.close_counter(office, data, None, now=now)
                open_counters[code].discard(data)
        else:  # an arrival: what the site shows now, then the ticket
            k = data
            v = visits[k]
            load = read_live_loads([office.id])[office.id]
            page = forecast_wait(office.id, now)  # the page gives both lines: each citizen reads their own
            shown["office page"][k] = ((page.booked_mean, page.booked_p50, page.booked_p90) if v[2]
                                       else (page.mean, page.p50, page.p90))
            with knowing_the_day():  # the same page, had it known what the day held in store
                page = forecast_wait(office.id, now)
            shown["page, knowing the day"][k] = ((page.booked_mean, page.booked_p50, page.booked_p90) if v[2]
                                                  else (page.mean, page.p50, page.p90))
            if not v[2] and arrivals_seen % 3 == 0:  # someone choosing where to walk in
                rec = finder.recommend_offices(office.lat, office.lon, v[1], k=20, spread=False)
                mine = next((s for s in rec.suggestions if s.office.code == code), None)
                if mine is not None and mine.opens_at is None:
                    shown["recommendation"][k] = (mine.wait_mean, mine.wait_p50, mine.wait_p90)
            arrivals_seen += 1
            counters_now = max(len(open_counters[code]), 1)
            if load.waiting > 0 or load.in_service >= len(open_counters[code]):
                found_busy.add(k)  # no counter free: the wait is a law, not the certain zero of a free counter
            state_at[k] = (code, float(load.waiting), float(min(load.in_service, counters_now)), float(counters_now),
                           float(to_tehran(now).hour))
            if v[2]:
                ticket = queue_ops.check_in(office, booked_at[k][1], None, now=now)
            else:
                ticket = queue_ops.add_walk_in(office, v[1], None, now=now)
            ticket_of[k] = ticket.id
            visit_of_ticket[ticket.id] = k
            heapq.heappush(events, (at + 60.0 * patience[k], next(seq), "give up", code, k))
            db.session.flush()
            ahead = position_in_line(ticket)
            if ahead is not None:
                eta = forecast_wait(office.id, now, ahead={office.id: ahead})
                priority = v[2] and in_grace_window(
                    db.session.get(TimeSlot, slot_of[k]).starts_at, now) if k in slot_of else False
                shown["ticket ETA"][k] = ((eta.booked_mean, eta.booked_p50, eta.booked_p90) if priority
                                          else (eta.mean, eta.p50, eta.p90))
                in_line_at[k] = (float(ahead), priority)
        dispatch(code, now)
        db.session.commit()
        refresh_live_load(office.id)
    set_clock(None)

    # What happened: called (service start) minus arrived, for everyone served.
    actual: dict[int, float] = {}
    for k, ticket_id in ticket_of.items():
        ticket = db.session.get(QueueTicket, ticket_id)
        if ticket.started_at is not None:
            actual[k] = (ticket.started_at - ticket.arrived_at).total_seconds() / 60.0
    today_rows: dict[str, list] = defaultdict(list)
    oracle_keys: list[int] = []
    for surface in ("recommendation", "office page", "ticket ETA", "page, knowing the day"):
        for k, (mean, p50, p90) in shown[surface].items():
            if k in actual:
                today_rows[surface].append((actual[k], mean, p50, p90))
                today_rows["_keys " + surface].append(k)
    # The oracle: the engine's conditional wait given the true state (the people ahead by the call policy once
    # in line, the counters busy and open) and each office's own service law that day; for a walk-in (or someone
    # late), the booked citizens due before their turn go first: the bookings of the slots in between, at the
    # day's true show rate (the same split as the site's, queueing.priority.walk_in_wait, with the true parameters).
    keys = [k for k in state_at if k in actual and k in in_line_at]
    if keys:
        from queueing.priority import walk_in_wait

        st = np.array([(in_line_at[k][0],) + state_at[k][2:4] for k in keys])
        # The counters each office truly had open, minute by minute (the day's shifts): those that open or close
        # during a wait are known to the oracle, as no forecast can know them.
        table = {code: _true_timetable([(o, c) for s_code, _n, o, c in shifts if s_code == code],
                                       start_of_day.timestamp()) for code in by_code}
        booked_kind = np.array([visits[k][2] for k in keys])
        true_sigma = np.where(booked_kind, BOOKED_PATIENCE_SIGMA, WALKIN_PATIENCE_SIGMA)  # the demo's lognormal law
        minute_of = np.array([(visits[k][4] - start_of_day.timestamp()) / 60.0 for k in keys])
        booked_visits = [k for k, v in enumerate(visits) if v[2] and k in slot_of]
        show = float(np.mean([not visits[k][3] for k in booked_visits])) if booked_visits else 1.0
        due = defaultdict(list)  # slot starts (minutes of the day) of the booked citizens not yet checked in
        slot_minute = {}
        for k in booked_visits:
            slot_minute[k] = (db.session.get(TimeSlot, slot_of[k]).starts_at - start_of_day).total_seconds() / 60.0
            due[visits[k][0]].append(k)
        # For a walk-in (or someone late), the bookings still to come and the counters truly open at each minute of
        # the wait (the day's real shifts), whatever the oracle's laws.
        ahead_of = {}
        for k in keys:
            if not in_line_at[k][1]:
                t = (visits[k][4] - start_of_day.timestamp()) / 60.0
                cum = np.zeros(1441)
                for b in due[state_at[k][0]]:
                    if visits[b][4] > visits[k][4] and slot_minute[b] > t:  # still to come
                        cum[min(int(slot_minute[b] - t) + 1, 1440):] += 1.0
                code_k, start_k = state_at[k][0], visits[k][4]
                opened = np.array([sum(1 for c, _n, o, e in shifts if c == code_k and o <= start_k + 60.0 * m < e)
                                   for m in range(0, 1441, 5)], dtype=float)
                ahead_of[k] = (np.repeat(cum[None, :], 3, 0), np.repeat(
                    np.interp(np.arange(1441), np.arange(0, 1441, 5), np.maximum(opened, 1.0))[None, :], 3, 0))
        # The oracle of issue 14 has the true parameters: each office's own service law (its staff's pace and
        # mix of services, as the demo draws them) and the demo's patience law. The second also knows the day's
        # draws: each office's service times that day, and the mean patience drawn.
        drawn = (patience[[v[2] for v in visits]].mean(), patience[[not v[2] for v in visits]].mean())
        lognormal_mean = lambda median, sigma: median * float(np.exp(sigma ** 2 / 2))  # noqa: E731
        for name, service_law, patience_means in (
                ("oracle", true_law, (lognormal_mean(BOOKED_PATIENCE_MEDIAN, BOOKED_PATIENCE_SIGMA),
                                      lognormal_mean(WALKIN_PATIENCE_MEDIAN, WALKIN_PATIENCE_SIGMA))),
                ("oracle, the day's draws", law, drawn)):
            true_mean = np.array([service_law[state_at[k][0]][0] for k in keys])
            model = OfficeModel(counters=[table[state_at[k][0]] for k in keys], service_mean=true_mean,
                                service_cv=np.array([service_law[state_at[k][0]][1] for k in keys]),
                                patience_mean=np.where(booked_kind, *patience_means), patience_sigma=true_sigma)
            wait = model.wait_now(st[:, 0], st[:, 1], now=minute_of, open_counters=st[:, 2])
            for j, k in enumerate(keys):
                figures = np.array([[float(wait.mean[j])], [float(wait.p50[j])], [float(wait.p90[j])]])
                if k in ahead_of:
                    cum, by_minute = ahead_of[k]
                    figures = walk_in_wait(figures, np.zeros(1), cum, np.full(3, show), np.full(3, true_mean[j]),
                                           by_minute)
                today_rows[name].append((actual[k], *(float(f) for f in figures[:, 0])))
                if name == "oracle":
                    oracle_keys.append(k)
    for k in oracle_keys:
        code, *_rest, hour = state_at[k]
        mean, p50, p90 = history_waits.get((code, int(hour)), (0.0, 0.0, 0.0))
        today_rows["historical mean"].append((actual[k], mean, p50, p90))
    today_rows["_keys oracle"] = oracle_keys
    today_rows["_where"] = {k: (state_at[k][0], state_at[k][4], visits[k][2], state_at[k][1], state_at[k][3])
                            for k in state_at}  # office, hour, booked, waiting, counters open
    today_rows["_found busy"] = sorted(found_busy)
    today_rows["_service"] = {code: (true_law[code][0], law[code][0]) for code in by_code}  # the true and the day's
    in_slot = defaultdict(list)  # the waits that happened, per slot (known only once the day is over)
    for k, slot_id in slot_of.items():
        if k in actual and slot_id in slot_forecast:
            in_slot[slot_id].append(actual[k])
    for k, slot_id in slot_of.items():
        if k in actual and slot_id in slot_forecast:
            # The bound: the mean wait that then happened in the citizen's own slot. The slot list shows one
            # figure per slot, and no figure per slot has a smaller RASE than each slot's own mean.
            happened = in_slot[slot_id]
            ahead_rows["per-slot bound"].append((actual[k], float(np.mean(happened)),
                                                 float(np.quantile(happened, 0.5)), float(np.quantile(happened, 0.9))))
            f = slot_forecast[slot_id]  # the slot list shows the booked line's wait
            ahead_rows["slot (day before)"].append((actual[k], f.booked_mean, f.booked_p50, f.booked_p90))
            ahead_rows["_keys slot (day before)"].append(k)
            f = slot_knowing[slot_id]
            ahead_rows["slot, knowing the day"].append((actual[k], f.booked_mean, f.booked_p50, f.booked_p90))
            slot = db.session.get(TimeSlot, slot_id)
            hour = to_tehran(slot.starts_at).hour
            mean, p50, p90 = history_waits.get((visits[k][0], hour), (0.0, 0.0, 0.0))
            ahead_rows["historical mean"].append((actual[k], mean, p50, p90))
    # The slot oracle: the day replayed (replay_office) with its own counters (the shifts it truly had), its booked
    # citizens coming when and whether they truly came, as many walk-ins in each hour as truly came, and fresh
    # draws of what no one can know ahead: each walk-in's minute in the hour, each citizen's service time (from
    # the office's own times that day) and patience (the demo's law). Each slot's figure is the mean wait of its
    # booked citizens over the replays: the least squared error any slot figure can expect, knowing all the day
    # holds but the order of its arrivals. The day's own draws, replayed, give back the waits the site had.
    replay_error = 0.0
    slot_epoch = {k: db.session.get(TimeSlot, slot_id).starts_at.timestamp() for k, slot_id in slot_of.items()}
    came = {code: sorted((k for k, v in enumerate(visits) if v[0] == code and not (v[2] and v[3])),
                         key=lambda k: (visits[k][4], k)) for code in by_code}
    office_shifts = {code: [(n, o, c) for s_code, n, o, c in shifts if s_code == code] for code in by_code}
    replayed = defaultdict(list)  # slot id: the booked waits over the replays
    blind = defaultdict(list)  # the same, each replay on the counters of another usual day (usual_counters)
    rng_replay = np.random.default_rng([seed, 0x5107])
    rng_blind = np.random.default_rng([seed, 0xB11D])
    usual = usual_counters(network, test_day, seed, SLOT_ORACLE_REPLAYS, variant == "planned")
    for code, ks in came.items():
        arrive = np.array([visits[k][4] for k in ks])
        slot_start = np.array([slot_epoch.get(k, np.nan) for k in ks])
        walk = np.array([not visits[k][2] for k in ks])
        started = replay_office(arrive, slot_start, np.array([visits[k][5] for k in ks]), patience[ks],
                                office_shifts[code])
        for j, k in enumerate(ks):  # the day's own draws: the same waits, and the same citizens served
            if (k in actual) != (not np.isnan(started[j])):
                replay_error = np.inf
            elif k in actual:
                replay_error = max(replay_error, abs((started[j] - arrive[j]) / 60.0 - actual[k]))
        pool = np.array(own_durations[code] if len(own_durations[code]) > 1 else [v[5] for v in visits])
        # Each walk-in's minute is drawn afresh inside their hour, within the hours tickets are given (from the
        # opening to LAST_TICKET_BEFORE_CLOSE before the closing, as the demo gives them).
        weekday = iran_weekday(test_day)
        first = midnight + 60.0 * spec_by_code[code].opens[weekday]
        last = midnight + 60.0 * (spec_by_code[code].closes[weekday] - LAST_TICKET_BEFORE_CLOSE)
        hour_start = midnight + 3600.0 * ((arrive[walk] - midnight) // 3600.0)
        lo = np.clip(hour_start, first, last)
        hi = np.maximum(np.clip(hour_start + 3600.0, first, last), lo)
        # The slot oracle replays on the day's own counters; the slot oracle on the usual counters, with draws of
        # its own, on the counters of another usual day each time (usual_counters).
        for waits, rng, counters in ((replayed, rng_replay, [office_shifts[code]] * SLOT_ORACLE_REPLAYS),
                                     (blind, rng_blind, [drawn[code] for drawn in usual])):
            for day_counters in counters:
                again = arrive.copy()
                again[walk] = lo + (hi - lo) * rng.random(lo.size)
                order = np.lexsort((np.arange(len(ks)), again))
                booked_kind = ~walk[order]
                times = replay_office(again[order], slot_start[order], rng.choice(pool, len(ks)),
                                      np.where(booked_kind, BOOKED_PATIENCE_MEDIAN * rng.lognormal(
                                          0.0, BOOKED_PATIENCE_SIGMA, len(ks)), WALKIN_PATIENCE_MEDIAN *
                                          rng.lognormal(0.0, WALKIN_PATIENCE_SIGMA, len(ks))),
                                      day_counters)
                for j, k in enumerate(np.asarray(ks)[order]):
                    if k in slot_of and not np.isnan(times[j]):
                        waits[slot_of[k]].append((times[j] - visits[k][4]) / 60.0)
    for k, slot_id in slot_of.items():
        for surface, waits in (("slot oracle", replayed), ("slot oracle, usual counters", blind)):
            if k in actual and slot_id in slot_forecast and waits.get(slot_id):
                w = np.array(waits[slot_id])
                ahead_rows[surface].append((actual[k], float(w.mean()), float(np.quantile(w, 0.5)),
                                            float(np.quantile(w, 0.9))))
    ahead_rows["_replay error"] = replay_error
    ahead_rows["_where"] = {k: (visits[k][0], (slot_epoch[k] - midnight) / 60.0, (visits[k][4] - midnight) / 60.0)
                            for k in slot_of}  # office, slot start and arrival (minutes of the day)
    for k, (mean, p50, p90) in walk_ahead.items():
        if k in actual:
            ahead_rows["walk-in (day before)"].append((actual[k], mean, p50, p90))
            hist = history_waits.get((visits[k][0], to_tehran(moment(visits[k][4])).hour), (0.0, 0.0, 0.0))
            ahead_rows["walk-in hist. mean"].append((actual[k], *hist))
    for k, w in actual.items():  # who waited how long under the call policy (booked citizens are called first)
        ahead_rows["_booked" if visits[k][2] else "_walk-in"].append(w)
    ahead_rows["_gave up"] = [gave_up, len(ticket_of)]
    return today_rows, ahead_rows


def history_by_hour(offices: list, since: dt.datetime, until: dt.datetime) -> dict:
    """Mean, median and 90th percentile of the served waits per (office code, Tehran hour) in the history."""
    from sqlalchemy import select

    from booking.dates import to_tehran
    from booking.extensions import db
    from offices.models import QueueTicket

    waits: dict = defaultdict(list)
    code_of = {o.id: o.code for o in offices}
    for office_id, arrived, started in db.session.execute(
            select(QueueTicket.office_id, QueueTicket.arrived_at, QueueTicket.started_at)
            .where(QueueTicket.office_id.in_(list(code_of)), QueueTicket.arrived_at >= since,
                   QueueTicket.arrived_at < until, QueueTicket.started_at.is_not(None))):
        waits[(code_of[office_id], to_tehran(arrived).hour)].append((started - arrived).total_seconds() / 60.0)
    return {key: (float(np.mean(w)), float(np.quantile(w, 0.5)), float(np.quantile(w, 0.9)))
            for key, w in waits.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--offices", type=int, default=2, help="busiest Tehran offices played (default 2)")
    parser.add_argument("--network", type=int, default=62, help="offices in the seeded demo network")
    parser.add_argument("--days", type=int, default=28, help="days of history the engine is fitted on")
    parser.add_argument("--variants", default="ordinary,fewer,bookings")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--dump", type=Path, help="also write every row scored (a pickle), to look into")
    parser.add_argument("--day", type=dt.date.fromisoformat, default=dt.date(2026, 12, 5),
                        help="the day played (Tehran; moved on to a full working day), so that runs compare")
    args = parser.parse_args()
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in variants if v not in VARIANT_WEEK]
    if unknown or not variants:
        parser.error(f"variants are {', '.join(VARIANT_WEEK)}; not {', '.join(unknown) or 'none'}")
    if "fewer" in variants and "planned" in variants:
        parser.error("fewer and planned play the same day: run them apart (--variants planned)")
    started = time.perf_counter()

    instance = tempfile.mkdtemp(prefix="safnama-bench-")
    os.environ["SAFNAMA_INSTANCE"] = instance
    os.environ["SAFNAMA_DEMO"] = "0"
    from sqlalchemy import select

    from booking import create_app
    from booking.config import database_uri
    from booking.dates import set_clock, tehran_to_utc
    from booking.extensions import db
    from offices.demo.network import build_network
    from offices.demo.seed import seed_demo
    from offices.estimates import refit_office
    from offices.models import Office

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_uri(None, Path(instance)), "SERVER_NAME": None,
                      "REDIS_URL": None, "REDIS_EMBEDDED_PATH": os.path.join(instance, "redis.db"),
                      "SAFNAMA_SCHEDULE_JOBS": False, "FORECAST_PROFILE_TTL": 0.0,
                      "FORECAST_BOOKINGS_TTL": 0.0})
    test_day = _next_working_day(args.day)
    results = {}
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        seed_demo(offices=args.network, days=args.days, seed=args.seed, progress=False,
                  end_day=test_day - dt.timedelta(days=1))
        network = build_network(args.network, args.seed)
        spec_by_code = {o.code: o for o in network.offices}
        tehran = sorted(network.offices_in("23"), key=lambda o: -o.weekday_demand)[:args.offices]
        offices = list(db.session.scalars(select(Office).where(Office.code.in_([o.code for o in tehran]))))
        midnight = tehran_to_utc(dt.datetime.combine(test_day, dt.time()))
        set_clock(midnight)
        fitted = [refit_office(office.id, days=args.days, now=midnight) for office in offices]
        db.session.commit()
        set_clock(None)
        history = history_by_hour(offices, midnight - dt.timedelta(days=args.days), midnight)
        print(f"offices {', '.join(o.code for o in offices)}; fitted on {args.days} days; test day {test_day} "
              f"(not fitted on)")
        print("patience fitted: " + "; ".join(f"{o.code} {_patience_law(e)}" for o, e in zip(offices, fitted)))
        fitted_service = {o.code: e.service_mean for o, e in zip(offices, fitted)}
        for variant in variants:
            n = VARIANT_WEEK[variant]
            results[variant] = play_day(variant, offices, spec_by_code,
                                        _next_working_day(test_day + dt.timedelta(days=7 * n)), args.seed + 17 + n,
                                        history)
            db.session.commit()

    if args.dump:
        import pickle

        args.dump.write_bytes(pickle.dumps(results))
    print("\nRASE of the mean shown (minutes); P50 / P90 coverage: share of actual waits at most the figure")
    header = (f"{'day':<10} {'surface':<27} {'n':>5} {'RASE':>7} {'/oracle':>8} {'/hist':>7} {'cov50':>6} {'cov90':>6}"
              f" {'busy90':>6} {'(n, 95% interval)':>19} {'oracle':>6} {'bias':>7}")
    for title, index, surfaces in (("waits shown today", 0, SURFACES_TODAY),
                                   ("day-ahead predictions", 1, SURFACES_AHEAD)):
        print(f"\n{title}\n{header}\n{'-' * len(header)}")
        for variant, rows in results.items():
            table = rows[index]
            scores = {s: _score(table.get(s, [])) for s in surfaces}
            for surface in surfaces:
                n, rase, c50, c90, bias = scores[surface]
                oracle, hist = _references(table, surface)
                busy90, n_busy = _coverage_when_busy(table, surface)
                lo, hi = _wilson(busy90, n_busy)
                interval = f"({n_busy}, {lo:.2f}-{hi:.2f})" if n_busy else ""
                same = _coverage_when_busy(table, surface, "oracle")[0]
                print(f"{variant:<10} {surface:<27} {n:>5} {rase:>7.2f} {rase / oracle:>8.2f} {rase / hist:>7.2f} "
                      f"{c50:>6.2f} {c90:>6.2f} {busy90:>6.2f} {interval:>19} {same:>6.2f} {bias:>7.2f}")
    print("\nmean service (minutes), the office's true law / fitted / the day's own: " + "; ".join(
        f"{variant} " + ", ".join(f"{code} {rows[0]['_service'][code][0]:.1f} / {mean:.1f} / "
                                  f"{rows[0]['_service'][code][1]:.1f}"
                                  for code, mean in fitted_service.items())
        for variant, rows in results.items()))
    print("\nmean actual wait (minutes): " + "; ".join(
        f"{variant} walk-ins {np.mean(rows[1]['_walk-in']):.1f}, booked {np.mean(rows[1]['_booked']):.1f}, "
        f"{rows[1]['_gave up'][0]} of {rows[1]['_gave up'][1]} gave up"
        for variant, rows in results.items()))
    print("\nthe day replayed with its own draws (the slot oracle's replay): largest difference from the waits "
          "the site had " + ", ".join(f"{variant} {rows[1]['_replay error']:.4f} min"
                                      for variant, rows in results.items()))
    print(f"\n({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
