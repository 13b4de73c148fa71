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

from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

__all__ = ["first_departure_moments", "positive_wait_moments", "gamma_quantile",
           "gamma_partial_mean"]

FloatArray = NDArray[np.float64]

_CV_STEP = 0.05
_CV_MAX = 4.0
_C_GRID = np.unique(np.concatenate([np.arange(1, 33), np.round(np.geomspace(32, 1024, 24))])).astype(float)
_U_GRID = np.concatenate([[0.0], np.geomspace(1e-6, 400.0, 2500)])


@lru_cache(maxsize=None)
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
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, int(round(_CV_MAX / _CV_STEP)))
    w = pos - lo
    logc = np.log(np.clip(c, 1.0, _C_GRID[-1]))
    logc_grid = np.log(_C_GRID)
    f1 = np.zeros(c.shape)
    g1 = np.zeros(c.shape)
    for idx in np.unique(np.concatenate([lo.ravel(), hi.ravel()])):
        m1, m2 = _residual_min_row(int(idx))
        weight = np.where(lo == idx, 1.0 - w, 0.0) + np.where(hi == idx, w, 0.0)
        used = weight > 0
        f1[used] += weight[used] * np.interp(logc[used], logc_grid, m1)
        g1[used] += weight[used] * np.interp(logc[used], logc_grid, m2)
    exact = v == 1.0
    f1 = np.where(exact, 1.0, f1)
    g1 = np.where(exact, 2.0, g1)
    return f1, np.maximum(g1, f1**2)


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
    # No abandonment, general service.
    f1, g1 = first_departure_moments(np.maximum(np.round(c), 1.0), cv)
    var1 = g1 - f1**2
    k = m - 1.0
    cv2 = cv**2
    scv_sum = _interval_variance(k, c, cv2)
    mean0 = (f1 + k) / rate
    var0 = (var1 + scv_sum) / rate**2
    if not np.any(theta > 0):
        return np.broadcast_arrays(mean0, var0)  # type: ignore[return-value]
    active = theta > 1e-9 * rate
    th = np.where(active, theta, 1.0)
    x = rate / th
    # Exact for exponential service (hypoexponential phases, digamma sums).
    shift = 1.0 if served else 0.0
    mean_exp = (special.digamma(x + m + shift) - special.digamma(x + shift)) / th
    var_exp = (special.polygamma(1, x + shift) - special.polygamma(1, x + m + shift)) / th**2
    # General service: the departures needed, J, taken from the exponential
    # virtual wait (J = rate x mean), the departure epochs' moments at J, and
    # the citizen's own patience as a tilt exp(-theta t) of the gamma-matched
    # law.  Used as a ratio to the same construction at cv = 1, so that the
    # result is exact for exponential service.
    mean_v = (special.digamma(x + m) - special.digamma(x)) / th
    var_v = (special.polygamma(1, x) - special.polygamma(1, x + m)) / th**2
    j_eff = np.clip(rate * mean_v, 1.0, m)
    var_j = np.maximum(rate**2 * var_v - j_eff, 0.0)
    kj = j_eff - 1.0

    def _approx(f: FloatArray, v1: FloatArray, scv_cv: FloatArray) -> tuple[FloatArray, FloatArray]:
        mean_g = (f + kj) / rate
        var_g = (v1 + _interval_variance(kj, c, scv_cv) + var_j) / rate**2
        if served:
            shape = mean_g**2 / var_g
            beta = mean_g / var_g + th
            mean_g, var_g = shape / beta, shape / beta**2
        return mean_g, var_g

    mean_cv, var_cv = _approx(f1, var1, cv2)
    mean_one, var_one = _approx(np.ones_like(f1), np.ones_like(var1), np.ones_like(cv2))
    mean = np.where(active, mean_exp * mean_cv / mean_one, mean0)
    var = np.where(active, var_exp * var_cv / var_one, var0)
    return mean, np.maximum(var, 1e-12 * mean**2)


def _interval_variance(k: FloatArray, c: FloatArray, scv: FloatArray) -> FloatArray:
    """Variance (in units of ``1/(c mu)^2``) of ``k`` inter-departure intervals after the first.

    ``k scv + (1 - scv) k (1 - k/c)^+``: Poisson-like over less than one
    service time of each counter, the renewal value ``scv`` per interval beyond.
    """
    return scv * k + (1.0 - scv) * k * np.clip(1.0 - k / np.maximum(c, 1.0), 0.0, 1.0)


def gamma_quantile(mean: ArrayLike, var: ArrayLike, q: ArrayLike) -> FloatArray:
    """Quantile ``q`` of the gamma law with the given mean and variance.

    Args:
        mean: positive mean.
        var: positive variance.
        q: probability in (0, 1).

    Returns:
        The quantile, ``scale * P^{-1}(shape, q)`` with ``shape = mean^2/var``,
        ``scale = var/mean``.
    """
    mean = np.asarray(mean, float)
    var = np.asarray(var, float)
    shape = mean**2 / var
    return special.gammaincinv(shape, q) * (var / mean)


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
