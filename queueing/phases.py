"""The wait of a tagged arrival as a sum of departure phases.

A citizen who joins a first-come-first-served line with ``n`` people waiting
ahead, ``b`` counters busy and ``c`` counters open enters service after
``m = n + b - c + 1`` departures (if ``m <= 0`` a counter is free and the wait
is zero).  Later arrivals never matter under FCFS, so the wait is the time
until the ``m``-th departure from ``c`` busy counters, shortened by the
abandonment of those still ahead.

This module gives the first two moments of that time:

* Exponential service, no abandonment: ``Erlang(m, c mu)`` (Gross & Harris,
  *Fundamentals of Queueing Theory*, 4th ed., section 2.3, conditional wait of
  M/M/c).
* Exponential service, abandonment rate ``theta`` per waiting person: a
  hypoexponential sum of phases with rates ``c mu + k theta``, ``k`` the
  number still ahead (Garnett, Mandelbaum & Reiman 2002, the virtual wait of
  M/M/c+M).  Conditioning on the citizen's own (exponential) patience
  outlasting the wait tilts every phase by ``e^{-theta t}``, which adds
  ``theta`` to each rate: the waits of those actually served are
  hypoexponential with rates ``c mu + (k + 1) theta``.  Sums of ``1 / rate``
  and ``1 / rate^2`` over consecutive ``k`` are differences of the digamma
  and trigamma functions (Abramowitz & Stegun 6.3.6, 6.4.10).
* General service (gamma, coefficient of variation ``cv``): the first
  departure is the minimum of ``c`` independent equilibrium (residual-life)
  service times, ``F_e(t) = mu int_0^t P(S > s) ds`` (renewal theory, Cox
  1962, *Renewal Theory*, section 5.2), whose moments are tabulated by
  quadrature; later departures of the superposed stream have mean
  ``1 / (c mu)`` and a squared CV interpolating between the Poisson limit of a
  superposition of many renewal streams (Palm-Khintchine theorem, Khintchine
  1960) and ``cv^2`` for one server or long horizons (Whitt 1982,
  "Approximating a point process by a renewal process", Operations Research
  30(1)):  ``scv_i = cv^2 + (1 - cv^2)(1 - 1/c) exp(-i / c)`` for the
  ``i``-th interval after the first.
* General service with abandonment: the exponential-service abandonment
  moments scaled by the ratio general/exponential of the no-abandonment
  moments (exact at ``cv = 1`` and at ``theta = 0``; a documented
  approximation in between).

Quantiles are taken from a gamma law with the same mean and variance
(two-moment match, as in Whitt 1983, "The queueing network analyzer", Bell
System Technical Journal 62(9)); for exponential service without abandonment
this is exact.

Units: rates per minute, times in minutes.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

__all__ = [
    "first_departure_moments",
    "gamma_partial_mean",
    "gamma_quantile",
    "mixture_wait_moments",
    "positive_wait_moments",
    "quantile_by_bisection",
    "state_wait_moments",
]

FloatArray = NDArray[np.float64]

_CV_STEP = 0.05
_CV_MAX = 4.0
_C_GRID = np.unique(np.concatenate([np.arange(1, 33), np.round(np.geomspace(32, 1024, 24))])).astype(float)
_U_GRID = np.concatenate([[0.0], np.geomspace(1e-6, 400.0, 2500)])


@cache
def _residual_min_row(cv_index: int) -> tuple[FloatArray, FloatArray]:
    """Scaled moments of the minimum of ``c`` equilibrium residual service times.

    For gamma service with mean 1 and CV ``cv_index * _CV_STEP``, returns for
    every ``c`` of ``_C_GRID`` the pair ``(c E[min], c^2 E[min^2])`` computed by
    the trapezoidal rule of ``E[min^k] = int k t^{k-1} P(R > t)^c dt`` with
    ``P(R > t) = Q(a + 1, t / s) - t Q(a, t / s)`` (shape ``a = 1/cv^2``, scale
    ``s = cv^2``; ``Q`` the regularised upper incomplete gamma function).
    """
    cv = cv_index * _CV_STEP
    u = _U_GRID
    if cv == 0.0:
        tail = np.clip(1.0 - u, 0.0, 1.0)
    else:
        shape, scale = 1.0 / cv**2, cv**2
        tail = special.gammaincc(shape + 1.0, u / scale) - u * special.gammaincc(shape, u / scale)
        tail = np.clip(tail, 0.0, 1.0)
    with np.errstate(divide="ignore"):
        log_tail = np.log(tail)
    powered = np.exp(_C_GRID[:, None] * log_tail[None, :])
    m1 = np.trapezoid(powered, u, axis=-1) * _C_GRID
    m2 = np.trapezoid(2.0 * u * powered, u, axis=-1) * _C_GRID**2
    return m1, m2


def first_departure_moments(counters: ArrayLike, cv: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Moments of the time to the first departure from ``c`` busy counters.

    Args:
        counters: busy counters ``c`` (>= 1), array-like.
        cv: coefficient of variation of the (gamma) service time, >= 0.

    Returns:
        ``(f1, g1)`` with ``E[T1] = f1 / (c mu)`` and ``E[T1^2] = g1 / (c mu)^2``;
        ``f1 = 1, g1 = 2`` for exponential service.  Linear interpolation in the
        CV (grid step 0.05) and in ``log c``; exact 1 and 2 are returned where
        ``cv == 1``.
    """
    c, v = np.broadcast_arrays(np.asarray(counters, float), np.asarray(cv, float))
    v = np.clip(v, 0.0, _CV_MAX)
    pos = v / _CV_STEP
    top = round(_CV_MAX / _CV_STEP)
    lo = np.minimum(np.floor(pos).astype(np.intp), top - 1)
    w = pos - lo
    if not np.all(_FILLED[lo] & _FILLED[lo + 1]):
        _residual_table(np.unique(np.concatenate([lo.ravel(), lo.ravel() + 1])))
    logc_grid = _LOG_C_GRID
    logc = np.log(np.clip(c, 1.0, _C_GRID[-1]))
    j = np.clip(np.searchsorted(logc_grid, logc, side="right") - 1, 0, logc_grid.size - 2)
    u = (logc - logc_grid[j]) / (logc_grid[j + 1] - logc_grid[j])
    # Bilinear interpolation; the four corners by flat index into both tables at once.
    corner = lo * _C_GRID.size + j
    stride = _C_GRID.size
    both = _TABLES.reshape(2, -1)
    t00, t01 = both[:, corner], both[:, corner + 1]
    t10, t11 = both[:, corner + stride], both[:, corner + stride + 1]
    f1, g1 = (1 - w) * ((1 - u) * t00 + u * t01) + w * ((1 - u) * t10 + u * t11)
    exact = v == 1.0
    f1 = np.where(exact, 1.0, f1)
    g1 = np.where(exact, 2.0, g1)
    return f1, np.maximum(g1, f1**2)


