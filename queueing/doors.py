"""The wait of a citizen at the doors as the office opens: for a counter to open for them.

Counters open one by one after the doors do (staff arrive, log in). Who comes at the opening (a booked citizen
of the first slot who came early, a walk-in waiting outside) waits at least until a counter opens for them,
however free the counters are once open; the engine (:meth:`queueing.OfficeModel.wait_at`), which starts the
day from the moment before anyone comes in with the counters of the first minutes, has them wait for nothing.

The counters opening in the first minutes, ``n`` of them, are taken to open at independent times spread
uniformly over ``[0, spread]`` minutes after the doors: the ``j``-th to open does so at ``spread`` times a
Beta(``j``, ``n + 1 - j``) time (the ``j``-th of ``n`` uniform order statistics). The ``j``-th citizen at the
doors is called as the ``j``-th counter opens; past ``n``, each ``n`` more wait a service more
(``service_mean``) after the last has opened. A booked citizen's place among the booked at the doors is a
matter of chance (uniform); a walk-in's is after all of them. The law is the mixture over the places, its
quantiles found by bisection.

Units: minutes.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from .phases import quantile_by_bisection

__all__ = ["door_wait", "opening_spread"]

FloatArray = NDArray[np.float64]
#: Bisection rounds for the quantiles (the bracket, at most the spread and a few services, shrinks 2^-20-fold:
#: well under a second).
ROUNDS = 20


def opening_spread(first_step: ArrayLike, second_step: ArrayLike, step: float = 5.0
                   ) -> tuple[FloatArray, FloatArray]:
    """The counters that open in the first minutes and the span they open over, from the counters open on
    average over the first two ``step``-minute steps after the doors (as the office's history shows them).

    The counters open by the second step, ``n``, opening uniformly over ``[0, T]`` are open on average
    ``n (1 - T / (2 step))`` over the first step, so ``T = 2 step (1 - first / n)``, within ``[0, 2 step]``.

    Returns:
        ``(n, T)``: whole counters (at least one) and minutes (0 where the counters are open at the doors).
    """
    first = np.maximum(np.asarray(first_step, dtype=float), 0.0)
    n = np.maximum(np.round(np.asarray(second_step, dtype=float)), 1.0)
    spread = np.clip(2.0 * step * (1.0 - first / n), 0.0, 2.0 * step)
    return n, spread


def door_wait(others: ArrayLike, counters: ArrayLike, spread: ArrayLike, service_mean: ArrayLike,
              after: bool = False) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Mean, median and 90th percentile of the wait of a citizen at the doors as the office opens.

    Args:
        others: the other citizens at the doors who may be called before them, on average (a share of a
            citizen is the chance of one more).
        counters: counters opening in the first minutes (whole, at least one).
        spread: minutes after the doors over which they open (0: open at the doors).
        service_mean: mean service time, for the citizens beyond the counters opening.
        after: all the ``others`` are called before them (a walk-in behind the booked); otherwise their place
            among the others is uniform (booked citizens among themselves).
    """
    o = np.maximum(np.asarray(others, dtype=float), 0.0)
    n = np.maximum(np.round(np.asarray(counters, dtype=float)), 1.0)
    t = np.maximum(np.asarray(spread, dtype=float), 0.0)
    s = np.asarray(service_mean, dtype=float)
    o, n, t, s = np.broadcast_arrays(o, n, t, s)
    places = int(np.ceil(o.max(initial=0.0))) + 2
    j = np.arange(1, places + 1, dtype=float)  # the places, last axis
    whole, part = np.floor(o)[..., None], (o - np.floor(o))[..., None]
    if after:  # place whole + 1, or whole + 2 with chance part
        weight = np.where(j == whole + 1, 1.0 - part, 0.0) + np.where(j == whole + 2, part, 0.0)
    else:  # places 1 .. whole + 1, and whole + 2 with weight part
        weight = np.where(j <= whole + 1, 1.0, 0.0) + np.where(j == whole + 2, part, 0.0)
    weight = weight / weight.sum(axis=-1, keepdims=True)
    k = np.minimum(j, n[..., None])  # the counter that opens for them
    a, b = k, n[..., None] + 1.0 - k
    later = np.maximum(np.ceil((j - n[..., None]) / n[..., None]), 0.0) * s[..., None]  # services past the n
    mean = np.sum(weight * (t[..., None] * a / (a + b) + later), axis=-1)

    def below(x: FloatArray) -> FloatArray:
        u = np.clip((x[..., None] - later) / np.maximum(t[..., None], 1e-12), 0.0, 1.0)
        return np.sum(weight * np.where(t[..., None] > 0, special.betainc(a, b, u),
                                        (x[..., None] >= later).astype(float)), axis=-1)

    top = t + later.max(axis=-1) + 1e-9
    p50, p90 = (quantile_by_bisection(below, q, np.zeros(o.shape), top, ROUNDS) for q in (0.5, 0.9))
    return mean, p50, p90
