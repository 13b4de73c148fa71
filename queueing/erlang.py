"""Steady-state formulas of the M/M/c (Erlang C) and M/M/c+M (Erlang A) queues.

Everything is vectorised over NumPy arrays (broadcasting) and evaluated in log
space so that it stays finite for hundreds of counters and loads up to 0.999.

Units: rates per minute, times in minutes.

Sources:
    * Erlang B and C: D. Gross, J. F. Shortle, J. M. Thompson and C. M. Harris,
      *Fundamentals of Queueing Theory*, 4th ed., Wiley 2008, section 2.3
      (M/M/c) and 2.5 (M/M/c/c).
    * Erlang A: O. Garnett, A. Mandelbaum and M. Reiman, "Designing a call
      center with impatient customers", *Manufacturing & Service Operations
      Management* 4(3), 2002, pp. 208-227, section 3 and appendix.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

__all__ = [
    "SteadyState",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "erlang_c_wait_tail",
    "log_erlang_b",
    "steady_state",
]

FloatArray = NDArray[np.float64]

# Below this value the regularised lower incomplete gamma function loses its
# relative accuracy (and eventually underflows); the series is used instead.
_GAMMAINC_SAFE = 1e-200
# Terms of the Erlang A series used when the closed form is ill-conditioned.
_SERIES_TERMS = 400


def _check_rates(arrival_rate: ArrayLike, service_rate: ArrayLike, counters: ArrayLike
                 ) -> tuple[FloatArray, FloatArray, FloatArray]:
    lam = np.asarray(arrival_rate, dtype=float)
    mu = np.asarray(service_rate, dtype=float)
    c = np.asarray(counters, dtype=float)
    for name, v in (("arrival rate", lam), ("service rate", mu), ("counters", c)):
        if not np.all(np.isfinite(v)):
            raise ValueError(f"{name} must be finite (no NaN or infinity)")
    if np.any(lam < 0):
        raise ValueError("arrival rate must be non-negative (per minute)")
    if np.any(mu <= 0):
        raise ValueError("service rate must be positive (per minute)")
    if np.any(c < 1) or np.any(c != np.round(c)):
        raise ValueError("counters must be whole numbers >= 1 for a steady state")
    return lam, mu, c


def log_erlang_b(counters: ArrayLike, offered_load: ArrayLike) -> FloatArray:
    """Natural log of the Erlang B blocking probability B(c, a).

    ``B(c, a) = (a^c / c!) / sum_{k=0}^{c} a^k / k!``  (Gross & Harris, eq. 2.50),
    written as the ratio of the Poisson pmf to the Poisson cdf at ``c`` so that
    it is computed without factorials:
    ``log B = log Pois(c; a) - log P(Pois(a) <= c)``, where the cdf is the
    regularised upper incomplete gamma function ``Q(c + 1, a)``.

    Args:
        counters: number of servers ``c`` (>= 1), array-like.
        offered_load: ``a = lambda / mu`` in Erlangs (>= 0), array-like.

    Returns:
        ``log B(c, a)`` (<= 0), broadcast over the inputs; ``-inf`` when ``a = 0``.
    """
    c = np.asarray(counters, dtype=float)
    a = np.asarray(offered_load, dtype=float)
    with np.errstate(divide="ignore"):
        log_pmf = special.xlogy(c, a) - a - special.gammaln(c + 1.0)
        log_cdf = np.log(special.gammaincc(c + 1.0, a))
    return np.where(a > 0, log_pmf - log_cdf, -np.inf)


def erlang_b(counters: ArrayLike, offered_load: ArrayLike) -> FloatArray:
    """Erlang B blocking probability of M/M/c/c (Gross & Harris, eq. 2.50).

    Args:
        counters: number of servers ``c`` (>= 1).
        offered_load: ``a = lambda / mu`` (Erlangs, >= 0).

    Returns:
        The probability that all ``c`` servers are busy in M/M/c/c.
    """
    return np.exp(log_erlang_b(counters, offered_load))


def erlang_c(counters: ArrayLike, offered_load: ArrayLike) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Erlang C: probability that an arrival waits in M/M/c.

    ``C(c, a) = B / (1 - rho (1 - B))`` with ``rho = a / c`` (Gross & Harris,
    eq. 2.32 rewritten through Erlang B), stable in log space.

    Args:
        counters: number of servers ``c`` (>= 1).
        offered_load: ``a = lambda / mu`` (Erlangs, >= 0).

    Returns:
        ``(p_wait, unstable)``: ``p_wait`` is ``C(c, a)`` where ``a < c`` and 1
        where the queue is unstable (``a >= c``); ``unstable`` flags the latter.
    """
    c = np.asarray(counters, dtype=float)
    a = np.asarray(offered_load, dtype=float)
    rho = a / c
    unstable = rho >= 1.0
    b = erlang_b(c, a)
    safe_rho = np.where(unstable, 0.0, rho)
    p = b / (1.0 - safe_rho * (1.0 - b))
    return np.where(unstable, 1.0, np.clip(p, 0.0, 1.0)), unstable


