"""Erlang B, C and A: published worked examples, identities, numerical stability.

Units: rates per minute, times in minutes.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from queueing.erlang import (
    erlang_a,
    erlang_b,
    erlang_c,
    erlang_c_wait_tail,
    steady_state,
)


def _birth_death_law(c: int, lam: float, mu: float, theta: float, states: int) -> np.ndarray:
    """Stationary law of M/M/c+M by the balance equations, in logs (reference)."""
    n = np.arange(1, states)
    rates = np.minimum(n, c) * mu + np.maximum(n - c, 0) * theta
    logp = np.concatenate([[0.0], np.cumsum(np.log(lam) - np.log(rates))])
    return np.exp(logp - special.logsumexp(logp))


def test_erlang_b_table_values() -> None:
    """Erlang B tables (e.g. R. B. Cooper, *Introduction to Queueing Theory*,
    2nd ed., 1981, table of B(c, a)): B(10, 5) = 0.0184 and B(5, 3) = 0.1101."""
    assert erlang_b(10, 5.0) == pytest.approx(0.01838457, abs=5e-8)
    assert erlang_b(5, 3.0) == pytest.approx(0.11005435, abs=5e-8)


def test_erlang_c_call_centre_worked_example() -> None:
    """Westbay Engineers' step-by-step Erlang-C example (erlang.com, "The Erlang-C
    formula"): 360 calls per half hour, 4-minute calls, 55 agents, so 48 Erlangs;
    P(wait) = 0.2387, average speed of answer 0.1364 min (8.2 s), and the share
    answered within 15 s is 1 - 0.2387 exp(-(55 - 48) x 0.25 / 4) = 0.846."""
    lam, mu = 360 / 30, 1 / 4
    p, unstable = erlang_c(55, lam / mu)
    assert not unstable
    assert float(p) == pytest.approx(0.2387, abs=5e-5)
    asa = steady_state(55, lam, mu).mean_wait
    assert float(asa) == pytest.approx(0.1364, abs=5e-4)
    within = 1 - erlang_c_wait_tail(55, lam, mu, 0.25)
    assert float(within) == pytest.approx(0.846, abs=1e-3)


def test_erlang_c_matches_the_textbook_sum() -> None:
    """Gross & Harris eq. 2.32 summed directly, for small systems."""
    for c, a in [(1, 0.5), (2, 1.5), (5, 4.0), (12, 11.0)]:
        top = a**c / math.factorial(c) * c / (c - a)
        ref = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
        assert float(erlang_c(c, a)[0]) == pytest.approx(ref, rel=1e-12)


def test_stable_for_200_counters_and_load_0999() -> None:
    c = np.arange(1, 201)
    for rho in (0.5, 0.9, 0.99, 0.999):
        p, unstable = erlang_c(c, rho * c)
        assert np.all(np.isfinite(p)) and np.all((p > 0) & (p < 1)) and not unstable.any()
        assert np.all(np.diff(p) < 0)  # economies of scale at a fixed load
        s = steady_state(c, rho * c, 1.0)
        assert np.all(np.isfinite(s.mean_wait)) and np.all(s.mean_wait > 0)
    a = erlang_a(c, 0.999 * c, 1.0, 0.01)
    assert all(np.all(np.isfinite(v)) for v in a.values())


def test_unstable_load_is_flagged() -> None:
    s = steady_state([3, 3, 3], [0.37, 0.375, 0.5], 0.125)
    assert s.unstable.tolist() == [False, True, True]
    assert np.isinf(s.mean_wait[1:]).all() and (s.p_wait[1:] == 1).all()
    with_patience = steady_state([3, 3], [0.375, 0.5], 0.125, abandon_rate=0.05)
    assert not with_patience.unstable.any()
    assert np.all(np.isfinite(with_patience.mean_wait))


def test_erlang_a_against_balance_equations() -> None:
    for c, lam, mu, theta in [(1, 0.2, 0.1, 0.05), (4, 0.5, 0.111, 0.02), (10, 1.2, 0.1, 0.05),
                              (50, 6.0, 0.1, 0.5), (200, 25.0, 0.1, 0.001), (3, 0.01, 0.1, 0.01)]:
        states = int(c + 40 * lam / theta + 200)
        p = _birth_death_law(c, lam, mu, theta, states)
        n = np.arange(states)
        q = np.maximum(n - c, 0)
        got = erlang_a(c, lam, mu, theta)
        assert float(got["p_wait"]) == pytest.approx(p[n >= c].sum(), rel=1e-8)
        assert float(got["p_abandon"]) == pytest.approx(theta * (q * p).sum() / lam, rel=1e-7)
        assert float(got["mean_wait"]) == pytest.approx((q * p).sum() / lam, rel=1e-7)


def test_erlang_a_with_patience_equal_to_service_is_an_infinite_server_queue() -> None:
    """With theta = mu everyone present leaves at rate mu, so N ~ Poisson(a)
    (Garnett, Mandelbaum & Reiman 2002, remark after eq. 3.3)."""
    c, lam, mu = 6, 0.7, 0.1
    got = erlang_a(c, lam, mu, mu)
    a = lam / mu
    assert float(got["p_wait"]) == pytest.approx(1 - special.pdtr(c - 1, a), rel=1e-10)


def test_erlang_a_tends_to_erlang_c_without_abandonment() -> None:
    got = erlang_a(5, 0.4, 0.1, 1e-7)
    assert float(got["p_wait"]) == pytest.approx(float(erlang_c(5, 4.0)[0]), rel=1e-4)


@pytest.mark.parametrize("bad", [{"arrival_rate": -0.1}, {"service_rate": 0.0}, {"counters": 0},
                                 {"arrival_rate": float("nan")}, {"counters": 2.5}])
def test_bad_input_raises(bad: dict) -> None:
    args = {"counters": 3, "arrival_rate": 0.2, "service_rate": 0.1} | bad
    with pytest.raises(ValueError):
        steady_state(**args)
