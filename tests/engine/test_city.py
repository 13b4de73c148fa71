"""The city simulator: validation against theory, herding, adoption, planning."""
from __future__ import annotations

import numpy as np
import pytest

from queueing.city import City, _clairvoyant_cost, plan_offices, simulate_city
from queueing.erlang import erlang_c
from queueing.recommender import travel_minutes


def test_travel_times_follow_the_formula() -> None:
    city = City([35.8, 35.7], [51.4, 51.9], [2, 2], [35.7, 35.7], [51.4, 51.86], [3.0, 1.0], 0.05,
                service_mean=5.0, open_minutes=600.0, speed_kmh=25.0, detour=1.4)
    r = simulate_city(city, "nearest", days=3, seed=4)
    t0 = float(travel_minutes(35.7, 51.4, 35.8, 51.4, speed_kmh=25.0, detour=1.4))
    t1 = float(travel_minutes(35.7, 51.86, 35.7, 51.9, speed_kmh=25.0, detour=1.4))
    # 0.1 degree of latitude: 11.1195 km.
    assert t0 == pytest.approx(11.1195 * 1.4 / 25.0 * 60.0, rel=1e-4)
    share0 = r.office_served[0] / r.office_served.sum()
    assert r.mean_travel == pytest.approx(share0 * t0 + (1 - share0) * t1, rel=1e-9)
    assert share0 == pytest.approx(0.75, abs=0.06)
    assert r.mean_total == pytest.approx(r.mean_travel + r.mean_wait, rel=1e-9)


def test_isolated_offices_on_a_long_day_match_erlang_c() -> None:
    """With ``nearest`` each office is an M/M/c queue; its mean wait is Erlang C's C(c, a) / (c mu - lambda)."""
    c, service, lam = 3, 10.0, 0.21                       # per office: load a = 2.1, utilisation 0.7
    city = City([35.0, 36.0], [51.0, 53.0], [c, c], [35.0, 36.0], [51.0, 53.0], [1.0, 1.0], 2 * lam,
                service_mean=service, service_cv=1.0, open_minutes=12000.0)
    estimates = []
    for seed in range(4):
        r = simulate_city(city, "nearest", days=1, seed=seed)
        estimates.extend(r.office_mean_wait.tolist())      # 8 independent long-run means
    prob, _ = erlang_c(c, lam * service)
    theory = float(prob) / (c / service - lam)
    est = np.array(estimates)
    se = est.std(ddof=1) / np.sqrt(est.size)
    assert abs(est.mean() - theory) < 4.0 * se + 0.02 * theory, (est.mean(), theory, se)
    assert r.mean_travel == 0.0


def make_city(n_offices: int = 12, per_day: float = 1000.0, seed: int = 5) -> City:
    """A small city: offices in a 10 km square, homes clustered, counters unevenly spread."""
    rng = np.random.default_rng(seed)
    o_lat = 35.70 + rng.random(n_offices) * 0.09
    o_lon = 51.30 + rng.random(n_offices) * 0.11
    centres = rng.random((3, 2))
    pts = np.clip(centres[rng.integers(0, 3, 150)] + 0.25 * rng.standard_normal((150, 2)), 0.0, 1.0)
    counters = rng.integers(3, 7, n_offices)
    return City(o_lat, o_lon, counters, 35.70 + 0.09 * pts[:, 0], 51.30 + 0.11 * pts[:, 1],
                rng.lognormal(0.0, 0.5, 150), per_day / 420.0, service_mean=12.0, service_cv=0.8,
                open_minutes=420.0, arrival_profile=[0.8, 1.4, 1.5, 1.2, 0.9, 0.7, 0.5])


def test_safnama_does_not_herd_on_stale_information() -> None:
    city = make_city()
    near = simulate_city(city, "nearest", days=2, seed=1)
    plain = simulate_city(city, "least_wait_now", adoption=1.0, info_delay=10.0, days=2, seed=1)
    safnama = simulate_city(city, "safnama", adoption=1.0, info_delay=10.0, days=2, seed=1)
    assert safnama.mean_total < 0.8 * plain.mean_total
    assert safnama.mean_total < near.mean_total
    assert safnama.queue_std < plain.queue_std
    assert safnama.share_wait_over_60 <= plain.share_wait_over_60


def test_every_policy_meets_the_same_citizens() -> None:
    """Common random numbers: the recommender's draws do not change who sets out on later days."""
    city = make_city()
    runs = [simulate_city(city, policy, adoption=1.0, info_delay=5.0, days=3, seed=4)
            for policy in ("nearest", "least_wait_now", "safnama")]
    assert len({r.served for r in runs}) == 1
    assert runs[2].mean_total != runs[0].mean_total


