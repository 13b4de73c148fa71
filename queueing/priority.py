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
  point, growing towards ``show (b - 1) / 2`` (everyone at once) as the slot overloads the counters. Who is
  ahead depends on when in the slot one comes: one who comes a share ``u`` of the way through its arrivals
  has ``show (b - 1) (1 - exp(-a u)) / a`` ahead (``a = r T``; ``k`` on average), and each of them is there by
  chance, a count that varies by about as much. The positive part is the mixture over ``u`` (taken at
  ``WINDOW_POINTS`` points), a gamma of its mean and variance; one who comes last has the most people ahead
  and, below, the shortest window. For one coming now the live state tells who is ahead: the booked citizens
  waiting in their window who will be called before it closes (:func:`booked_ahead`); they stand for ``k``.
* **a booked citizen not called within their window**: the call policy calls a booked citizen first only until
  ``LATE_GRACE`` minutes after their slot starts; one still waiting then goes back to the common line, in their
  place by arrival, and waits on as a walk-in who came when they did and has waited as long. Citizens come
  from ``ARRIVAL_LEAD`` minutes before their slot to ``SLOT_MINUTES - ARRIVAL_LEAD`` after its start, so the
  window left to one on arrival, ``R``, is uniform on ``[LATE_GRACE - SLOT_MINUTES + ARRIVAL_LEAD,
  LATE_GRACE + ARRIVAL_LEAD]``, shorter the later in the slot they come. With ``X`` the wait in the booked line
  of one who comes then (above, its law at that point) and ``W`` the walk-in's wait once
  positive, taken as a shifted exponential ``start + Exp(spread)`` of the walk-in's mean (over ``p_wait``) and
  90th percentile, the wait is ``X`` when ``X <= R``, else ``max(R, W)``: mean ``p_wait (E[X] - E[(X - R)^+] +
  P(X > R) E[(W - R)^+])``, averaged over ``R``; the quantiles are the mixture's, in closed form past the
  longest window (the tail is exponential there) and by bisection among the windows. Where every window is
  long beside the booked line's law (the usual case: a minute or two against five to twenty), this is the
  booked line's law itself.

Units: minutes.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from .phases import gamma_partial_mean, gamma_quantile, positive_wait_moments, quantile_by_bisection

__all__ = ["booked_ahead", "booked_wait", "slot_ahead", "walk_in_wait"]

