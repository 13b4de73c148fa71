"""How long citizens wait before giving up: the patience law, fitted and turned into an abandonment rate.

* **Fit** (:func:`fit_patience`): from censored observations, as in
  :func:`queueing.estimate.fit_office` -- a served citizen's patience exceeded
  their wait (right-censored), one who left had a patience shorter than the
  wait they would have had (left-censored at that virtual wait).  Two laws are
  fitted by maximum likelihood: the exponential (EM, Brown et al., "Statistical
  analysis of a telephone call center", JASA 100(469), 2005, section 6) and the
  lognormal (Nelder-Mead on the censored log-likelihood).  The lognormal is kept
  when it is better by Akaike's criterion (one parameter more: its
  log-likelihood must exceed the exponential's by more than 1).  Call-centre and
  office data typically show a hazard of leaving that rises over the first
  minutes (Brown et al., section 6.3): few leave early, many once the wait
  passes what they expected, which an exponential law, fitted mostly on short
  waits, puts far too late.
* **Use** (:func:`abandon_rate`): the engine's lines are birth-death chains
  with one abandonment rate ``theta`` per waiting citizen.  For a law with a
  hazard ``h(t)`` that is not constant, ``theta`` is its average over the wait
  that matters, ``H(T) / T`` with ``H = -log P(patience > t)`` the cumulative
  hazard: the exponential law that gives up as often by ``T`` (the hazard-rate
  approximation of the M/M/c+G queue by M/M/c+M, Whitt 2005, "Engineering
  solution of a basic call-center model", Management Science 51(2), section 4,
  where the citizens in line have waited up to ``T``).  For an exponential law
  it is ``1 / mean`` at every ``T``.

Units: minutes.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special

__all__ = ["PatienceFit", "abandon_rate", "fit_patience"]

FloatArray = NDArray[np.float64]

#: Shortest horizon over which a hazard is averaged (minutes): below it the average is the hazard's over this.
MIN_HORIZON = 1.0


@dataclass(frozen=True, slots=True)
class PatienceFit:
    """A fitted patience law.

    Attributes:
        mean: mean patience (minutes).
        sigma: the lognormal's log-scale standard deviation, or None for the
            exponential law.
        log_likelihood: the censored log-likelihood of the kept law.
        exponential_mean: the exponential law's mean, kept for comparison.
    """

    mean: float
    sigma: float | None
    log_likelihood: float
    exponential_mean: float


def abandon_rate(mean: ArrayLike, sigma: ArrayLike, horizon: ArrayLike) -> FloatArray:
    """Average hazard of leaving over the first ``horizon`` minutes of a wait, ``H(T) / T`` (per minute).

    Args:
        mean: mean patience (minutes; ``inf`` = nobody leaves).
        sigma: lognormal log-scale standard deviation; ``nan`` (or not positive)
            for an exponential patience, whose rate is ``1 / mean`` at every
            horizon.
        horizon: the wait ``T`` (minutes; at least :data:`MIN_HORIZON` is used).

    Returns:
        The rate per minute, broadcast over the three arguments.
    """
    m = np.asarray(mean, dtype=float)
    s = np.asarray(sigma, dtype=float)
    t = np.maximum(np.asarray(horizon, dtype=float), MIN_HORIZON)
    lognormal = np.isfinite(s) & (s > 0) & np.isfinite(m)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(np.isfinite(m), 1.0 / m, 0.0)
        if not np.any(lognormal):
            return np.broadcast_to(rate, np.broadcast_shapes(m.shape, s.shape, t.shape)).astype(float)
        s_safe = np.where(lognormal, s, 1.0)
        mu = np.log(np.where(lognormal, m, 1.0)) - s_safe**2 / 2.0
        # H(T) = -log P(P > T) = -log Phi(-(log T - mu) / sigma)
        cumulative = -special.log_ndtr(-(np.log(t) - mu) / s_safe)
        return np.where(lognormal, cumulative / t, rate)


def _exponential_mle(waits: FloatArray, virtual: FloatArray, iterations: int = 60) -> float:
    """EM estimate of an exponential patience's rate from ``waits`` (served) and ``virtual`` (left; ``inf``
    when unknown)."""
    n_left = virtual.size
    finite = np.isfinite(virtual)
    v = np.where(finite, virtual, 0.0)
    exposure = float(waits.sum())
    theta = n_left / max(exposure + float(v.sum()) / 2.0 + 1e-9, 1e-9)
    for _ in range(iterations):
        # E[P | P < v] = 1/theta - v / expm1(theta v); unknown v: E[P] = 1/theta
        cond = np.where(finite, 1.0 / theta - v / np.expm1(theta * np.where(finite, v, 1.0)), 1.0 / theta)
        new = n_left / max(exposure + float(cond.sum()), 1e-12)
        if abs(new - theta) <= 1e-10 * theta:
            return new
        theta = new
    return theta


def _exponential_loglik(theta: float, waits: FloatArray, virtual: FloatArray) -> float:
    finite = np.isfinite(virtual)
    return float(-theta * waits.sum() + np.sum(np.log(-np.expm1(-theta * virtual[finite]))))


def _lognormal_loglik(mu: float, sigma: float, log_waits: FloatArray, log_virtual: FloatArray) -> float:
    # served: log P(P > w); left: log P(P < v)
    return float(np.sum(special.log_ndtr(-(log_waits - mu) / sigma))
                 + np.sum(special.log_ndtr((log_virtual - mu) / sigma)))


def fit_patience(waits: ArrayLike, virtual: ArrayLike) -> PatienceFit | None:
    """Fit the patience law to censored waits (see the module's docstring).

    Args:
        waits: waits of the citizens served (minutes, >= 0): each one's
            patience was longer.
        virtual: for each citizen who left, the wait they would have had
            (minutes; ``inf`` when unknown): their patience was shorter.

    Returns:
        The fit, or None when nobody left (no patience is seen).
    """
    w = np.asarray(waits, dtype=float)
    v = np.maximum(np.asarray(virtual, dtype=float), 1e-6)
    if v.size == 0:
        return None
    theta = _exponential_mle(w, v)
    exp_ll = _exponential_loglik(theta, w, v)
    kept = PatienceFit(mean=1.0 / theta, sigma=None, log_likelihood=exp_ll, exponential_mean=1.0 / theta)
    log_w = np.log(w[w > 0])               # a wait of 0 says nothing: every patience exceeds it
    log_v = np.log(v[np.isfinite(v)])
    if log_v.size < 10:
        return kept
    start = np.array([np.log(1.0 / theta) - 0.5, np.log(1.0)])
    res = optimize.minimize(lambda x: -_lognormal_loglik(x[0], np.exp(x[1]), log_w, log_v), start,
                            method="Nelder-Mead", options={"xatol": 1e-6, "fatol": 1e-8, "maxiter": 2000})
    mu, sigma = float(res.x[0]), float(np.exp(res.x[1]))
    ll = -float(res.fun)
    # Sigma far outside what patience shows (0.1-3) is an optimiser lost on flat data: keep the exponential.
    if not res.success or not (0.1 <= sigma <= 3.0) or ll - exp_ll <= 1.0:
        return kept
    return PatienceFit(mean=float(np.exp(mu + sigma**2 / 2.0)), sigma=sigma, log_likelihood=ll,
                       exponential_mean=1.0 / theta)