_LOG_C_GRID = np.log(_C_GRID)
# The (f1, g1) tables over (CV grid, c grid), rows filled on first use.
_TABLES = np.full((2, round(_CV_MAX / _CV_STEP) + 1, _C_GRID.size), np.nan)
_TABLE1, _TABLE2 = _TABLES
_FILLED = np.zeros(_TABLES.shape[1], dtype=bool)


def _residual_table(rows: NDArray[np.intp]) -> tuple[FloatArray, FloatArray]:
    """The ``(f1, g1)`` tables over (CV grid, ``c`` grid), filling the requested rows on first use."""
    for r in (int(r) for r in rows if not _FILLED[int(r)]):
        _TABLE1[r], _TABLE2[r] = _residual_min_row(r)
        _FILLED[r] = True
    return _TABLE1, _TABLE2


def positive_wait_moments(departures: ArrayLike, counters: ArrayLike, service_rate: ArrayLike,
                          cv: ArrayLike, abandon_rate: ArrayLike, served: bool = True
                          ) -> tuple[FloatArray, FloatArray]:
    """Mean and variance of the wait of a citizen who needs ``m >= 1`` departures.

    Args:
        departures: ``m = waiting + busy - counters + 1`` (>= 1; smaller values
            are treated as 1 and should be masked by the caller).
        counters: open counters ``c`` (> 0; may be fractional in forecasts).
        service_rate: ``mu = 1 / service mean`` per minute.
        cv: service-time coefficient of variation.
        abandon_rate: ``theta = 1 / patience mean`` per minute (0: nobody leaves).
        served: if True, the wait of those who are eventually served (each phase
            rate increased by ``theta``); if False the virtual wait of a citizen
            who never gives up.

    Returns:
        ``(mean, variance)`` in minutes and minutes squared.
    """
    m = np.maximum(np.asarray(departures, float), 1.0)
    c = np.asarray(counters, float)
    mu = np.asarray(service_rate, float)
    cv = np.asarray(cv, float)
    theta = np.asarray(abandon_rate, float)
    rate = c * mu
    f1, g1 = first_departure_moments(np.maximum(np.round(c), 1.0), cv)
    if not np.any(theta > 0):
        return _combine(m, c, rate, cv**2, f1, g1 - f1**2, theta, None, served)
    shape = np.broadcast_shapes(m.shape, rate.shape, theta.shape, cv.shape)
    m, c, rate, cv, theta, f1, g1 = (np.broadcast_to(a, shape) for a in (m, c, rate, cv, theta, f1, g1))
    mean, var = _combine(m, c, rate, cv**2, f1, g1 - f1**2, np.zeros(shape), None, served)
    mean, var = np.array(mean), np.array(var)
    active = theta > 1e-9 * rate
    if not np.any(active):
        return mean, var
    ma, ca, ra, cva, tha, f1a, g1a = (a[active] for a in (m, c, rate, cv, theta, f1, g1))
    x = ra / tha
    # Hypoexponential sums by digamma / trigamma differences (A&S 6.3.6, 6.4.10).
    shift = 1.0 if served else 0.0
    sums = ((special.digamma(x + ma + shift) - special.digamma(x + shift)) / tha,
            (_trigamma(x + shift) - _trigamma(x + ma + shift)) / tha**2,
            (special.digamma(x + ma) - special.digamma(x)) / tha,
            (_trigamma(x) - _trigamma(x + ma)) / tha**2)
    mean[active], var[active] = _combine(ma, ca, ra, cva**2, f1a, g1a - f1a**2, tha, sums, served)
    return mean, var


