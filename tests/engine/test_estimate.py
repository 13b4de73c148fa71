"""fit_office: estimates from simulated event logs, shrinkage, validation.

Units: minutes; arrival rates per hour.
"""
from __future__ import annotations


import numpy as np
import pytest

from queueing import OfficeModel, Visit, fit_office, simulate_office
from queueing.estimate import _censored_waits, _patience_mle
from queueing.patience import abandon_rate, fit_patience


def test_recovers_the_simulated_parameters() -> None:
    table = [(0.0, 120.0, 2), (120.0, 360.0, 4), (360.0, 480.0, 3)]
    profile = [30, 40, 25, 20, 20, 20, 15, 10]
    sim = simulate_office(counters=table, arrivals_per_hour=profile, service_mean=9.0, service_cv=0.5,
                          patience_mean=20.0, days=40, seed=4)
    m = fit_office(sim.visits, sim.counters_log)
    assert float(m.service_mean) == pytest.approx(9.0, rel=0.03)
    assert float(m.service_cv) == pytest.approx(0.5, rel=0.06)
    # An exponential patience of mean 20: whichever law the fit keeps gives up at about 1/20 per minute over
    # the waits this office sees (the lognormal, if kept, only differs beyond them).
    np.testing.assert_allclose(m.abandon_rate_over(np.array([5.0, 10.0, 20.0])), 1.0 / 20.0, rtol=0.15)
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


def _patience_fit(sim) -> object:
    arrive = np.array([v.arrive for v in sim.visits])
    start = np.array([np.nan if v.start is None else v.start for v in sim.visits])
    return fit_patience(*_censored_waits(arrive, start))


def test_a_lognormal_patience_is_recovered_and_preferred() -> None:
    """The demo's walk-in law (median 45 minutes, sigma 0.6): few leave early, many after an hour. The censored
    lognormal fit finds it; the exponential fit, on the same data, puts the mean far too late."""
    sim = simulate_office(counters=3, arrivals_per_hour=[8, 14, 16, 15, 12, 10, 8, 6], service_mean=16.0,
                          service_cv=0.6, patience_mean=DEMO_MEAN, patience_sigma=DEMO_SIGMA, days=40, seed=3)
    fit = _patience_fit(sim)
    assert fit.sigma == pytest.approx(DEMO_SIGMA, rel=0.1)
    assert fit.mean == pytest.approx(DEMO_MEAN, rel=0.1)
    assert fit.exponential_mean > 1.5 * DEMO_MEAN
    m = fit_office(sim.visits, sim.counters_log)
    assert float(m.patience_sigma) == pytest.approx(fit.sigma) and float(m.patience_mean) == pytest.approx(fit.mean)


def test_the_abandonment_rate_is_the_average_hazard_over_the_wait() -> None:
    """H(T)/T: the exponential law that gives up as often by T. For an exponential patience 1/mean at every T;
    for a lognormal it rises with T (checked against the survival function by quadrature-free identity
    S(T) = exp(-T rate))."""
    from scipy import stats

    t = np.array([5.0, 20.0, 45.0, 90.0])
    np.testing.assert_allclose(abandon_rate(30.0, np.nan, t), 1.0 / 30.0)
    law = stats.lognorm(s=0.6, scale=45.0)
    rate = abandon_rate(law.mean(), 0.6, t)
    np.testing.assert_allclose(np.exp(-t * rate), law.sf(t), rtol=1e-9)
    assert np.all(np.diff(rate) > 0)
    assert abandon_rate(np.inf, 0.6, 30.0) == 0.0


#: The demo's walk-in patience: lognormal, median 45 minutes, sigma 0.6.
DEMO_SIGMA = 0.6
DEMO_MEAN = 45.0 * np.exp(DEMO_SIGMA**2 / 2.0)


def _calm_history_then_a_counter_fewer(profile: list[float]):
    """40 days on 3 counters to fit on, then 20 days of the same demand on 2 (the demo's patience throughout);
    the fitted model, the days played, and the two laws fitted to the history (name, sigma, mean)."""
    hist = simulate_office(counters=3, arrivals_per_hour=profile, service_mean=16.0, service_cv=0.6,
                           patience_mean=DEMO_MEAN, patience_sigma=DEMO_SIGMA, days=40, seed=3)
    day = simulate_office(counters=2, arrivals_per_hour=profile, service_mean=16.0, service_cv=0.6,
                          patience_mean=DEMO_MEAN, patience_sigma=DEMO_SIGMA, days=20, seed=11)
    fitted = fit_office(hist.visits, hist.counters_log)
    laws = (("lognormal", fitted.patience_sigma, fitted.patience_mean),
            ("exponential", None, _patience_fit(hist).exponential_mean))
    return fitted, day.seen, laws


