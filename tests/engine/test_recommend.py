"""The recommender behind /api/recommend: wait on arrival, en-route citizens, spreading."""
from __future__ import annotations

import numpy as np
import pytest

from queueing.model import OfficeModel
from queueing.recommender import EnRoute, OfficeState, recommend, travel_minutes


def make_state(n: int = 3, **over: object) -> OfficeState:
    """Offices on a line east of the origin (35.7 N, 51.4 E), 4 counters, 12-minute service."""
    fields: dict[str, object] = dict(lat=np.full(n, 35.7), lon=51.4 + 0.02 * (np.arange(n) + 1),
                                     counters=np.full(n, 4.0), waiting=np.zeros(n), busy=np.zeros(n),
                                     service_mean=np.full(n, 12.0), service_cv=np.ones(n),
                                     walkin_rate=np.zeros(n), state_age=np.zeros(n))
    fields.update(over)
    return OfficeState(**fields)  # type: ignore[arg-type]


def test_live_reading_matches_the_engine_conditional_wait() -> None:
    waiting = np.array([0.0, 3.0, 6.0, 15.0])
    busy = np.array([2.0, 4.0, 4.0, 4.0])
    state = make_state(4, waiting=waiting, busy=busy, lat=np.full(4, 35.7), lon=np.full(4, 51.4))
    rec = recommend(35.7, 51.4, state, spread=False)
    engine = OfficeModel(4, 12.0, 1.0).wait_now(waiting, busy)
    # A citizen standing at the door (no travel, no reading age): the engine's Erlang(m, c mu) mean.
    np.testing.assert_allclose(rec.wait.mean[1:], engine.mean[1:], rtol=0.02)
    assert rec.wait.mean[0] < 0.05
    np.testing.assert_allclose(rec.wait.p90[1:], engine.p90[1:], rtol=0.05)
    assert np.all(rec.wait.p50 <= rec.wait.p90)


def test_travel_time_is_great_circle_times_detour_over_speed() -> None:
    # 0.1 degree of latitude is 11.119 km on the mean sphere.
    got = travel_minutes(35.7, 51.4, 35.8, 51.4, speed_kmh=20.0, detour=1.3)
    assert got == pytest.approx(60.0 * 11.1195 * 1.3 / 20.0, rel=1e-4)
    state = make_state(1, lat=[35.8], lon=[51.4])
    assert recommend(35.7, 51.4, state).travel[0] == pytest.approx(float(got))


def test_walkins_and_service_meanwhile_move_the_wait_on_arrival() -> None:
    base = dict(waiting=np.array([12.0, 12.0]), busy=np.array([4.0, 4.0]), lat=np.array([35.7, 35.7]),
                lon=np.array([51.5, 51.5]))
    quiet = recommend(35.7, 51.4, make_state(2, **base), spread=False)
    crowded = recommend(35.7, 51.4, make_state(2, walkin_rate=np.array([0.0, 0.5]), **base), spread=False)
    # The queue drains while the citizen travels (about 12 minutes), so the wait on arrival is shorter
    # than the wait now, and walk-ins meanwhile lengthen it.
    now = OfficeModel(4, 12.0, 1.0).wait_now(12, 4).mean
    assert quiet.wait.mean[0] < float(now) - 0.25 * quiet.travel[0]
    assert crowded.wait.mean[1] > quiet.wait.mean[1] + 3.0
    # An old reading counts the service given since it was taken.
    old = recommend(35.7, 51.4, make_state(2, state_age=np.array([0.0, 10.0]), **base), spread=False)
    assert old.wait.mean[1] < old.wait.mean[0]


def test_citizens_sent_later_who_live_closer_count_by_the_share_that_gets_there_first() -> None:
    base = dict(waiting=np.array([20.0, 20.0]), busy=np.array([4.0, 4.0]), lat=np.array([35.7, 35.7]),
                lon=np.array([51.5, 51.5]))  # a line that has not drained when the citizen gets there
    none = recommend(35.7, 51.4, make_state(2, **base), spread=False)
    sending = make_state(2, sent_rate=np.array([0.0, 0.5]), **base)
    rec = recommend(35.7, 51.4, sending, spread=False)
    assert rec.wait.mean[0] == pytest.approx(float(none.wait.mean[0]))
    assert rec.wait.mean[1] > none.wait.mean[1] + 1.0
    # The expected extra people ahead: sent_rate x travel x future_share (1/4 by default).
    assert rec.ahead[1] - none.ahead[1] == pytest.approx(0.5 * float(rec.travel[1]) * 0.25, rel=1e-6)
    # With no share counted the office is as if nobody were being sent.
    off = recommend(35.7, 51.4, sending, spread=False, future_share=0.0)
    assert off.wait.mean[1] == pytest.approx(float(none.wait.mean[1]))