def _trigamma(x: FloatArray) -> FloatArray:
    """Trigamma function for ``x > 0``: six recurrence steps, then the asymptotic series.

    ``psi1(x) = sum_{k<6} 1/(x+k)^2 + psi1(x+6)`` and, for ``y >= 6``,
    ``psi1(y) ~ 1/y + 1/(2y^2) + 1/(6y^3) - 1/(30y^5) + 1/(42y^7) - 1/(30y^9)``
    (Abramowitz & Stegun 6.4.6 and 6.4.12), relative error below 1e-10.
    """
    x = np.asarray(x, float)
    acc = np.zeros(x.shape)
    for k in range(6):
        acc += 1.0 / (x + k) ** 2
    y = x + 6.0
    iy = 1.0 / y
    iy2 = iy * iy
    series = iy + iy2 / 2.0 + iy * iy2 * (1 / 6 - iy2 * (1 / 30 - iy2 * (1 / 42 - iy2 / 30)))
    return acc + series


def state_wait_moments(states: int, counters: ArrayLike, service_rate: ArrayLike, cv: ArrayLike,
                       abandon_rate: ArrayLike, served: bool = True, open_counters: ArrayLike | None = None
                       ) -> tuple[FloatArray, FloatArray]:
    """Wait moments for every number in the office ``N = 0 .. states-1`` at once.

    Same law as :func:`positive_wait_moments` with ``m = N - c + 1``
    (whole-number ``c``), but the hypoexponential sums are cumulative sums
    over ``N`` instead of digamma evaluations, so a forecast over many states
    costs a few array passes.

    Args:
        states: number of states ``K``.
        counters: open counters ``c`` (whole numbers), any shape ``S``.
        service_rate: ``mu`` per minute, broadcast to ``S``.
        cv: service CV, broadcast to ``S``.
        abandon_rate: ``theta`` per minute, broadcast to ``S``.
        served: as in :func:`positive_wait_moments`.
        open_counters: counters open at the arrival, for ``m = N - open + 1``
            (default ``counters``; differs while no counter is open yet and
            the moments use the next opening's count).

    Returns:
        ``(mean, variance)`` of shape ``S + (K,)``; entries with ``N < open`` are
        those of ``m = 1`` and should be masked by the caller.
    """
    c = np.asarray(counters, float)
    mu, cv, theta = (np.asarray(v, float) for v in (service_rate, cv, abandon_rate))
    c, mu, cv, theta = np.broadcast_arrays(c, mu, cv, theta)
    rate = c * mu
    f1, g1 = first_departure_moments(np.maximum(np.round(c), 1.0), cv)
    n = np.arange(states, dtype=float)
    c_open = c if open_counters is None else np.broadcast_to(np.asarray(open_counters, float), c.shape)
    m = np.maximum(n - c_open[..., None] + 1.0, 1.0)
    ex = lambda a: a[..., None]
    if not np.any(theta > 0):
        return _combine(m, ex(c), ex(rate), ex(cv**2), ex(f1), ex(g1 - f1**2), ex(theta), None, served)
    if not np.all(theta > 1e-9 * rate):
        # Abandonment too slow to matter for some: split the two kinds.
        active = theta > 1e-9 * rate
        mean, var = (np.array(a) for a in state_wait_moments(states, c, mu, cv, np.zeros_like(theta), served,
                                                              open_counters=c_open))
        if np.any(active):
            ma, va = state_wait_moments(states, c[active], mu[active], cv[active], theta[active], served,
                                        open_counters=c_open[active])
            mean[active], var[active] = ma, va
        return mean, var
    th = theta
    x = rate / th
    j = np.arange(1.0, states + 2.0)
    inv = 1.0 / (ex(x) + j)                                   # 1/(x+1) ... 1/(x+K+1)
    s1 = np.concatenate([np.zeros(inv.shape[:-1] + (1,)), np.cumsum(inv, axis=-1)], axis=-1)
    s2 = np.concatenate([np.zeros(inv.shape[:-1] + (1,)), np.cumsum(inv**2, axis=-1)], axis=-1)
    mi = np.clip(m.astype(np.intp), 1, states + 1)
    take = lambda arr, idx: np.take_along_axis(arr, idx, axis=-1)
    # sum_{k=1}^{m} 1/(x+k) = s1[m];  sum_{k=0}^{m-1} 1/(x+k) = 1/x + s1[m-1]
    th_e, x_e = ex(th), ex(x)
    served_sums = (take(s1, mi) / th_e, take(s2, mi) / th_e**2)
    virtual_sums = ((1.0 / x_e + take(s1, mi - 1)) / th_e, (1.0 / x_e**2 + take(s2, mi - 1)) / th_e**2)
    sums = (served_sums if served else virtual_sums) + virtual_sums
    return _combine(m, ex(c), ex(rate), ex(cv**2), ex(f1), ex(g1 - f1**2), ex(theta), sums, served)


