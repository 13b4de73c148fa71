"""Waiting at home: the call-time forecast and the simulator's remote line (``safnama_remote``)."""
from __future__ import annotations

import numpy as np
import pytest

from queueing.city import POLICIES, City, simulate_city
from queueing.phases import gamma_quantile, positive_wait_moments
from queueing.remote import call_forecast


def test_a_ticket_with_a_free_counter_is_called_at_once_and_its_holder_leaves_now() -> None:
    call = call_forecast(ahead=0, busy=1, counters=3, service_mean=10.0, service_cv=1.0, travel=15.0)
    assert call.mean == 0 and call.p90 == 0 and call.leave_in == 0


def test_leave_in_is_the_call_times_early_quantile_less_the_travel() -> None:
    ahead, busy, c, s = np.array([4.0, 9.0, 20.0]), 3.0, 3.0, 12.0
    call = call_forecast(ahead, busy, c, s, 1.0, travel=10.0, miss_risk=0.05)
    mean, var = positive_wait_moments(ahead + busy - c + 1, c, 1 / s, 1.0, 0.0)
    np.testing.assert_allclose(call.mean, mean)
    np.testing.assert_allclose(call.early, gamma_quantile(mean, var, 0.05))
    np.testing.assert_allclose(call.leave_in, np.maximum(call.early - 10.0, 0.0))
    assert np.all(np.diff(call.leave_in) > 0) and np.all(call.early < call.p50) and np.all(call.p50 < call.p90)
    # a smaller accepted risk means leaving earlier
    assert np.all(call_forecast(ahead, busy, c, s, 1.0, 10.0, miss_risk=0.01).leave_in <= call.leave_in)
    assert np.all(call_forecast(ahead, busy, c, s, 1.0, 10.0, miss_risk=0.01).early < call.early)


@pytest.mark.parametrize("bad", [dict(ahead=-1), dict(counters=0), dict(travel=float("nan")), dict(miss_risk=0.7)])
def test_bad_call_forecast_input_is_refused(bad: dict) -> None:
    args = dict(ahead=2, busy=1, counters=2, service_mean=10.0, service_cv=1.0, travel=5.0) | bad
    with pytest.raises(ValueError):
        call_forecast(**args)


def _one_office(cv: float) -> City:
    """One office with one counter; everyone lives 20 minutes away."""
    return City([35.70], [51.40], [1], [35.75], [51.40], [1.0], 0.09, service_mean=10.0, service_cv=cv,
                open_minutes=420.0)


def test_a_remote_citizen_with_fresh_information_and_exact_times_is_never_late() -> None:
    """Service times without spread, no travel noise, readings a minute old at most: whoever leaves at the
    leave-at time is there before the call, and waits at home instead of in the lobby."""
    city = _one_office(cv=0.0)
    remote = simulate_city(city, "safnama_remote", adoption=1.0, days=6, seed=5)
    nearest = simulate_city(city, "nearest", days=6, seed=5)
    assert remote.served == nearest.served > 100
    assert remote.share_missed_call == 0.0
    assert remote.app_mean_lobby_wait < 0.25 * nearest.mean_lobby_wait


def test_adopters_wait_at_home_and_the_others_are_no_worse_off() -> None:
    rng = np.random.default_rng(1)
    city = City([35.70, 35.72, 35.74], [51.40, 51.42, 51.38], [3, 2, 4], rng.uniform(35.68, 35.76, 40),
                rng.uniform(51.36, 51.44, 40), np.ones(40), 0.75, service_mean=10.0, open_minutes=420.0)
    plain = simulate_city(city, "safnama", adoption=0.3, days=4, seed=3)
    remote = simulate_city(city, "safnama_remote", adoption=0.3, days=4, seed=3)
    assert remote.served == plain.served
    assert remote.app_mean_lobby_wait < min(0.3 * remote.others_mean_lobby_wait, plain.app_mean_lobby_wait)
    assert remote.others_mean_lobby_wait < 1.05 * plain.others_mean_lobby_wait
    assert 0.0 <= remote.share_missed_call < 0.05
    assert abs(remote.counter_idle_share - plain.counter_idle_share) < 0.02


@pytest.mark.parametrize("policy", POLICIES)
def test_every_policy_reports_lobby_waits_missed_calls_and_idle_counters(policy: str) -> None:
    city = _one_office(cv=1.0)
    r = simulate_city(city, policy, adoption=0.5, days=2, seed=2)
    assert r.mean_lobby_wait == r.mean_wait and r.p90_lobby_wait == r.p90_wait
    assert r.app_mean_lobby_wait >= 0 and r.others_mean_lobby_wait >= 0
    assert 0.0 < r.counter_idle_share < 1.0
    assert r.share_missed_call == 0.0 or policy == "safnama_remote"