def test_citizens_on_their_way_count_and_the_shown_wait_rises() -> None:
    """30 citizens ask from one spot one after another and each says "I'm going"."""
    state = make_state(3, counters=np.array([3.0, 3.0, 3.0]), lon=np.array([51.41, 51.412, 51.414]))
    rng = np.random.default_rng(7)
    offices: list[int] = []
    etas: list[float] = []
    shown_a: list[float] = []
    for _ in range(30):
        rec = recommend(35.7, 51.4, state, EnRoute(office=np.array(offices, dtype=int), eta=np.array(etas)),
                        rng=rng)
        shown_a.append(float(rec.wait.mean[0]))
        offices.append(rec.office)
        etas.append(float(rec.travel[rec.office]))
    counts = np.bincount(offices, minlength=3)
    assert np.count_nonzero(counts) > 1, counts
    # The wait shown for office 0 never falls as citizens are sent, and rises markedly.
    assert all(b >= a - 1e-9 for a, b in zip(shown_a, shown_a[1:]))
    assert shown_a[-1] > shown_a[0] + 10.0
    # The explanation carries the count of people on their way.
    last = recommend(35.7, 51.4, state, EnRoute(office=np.array(offices), eta=np.array(etas)), rng=rng)
    first = last.reasons()[0]
    assert first["en_route"] == counts[first["office"]]
    assert set(first) >= {"travel_minutes", "wait_minutes", "en_route", "total_minutes"}


def test_arrivals_before_the_reading_are_not_counted_twice() -> None:
    state = make_state(1, waiting=[5.0], busy=[4.0], state_age=[5.0])
    none = recommend(35.7, 51.4, state, spread=False)
    # Arrived 8 minutes ago: already in the reading (taken 5 minutes ago).
    before = recommend(35.7, 51.4, state, EnRoute(office=[0], eta=[-8.0]), spread=False)
    # Arrived 2 minutes ago: after the reading, so ahead of the citizen and not in `waiting`.
    after = recommend(35.7, 51.4, state, EnRoute(office=[0], eta=[-2.0]), spread=False)
    assert before.wait.mean[0] == pytest.approx(none.wait.mean[0])
    assert after.wait.mean[0] > none.wait.mean[0] + 1.0
    assert after.en_route[0] == 0  # no longer on the way


def test_an_idle_office_is_not_credited_with_service_before_its_crowd_arrives() -> None:
    state = make_state(1, lat=[35.7], lon=[51.5], counters=[2.0])  # idle now, about 35 minutes away
    travel = recommend(35.7, 51.4, state).travel[0]
    crowd = EnRoute(office=np.zeros(10, dtype=int), eta=np.full(10, travel - 1.0))
    rec = recommend(35.7, 51.4, state, crowd, spread=False)
    # 10 people arrive a minute before the citizen at 2 counters: 9 departures (~54 min), not ~0.
    assert rec.wait.mean[0] > 40.0


def test_near_equal_offices_share_the_citizens() -> None:
    state = make_state(3, lat=np.array([35.71, 35.69, 35.7]), lon=np.array([51.4, 51.4, 51.6]))
    rng = np.random.default_rng(3)
    picks = np.array([recommend(35.7, 51.4, state, rng=rng).office for _ in range(400)])
    share = np.bincount(picks, minlength=3) / picks.size
    assert 0.35 < share[0] < 0.65 and 0.35 < share[1] < 0.65
    assert share[2] == 0.0  # far away: never among the near-equal
    rec = recommend(35.7, 51.4, state, spread=False, k=3)
    assert sorted(rec.order.tolist()) == [0, 1, 2] and rec.order[-1] == 2


@pytest.mark.parametrize("bad", [dict(waiting=np.array([-1.0, 0.0, 0.0])),
                                 dict(service_mean=np.array([0.0, 12.0, 12.0])),
                                 dict(busy=np.zeros(2)),
                                 dict(sent_rate=np.array([0.0, -0.1, 0.0]))])
def test_bad_state_raises(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        recommend(35.7, 51.4, make_state(3, **bad))


def test_en_route_outside_the_offices_raises() -> None:
    with pytest.raises(ValueError, match="outside"):
        recommend(35.7, 51.4, make_state(2), EnRoute(office=[5], eta=[3.0]))
