"""Erlang C and Erlang A against independent ``ciw`` simulations.

Each case runs one long stationary ciw simulation (fixed seed), drops a warm-up
and cuts the rest into batches; the batch means give a confidence interval
(Law & Kelton, *Simulation Modeling and Analysis*, batch means), and the
closed form must lie within 4 standard errors of the simulated mean.

Units: minutes, rates per minute.
"""
from __future__ import annotations

import ciw
import numpy as np
import pytest

from queueing import OfficeModel
from queueing.erlang import erlang_a, erlang_c

WARMUP = 1_500.0
HORIZON = 40_000.0
BATCHES = 20


def _ciw_records(c: int, lam: float, mu: float, theta: float | None, seed: int) -> list:
    extra = {}
    if theta is not None:
        extra["reneging_time_distributions"] = [ciw.dists.Exponential(theta)]
    network = ciw.create_network(arrival_distributions=[ciw.dists.Exponential(lam)],
                                 service_distributions=[ciw.dists.Exponential(mu)],
                                 number_of_servers=[c], **extra)
    ciw.seed(seed)
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(HORIZON + 500.0)
    return [r for r in sim.get_all_records() if WARMUP <= r.arrival_date < HORIZON]


def _batch_mean(times: np.ndarray, values: np.ndarray) -> tuple[float, float]:
    edges = np.linspace(WARMUP, HORIZON, BATCHES + 1)
    which = np.clip(np.searchsorted(edges, times, side="right") - 1, 0, BATCHES - 1)
    means = np.array([values[which == b].mean() for b in range(BATCHES)])
    return float(means.mean()), float(means.std(ddof=1) / np.sqrt(BATCHES))


@pytest.mark.parametrize("c,lam,mu", [(3, 0.25, 0.1), (1, 0.07, 0.1), (8, 0.7, 0.1)])
def test_erlang_c_against_ciw(c: int, lam: float, mu: float) -> None:
    recs = _ciw_records(c, lam, mu, None, seed=7)
    t = np.array([r.arrival_date for r in recs])
    w = np.array([r.waiting_time for r in recs])
    p_sim, p_se = _batch_mean(t, (w > 1e-12).astype(float))
    w_sim, w_se = _batch_mean(t, w)
    p_wait = float(erlang_c(c, lam / mu)[0])
    s = OfficeModel(counters=c, service_mean=1 / mu).steady(lam)
    assert abs(p_sim - p_wait) < 4 * p_se + 1e-3
    assert abs(w_sim - float(s.mean_wait)) < 4 * w_se + 1e-3


@pytest.mark.parametrize("c,lam,mu,theta", [(3, 0.35, 0.1, 1 / 15), (5, 0.45, 0.1, 1 / 40)])
def test_erlang_a_against_ciw_with_reneging(c: int, lam: float, mu: float, theta: float) -> None:
    recs = _ciw_records(c, lam, mu, theta, seed=11)
    t = np.array([r.arrival_date for r in recs])
    left = np.array([r.record_type == "renege" for r in recs], dtype=float)
    w = np.array([r.waiting_time for r in recs])
    ab_sim, ab_se = _batch_mean(t, left)
    w_sim, w_se = _batch_mean(t, w)
    got = erlang_a(c, lam, mu, theta)
    assert abs(ab_sim - float(got["p_abandon"])) < 4 * ab_se + 1e-3
    # Time in line over all arrivals (abandoners until they leave): E[W] = P(ab) / theta.
    assert abs(w_sim - float(got["mean_wait"])) < 4 * w_se + 1e-3