def test_half_adoption_helps_adopters_and_hurts_nobody_on_average() -> None:
    city = make_city()
    near = simulate_city(city, "nearest", days=2, seed=2)
    half = simulate_city(city, "safnama", adoption=0.5, info_delay=5.0, days=2, seed=2)
    assert half.app_mean_total < half.others_mean_total
    assert half.mean_total <= near.mean_total
    assert np.isnan(simulate_city(city, "nearest", adoption=0.0, days=1, seed=2).app_mean_total)


def test_plan_first_choice_is_within_ten_percent_of_the_best_single_site() -> None:
    rng = np.random.default_rng(9)
    # Three offices in the west; a third of the homes in the east, far from any office.
    homes_lat = np.concatenate([35.70 + 0.04 * rng.random(40), 35.70 + 0.04 * rng.random(20)])
    homes_lon = np.concatenate([51.30 + 0.05 * rng.random(40), 51.45 + 0.05 * rng.random(20)])
    city = City([35.71, 35.73, 35.72], [51.31, 51.33, 51.35], [3, 3, 3], homes_lat, homes_lon, np.ones(60),
                500.0 / 420.0, service_mean=10.0, open_minutes=420.0)
    cand_lat = np.array([35.72, 35.70, 35.74, 35.72, 35.71, 35.73])
    cand_lon = np.array([51.32, 51.40, 51.42, 51.47, 51.49, 51.44])
    plan = plan_offices(city, cand_lat, cand_lon, new_offices=1, counters=3, days=2, seed=0, counter_candidates=2)
    # Every candidate tried alone with the simulator, on fresh days.
    totals = np.array([simulate_city(city.with_offices(a, b, 3), "nearest", days=3, seed=42).mean_total
                       for a, b in zip(cand_lat, cand_lon)])
    assert totals[plan.chosen[0]] <= 1.10 * totals.min()
    assert plan.mean_total[1] < plan.mean_total[0]
    assert len(plan.counter_offices) == 2 and plan.candidate_mean_drop.shape == (6,)


def test_bad_arguments_raise() -> None:
    city = make_city(4, 200.0)
    with pytest.raises(ValueError, match="policy"):
        simulate_city(city, "fastest")
    with pytest.raises(ValueError, match="adoption"):
        simulate_city(city, adoption=1.5)
    with pytest.raises(ValueError, match="counters"):
        City([35.7], [51.4], [0], [35.7], [51.4], [1.0], 1.0)


def test_thirty_offices_four_thousand_a_day_six_days_serve_everyone() -> None:
    """The benchmark's city (its speed is measured by ``bench.engine_speed``): everyone who sets out is served."""
    rng = np.random.default_rng(1)
    city = City(35.70 + rng.random(30) * 0.15, 51.3 + rng.random(30) * 0.2, rng.integers(3, 7, 30),
                35.70 + rng.random(200) * 0.15, 51.3 + rng.random(200) * 0.2, np.ones(200), 4000.0 / 480.0)
    r = simulate_city(city, "safnama", adoption=1.0, info_delay=5.0, days=6, seed=1)
    assert 6 * 3600 < r.served < 6 * 4400


def test_clairvoyant_cost_counts_the_wait_and_the_delay_caused() -> None:
    # One counter, free at minute 10; the citizen would get there at 5.
    assert _clairvoyant_cost(5.0, [10.0], [], 4.0) == pytest.approx(5.0)
    # Someone on the way who gets there first (at 3, 6 minutes of service) is served before.
    assert _clairvoyant_cost(5.0, [10.0], [(3.0, 6.0)], 4.0) == pytest.approx(11.0)
    # Someone who gets there later (at 7) waits 4 minutes more because of the citizen's 4 at the counter.
    assert _clairvoyant_cost(5.0, [10.0], [(7.0, 6.0)], 4.0) == pytest.approx(5.0 + 4.0)
    # With two counters free the later citizen is not delayed; with the second busy until 20 they wait from
    # 7 until the citizen's service ends at 9.
    assert _clairvoyant_cost(5.0, [0.0, 0.0], [(7.0, 6.0)], 4.0) == pytest.approx(0.0)
    assert _clairvoyant_cost(5.0, [0.0, 20.0], [(7.0, 6.0)], 4.0) == pytest.approx(2.0)


def test_clairvoyant_reference_is_no_worse_than_the_others_on_an_uneven_city() -> None:
    city = make_city(6, 300.0)
    results = {p: simulate_city(city, p, adoption=1.0, days=2, seed=3)
               for p in ("nearest", "least_wait_now", "clairvoyant")}
    assert results["clairvoyant"].mean_total <= results["least_wait_now"].mean_total
    assert results["clairvoyant"].mean_total < results["nearest"].mean_total
    assert results["clairvoyant"].served == results["nearest"].served
