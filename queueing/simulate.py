"""Seeded discrete-event simulator of one e-judicial services office.

The simulator is the ground truth against which the engine's models are
measured, so its semantics are spelt out here and kept deliberately simple.

Units: times in minutes, rates per hour where a name says so (``arrivals_per_hour``).

Model
-----
* Absolute time is measured in minutes since the opening of day 0; day ``d``
  opens at minute ``d * 1440``.  Each day the doors are open for
  ``open_minutes``.
* Walk-ins arrive as a non-homogeneous Poisson process whose rate is piecewise
  constant by hour of the open day (``arrivals_per_hour[h]`` citizens per hour
  during ``[60 h, 60 (h + 1))``).  Arrivals are drawn exactly, hour by hour:
  a Poisson count for the hour, then that many uniform times inside it.
* Booked citizens (``bookings``, minutes from the opening, the same every day)
  each turn up with probability ``1 - no_show``, at the slot time plus a
  ``Normal(0, booking_jitter)`` offset clipped to ``[0, open_minutes]``.
  **Booked citizens join the same single first-come-first-served line as the
  walk-ins**: a booking fixes when the citizen comes, not a priority.
* One FCFS line feeds the open counters.  Service times are gamma distributed
  with mean ``service_mean`` and coefficient of variation ``service_cv``
  (``cv = 1`` is exponential, ``cv = 0`` deterministic).  With
  ``patience_mean`` set, every citizen has an exponential patience (lognormal
  with ``patience_sigma`` too); one still waiting (not yet in service) when it
  runs out leaves unserved.
* Counters: a constant number, or a timetable ``(from_minute, to_minute,
  open_counters)`` in minutes from each day's opening, repeated every day.
  The number of open counters at a moment of the day is the count of the
  interval containing it; outside every interval it is the count of the last
  interval that started before it (so in a gap between two intervals the
  previous count carries on, and after the last interval its count carries on
  until the line is empty), and before the first interval of the day it is 0.
  A counter that closes while serving finishes that citizen first
  (non-preemptive), so for a moment more counters may be busy than are open;
  a counter that opens takes the head of the line at once.
* Everyone inside when the doors close is still served (or abandons): the
  last interval's counters keep serving until the office is empty, and then
  close (0 open until the next day's first interval).
* Days follow one another on one timeline.  Normally the office is empty
  long before the next opening, so each day starts empty.  In extreme
  overload the line can still be there when the next day's first interval
  starts: it is carried over (the same office, the same first-come-first-
  served line), the previous day's counters stop at that moment and the new
  day's counters take the line over.  Until then the previous day's counters
  also serve the new day's first arrivals.  So at no moment do more counters
  start serving than the counters log shows open.
* Simultaneous events are processed in this order: counter changes, service
  completions, abandonments, arrivals, the doors closing; so an arrival at the
  very moment a counter frees up sees the freed counter already taken by the
  head of the line, and one at the very closing minute is still let in.

The state seen by each arrival (``Seen``) is recorded just before the arrival
joins the line.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from queueing.estimate import Visit

__all__ = [
    "Seen",
    "Simulation",
    "counters_timetable",
    "draw_arrivals",
    "draw_service_times",
    "simulate_office",
]

MINUTES_PER_DAY = 1440.0

# Event kinds, in the order simultaneous events are processed.
_CHANGE = 0
_DONE = 1
_ABANDON = 2
_ARRIVE = 3
_CLOSE = 4

# Citizen states during a simulated day.
_WAITING = 0
_SERVING = 1
_LEFT = 2


@dataclass(frozen=True, slots=True)
class Seen:
    """What each arrival found, one entry per arrival in arrival order.

    Attributes:
        arrive: arrival time (absolute minutes).
        day: the day of the arrival (0-based).
        waiting: people in line ahead of the arrival, not counting those in
            service.
        busy: counters busy serving someone at the arrival.
        open: counters open at the arrival.
        les: wait (minutes) of the last person to enter service before this
            arrival since the day's opening; NaN if nobody had entered service
            yet that day.
        hol: elapsed wait so far (minutes) of the person at the head of the
            line; NaN if the line was empty.
        booked: True for a booked citizen, False for a walk-in.
        wait: the arrival's actual wait, service start minus arrival
            (minutes); NaN if they left unserved.
        served: True if the arrival was served, False if they left unserved.
    """

    arrive: np.ndarray
    day: np.ndarray
    waiting: np.ndarray
    busy: np.ndarray
    open: np.ndarray
    les: np.ndarray
    hol: np.ndarray
    booked: np.ndarray
    wait: np.ndarray
    served: np.ndarray

    def __len__(self) -> int:
        return int(self.arrive.shape[0])


@dataclass(frozen=True, slots=True)
class Simulation:
    """Result of :func:`simulate_office`.

    Attributes:
        visits: the visit log in arrival order, absolute minutes; ``start`` and
            ``end`` are None for those who left unserved.
        seen: the state each arrival found, aligned with ``visits``.
        counters_log: ``(from_minute, to_minute, open_counters)`` in absolute
            minutes, the open counters over time (each day from its first
            timetable interval until the later of the doors closing, the end
            of the last interval and the last citizen leaving, or until the
            next day's first interval if the line is carried over); sorted and
            never overlapping, it can be passed as is to
            ``fit_office(visits, counters)``.
    """

    visits: list[Visit]
    seen: Seen
    counters_log: list[tuple[float, float, int]]


# ---------------------------------------------------------------------------
# Validation helpers
# ---------------------------------------------------------------------------


def _finite(name: str, value: float) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return v


def _is_int(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, np.integer)):
        return True
    return isinstance(value, (float, np.floating)) and math.isfinite(value) and float(value).is_integer()


def counters_timetable(
    counters: int | Sequence[tuple[float, float, int]], open_minutes: float
) -> list[tuple[float, float, int]]:
    """Validate ``counters`` and return it as a daily timetable.

    Args:
        counters: a constant number of counters (at least 1), or a timetable of
            ``(from_minute, to_minute, open_counters)`` intervals in minutes
            from the opening, sorted and not overlapping, within one day
            (``0 <= from < to <= 1440``); the last interval must have at least
            one counter so that the line can empty after closing.
        open_minutes: minutes the doors are open each day.

    Returns:
        The timetable as a list of ``(from_minute, to_minute, open_counters)``
        with float minutes and int counts; a constant ``c`` becomes
        ``[(0, open_minutes, c)]``.

    Raises:
        ValueError: on a malformed, unsorted or overlapping timetable, a
            negative or non-integer count, or no counter at all at the end.
    """
    if isinstance(counters, bool):
        raise ValueError("counters must be a number of counters or a timetable, not a bool")
    if isinstance(counters, (int, np.integer, float, np.floating)):
        if not _is_int(counters):
            raise ValueError(f"counters must be a whole number, got {counters!r}")
        c = int(counters)
        if c < 1:
            raise ValueError(f"counters must be at least 1, got {c}")
        return [(0.0, float(open_minutes), c)]
    try:
        rows = list(counters)
    except TypeError:
        raise ValueError(
            f"counters must be an int or a sequence of (from, to, count), got {counters!r}"
        ) from None
    if not rows:
        raise ValueError("counters timetable is empty")
    table: list[tuple[float, float, int]] = []
    prev_to = -math.inf
    for k, row in enumerate(rows):
        try:
            lo, hi, n = row
        except (TypeError, ValueError):
            raise ValueError(
                f"counters timetable row {k} must be (from_minute, to_minute, count), got {row!r}"
            ) from None
        lo = _finite(f"counters timetable row {k} from_minute", lo)
        hi = _finite(f"counters timetable row {k} to_minute", hi)
        if not _is_int(n):
            raise ValueError(f"counters timetable row {k}: count must be a whole number, got {n!r}")
        n = int(n)
        if n < 0:
            raise ValueError(f"counters timetable row {k}: count must be non-negative, got {n}")
        if lo < 0 or hi > MINUTES_PER_DAY:
            raise ValueError(f"counters timetable row {k}: minutes must lie in [0, 1440], got ({lo}, {hi})")
        if not lo < hi:
            raise ValueError(f"counters timetable row {k}: from_minute {lo} must be before to_minute {hi}")
        if lo < prev_to:
            raise ValueError(
                f"counters timetable must be sorted and not overlapping: row {k} starts at {lo} "
                f"before the previous row ends at {prev_to}"
            )
        prev_to = hi
        table.append((lo, hi, n))
    if table[-1][2] < 1:
        raise ValueError(
            "the last counters timetable interval must have at least one counter, "
            "otherwise the line can never empty after closing"
        )
    return table


def _rates(arrivals_per_hour: float | Sequence[float], hours: int) -> np.ndarray:
    if np.ndim(arrivals_per_hour) == 0:
        r = np.full(hours, _finite("arrivals_per_hour", arrivals_per_hour))  # type: ignore[arg-type]
    else:
        try:
            r = np.asarray(arrivals_per_hour, dtype=float)
        except (TypeError, ValueError):
            raise ValueError("arrivals_per_hour must be a number or a sequence of numbers") from None
        if r.ndim != 1:
            raise ValueError(f"arrivals_per_hour must be one-dimensional, got shape {r.shape}")
        if r.size < hours:
            raise ValueError(
                f"arrivals_per_hour has {r.size} values but the open day has {hours} hours; "
                "give one rate per hour of the open day (values beyond it are ignored)"
            )
        r = r[:hours]
        if not np.all(np.isfinite(r)):
            raise ValueError("arrivals_per_hour must be finite (no NaN or infinity)")
    if np.any(r < 0):
        raise ValueError("arrivals_per_hour must be non-negative")
    return r


# ---------------------------------------------------------------------------
# Vectorised random draws
# ---------------------------------------------------------------------------


def draw_arrivals(
    rng: np.random.Generator, arrivals_per_hour: np.ndarray, open_minutes: float, days: int
) -> list[np.ndarray]:
    """Draw walk-in arrival times of a piecewise-constant Poisson process.

    Exact per-hour draws: for each day and each hour of the open day, a
    Poisson count with mean ``rate x hour length``, then uniform times within
    the hour (the last hour may be partial).

    Args:
        rng: the random generator.
        arrivals_per_hour: rate (citizens per hour) for each hour of the open
            day, length ``ceil(open_minutes / 60)``, validated by the caller.
        open_minutes: minutes the doors are open each day.
        days: number of days.

    Returns:
        One sorted array per day of arrival times in minutes from that day's
        opening, in ``[0, open_minutes)``.
    """
    hours = arrivals_per_hour.shape[0]
    starts = 60.0 * np.arange(hours)
    lengths = np.minimum(starts + 60.0, open_minutes) - starts
    counts = rng.poisson(arrivals_per_hour * lengths / 60.0, size=(days, hours))
    flat = counts.ravel()
    total = int(flat.sum())
    u = rng.random(total)
    hour_of = np.repeat(np.tile(np.arange(hours), days), flat)
    times = starts[hour_of] + u * lengths[hour_of]
    per_day = counts.sum(axis=1)
    out = np.split(times, np.cumsum(per_day)[:-1])
    return [np.sort(t) for t in out]


def draw_service_times(rng: np.random.Generator, mean: float, cv: float, size: int) -> np.ndarray:
    """Draw gamma service times with a given mean and coefficient of variation.

    Args:
        rng: the random generator.
        mean: mean service time (minutes), positive.
        cv: coefficient of variation (standard deviation / mean), >= 0;
            1 gives exponential times, 0 deterministic ones.
        size: how many to draw.

    Returns:
        Array of ``size`` service times in minutes.
    """
    if cv == 0.0:
        return np.full(size, float(mean))
    shape = 1.0 / (cv * cv)
    return rng.gamma(shape, mean / shape, size=size)


# ---------------------------------------------------------------------------
# The simulator
# ---------------------------------------------------------------------------


def simulate_office(
    *,
    counters: int | Sequence[tuple[float, float, int]],
    arrivals_per_hour: float | Sequence[float],
    service_mean: float,
    service_cv: float = 1.0,
    open_minutes: float = 480.0,
    patience_mean: float | None = None,
    patience_sigma: float | None = None,
    bookings: Sequence[float] = (),
    no_show: float = 0.0,
    booking_jitter: float = 5.0,
    days: int = 1,
    seed: int | np.random.Generator | None = 0,
) -> Simulation:
    """Simulate one office for a number of days (see the module docstring).

    Args:
        counters: number of open counters (constant), or a daily timetable of
            ``(from_minute, to_minute, open_counters)`` in minutes from the
            opening, sorted and not overlapping.
        arrivals_per_hour: walk-ins per hour, a scalar or one value per hour of
            the open day (``ceil(open_minutes / 60)`` values; extra values are
            ignored).
        service_mean: mean service time (minutes), positive.
        service_cv: coefficient of variation of service times (gamma
            distributed; 1 exponential, 0 deterministic).
        open_minutes: minutes the doors are open each day, in ``(0, 1440]``
            (any positive length when ``days == 1``).
        patience_mean: mean patience (minutes); None means nobody leaves
            unserved.
        patience_sigma: None for an exponential patience; else the log-scale
            standard deviation of a lognormal patience of mean
            ``patience_mean``.
        bookings: appointment times (minutes from the opening), the same every
            day, in ``[0, open_minutes]``.
        no_show: probability that a booked citizen does not come, in [0, 1].
        booking_jitter: standard deviation (minutes) of a booked citizen's
            arrival around the slot time.
        days: number of days to simulate, at least 1.
        seed: seed of the NumPy random generator (or a ``Generator``); None
            draws fresh entropy.  The same seed gives the same result.

    Returns:
        A :class:`Simulation` with the visit log, the state each arrival saw
        and the open counters over time.

    Raises:
        ValueError: on negative or non-finite rates, a non-positive service
            mean, a negative CV, ``no_show`` outside [0, 1], an unsorted or
            overlapping timetable, or other malformed input.
    """
    # ---- validation -------------------------------------------------------
    if not _is_int(days) or int(days) < 1:
        raise ValueError(f"days must be a positive whole number, got {days!r}")
    days = int(days)
    open_minutes = _finite("open_minutes", open_minutes)
    if open_minutes <= 0:
        raise ValueError(f"open_minutes must be positive, got {open_minutes}")
    if days > 1 and open_minutes > MINUTES_PER_DAY:
        raise ValueError(
            f"open_minutes must be at most 1440 when simulating several days, got {open_minutes}"
        )
    table = counters_timetable(counters, open_minutes)
    hours = max(1, math.ceil(open_minutes / 60.0 - 1e-9))
    rates = _rates(arrivals_per_hour, hours)
    service_mean = _finite("service_mean", service_mean)
    if service_mean <= 0:
        raise ValueError(f"service_mean must be positive (minutes), got {service_mean}")
    service_cv = _finite("service_cv", service_cv)
    if service_cv < 0:
        raise ValueError(f"service_cv must be non-negative, got {service_cv}")
    if patience_mean is not None:
        patience_mean = _finite("patience_mean", patience_mean)
        if patience_mean <= 0:
            raise ValueError(f"patience_mean must be positive (minutes) or None, got {patience_mean}")
    if patience_sigma is not None:
        patience_sigma = _finite("patience_sigma", patience_sigma)
        if patience_sigma <= 0:
            raise ValueError(f"patience_sigma must be positive or None, got {patience_sigma}")
    try:
        slots = np.asarray(list(bookings), dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise ValueError("bookings must be a sequence of minutes from the opening") from None
    if slots.size and not np.all(np.isfinite(slots)):
        raise ValueError("bookings must be finite (no NaN or infinity)")
    if slots.size and (slots.min() < 0 or slots.max() > open_minutes):
        raise ValueError(f"bookings must lie within the open day [0, {open_minutes}] minutes")
    no_show = _finite("no_show", no_show)
    if not 0.0 <= no_show <= 1.0:
        raise ValueError(f"no_show must be a probability in [0, 1], got {no_show}")
    booking_jitter = _finite("booking_jitter", booking_jitter)
    if booking_jitter < 0:
        raise ValueError(f"booking_jitter must be non-negative (minutes), got {booking_jitter}")
    if isinstance(seed, np.random.Generator):
        rng = seed
    elif seed is None or _is_int(seed):
        rng = np.random.default_rng(None if seed is None else int(seed))
    else:
        raise ValueError(f"seed must be an int, None or a numpy Generator, got {seed!r}")

    # ---- random draws, in batches -----------------------------------------
    walk_ins = draw_arrivals(rng, rates, open_minutes, days)
    n_slots = slots.size
    if n_slots:
        shows = rng.random((days, n_slots)) >= no_show
        jitter = rng.normal(0.0, 1.0, size=(days, n_slots)) * booking_jitter
        booked_times = np.clip(slots[None, :] + jitter, 0.0, open_minutes)
    per_day_times: list[np.ndarray] = []
    per_day_booked: list[np.ndarray] = []
    for d in range(days):
        w = walk_ins[d]
        if n_slots:
            b = booked_times[d][shows[d]]
            t = np.concatenate([w, b])
            flag = np.concatenate([np.zeros(w.size, bool), np.ones(b.size, bool)])
            order = np.argsort(t, kind="stable")
            t, flag = t[order], flag[order]
        else:
            t, flag = w, np.zeros(w.size, bool)
        per_day_times.append(t)
        per_day_booked.append(flag)
    total = sum(t.size for t in per_day_times)
    service_all = draw_service_times(rng, service_mean, service_cv, total).tolist()
    if patience_mean is not None and patience_sigma is not None:
        patience_all = rng.lognormal(np.log(patience_mean) - patience_sigma**2 / 2.0, patience_sigma,
                                     size=total).tolist()
    elif patience_mean is not None:
        patience_all = rng.exponential(patience_mean, size=total).tolist()
    else:
        patience_all = None

    # ---- event loop: one timeline over all the days -----------------------
    # Times are absolute minutes.  Day d's events (its timetable changes, its
    # arrivals and its closing) join the heap at its opening, once every
    # earlier event has been processed, so the heap stays small; a line still
    # there at the next opening is carried over (see the module docstring).
    changes = [(lo, n) for lo, _, n in table]
    n_changes = len(changes)
    close_rel = max(open_minutes, table[-1][1])
    arrive_all: list[float] = []
    for d, t in enumerate(per_day_times):
        arrive_all.extend((t + d * MINUTES_PER_DAY).tolist())
    nan = math.nan
    state = [_WAITING] * total
    start = [nan] * total
    end = [nan] * total
    waiting_seen = [0] * total
    busy_seen = [0] * total
    open_seen = [0] * total
    les_seen = [nan] * total
    hol_seen = [nan] * total
    day_end = [nan] * days  # when each day's last timetable interval ends
    heappush, heappop = heapq.heappush, heapq.heappop
    events: list[tuple[float, int, int]] = []
    line: deque[int] = deque()
    in_line = 0
    busy = 0
    n_open = 0
    les = nan
    closing = -1  # a day whose doors have closed while people were still inside, or -1
    base = 0  # index of the day's first arrival in the global arrays

    for d in range(days):
        day0 = d * MINUTES_PER_DAY
        n = per_day_times[d].size
        events.extend((day0 + lo, _CHANGE, d * n_changes + k) for k, (lo, _) in enumerate(changes))
        events.extend((arrive_all[i], _ARRIVE, i) for i in range(base, base + n))
        events.append((day0 + close_rel, _CLOSE, d))
        heapq.heapify(events)
        base += n
        les = nan  # LES counts the service starts since this day's opening
        until = (d + 1) * MINUTES_PER_DAY if d + 1 < days else math.inf

        while events and events[0][0] < until:
            t, kind, i = heappop(events)
            if kind == _ARRIVE:
                while line and state[line[0]] != _WAITING:
                    line.popleft()
                waiting_seen[i] = in_line
                busy_seen[i] = busy
                open_seen[i] = n_open
                les_seen[i] = les
                hol_seen[i] = t - arrive_all[line[0]] if line else nan
                line.append(i)
                in_line += 1
                if patience_all is not None:
                    heappush(events, (t + patience_all[i], _ABANDON, i))
            elif kind == _DONE:
                busy -= 1
                end[i] = t
            elif kind == _ABANDON:
                if state[i] == _WAITING:
                    state[i] = _LEFT
                    in_line -= 1
                    if closing >= 0 and busy == 0 and in_line == 0:
                        n_open, day_end[closing], closing = 0, t, -1
                continue
            elif kind == _CLOSE:
                if math.isnan(day_end[i]):  # not already ended by the next day's first interval
                    if busy == 0 and in_line == 0:
                        n_open, day_end[i] = 0, t
                    else:
                        closing = i
                continue
            else:  # _CHANGE
                day, k = divmod(i, n_changes)
                if k == 0 and day > 0 and math.isnan(day_end[day - 1]):
                    # The previous day's line is still there: this day's counters take it over.
                    day_end[day - 1], closing = t, -1
                n_open = changes[k][1]
            # Free counters take the head of the line.
            while busy < n_open and in_line:
                j = line.popleft()
                if state[j] != _WAITING:
                    continue
                state[j] = _SERVING
                in_line -= 1
                busy += 1
                start[j] = t
                les = t - arrive_all[j]
                heappush(events, (t + service_all[j], _DONE, j))
            if closing >= 0 and busy == 0 and in_line == 0:
                n_open, day_end[closing], closing = 0, t, -1

    # Open counters over each day, in absolute minutes.
    counters_log: list[tuple[float, float, int]] = []
    for d in range(days):
        day0 = d * MINUTES_PER_DAY
        for k, (lo, cnt) in enumerate(changes):
            hi = day0 + changes[k + 1][0] if k + 1 < n_changes else day_end[d]
            counters_log.append((day0 + lo, hi, cnt))

    out_arrive = np.asarray(arrive_all, dtype=float)
    out_day = np.repeat(np.arange(days, dtype=np.int64), [t.size for t in per_day_times])
    out_waiting = np.asarray(waiting_seen, dtype=np.int64)
    out_busy = np.asarray(busy_seen, dtype=np.int64)
    out_open = np.asarray(open_seen, dtype=np.int64)
    out_les = np.asarray(les_seen, dtype=float)
    out_hol = np.asarray(hol_seen, dtype=float)
    out_start = np.asarray(start, dtype=float)
    out_end = np.asarray(end, dtype=float)
    served = ~np.isnan(out_start)
    booked = np.concatenate(per_day_booked) if per_day_booked else np.zeros(0, bool)
    seen = Seen(
        arrive=out_arrive,
        day=out_day,
        waiting=out_waiting,
        busy=out_busy,
        open=out_open,
        les=out_les,
        hol=out_hol,
        booked=booked,
        wait=out_start - out_arrive,
        served=served,
    )
    visits = [
        Visit(a, s, e) if ok else Visit(a, None, None)
        for a, s, e, ok in zip(out_arrive.tolist(), out_start.tolist(), out_end.tolist(), served.tolist())
    ]
    return Simulation(visits=visits, seen=seen, counters_log=counters_log)