def erlang_c_wait_tail(counters: ArrayLike, arrival_rate: ArrayLike, service_rate: ArrayLike,
                       t: ArrayLike) -> FloatArray:
    """P(W > t) in steady-state M/M/c: ``C(c, a) exp(-(c mu - lambda) t)``.

    Source: Gross & Harris, eq. 2.36.

    Args:
        counters: number of servers ``c``.
        arrival_rate: ``lambda`` per minute.
        service_rate: ``mu`` per minute per server.
        t: wait threshold in minutes (>= 0).

    Returns:
        The tail probability; 1 where the queue is unstable.
    """
    lam, mu, c = _check_rates(arrival_rate, service_rate, counters)
    p, unstable = erlang_c(c, lam / mu)
    drain = np.maximum(c * mu - lam, 0.0)
    return np.where(unstable, 1.0, p * np.exp(-drain * np.asarray(t, dtype=float)))


def _log_a_series(x: FloatArray, y: FloatArray) -> FloatArray:
    """``log A(x, y)`` with ``A(x, y) = sum_{k>=0} y^k / prod_{j=1..k} (x + j)``."""
    k = np.arange(_SERIES_TERMS, dtype=float)
    xx = x[..., None]
    yy = y[..., None]
    terms = special.xlogy(k, yy) - (special.gammaln(xx + k + 1.0) - special.gammaln(xx + 1.0))
    return special.logsumexp(terms, axis=-1)


def _log_a(x: FloatArray, y: FloatArray) -> FloatArray:
    """``log A(x, y)`` of Garnett, Mandelbaum & Reiman (2002), eq. (3.3).

    ``A(x, y) = x e^y y^{-x} gamma(x, y)`` where ``gamma(x, y)`` is the lower
    incomplete gamma function; equivalently the series
    ``sum_{k>=0} y^k / ((x+1)(x+2)...(x+k))``.  The closed form (regularised
    incomplete gamma, in logs) is used where it is well conditioned, the
    series where ``P(x, y)`` would underflow.
    """
    x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
    out = np.zeros(x.shape)
    pos = y > 0
    if not np.any(pos):
        return out
    xs, ys = x[pos], y[pos]
    reg = special.gammainc(xs, ys)
    with np.errstate(divide="ignore"):
        closed = np.log(xs) + ys - xs * np.log(ys) + special.gammaln(xs) + np.log(reg)
    bad = reg < _GAMMAINC_SAFE
    if np.any(bad):
        closed[bad] = _log_a_series(xs[bad], ys[bad])
    out[pos] = closed
    return out