FloatArray = NDArray[np.float64]
#: Fixed-point rounds for the walk-in's wait (each adds the bookings of the span the previous round reached).
ROUNDS = 6
#: Minutes of a booking slot, over which its citizens come.
SLOT_MINUTES = 15.0
#: Fixed-point rounds for the booked citizens of one slot still waiting ahead of another (increasing, bounded).
AHEAD_ROUNDS = 40
#: Minutes after their slot's start until which a booked citizen is called first, unless told otherwise (the
#: call policy's default, ``offices.call_policy.LATE_GRACE``; an office's ``QUEUE_LATE_GRACE_MINUTES``).
LATE_GRACE = 15.0
#: Minutes before their slot's start the first booked citizens come (they come over ``SLOT_MINUTES`` from then).
ARRIVAL_LEAD = 5.0
#: Windows left on arrival averaged over (midpoints of equal parts of their uniform range).
WINDOW_POINTS = 4
#: Bisection rounds for a quantile of a booked citizen's wait that falls among the windows (their range / 2^12: a quarter of a second).
QUANTILE_ROUNDS = 12
#: Below this chance of a window closing on a booked citizen, the booked line's law is kept as it is.
NEGLIGIBLE = 1e-4


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
                service_cv: ArrayLike, counters: ArrayLike, walk_in_mean: ArrayLike | None = None,
                walk_in_p90: ArrayLike | None = None, late_grace: float = LATE_GRACE,
                known_ahead: ArrayLike | None = None) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Mean, median and 90th percentile of the wait of a booked citizen coming at their slot.

    Args:
        p_wait: the chance that every counter is busy when they come (the engine's ``Wait.p_wait``).
        same_slot: appointments booked in their slot (them included).
        show: the share of booked citizens who come.
        service_mean, service_cv: the time at the counter.
        counters: counters open then (> 0).
        walk_in_mean, walk_in_p90: a walk-in's mean wait and 90th percentile coming then (:func:`walk_in_wait`):
            given, a booked citizen still waiting when their window closes waits on as one (see the module's
            text); None: windows never close.
        late_grace: minutes after their slot's start until which a booked citizen is called first (the
            office's call policy).
        known_ahead: where known (not NaN), the booked citizens waiting ahead of one coming now (the live
            state): they stand for the slot's others still waiting ahead, and nobody else of the slot comes
            before them.
    """
    p = np.clip(np.asarray(p_wait, dtype=float), 0.0, 1.0)
    b = np.maximum(np.asarray(same_slot, dtype=float), 1.0)
    c = np.maximum(np.asarray(counters, dtype=float), 1.0)
    s = np.asarray(service_mean, dtype=float)
    others = np.asarray(show, dtype=float) * (b - 1.0)
    cv = np.asarray(service_cv, dtype=float)
    shape = np.broadcast_shapes(p.shape, others.shape, c.shape, s.shape, cv.shape)
    p, others, b, c, s, cv = (np.broadcast_to(a, shape) for a in (p, others, b, c, s, cv))
    windows = _windows(late_grace)
    known = np.broadcast_to(np.asarray(np.nan if known_ahead is None else known_ahead, dtype=float), shape)
    m1, var = _by_arrival(others, b, c, s, cv, known)  # one row per arrival position (window left), as windows
    # The law over arrival positions: a single gamma of the mixture's mean and variance.
    mix_mean = np.mean(m1, axis=0)
    mix_var = np.mean(var, axis=0) + np.var(m1, axis=0)
    p0 = 1.0 - p
    safe = np.maximum(p, 1e-300)
    q50 = np.clip((0.5 - p0) / safe, 1e-12, 1 - 1e-12)
    q90 = np.clip((0.9 - p0) / safe, 1e-12, 1 - 1e-12)
    mean = p * mix_mean
    p50 = np.where(p0 >= 0.5, 0.0, gamma_quantile(mix_mean, mix_var, q50))
    p90 = np.where(p0 >= 0.9, 0.0, gamma_quantile(mix_mean, mix_var, q90))
    if walk_in_mean is None:
        return mean, p50, p90
    gamma_shape, gamma_scale = m1**2 / var, var / m1
    closes = windows.reshape((-1,) + (1,) * len(shape))
    late_r = special.gammaincc(gamma_shape, closes / gamma_scale)  # P(X > R), one row per window
    late = p * np.max(late_r, axis=0)  # the chance that the window closes on them, where it is likeliest
    where = late > NEGLIGIBLE
    if not where.any():
        return mean, p50, p90
    pw, k, theta, mw, vw = p[where], gamma_shape[:, where], gamma_scale[:, where], m1[:, where], var[:, where]
    late_r = late_r[:, where]
    # The walk-in's wait once positive: a shifted exponential, start + Exp(spread), of the walk-in's mean and P90.
    walk_mean = np.maximum(np.broadcast_to(np.asarray(walk_in_mean, dtype=float), shape)[where] / pw, 1e-9)
    walk_p90 = np.broadcast_to(np.asarray(walk_in_p90 if walk_in_p90 is not None else walk_in_mean, dtype=float),
                               shape)[where]
    tail90 = -np.log(np.clip(1.0 - (0.9 - (1.0 - pw)) / pw, 1e-12, 1.0))  # -log P(W > its P90)
    spread = np.where((tail90 > 1.0 + 1e-6) & (walk_p90 > walk_mean),
                      (walk_p90 - walk_mean) / np.maximum(tail90 - 1.0, 1e-6), walk_mean)
    spread = np.clip(spread, 1e-9, walk_mean)
    start = walk_mean - spread
    r = windows[:, None]
    walk_over = np.where(r <= start, walk_mean - r, spread * np.exp(-np.maximum(r - start, 0.0) / spread))
    mean, p50, p90 = (np.array(figure, dtype=float) for figure in (mean, p50, p90))
    mean[where] = pw * np.mean(mw - gamma_partial_mean(mw, vw, r) + late_r * walk_over, axis=0)
    late_mean = np.mean(late_r, axis=0)
    for figure, q in ((p50, 0.5), (p90, 0.9)):
        # Below the shortest window the law is the booked line's own: its quantile stands when it falls there.
        answer = figure[where].copy()
        rows = (answer > windows[0]) & (1.0 - pw < q)
        # Past the longest window (and the walk-in's start) the tail is exponential: the quantile in closed form.
        beyond = start + spread * np.log(np.maximum(pw * late_mean / (1.0 - q), 1e-300))
        far = rows & (pw * late_mean > 1.0 - q) & (beyond >= windows[-1])
        answer[far] = beyond[far]
        between = rows & ~far
        if between.any():
            answer[between] = _mixture_quantile(q, windows, pw[between], k[:, between], theta[:, between],
                                                late_r[:, between], start[between], spread[between])
        figure[where] = answer
    return mean, p50, p90


def _mixture_quantile(q: float, windows: FloatArray, p: FloatArray, k: FloatArray, theta: FloatArray,
                      late: FloatArray, start: FloatArray, spread: FloatArray) -> FloatArray:
    """The ``q`` quantile of a booked citizen's wait that falls among the windows, by bisection on their range:
    ``P(wait <= x)`` averaged over the windows ``R``, ``1 - p + p (P(X <= min(x, R)) + [x >= R] P(X > R)
    P(W <= x))`` (``X`` gamma of shape ``k`` and scale ``theta`` and ``late``: ``P(X > R)``, one row per window,
    the law of one who comes when that window is left; ``W``: ``start + Exp(spread)``)."""
    r = windows[:, None]

    def below(x: FloatArray) -> FloatArray:
        inside = special.gammainc(k, np.minimum(x, r) / theta)
        walked = -np.expm1(-np.maximum(x - start, 0.0) / spread)
        return 1.0 - p + p * np.mean(inside + np.where(x >= r, late * walked, 0.0), axis=0)

    return quantile_by_bisection(below, q, np.full(p.shape, windows[0]), np.full(p.shape, windows[-1]),
                                 QUANTILE_ROUNDS)


def _by_arrival(others: FloatArray, b: FloatArray, c: FloatArray, s: FloatArray, cv: FloatArray,
                known: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Mean and variance of a booked citizen's wait once every counter is busy, by where in the slot's arrivals
    they come: one row per window left on arrival (the shortest window: the last to come).

    The others of the slot still waiting ahead of one who comes a share ``u`` of the way through the slot's
    arrivals are ``others (1 - exp(-a u)) / a`` (``a = r T``, :func:`slot_ahead`'s fixed point; scaled so that
    they average to it over the points); who is still waiting is each a chance, so their count varies: by
    ``k (1 - k / (b - 1))``, a departure each. One who comes last has both the most ahead and the shortest
    window. Where ``known`` (not NaN) gives the number waiting ahead of one coming now, that is ``k`` at every
    point, with no spread.
    """
    k_mean = slot_ahead(others, c * SLOT_MINUTES / s)
    a = np.maximum(c * SLOT_MINUTES / s / (1.0 + k_mean), 1e-9)
    u = (1.0 - _arrival_points()).reshape((-1,) + (1,) * a.ndim)
    k = others * -np.expm1(-a * u) / a
    k = k * np.where(np.mean(k, axis=0) > 0, k_mean / np.maximum(np.mean(k, axis=0), 1e-300), 0.0)
    count_var = np.maximum(k * (1.0 - k / np.maximum(b - 1.0, 1e-9)), 0.0)
    given = np.isfinite(known)
    if given.any():  # those waiting ahead now are known: one count, whatever the window left
        k = np.where(given, np.maximum(known, 0.0), k)
        count_var = np.where(given, 0.0, count_var)
    m1, var = positive_wait_moments(1.0 + k, c, 1.0 / s, cv, np.zeros(k.shape))
    var = var + count_var * (s / c) ** 2
    m1 = np.maximum(m1, 1e-9)
    return m1, np.maximum(var, 1e-9 * m1**2 + 1e-12)


def _windows(late_grace: float) -> FloatArray:
    """The windows left to a booked citizen on arrival (minutes), at the midpoints of equal parts of their
    uniform range, when the window closes ``late_grace`` minutes after their slot's start."""
    shortest = late_grace - SLOT_MINUTES + ARRIVAL_LEAD
    return np.maximum(shortest + SLOT_MINUTES * _arrival_points(), 0.0)


def _arrival_points() -> FloatArray:
    """Midpoints of equal parts of ``[0, 1]``: for each, the share of the slot's arrivals still to come after
    a booked citizen (the window left to them grows with it)."""
    return (np.arange(WINDOW_POINTS) + 0.5) / WINDOW_POINTS


def booked_ahead(windows_left: Sequence[float], per_departure: float) -> float:
    """How many of the booked citizens waiting now are called before one booked coming now.

    Args:
        windows_left: minutes left of each one's window, in the order they are called (earliest slot first).
        per_departure: minutes between departures with every counter busy (service mean over counters).

    Returns:
        Those called before their window closes, one departure after another (on average); one whose window
        closes first goes back to the common line, behind a booked citizen, and frees no departure.
    """
    called, clock = 0, 0.0
    for left in windows_left:
        if clock + per_departure <= left:
            clock += per_departure
            called += 1
    return float(called)


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
