"""Waiting at home: when a citizen who holds a place in an office's line should leave to be there for the call.

A remote ticket is taken from home (or work) and holds the place in the line its holder would have by setting
out at once: nobody who is at the office is overtaken by someone who could not have been there yet.  Its call
comes after ``m = ahead + busy - counters + 1`` departures from the counters (none to wait for when
``m <= 0``): the same law as the wait of a citizen who joins the line now (:meth:`OfficeModel.wait_now`),
whose mean and variance come from :func:`queueing.phases.positive_wait_moments` and whose quantiles from the
matching gamma law (:func:`queueing.phases.gamma_quantile`).

The **leave-at** time is the latest departure that reaches the office before the call with probability
``1 - miss_risk`` under that law: the call time's ``miss_risk`` quantile less the travel time, and never before
now.  With ``miss_risk = 0.05`` (the default) the citizen is, by the model, 95% sure to be there when called.
The forecast is made again as the line moves (each reading gives fewer people ahead and a narrower law); the
holder leaves when the latest leave-at comes.

Units: minutes, per-minute rates.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from scipy import special

from .phases import gamma_quantile, positive_wait_moments

__all__ = ["CallForecast", "MISS_RISK", "call_forecast", "leave_time_from_forecast"]

FloatArray = NDArray[np.float64]
#: The default chance of reaching the office after the call that a leave-at time accepts.
MISS_RISK = 0.05


@dataclass(frozen=True)
class CallForecast:
    """When a ticket will be called and when its holder should leave (minutes from now).

    Attributes:
        mean, p50, p90: the call time's mean, median and 90th percentile.
        early: the call time's ``miss_risk`` quantile (the call comes earlier only that often).
        leave_in: minutes from now until the latest departure (0: leave now).
    """

    mean: FloatArray
    early: FloatArray
    p50: FloatArray
    p90: FloatArray
    leave_in: FloatArray


def call_forecast(ahead: ArrayLike, busy: ArrayLike, counters: ArrayLike, service_mean: ArrayLike,
                  service_cv: ArrayLike, travel: ArrayLike, miss_risk: float = MISS_RISK) -> CallForecast:
    """The call time of a ticket with ``ahead`` people before it in the line, and when to leave for it.

    Args:
        ahead: tickets before this one in the line, present or not, not yet called (>= 0).
        busy: counters busy serving (>= 0).
        counters: counters open (> 0).
        service_mean: mean time at the counter (minutes, > 0).
        service_cv: coefficient of variation of the time at the counter.
        travel: minutes from where the citizen is to the office (>= 0).
        miss_risk: the accepted chance of arriving after the call, in (0, 0.5].

    Returns:
        A :class:`CallForecast` broadcast over the inputs.

    Raises:
        ValueError: a negative or non-finite input, no counter open, or ``miss_risk`` out of range.
    """
    if not 0.0 < miss_risk <= 0.5:
        raise ValueError(f"miss_risk must be in (0, 0.5], got {miss_risk!r}")
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in
                                   (ahead, busy, counters, service_mean, service_cv, travel)))
    n, b, c, s, cv, trav = arrays
    if not all(np.all(np.isfinite(a)) for a in arrays) or np.any(n < 0) or np.any(b < 0) or np.any(trav < 0):
        raise ValueError("ahead, busy and travel must be finite and non-negative")
    if np.any(c <= 0) or np.any(s <= 0) or np.any(cv < 0):
        raise ValueError("counters and service_mean must be positive, service_cv non-negative")
    departures = n + b - c + 1.0
    waits = departures >= 1.0
    mean = np.zeros(n.shape)
    low = np.zeros(n.shape)
    p50 = np.zeros(n.shape)
    p90 = np.zeros(n.shape)
    if np.any(waits):
        m, v = positive_wait_moments(departures[waits], c[waits], 1.0 / s[waits], cv[waits], np.zeros(()))
        mean[waits] = m
        low[waits], p50[waits], p90[waits] = (gamma_quantile(m, v, q) for q in (miss_risk, 0.5, 0.9))
    return CallForecast(mean=mean, early=low, p50=p50, p90=p90, leave_in=np.maximum(low - trav, 0.0))


def leave_time_from_forecast(mean: ArrayLike, p90: ArrayLike, travel: ArrayLike,
                             miss_risk: float = MISS_RISK) -> tuple[FloatArray, FloatArray]:
    """The call time's ``miss_risk`` quantile, and the minutes until the latest departure, from a forecast's
    mean and 90th percentile of the call time (the site's one forecast gives those, not the whole law).

    The call time is taken as the gamma law with that mean whose 90th percentile is ``p90``: its shape ``k``
    solves ``P^{-1}(k, 0.9) / k = p90 / mean`` (bisection on ``log k``; the ratio falls as ``k`` grows, to 1).
    A ratio at or below 1 (no spread) gives the mean itself; a mean of 0 (a counter free now) gives 0.

    Returns:
        ``(early, leave_in)``: the quantile (minutes from now) and ``max(early - travel, 0)``.
    """
    if not 0.0 < miss_risk <= 0.5:
        raise ValueError(f"miss_risk must be in (0, 0.5], got {miss_risk!r}")
    m, q9, trav = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (mean, p90, travel)))
    if not (np.all(np.isfinite(m)) and np.all(np.isfinite(q9)) and np.all(np.isfinite(trav))) \
            or np.any(m < 0) or np.any(trav < 0):
        raise ValueError("mean, p90 and travel must be finite, mean and travel non-negative")
    early = np.zeros(m.shape)
    spread = (m > 0) & (q9 > m * (1.0 + 1e-9))
    early[(m > 0) & ~spread] = m[(m > 0) & ~spread]
    if np.any(spread):
        ratio = q9[spread] / m[spread]
        lo = np.full(ratio.shape, np.log(1e-3))
        hi = np.full(ratio.shape, np.log(1e5))
        for _ in range(60):
            mid = (lo + hi) / 2.0
            k = np.exp(mid)
            above = special.gammaincinv(k, 0.9) / k > ratio  # too much spread: a larger shape
            lo = np.where(above, mid, lo)
            hi = np.where(above, hi, mid)
        k = np.exp((lo + hi) / 2.0)
        early[spread] = special.gammaincinv(k, miss_risk) / k * m[spread]
    return early, np.maximum(early - trav, 0.0)
