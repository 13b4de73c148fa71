"""rank_offices and counters_needed.

Units: degrees, minutes, km/h, arrivals per hour.
"""
from __future__ import annotations


import numpy as np
import pytest

from queueing import Wait, counters_needed, rank_offices, steady_state
from queueing.erlang import erlang_c_wait_tail
from queueing.ranking import haversine_km


def test_haversine_known_distance() -> None:
    """Tehran (35.6892 N, 51.3890 E) to Isfahan (32.6539 N, 51.6660 E): about 338 km great-circle."""
    assert float(haversine_km(35.6892, 51.3890, 32.6539, 51.6660)) == pytest.approx(338.0, abs=2.0)
    assert float(haversine_km(0, 0, 0, 1)) == pytest.approx(111.195, abs=0.01)


def test_ranking_trades_travel_for_wait_and_explains() -> None:
    lats = np.array([35.70, 35.72, 35.80])
    lons = np.array([51.40, 51.42, 51.50])
    waits = Wait(mean=np.array([40.0, 6.0, 0.0]), p50=np.array([38.0, 5.0, 0.0]), p90=np.array([60.0, 12.0, 0.0]))
    r = rank_offices(35.70, 51.40, lats, lons, waits)
    assert r.best == 1
    assert r.order.tolist()[0] == 1
    e = r.explanation
    assert e.nearest_office == 0 and e.nearest_wait_min == 40 and not e.is_nearest
    assert e.text() == f"{e.travel_min} min away, ~6 min wait; the nearest office has ~40 min"
    np.testing.assert_allclose(r.score, r.travel_min + waits.mean + 0.5 * (waits.p90 - waits.mean))


def test_ranking_3000_offices_orders_by_score() -> None:
    """The speed benchmark's size (``bench.engine_speed`` times it): the order is the scores' order."""
    rng = np.random.default_rng(0)
    n = 3000
    lats, lons = 35.7 + rng.normal(0, 0.1, n), 51.4 + rng.normal(0, 0.1, n)
    w = Wait(mean=rng.uniform(0, 60, n), p50=rng.uniform(0, 60, n), p90=rng.uniform(60, 90, n))
    r = rank_offices(35.7, 51.4, lats, lons, w)
    assert sorted(r.order.tolist()) == list(range(n))
    assert np.all(np.diff(r.score[r.order]) >= 0)


@pytest.mark.parametrize("kwargs", [{"lats": [np.nan]}, {"waits": [-1.0]}, {"lats": [1.0, 2.0]},
                                    {"lats": [], "lons": [], "waits": []}])
def test_ranking_bad_input(kwargs: dict) -> None:
    args = {"lats": [35.7], "lons": [51.4], "waits": [5.0]} | kwargs
    with pytest.raises(ValueError):
        rank_offices(35.7, 51.4, args["lats"], args["lons"], args["waits"])


def test_counters_needed_is_the_fewest_meeting_the_target() -> None:
    lam_h = np.array([0.0, 6.0, 24.0, 60.0, 300.0])
    c = counters_needed(lam_h, 9.0, 5.0, 0.9)
    lam, mu = lam_h / 60.0, 1 / 9.0
    for k in range(1, lam_h.size):
        ok = erlang_c_wait_tail(c[k], lam[k], mu, 5.0) <= 0.1 + 1e-12
        assert ok and c[k] * mu > lam[k]
        if c[k] - 1 >= 1 and (c[k] - 1) * mu > lam[k]:
            assert erlang_c_wait_tail(c[k] - 1, lam[k], mu, 5.0) > 0.1
    assert c[0] == 0
    assert np.all(np.diff(c) >= 0)
    assert steady_state(c[2], lam[2], mu).p_wait < 1


def test_counters_needed_vectorised_and_validated() -> None:
    grid = counters_needed(np.full((3, 8), 30.0), np.array([[6.0], [9.0], [12.0]]), 10.0)
    assert grid.shape == (3, 8) and np.all(np.diff(grid[:, 0]) > 0)
    with pytest.raises(ValueError):
        counters_needed([-1.0], 9.0, 5.0)
    with pytest.raises(ValueError):
        counters_needed([10.0], 9.0, 5.0, target_quantile=1.5)
    with pytest.raises(ValueError):
        counters_needed([np.nan], 9.0, 5.0)
