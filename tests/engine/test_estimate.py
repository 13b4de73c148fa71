"""fit_office: estimates from simulated event logs, shrinkage, validation.

Units: minutes; arrival rates per hour.
"""
from __future__ import annotations


import numpy as np
import pytest

from queueing import Visit, fit_office, simulate_office
from queueing.estimate import _patience_mle


def test_recovers_the_simulated_parameters() -> None:
    table = [(0.0, 120.0, 2), (120.0, 360.0, 4), (360.0, 480.0, 3)]
    profile = [30, 40, 25, 20, 20, 20, 15, 10]
    sim = simulate_office(counters=table, arrivals_per_hour=profile, service_mean=9.0, service_cv=0.5,
                          patience_mean=20.0, days=40, seed=4)
    m = fit_office(sim.visits, sim.counters_log)
    assert float(m.service_mean) == pytest.approx(9.0, rel=0.03)
    assert float(m.service_cv) == pytest.approx(0.5, rel=0.06)
    assert float(m.patience_mean) == pytest.approx(20.0, rel=0.15)
    np.testing.assert_allclose(m.arrivals_per_hour, profile, rtol=0.12)
    assert m.timetable_starts.tolist() == [0.0, 120.0, 360.0]
    assert m.timetable_counts.tolist() == [2.0, 4.0, 3.0]
    assert m.fit.days == 40 and m.fit.served + m.fit.abandoned == len(sim.visits)


def test_no_abandonment_means_no_patience() -> None:
    sim = simulate_office(counters=3, arrivals_per_hour=12.0, service_mean=10.0, days=5, seed=1)
    assert fit_office(sim.visits, sim.counters_log).patience_mean is None


def test_patience_mle_is_the_censored_exponential_mle() -> None:
    """Served citizens are right-censored at their wait, those who left are
    left-censored at their virtual wait; the EM fixed point maximises
    -theta sum(w) + sum log(1 - exp(-theta v))."""
    arrive = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    start = np.array([0.0, 6.0, np.nan, 12.0, np.nan, 20.0])
    mean = _patience_mle(arrive, start)
    w = np.array([0.0, 5.0, 9.0, 15.0])
    v = np.array([12.0 - 2.0, 20.0 - 4.0])
    grid = np.linspace(0.001, 1.0, 20000)
    ll = -grid * w.sum() + np.log(-np.expm1(-np.outer(grid, v))).sum(axis=1)
    assert 1.0 / mean == pytest.approx(grid[np.argmax(ll)], rel=1e-3)


def test_thin_data_is_shrunk_toward_the_pooled_profile() -> None:
    rng = np.random.default_rng(3)
    visits = []
    for day in range(14):
        rate = 30.0 if day % 7 == 2 else 10.0       # weekday 2 busier
        for t in np.sort(rng.uniform(0, 480, rng.poisson(rate * 8))):
            a = day * 1440.0 + t
            visits.append(Visit(a, a, a + 5.0))
    log = [(d * 1440.0, d * 1440.0 + 480.0, 2) for d in range(14)]
    strong = fit_office(visits, log, weekday=2, prior_days=50.0)
    weak = fit_office(visits, log, weekday=2, prior_days=0.5)
    pooled = fit_office(visits, log)
    assert strong.arrivals_per_hour.mean() < weak.arrivals_per_hour.mean()
    assert abs(strong.arrivals_per_hour.mean() - pooled.arrivals_per_hour.mean()) < \
        abs(weak.arrivals_per_hour.mean() - pooled.arrivals_per_hour.mean())
    assert weak.arrivals_per_hour.mean() == pytest.approx(30.0, rel=0.15)


def test_service_per_type() -> None:
    visits = [Visit(float(i), float(i), float(i) + (4.0 if i % 2 else 12.0), "a" if i % 2 else "b")
              for i in range(200)]
    m = fit_office(visits, [(0.0, 480.0, 3)])
    assert m.fit.service_by_type["a"].mean == pytest.approx(4.0)
    assert m.fit.service_by_type["b"].mean == pytest.approx(12.0)
    assert float(m.service_mean) == pytest.approx(8.0)


def test_fit_on_sixty_busy_days_recovers_the_parameters() -> None:
    """The speed benchmark's office size (``bench.engine_speed`` times it); here only what the fit finds."""
    sim = simulate_office(counters=8, arrivals_per_hour=45.0, service_mean=9.0, patience_mean=30.0,
                          days=60, seed=2)
    m = fit_office(sim.visits, sim.counters_log)
    assert float(m.service_mean) == pytest.approx(9.0, rel=0.05)


@pytest.mark.parametrize("visits,counters,match", [
    ([], [(0, 480, 2)], "empty"),
    ([Visit(10.0, 11.0, 12.0)], [], "empty"),
    ([Visit(10.0, 11.0, 12.0), Visit(5.0, 13.0, 14.0)], [(0, 480, 2)], "sorted"),
    ([Visit(10.0, 11.0, 12.0)], [(0, 300, 2), (200, 480, 1)], "sorted"),
    ([Visit(float("nan"), None, None)], [(0, 480, 2)], "finite"),
    ([Visit(10.0, 9.0, 12.0)], [(0, 480, 2)], "before its arrival"),
    ([Visit(10.0, 11.0, None)], [(0, 480, 2)], "both"),
    ([Visit(10.0, None, None)], [(0, 480, 2)], "nobody was served"),
    ([Visit(10.0, 11.0, 12.0)], [(0, 480, -1)], "non-negative"),
])
def test_bad_logs_raise(visits: list, counters: list, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        fit_office(visits, counters)
