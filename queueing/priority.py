"""Two lines in one office: booked citizens called first within their slot's window, walk-ins after them.

The engine's forecast (:meth:`queueing.OfficeModel.wait_at`) is the wait in one first-come-first-served line of
everyone. The offices call booked citizens who come within their slot's window first, so the one line splits:

* **a walk-in** waits for the people ahead of them *and* for every booked citizen who comes before their turn:
  the first-come-first-served wait ``w`` grows by the work of the booked arrivals in ``(t, t + w]``,
  ``show * B(t, t + w) * s / c`` (``B`` the appointments booked in that span, ``show = 1 - no_show``,
  ``s`` the mean service, ``c`` the counters), solved as a fixed point ``w = w_fcfs + show * B(t, t + w) s / c``
  for the mean and each quantile (:func:`walk_in_wait`);
* **a booked citizen** coming at their slot waits only when every counter is busy (probability ``p_wait``,
  the same in both orders: the number in the office does not depend on who is called first), and then for
  the departures that free a counter for them and for the booked citizens of their slot still waiting ahead
  of them: ``m = 1 + k`` departures from ``c`` counters, whose mean and variance are
  :func:`queueing.phases.positive_wait_moments`'s; the law is the atom ``1 - p_wait`` at zero and a
  gamma-matched positive part, as the engine's (:func:`booked_wait`). The slot's citizens come spread over
  its ``SLOT_MINUTES``: another of them who came ``u`` minutes earlier is still waiting with probability
  ``exp(-r u)`` when their wait is exponential of rate ``r``; averaged over two uniform arrival times, the
  others still waiting ahead are ``k = show (b - 1) g(r T)`` with ``g(a) = 1/a - (1 - exp(-a)) / a**2``
  (``T`` the slot's length). Their own wait is ``1 + k`` departures, so ``r = (c / s) / (1 + k)``: a fixed
  point, growing towards ``show (b - 1) / 2`` (everyone at once) as the slot overloads the counters.

Units: minutes.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .phases import gamma_quantile, positive_wait_moments

__all__ = ["booked_wait", "slot_ahead", "walk_in_wait"]

FloatArray = NDArray[np.float64]
#: Fixed-point rounds for the walk-in's wait (each adds the bookings of the span the previous round reached).
ROUNDS = 6
#: Minutes of a booking slot, over which its citizens come.
SLOT_MINUTES = 15.0
#: Fixed-point rounds for the booked citizens of one slot still waiting ahead of another (increasing, bounded).
AHEAD_ROUNDS = 40


def walk_in_wait(fcfs: ArrayLike, horizons: ArrayLike, booked_cum: ArrayLike, show: ArrayLike,
                 service_mean: ArrayLike, counters: ArrayLike, rounds: int = ROUNDS) -> FloatArray:
    """A walk-in's wait (mean or a quantile) at each horizon from the first-come-first-served figure.

    Args:
        fcfs: the figure in one first-come-first-served line, shape ``(offices, horizons)``.
        horizons: minutes ahead of each column (sorted), shape ``(horizons,)``.
        booked_cum: appointments booked from the start up to each minute ahead, ``booked_cum[:, m]`` for
            minute ``m`` (``(offices, minutes)``; interpolated, held after its end).
        show: the share of booked citizens who come, per office.
        service_mean: mean time at the counter (minutes), per office.
        counters: counters expected open at each minute ahead, ``(offices, minutes)`` (held after its end);
            the booked citizens are served on the counters open halfway through the wait.

    Returns:
        The walk-in's figure, shape ``(offices, horizons)``: never below ``fcfs``; equal to it where the walk-in
        is served at once or no appointment falls in the wait.
    """
    w0 = np.asarray(fcfs, dtype=float)
    h = np.asarray(horizons, dtype=float)
    cum = np.asarray(booked_cum, dtype=float)
    open_by_minute = np.maximum(np.asarray(counters, dtype=float), 1.0)
    work = np.asarray(show, dtype=float) * np.asarray(service_mean, dtype=float)
    minutes = np.arange(cum.shape[1], dtype=float)
    counter_minutes = np.arange(open_by_minute.shape[1], dtype=float)
    before = np.stack([np.interp(h, minutes, row) for row in cum])
    w = w0.copy()
    for _ in range(rounds):
        reach = h[None, :] + w
        after = np.stack([np.interp(reach[k], minutes, row) for k, row in enumerate(cum)])
        halfway = np.stack([np.interp(h + w[k] / 2.0, counter_minutes, row) for k, row in enumerate(open_by_minute)])
        w = w0 + np.where(w0 > 0, (after - before) * work[:, None] / halfway, 0.0)
    return w


def booked_wait(p_wait: ArrayLike, same_slot: ArrayLike, show: ArrayLike, service_mean: ArrayLike,
                service_cv: ArrayLike, counters: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Mean, median and 90th percentile of the wait of a booked citizen coming at their slot.

    Args:
        p_wait: the chance that every counter is busy when they come (the engine's ``Wait.p_wait``).
        same_slot: appointments booked in their slot (them included).
        show: the share of booked citizens who come.
        service_mean, service_cv: the time at the counter.
        counters: counters open then (> 0).
    """
    p = np.clip(np.asarray(p_wait, dtype=float), 0.0, 1.0)
    b = np.maximum(np.asarray(same_slot, dtype=float), 1.0)
    c = np.maximum(np.asarray(counters, dtype=float), 1.0)
    s = np.asarray(service_mean, dtype=float)
    m = 1.0 + slot_ahead(np.asarray(show, dtype=float) * (b - 1.0), c * SLOT_MINUTES / s)
    cv = np.asarray(service_cv, dtype=float)
    shape = np.broadcast_shapes(p.shape, m.shape, c.shape, s.shape, cv.shape)
    p, m, c, s, cv = (np.broadcast_to(a, shape) for a in (p, m, c, s, cv))
    m1, var = positive_wait_moments(m, c, 1.0 / s, cv, np.zeros(shape))
    m1 = np.maximum(m1, 1e-9)
    var = np.maximum(var, 1e-9 * m1**2 + 1e-12)
    p0 = 1.0 - p
    safe = np.maximum(p, 1e-300)
    q50 = np.clip((0.5 - p0) / safe, 1e-12, 1 - 1e-12)
    q90 = np.clip((0.9 - p0) / safe, 1e-12, 1 - 1e-12)
    mean = p * m1
    p50 = np.where(p0 >= 0.5, 0.0, gamma_quantile(m1, var, q50))
    p90 = np.where(p0 >= 0.9, 0.0, gamma_quantile(m1, var, q90))
    return mean, p50, p90


def slot_ahead(others: ArrayLike, departures_per_slot: ArrayLike, rounds: int = AHEAD_ROUNDS) -> FloatArray:
    """The booked citizens of one slot still waiting ahead of another of them who finds every counter busy.

    Args:
        others: the others of the slot who come (``show * (b - 1)``), spread uniformly over the slot.
        departures_per_slot: departures from the counters, all busy, in one slot's time (``c T / s``).

    Returns:
        ``k``, the fixed point of ``k = others * g(departures_per_slot / (1 + k))`` (see the module's text):
        0 with nobody else, at most ``others / 2`` (everyone of the slot at once).
    """
    others = np.asarray(others, dtype=float)
    a0 = np.maximum(np.asarray(departures_per_slot, dtype=float), 1e-9)
    k = np.zeros(np.broadcast_shapes(others.shape, a0.shape))
    for _ in range(rounds):
        a = a0 / (1.0 + k)
        small = a < 1e-3
        safe = np.where(small, 1.0, a)
        share = np.where(small, 0.5 - a / 6.0, 1.0 / safe - (1.0 - np.exp(-safe)) / safe**2)
        k = others * share
    return k