def test_lognormal_patience_predicts_long_waits_better_than_the_exponential_fit() -> None:
    """Fitted on a calm history, asked about a day with a counter fewer (long lines): the wait each citizen in a
    long line is told, against the wait they then had, is closer with the lognormal law than with the
    exponential fit of the same data, which expects too few of those ahead to give up."""
    fitted, s, laws = _calm_history_then_a_counter_fewer([6, 9, 10, 10, 8, 7, 6, 5])
    long_line = s.served & (s.waiting >= 6)
    errors = {}
    for name, sigma, pm in laws:
        model = OfficeModel(counters=2, service_mean=fitted.service_mean, service_cv=fitted.service_cv,
                            patience_mean=pm, patience_sigma=sigma)
        w = model.wait_now(s.waiting[long_line], s.busy[long_line], open_counters=s.open[long_line])
        errors[name] = float(np.sqrt(np.mean((w.mean - s.wait[long_line]) ** 2)))
    assert long_line.sum() > 50
    assert errors["lognormal"] < 0.8 * errors["exponential"]


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


def test_lognormal_patience_forecasts_a_heavy_day_better_than_the_exponential_fit() -> None:
    """:meth:`OfficeModel.wait_at` from the opening, hour by hour, on a day with a counter fewer than the history
    it was fitted on: the mean wait of those served each hour (20 simulated days) is closer with the lognormal
    law, whose rate the forecast takes from the wait ahead, than with the exponential fit (which expects too few
    to give up once lines pass half an hour)."""
    fitted, s, laws = _calm_history_then_a_counter_fewer([8, 14, 16, 15, 12, 10, 8, 6])
    minute = s.arrive - s.day * 1440.0
    hours = np.arange(1, 8)
    actual = np.array([np.mean(s.wait[s.served & (np.floor(minute / 60.0) == h)]) for h in hours])
    errors = {}
    for name, sigma, pm in laws:
        model = OfficeModel(counters=2, service_mean=fitted.service_mean, service_cv=fitted.service_cv,
                            arrivals_per_hour=fitted.arrivals_per_hour, patience_mean=pm, patience_sigma=sigma)
        forecast = model.wait_at(60.0 * hours + 30.0, 0.0, 0.0).mean
        errors[name] = float(np.sqrt(np.mean((forecast - actual) ** 2)))
    assert errors["lognormal"] < 0.8 * errors["exponential"], errors


def test_the_rate_from_the_wait_ahead_is_the_one_that_gives_itself_back() -> None:
    """A higher abandonment rate shortens the line, which lowers the average hazard over it: plain rounds of
    ``theta = hazard(wait(theta))`` swing between a long line and a short one (at sigma 0.3 the forecast came out
    8 or 56 minutes by whether the rounds were odd or even). The rate used is the fixed point."""
    from queueing.model import _bisect_rate

    mean, sigma = np.array([40.0, 54.0]), np.array([0.3, 0.6])

    def hazard_at(theta):
        return abandon_rate(mean, sigma, 1.0 / np.sqrt(0.3 * theta))  # a critically loaded line's wait

    theta = _bisect_rate(hazard_at, mean, sigma)
    np.testing.assert_allclose(theta, hazard_at(theta), rtol=1e-4)
    swing = hazard_at(hazard_at(np.full(2, 0.09)))
    assert abs(swing[0] - theta[0]) > 10 * abs(hazard_at(theta)[0] - theta[0])


def test_steady_state_with_a_lognormal_patience() -> None:
    """Short waits: almost nobody leaves, as Erlang C. Overloaded: a finite wait, those who leave balancing the
    line. An office where nobody leaves, beside one with a lognormal patience, stays Erlang C (unstable when
    overloaded) instead of taking a tiny rate."""
    light = OfficeModel(counters=6, service_mean=10.0, patience_mean=60.0, patience_sigma=0.3).steady(0.42)
    erlang_c = OfficeModel(counters=6, service_mean=10.0).steady(0.42)
    assert float(light.mean_wait) == pytest.approx(float(erlang_c.mean_wait), rel=0.02)
    over = OfficeModel(counters=4, service_mean=12.0, patience_mean=40.0, patience_sigma=0.3).steady(1.1 * 4 / 12)
    assert 5.0 < float(over.mean_wait) < 60.0 and 0.05 < float(over.p_abandon) < 0.5
    mixed = OfficeModel(counters=4, service_mean=12.0, patience_mean=[np.inf, 30.0],
                        patience_sigma=[np.nan, 0.8]).steady(np.array([0.4, 0.4]))
    assert mixed.unstable.tolist() == [True, False] and mixed.p_abandon[0] == 0.0 and np.isinf(mixed.mean_wait[0])