def erlang_a(counters: ArrayLike, arrival_rate: ArrayLike, service_rate: ArrayLike,
             abandon_rate: ArrayLike) -> dict[str, FloatArray]:
    """Steady state of M/M/c+M (Erlang A, exponential patience).

    Stationary law (Garnett, Mandelbaum & Reiman 2002, section 3):
    ``pi_n = pi_0 a^n / n!`` for ``n <= c`` and
    ``pi_{c+k} = pi_c prod_{j=1..k} lambda / (c mu + j theta)``.  With
    ``A = A(c mu / theta, lambda / theta)`` and Erlang B ``B = B(c, a)``:

    * ``P(wait > 0) = B A / (1 - B + B A)``;
    * ``P(abandon) = P(wait > 0) (1 - 1/rho + 1/(rho A))`` with ``rho = lambda/(c mu)``
      (flow balance over the queue states);
    * mean time in queue over all arrivals ``E[W] = P(abandon) / theta``
      (Little's law on the abandonment flow ``theta E[Q]``);
    * mean queue length ``E[Q] = lambda P(abandon) / theta``.

    Stable for every load when ``theta > 0``.

    Args:
        counters: servers ``c`` (>= 1).
        arrival_rate: ``lambda`` per minute.
        service_rate: ``mu`` per minute per server.
        abandon_rate: ``theta = 1 / mean patience`` per minute (> 0).

    Returns:
        Dict of arrays ``p_wait``, ``p_abandon``, ``mean_wait`` (minutes, over
        all arrivals, time spent in line), ``mean_queue`` (people).
    """
    lam, mu, c = _check_rates(arrival_rate, service_rate, counters)
    theta = np.asarray(abandon_rate, dtype=float)
    if not np.all(np.isfinite(theta)) or np.any(theta <= 0):
        raise ValueError("abandon rate must be positive and finite (per minute)")
    lam, mu, c, theta = np.broadcast_arrays(lam, mu, c, theta)
    a = lam / mu
    log_b = log_erlang_b(c, a)
    log_a = _log_a(c * mu / theta, lam / theta)
    # P(wait) = B A / (1 - B + B A) = 1 / (1 + (1 - B) / (B A)), in logs.
    with np.errstate(divide="ignore", over="ignore"):
        log_ratio = np.log1p(-np.exp(log_b)) - log_b - log_a
        p_wait = np.where(lam > 0, special.expit(-log_ratio), 0.0)
    rho = np.where(lam > 0, lam / (c * mu), 1.0)
    inv_rho_a = np.exp(-np.log(rho) - log_a)
    p_ab = np.clip(p_wait * (1.0 - 1.0 / rho + inv_rho_a), 0.0, 1.0)
    p_ab = np.where(lam > 0, p_ab, 0.0)
    mean_wait = p_ab / theta
    return {"p_wait": p_wait, "p_abandon": p_ab, "mean_wait": mean_wait, "mean_queue": lam * mean_wait}


@dataclass(frozen=True, slots=True)
class SteadyState:
    """Steady-state figures of an office (arrays broadcast over offices).

    Attributes:
        utilisation: offered load per counter ``rho = lambda / (c mu)``
            (may exceed 1 with abandonment).
        p_wait: probability that an arrival waits (finds all counters busy).
        mean_wait: mean time in line over all arrivals (minutes); ``inf``
            where the queue is unstable.
        p_abandon: probability of leaving unserved (0 without abandonment).
        unstable: True where ``rho >= 1`` and nobody abandons: the line grows
            without bound and no steady state exists.
    """

    utilisation: FloatArray
    p_wait: FloatArray
    mean_wait: FloatArray
    p_abandon: FloatArray
    unstable: NDArray[np.bool_]


def steady_state(counters: ArrayLike, arrival_rate: ArrayLike, service_rate: ArrayLike,
                 abandon_rate: ArrayLike | None = None) -> SteadyState:
    """Erlang C (``abandon_rate`` None or 0) or Erlang A steady state.

    Erlang C mean wait: ``E[W] = C(c, a) / (c mu - lambda)`` (Gross & Harris,
    eq. 2.34).  Where ``abandon_rate`` is positive Erlang A is used (see
    :func:`erlang_a`); where it is zero, Erlang C.

    Args:
        counters: servers ``c`` (>= 1).
        arrival_rate: ``lambda`` per minute.
        service_rate: ``mu`` per minute per server.
        abandon_rate: ``theta`` per minute, or None for no abandonment.

    Returns:
        A :class:`SteadyState`.
    """
    lam, mu, c = _check_rates(arrival_rate, service_rate, counters)
    theta = np.zeros(()) if abandon_rate is None else np.asarray(abandon_rate, dtype=float)
    if not np.all(np.isfinite(theta)) or np.any(theta < 0):
        raise ValueError("abandon rate must be non-negative and finite (per minute)")
    lam, mu, c, theta = np.broadcast_arrays(lam, mu, c, theta)
    rho = lam / (c * mu)
    p_c, unstable_c = erlang_c(c, lam / mu)
    drain = np.where(unstable_c, 1.0, c * mu - lam)
    mean_c = np.where(unstable_c, np.inf, p_c / drain)
    has_ab = theta > 0
    p_wait = p_c.copy()
    mean_wait = mean_c.copy()
    p_ab = np.zeros(lam.shape)
    if np.any(has_ab):
        res = erlang_a(c[has_ab], lam[has_ab], mu[has_ab], theta[has_ab])
        p_wait[has_ab] = res["p_wait"]
        mean_wait[has_ab] = res["mean_wait"]
        p_ab[has_ab] = res["p_abandon"]
    unstable = unstable_c & ~has_ab
    return SteadyState(utilisation=rho, p_wait=p_wait, mean_wait=mean_wait, p_abandon=p_ab,
                       unstable=unstable)
