"""Estimation of an office's queueing parameters from its event log.

* Arrival rates per hour of the week: Poisson counts over the observed days,
  shrunk toward the pooled hourly profile by a gamma-Poisson (empirical
  Bayes) posterior mean, ``(count + k * pooled) / (days + k)`` with a prior
  weight of ``k`` days (Gelman et al., *Bayesian Data Analysis*, 3rd ed.,
  section 2.6, the gamma prior of a Poisson rate).
* Service time: sample mean and coefficient of variation of ``end - start``,
  per service type and overall.
* Patience: maximum likelihood from censored data -- a served citizen's
  patience exceeded their wait (right-censored), one who left had a patience
  shorter than the wait they would have had (left-censored at that virtual
  wait, approximated by the service start of the next served arrival).  An
  exponential law (EM algorithm, Dempster, Laird & Rubin 1977, using
  ``E[P | P < v] = 1/theta - v e^{-theta v}/(1 - e^{-theta v})``: the censored
  estimator of Brown et al., "Statistical analysis of a telephone call
  center", JASA 100(469), 2005, section 6) and a lognormal one, whose hazard
  rises over the first minutes, are fitted; the lognormal is kept when
  Akaike's criterion prefers it (:mod:`queueing.patience`).
* Open counters: the time-averaged number open in each 15-minute bin of the
  day over the observed days, rounded to whole counters.

Units: times in minutes, rates per minute unless a name says per hour.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .model import OfficeModel
from .patience import fit_patience


@dataclass(frozen=True, slots=True)
class Visit:
    """One citizen's visit, as recorded by the office's ticketing system.

    Attributes:
        arrive: minute the ticket was taken (minutes since the opening of day 0;
            day ``d`` opens at minute ``d * 1440``).
        start: minute service started, or ``None`` if the citizen left unserved.
        end: minute service ended, or ``None`` if the citizen left unserved.
        service: optional service type (e.g. ``"notarise"``), used to fit the
            service-time mean and CV per type.
    """

    arrive: float
    start: float | None
    end: float | None
    service: str | None = None


MINUTES_PER_DAY = 1440.0
DAYS_PER_WEEK = 7
# Counters are tabulated on bins of this many minutes of the day.
COUNTER_BIN = 15.0


@dataclass(frozen=True, slots=True)
class ServiceFit:
    """Service-time estimate for one service type.

    Attributes:
        mean: sample mean of the service time (minutes).
        cv: sample coefficient of variation (standard deviation / mean).
        count: number of services observed.
    """

    mean: float
    cv: float
    count: int


@dataclass(frozen=True, slots=True)
class FitSummary:
    """What :func:`fit_office` estimated, beyond the model's own parameters.

    Attributes:
        weekly_arrivals_per_hour: ``(7, H)`` arrivals per hour for each day of
            the week (day ``d`` of the log is weekday ``d % 7``) and each hour
            of the open day, shrunk toward the pooled hourly profile.
        pooled_arrivals_per_hour: ``(H,)`` the pooled hourly profile.
        days_per_weekday: ``(7,)`` observed days of each weekday.
        service_by_type: service mean / CV per service type (``None`` key for
            visits without a type).
        abandoned: number of citizens who left unserved.
        served: number of citizens served.
        days: number of observed (open) days.
    """

    weekly_arrivals_per_hour: np.ndarray
    pooled_arrivals_per_hour: np.ndarray
    days_per_weekday: np.ndarray
    service_by_type: dict[str | None, ServiceFit]
    abandoned: int
    served: int
    days: int


def _visit_arrays(visits: Sequence[Visit]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str | None]]:
    if len(visits) == 0:
        raise ValueError("the visit log is empty: nothing to estimate from")
    try:
        arrive = np.fromiter((v.arrive for v in visits), dtype=float, count=len(visits))
        start = np.fromiter((np.nan if v.start is None else v.start for v in visits), dtype=float,
                            count=len(visits))
        end = np.fromiter((np.nan if v.end is None else v.end for v in visits), dtype=float, count=len(visits))
    except (TypeError, ValueError, AttributeError):
        raise ValueError("visits must be Visit records with numeric minutes") from None
    types = [v.service for v in visits]
    if not np.all(np.isfinite(arrive)):
        raise ValueError("visit arrival times must be finite (no NaN or infinity)")
    bad = np.flatnonzero(np.diff(arrive) < 0)
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"visits must be sorted by arrival time: visit {i + 1} arrives at {arrive[i + 1]} "
                         f"before visit {i} at {arrive[i]}")
    if np.any(np.isnan(start) != np.isnan(end)):
        raise ValueError("a visit must have both start and end, or neither (left unserved)")
    served = ~np.isnan(start)
    if np.any(np.isinf(start[served]) | np.isinf(end[served])):
        raise ValueError("visit start/end times must be finite")
    if np.any(start[served] < arrive[served]):
        raise ValueError("a visit cannot start before its arrival")
    if np.any(end[served] < start[served]):
        raise ValueError("a visit cannot end before it starts")
    return arrive, start, end, types


def _counters_arrays(counters: Sequence[tuple[float, float, int]]) -> np.ndarray:
    rows = list(counters)
    if not rows:
        raise ValueError("the counters log is empty: give (from_minute, to_minute, open_counters) intervals")
    try:
        arr = np.asarray(rows, dtype=float).reshape(len(rows), 3)
    except (TypeError, ValueError):
        raise ValueError("counters must be (from_minute, to_minute, open_counters) triples") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError("counters log must be finite (no NaN or infinity)")
    if np.any(arr[:, 1] <= arr[:, 0]):
        raise ValueError("each counters interval must end after it starts")
    if np.any(arr[:, 2] < 0) or np.any(arr[:, 2] != np.round(arr[:, 2])):
        raise ValueError("open counters must be non-negative whole numbers")
    bad = np.flatnonzero(arr[1:, 0] < arr[:-1, 1] - 1e-9)
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"counters log must be sorted and not overlapping: interval {i + 1} starts at "
                         f"{arr[i + 1, 0]} before interval {i} ends at {arr[i, 1]}")
    return arr


def fit_counters(log: np.ndarray, days: np.ndarray, bin_minutes: float = COUNTER_BIN
                 ) -> list[tuple[float, float, int]]:
    """Daily counters timetable from a log of open counters.

    Args:
        log: ``(R, 3)`` array of ``(from_minute, to_minute, open_counters)`` in
            absolute minutes, sorted.
        days: the observed days (integers), kept for the signature's clarity.
        bin_minutes: width of the bins of the day (minutes).

    Returns:
        A timetable ``[(from_minute, to_minute, count), ...]`` in minutes from
        the opening: in each bin the average count open over the days that
        logged it, rounded; bins before any log on every day are closed (0),
        bins after are carried on from the last logged bin.
    """
    edges = np.arange(0.0, MINUTES_PER_DAY + bin_minutes, bin_minutes)
    edges = edges[edges <= MINUTES_PER_DAY]
    n_bins = edges.size - 1
    day_of = np.floor(log[:, 0] / MINUTES_PER_DAY)
    lo = log[:, 0] - day_of * MINUTES_PER_DAY
    hi = np.minimum(log[:, 1] - day_of * MINUTES_PER_DAY, MINUTES_PER_DAY)
    overlap = np.clip(np.minimum(hi[:, None], edges[None, 1:]) - np.maximum(lo[:, None], edges[None, :-1]), 0, None)
    covered = overlap.sum(axis=0)
    counted = (overlap * log[:, 2:3]).sum(axis=0)
    if not np.any(covered > 0):
        raise ValueError("the counters log covers no time")
    table_counts = np.zeros(n_bins)
    # Before the first logged minute the office is closed on days without a log
    # entry yet: count the unlogged part of the day before each day's first entry as 0.
    day_first = {}
    for d, a in zip(day_of.tolist(), lo.tolist()):
        day_first.setdefault(d, a)
    firsts = np.asarray(list(day_first.values()))
    closed_share = np.clip((firsts[:, None] - edges[None, :-1]) / bin_minutes, 0, 1).sum(axis=0) * bin_minutes
    total = covered + closed_share
    last = 0.0
    for k in range(n_bins):
        if total[k] > 0:
            last = counted[k] / total[k]
        table_counts[k] = last  # bins nobody logged carry the last count on
    rounded = np.round(table_counts).astype(int)
    table: list[tuple[float, float, int]] = []
    k = 0
    while k < n_bins:
        j = k
        while j + 1 < n_bins and rounded[j + 1] == rounded[k]:
            j += 1
        table.append((float(edges[k]), float(edges[j + 1]), int(rounded[k])))
        k = j + 1
    if table[-1][2] < 1:
        # The last count carries on after closing; keep the last non-zero one.
        nonzero = [row for row in table if row[2] > 0]
        if not nonzero:
            raise ValueError("the counters log never has an open counter")
        while table[-1][2] < 1:
            table.pop()
    return table


def _censored_waits(arrive: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The waits of those served, and for each who left the wait they would have had: until the next served
    arrival of the same day started (``inf`` when none did)."""
    served = ~np.isnan(start)
    left = ~served
    waits = start[served] - arrive[served]
    day = np.floor(arrive / MINUTES_PER_DAY)
    idx_served = np.flatnonzero(served)
    if idx_served.size == 0:
        return waits, np.full(int(left.sum()), np.inf)
    pos = np.searchsorted(idx_served, np.flatnonzero(left))
    has_next = pos < idx_served.size
    nxt = idx_served[np.minimum(pos, idx_served.size - 1)]
    same_day = has_next & (day[nxt] == day[left])
    virtual = np.where(same_day, start[nxt] - arrive[left], np.inf)
    return waits, np.maximum(virtual, 1e-6)