def _combine(m: FloatArray, c: FloatArray, rate: FloatArray, cv2: FloatArray, f1: FloatArray, var1: FloatArray,
             theta: FloatArray, sums: tuple[FloatArray, FloatArray, FloatArray, FloatArray] | None,
             served: bool) -> tuple[FloatArray, FloatArray]:
    """Wait moments from the departure-epoch moments and, with abandonment, the hypoexponential sums.

    ``sums`` = (mean, variance) of the exponential-service wait (served or
    virtual as requested) and (mean, variance) of the exponential-service
    virtual wait.
    """
    if sums is None:
        k = m - 1.0
        mean0 = (f1 + k) / rate
        var0 = (var1 + _interval_variance(k, c, cv2)) / rate**2
        return np.broadcast_arrays(mean0, var0)  # type: ignore[return-value]
    mean_exp, var_exp, mean_v, var_v = sums
    th = theta
    # General service: the departures needed, J, taken from the exponential
    # virtual wait (J = rate x mean), the departure epochs' moments at J, and
    # the citizen's own patience as a tilt exp(-theta t) of the gamma-matched
    # law.  Used as a ratio to the same construction at cv = 1, so that the
    # result is exact for exponential service.
    j_eff = np.clip(rate * mean_v, 1.0, m)
    var_j = np.maximum(rate**2 * var_v - j_eff, 0.0)
    kj = j_eff - 1.0

    def _approx(f: FloatArray, v1: FloatArray, scv: FloatArray) -> tuple[FloatArray, FloatArray]:
        mean_g = (f + kj) / rate
        var_g = (v1 + _interval_variance(kj, c, scv) + var_j) / rate**2
        if served:
            shape = mean_g**2 / var_g
            beta = mean_g / var_g + th
            mean_g, var_g = shape / beta, shape / beta**2
        return mean_g, var_g

    mean_cv, var_cv = _approx(f1, var1, cv2)
    mean_one, var_one = _approx(np.ones_like(f1), np.ones_like(var1), np.ones_like(cv2))
    mean = mean_exp * (mean_cv / mean_one)
    var = var_exp * (var_cv / var_one)
    return mean, np.maximum(var, 1e-12 * mean**2)


