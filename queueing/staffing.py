"""Staffing: the fewest counters meeting a wait target, hour by hour.

For each hour with arrival rate ``lambda`` (per minute), mean service
``1/mu`` and target ``P(W <= t) >= q``, the answer is the smallest ``c`` with
``lambda < c mu`` and

    P(W > t) = C(c, a) exp(-(c mu - lambda) t / k) <= 1 - q,   a = lambda / mu,

where ``C`` is Erlang C (Gross & Harris, *Fundamentals of Queueing Theory*,
4th ed., eq. 2.36) and ``k = (1 + cv^2) / 2`` stretches the wait for
non-exponential service (the Allen-Cunneen approximation of M/G/c: A. O.
Allen, *Probability, Statistics and Queueing Theory*, 2nd ed., 1990,
section 6.3).  The search starts below the square-root staffing rule
``c = a + beta sqrt(a)`` of the quality-and-efficiency-driven regime (Halfin &
Whitt, "Heavy-traffic limits for queues with many exponential servers",
*Operations Research* 29(3), 1981) and checks every candidate exactly.

Hours are assumed long enough for the steady state to settle (service times
of minutes against an hour); a stationary model per hour is the classical
"stationary independent period-by-period" approach (Green, Kolesar & Soares,
*Operations Research* 49(4), 2001).

Units: arrivals per hour in, minutes for service and target.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .erlang import erlang_c

__all__ = ["counters_needed"]


def counters_needed(arrivals_per_hour: ArrayLike, service_mean: ArrayLike, target_wait: ArrayLike,
                    target_quantile: float = 0.9, *, service_cv: ArrayLike = 1.0,
                    max_counters: int = 2000) -> NDArray[np.int64]:
    """Fewest counters per hour so that ``target_quantile`` of citizens wait at most ``target_wait``.

    Args:
        arrivals_per_hour: arrivals per hour, any shape (e.g. ``(hours,)`` or
            ``(offices, hours)``), >= 0.
        service_mean: mean service time (minutes), > 0, broadcast.
        target_wait: the wait target (minutes), >= 0, broadcast.
        target_quantile: share of citizens that must meet it, in (0, 1).
        service_cv: service-time coefficient of variation (Allen-Cunneen).
        max_counters: give up above this many counters (ValueError).

    Returns:
        Integer counters, the broadcast shape of the inputs; 0 where no one
        arrives.

    Raises:
        ValueError: negative / non-finite input, a quantile outside (0, 1),
            or a target that needs more than ``max_counters``.
    """
    lam_h = np.asarray(arrivals_per_hour, dtype=float)
    s = np.asarray(service_mean, dtype=float)
    t = np.asarray(target_wait, dtype=float)
    cv = np.asarray(service_cv, dtype=float)
    for name, v in (("arrivals_per_hour", lam_h), ("service_mean", s), ("target_wait", t), ("service_cv", cv)):
        if not np.all(np.isfinite(v)):
            raise ValueError(f"{name} must be finite (no NaN or infinity)")
        if np.any(v < 0):
            raise ValueError(f"{name} must be non-negative")
    if np.any(s <= 0):
        raise ValueError("service_mean must be positive (minutes)")
    if not 0.0 < float(target_quantile) < 1.0:
        raise ValueError("target_quantile must lie strictly between 0 and 1")
    lam_h, s, t, cv = np.broadcast_arrays(lam_h, s, t, cv)
    lam = lam_h / 60.0
    mu = 1.0 / s
    a = lam * mu ** -1.0
    stretch = (1.0 + cv**2) / 2.0
    allowed = 1.0 - float(target_quantile)
    # Candidates from floor(a) + 1 upwards (stability), enough to cover the
    # square-root rule with a generous beta.
    base = np.floor(a) + 1.0
    span = int(np.ceil(np.max(6.0 * np.sqrt(a) + 10.0))) if a.size else 10
    result = np.zeros(a.shape, dtype=np.int64)
    todo = lam > 0
    offset = 0
    while np.any(todo):
        cand = base[..., None] + offset + np.arange(span, dtype=float)
        p_wait, _ = erlang_c(cand, a[..., None])
        tail = p_wait * np.exp(-(cand * mu[..., None] - lam[..., None]) * t[..., None] / stretch[..., None])
        ok = tail <= allowed
        found = ok.any(axis=-1) & todo
        first = np.argmax(ok, axis=-1)
        result = np.where(found, (base + offset + first).astype(np.int64), result)
        todo = todo & ~found
        offset += span
        if np.any(todo) and np.max(base[todo] + offset) > max_counters:
            raise ValueError(f"the target needs more than {max_counters} counters")
    return result