def _patience_mle(arrive: np.ndarray, start: np.ndarray) -> float | None:
    """Maximum-likelihood mean of an exponential patience (minutes), or None when nobody left."""
    fit = fit_patience(*_censored_waits(arrive, start))
    return None if fit is None else fit.exponential_mean


def fit_office(visits: Sequence[Visit], counters: Sequence[tuple[float, float, int]], *,
               weekday: int | None = None, prior_days: float = 4.0,
               open_minutes: float | None = None) -> OfficeModel:
    """Fit an :class:`OfficeModel` to an office's event log.

    Args:
        visits: the visit log, sorted by arrival (absolute minutes; day ``d``
            opens at minute ``d * 1440``).
        counters: ``(from_minute, to_minute, open_counters)`` in absolute
            minutes, sorted and not overlapping.
        weekday: if given (``0..6``, day ``d`` of the log being weekday
            ``d % 7``), the model uses that weekday's shrunk arrival profile;
            otherwise the pooled profile over all days.
        prior_days: weight (in days) of the pooled profile in each weekday's
            estimate; thin data leans on the pooled profile.
        open_minutes: minutes the doors are open for walk-ins; default: the
            hours in which arrivals were seen.

    Returns:
        The fitted model; its ``fit`` attribute is a :class:`FitSummary`.

    Raises:
        ValueError: empty or unsorted logs, inconsistent visits, nobody served.
    """
    arrive, start, end, types = _visit_arrays(visits)
    log = _counters_arrays(counters)
    if prior_days < 0 or not np.isfinite(prior_days):
        raise ValueError("prior_days must be non-negative")
    served = ~np.isnan(start)
    if not np.any(served):
        raise ValueError("nobody was served in the log: cannot estimate the service time")

    # ---- arrival rates per hour of the week -------------------------------
    day = np.floor(arrive / MINUTES_PER_DAY).astype(int)
    minute = arrive - day * MINUTES_PER_DAY
    open_days = np.unique(np.floor(log[log[:, 2] > 0, 0] / MINUTES_PER_DAY).astype(int))
    obs_days = np.union1d(open_days, np.unique(day))
    hour = np.minimum(np.floor(minute / 60.0).astype(int), 23)
    hours = int(np.ceil(open_minutes / 60.0)) if open_minutes is not None else int(hour.max()) + 1
    hours = max(hours, 1)
    in_window = hour < hours
    weekday_of = day % DAYS_PER_WEEK
    counts = np.zeros((DAYS_PER_WEEK, hours))
    np.add.at(counts, (weekday_of[in_window], hour[in_window]), 1.0)
    days_per_weekday = np.bincount(obs_days % DAYS_PER_WEEK, minlength=DAYS_PER_WEEK).astype(float)
    pooled = counts.sum(axis=0) / max(float(days_per_weekday.sum()), 1.0)
    weekly = (counts + prior_days * pooled[None, :]) / (days_per_weekday[:, None] + prior_days) if prior_days > 0 \
        else counts / np.maximum(days_per_weekday[:, None], 1.0)
    if weekday is not None:
        if not 0 <= int(weekday) < DAYS_PER_WEEK:
            raise ValueError("weekday must be in 0..6")
        profile = weekly[int(weekday)]
    else:
        profile = pooled

    # ---- service times -----------------------------------------------------
    service = end[served] - start[served]
    served_types = [t for t, ok in zip(types, served.tolist()) if ok]

    def _fit(x: np.ndarray) -> ServiceFit:
        mean = float(x.mean())
        cv = float(x.std(ddof=1) / mean) if x.size > 1 and mean > 0 else 1.0
        return ServiceFit(mean=mean, cv=cv, count=int(x.size))

    by_type: dict[str | None, ServiceFit] = {}
    type_arr = np.asarray([t if t is not None else "" for t in served_types], dtype=object)
    for t in sorted({t for t in served_types}, key=lambda v: "" if v is None else v):
        by_type[t] = _fit(service[type_arr == (t if t is not None else "")])
    overall = _fit(service)
    if overall.mean <= 0:
        raise ValueError("service times are all zero: cannot fit a service-time law")

    # ---- patience and counters --------------------------------------------
    patience = fit_patience(*_censored_waits(arrive, start))
    table = fit_counters(log, obs_days)

    model = OfficeModel(counters=table, service_mean=overall.mean, service_cv=overall.cv,
                        arrivals_per_hour=profile, patience_mean=None if patience is None else patience.mean,
                        patience_sigma=None if patience is None or patience.sigma is None else patience.sigma,
                        open_minutes=float(60 * hours) if open_minutes is None else open_minutes)
    model.fit = FitSummary(weekly_arrivals_per_hour=weekly, pooled_arrivals_per_hour=pooled,
                           days_per_weekday=days_per_weekday, service_by_type=by_type,
                           abandoned=int((~served).sum()), served=int(served.sum()), days=int(obs_days.size))
    return model