def _interval_variance(k: FloatArray, c: FloatArray, scv: FloatArray) -> FloatArray:
    """Variance (in units of ``1/(c mu)^2``) of ``k`` inter-departure intervals after the first.

    ``k scv + (1 - scv) k (1 - k/c)^+``: Poisson-like over less than one
    service time of each counter, the renewal value ``scv`` per interval beyond.
    """
    return k * (scv + (1.0 - scv) * np.maximum(1.0 - k / np.maximum(c, 1.0), 0.0))


def quantile_by_bisection(below: Callable[[FloatArray], FloatArray], q: float, lo: ArrayLike, hi: ArrayLike,
                          rounds: int) -> FloatArray:
    """Quantile ``q`` of laws given by their distribution function ``below(x)`` (``P(wait <= x)``, one law per
    element), each inside ``[lo, hi]``, by ``rounds`` halvings of the bracket; returns its upper end."""
    lo, hi = np.broadcast_arrays(np.asarray(lo, dtype=float), np.asarray(hi, dtype=float))
    for _ in range(rounds):
        mid = 0.5 * (lo + hi)
        short = below(mid) < q
        lo, hi = np.where(short, mid, lo), np.where(short, hi, mid)
    return hi


def gamma_quantile(mean: ArrayLike, var: ArrayLike, q: ArrayLike) -> FloatArray:
    """Quantile ``q`` of the gamma law with the given mean and variance.

    ``scale * P^{-1}(shape, q)`` with ``shape = mean^2/var``, ``scale = var/mean``;
    for ``shape >= 3`` the Wilson-Hilferty cube-root normal approximation
    ``shape (1 - 1/(9 shape) + z sqrt(1/(9 shape)))^3`` (Wilson & Hilferty
    1931; relative error below 0.25% at the median and 90th percentile
    there) replaces the slower inversion.

    Args:
        mean: positive mean.
        var: positive variance.
        q: probability in (0, 1).

    Returns:
        The quantile, broadcast over the inputs.
    """
    mean, var, q = np.broadcast_arrays(np.asarray(mean, float), np.asarray(var, float), np.asarray(q, float))
    shape = mean**2 / var
    scale = var / mean
    big = shape >= 3.0
    out = np.empty(shape.shape)
    if np.any(big):
        kb = shape[big]
        z = special.ndtri(q[big])
        out[big] = kb * (1.0 - 1.0 / (9.0 * kb) + z * np.sqrt(1.0 / (9.0 * kb))) ** 3
    small = ~big
    if np.any(small):
        out[small] = special.gammaincinv(shape[small], q[small])
    return out * scale


def gamma_partial_mean(mean: ArrayLike, var: ArrayLike, x: ArrayLike) -> FloatArray:
    """``E[(X - x)^+]`` for ``X`` gamma with the given mean and variance.

    ``E[(X - x)^+] = mean Q(k + 1, x/s) - x Q(k, x/s)`` with shape ``k`` and
    scale ``s`` (a standard identity of the gamma law).

    Args:
        mean: positive mean.
        var: positive variance.
        x: threshold (>= 0).

    Returns:
        The partial expectation.
    """
    mean = np.asarray(mean, float)
    var = np.asarray(var, float)
    x = np.asarray(x, float)
    shape = mean**2 / var
    z = x * mean / var
    return np.maximum(mean * special.gammaincc(shape + 1.0, z) - x * special.gammaincc(shape, z), 0.0)


def mixture_wait_moments(law: FloatArray, open_counters: FloatArray, counters: FloatArray, service_rate: FloatArray,
                         cv: FloatArray, abandon_rate: FloatArray, served: bool = True,
                         queue_unit: ArrayLike = 1.0) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Moments of the wait of an arrival who finds ``N`` people with law ``law``.

    Args:
        law: ``(..., K)`` probabilities of ``N = 0 .. K-1`` people in the office.
        open_counters: counters open at the arrival, shape ``law.shape[:-1]``.
        counters: counters the wait moments use (the open ones, or the next
            opening's count while none is open), same shape.
        service_rate: ``mu`` per minute, broadcast to ``law.shape[:-1]``.
        cv: service CV, broadcast likewise.
        abandon_rate: ``theta`` per minute, broadcast likewise.
        served: as in :func:`positive_wait_moments`; with abandonment the law
            of ``N`` is also weighted by the chance of being served,
            ``P(served | N) = c mu / (c mu + m theta)`` (the product of the
            hypoexponential phases' ratios telescopes), so that the forecast
            describes those who will be served, as ``wait_now`` does.
        queue_unit: people per state above ``open`` (only without
            abandonment; 1 = one person per state).

    Returns:
        ``(p_wait, mean, second_moment)``: the probability of waiting
        (``N >= open``) and the first two moments of the wait given that it is
        positive.  Without abandonment the moments are linear and quadratic in
        ``k = N - open`` and come from a few weighted sums over ``N``; with
        abandonment, from :func:`state_wait_moments`.
    """
    lead = law.shape[:-1]
    K = law.shape[-1]
    c_open = np.broadcast_to(open_counters, lead)
    c = np.broadcast_to(counters, lead)
    mu, cv, theta, unit = (np.broadcast_to(np.asarray(v, float), lead)
                           for v in (service_rate, cv, abandon_rate, queue_unit))
    p_wait = np.empty(lead)
    mean = np.empty(lead)
    second = np.empty(lead)
    ab = theta > 0
    if np.any(~ab):
        # Without abandonment: k = unit (N - open) people ahead beyond the
        # counters; the moments are polynomials in k, so prefix sums of
        # L, L n and L n^2 over N give every sum needed.
        sel = ~ab
        lw = law[sel]
        co = np.clip(c_open[sel], 0, K).astype(np.intp)
        cs, u = c[sel], unit[sel]
        n = np.arange(K, dtype=float)
        zeros = np.zeros((lw.shape[0], 1))
        a0 = np.concatenate([zeros, np.cumsum(lw, axis=-1)], axis=-1)
        a1 = np.concatenate([zeros, np.cumsum(lw * n, axis=-1)], axis=-1)
        a2 = np.concatenate([zeros, np.cumsum(lw * n**2, axis=-1)], axis=-1)

        def between(lo: NDArray[np.intp], hi: NDArray[np.intp]) -> tuple[FloatArray, FloatArray, FloatArray]:
            """Sums of L (N - open)^j, j = 0, 1, 2, over lo <= N < hi."""
            lo2, hi2 = lo[:, None], hi[:, None]
            t0 = (np.take_along_axis(a0, hi2, -1) - np.take_along_axis(a0, lo2, -1))[:, 0]
            t1 = (np.take_along_axis(a1, hi2, -1) - np.take_along_axis(a1, lo2, -1))[:, 0]
            t2 = (np.take_along_axis(a2, hi2, -1) - np.take_along_axis(a2, lo2, -1))[:, 0]
            cf = co.astype(float)
            return t0, t1 - cf * t0, t2 - 2.0 * cf * t1 + cf**2 * t0

        z, s1, s2 = between(co, np.full(co.shape, K, dtype=np.intp))
        s1, s2 = s1 * u, s2 * u**2
        # States with k < c (Poisson-like part of the interval variance).
        cap = np.maximum(cs, 1.0)
        upto = np.minimum(co + np.ceil(cap / u - 1e-12).astype(np.intp), K)
        _, t1, t2 = between(co, upto)
        t1, t2 = t1 * u, t2 * u**2
        rate = cs * mu[sel]
        f1, g1 = first_departure_moments(np.maximum(np.round(cs), 1.0), cv[sel])
        var1 = g1 - f1**2
        cv2 = cv[sel] ** 2
        sum_mean = (f1 * z + s1) / rate
        sum_mean_sq = (f1**2 * z + 2.0 * f1 * s1 + s2) / rate**2
        sum_var = (var1 * z + cv2 * s1 + (1.0 - cv2) * (t1 - t2 / cap)) / rate**2
        # Differences of prefix sums carry rounding noise of order 1e-16:
        # below 1e-10 the chance of waiting is taken as 0 (moments of k = 0).
        tiny = z < 1e-10
        safe = np.where(tiny, 1.0, z)
        p_wait[sel] = np.where(tiny, 0.0, z)
        mean[sel] = np.where(tiny, f1 / rate, sum_mean / safe)
        second[sel] = np.where(tiny, (var1 + f1**2) / rate**2, np.maximum((sum_var + sum_mean_sq) / safe, 0.0))
    if np.any(ab):
        lw = law[ab]
        co = c_open[ab]
        n = np.arange(K, dtype=float)
        k = n - co[:, None]
        w = np.where(k >= 0.0, lw, 0.0)
        if served:
            rate = (c[ab] * mu[ab])[:, None]
            w_all = w.sum(axis=-1)
            w = w * (rate / (rate + (np.maximum(k, 0.0) + 1.0) * theta[ab][:, None]))
            total = lw.sum(axis=-1) - w_all + w.sum(axis=-1)
            w = w / np.maximum(total, 1e-300)[:, None]
        # Only the states that carry probability (the line is short when people give up).
        used = np.flatnonzero(np.any(w > 1e-12, axis=0))
        k_eff = int(used[-1]) + 1 if used.size else 1
        w = w[:, :k_eff]
        z = w.sum(axis=-1)
        safe = np.maximum(z, 1e-300)
        m_n, v_n = state_wait_moments(k_eff, c[ab], mu[ab], cv[ab], theta[ab], served=served, open_counters=co)
        p_wait[ab] = z
        mean[ab] = (w * m_n).sum(axis=-1) / safe
        second[ab] = (w * (v_n + m_n**2)).sum(axis=-1) / safe
    return p_wait, mean, second
