"""Two lines in one office (queueing.priority): a walk-in waits for the booked citizens who come before their
turn; a booked citizen at their slot waits only for a counter to free, checked against a simulation."""
from __future__ import annotations

import numpy as np
import pytest

from queueing.priority import booked_wait, walk_in_wait


def cumulative(per_minute: np.ndarray) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum(per_minute)])


def test_a_walk_in_waits_for_bookings_due_before_their_turn():
    bookings = np.zeros(120)
    bookings[[10, 20, 30]] = 1.0  # three appointments in the next half hour
    cum = cumulative(bookings)[None, :]
    fcfs = np.array([[0.0, 25.0, 25.0]])
    two = np.full((1, 121), 2.0)  # two counters all along
    out = walk_in_wait(fcfs, np.array([0.0, 0.0, 40.0]), cum, np.array([1.0]), np.array([10.0]), two)
    assert out[0, 0] == 0.0  # served at once: nobody jumps ahead
    # 25 min of line now; the three booked due at 10, 20 and 30 min come first, 5 min each on two counters.
    assert out[0, 1] == pytest.approx(25.0 + 3 * 5.0)
    assert out[0, 2] == pytest.approx(25.0)  # at 40 min, no appointment falls in the wait
    half = walk_in_wait(fcfs, np.array([0.0, 0.0, 40.0]), cum, np.array([0.5]), np.array([10.0]), two)
    assert half[0, 1] == pytest.approx(25.0 + 2 * 0.5 * 5.0)  # half come; the one due at 30 min is then too late


def test_the_bookings_are_served_on_the_counters_open_halfway_through_the_wait():
    bookings = np.zeros(120)
    bookings[[10, 20, 30]] = 1.0
    cum = cumulative(bookings)[None, :]
    one_then_four = np.where(np.arange(121) < 15, 1.0, 4.0)[None, :]  # three more counters open at 15 min
    out = walk_in_wait(np.array([[40.0]]), np.array([0.0]), cum, np.array([1.0]), np.array([10.0]), one_then_four)
    assert out[0, 0] == pytest.approx(40.0 + 3 * 10.0 / 4.0)


def test_booked_wait_is_zero_when_a_counter_is_free_and_grows_with_the_slot():
    mean0, p500, p900 = booked_wait(0.0, 1.0, 0.9, 10.0, 0.7, 2.0)
    assert mean0 == 0.0 and p500 == 0.0 and p900 == 0.0
    alone = booked_wait(1.0, 1.0, 0.9, 10.0, 1.0, 2.0)
    crowded = booked_wait(1.0, 5.0, 0.9, 10.0, 1.0, 2.0)
    assert alone[0] == pytest.approx(5.0, rel=0.05)  # exponential service: the first of two counters frees in 5 min
    assert crowded[0] > alone[0] and crowded[2] > crowded[1] > 0


@pytest.mark.parametrize(("booked", "service", "counters"), [(2, 10.0, 2), (3, 10.0, 2), (3, 12.0, 6), (5, 12.0, 6)])
def test_booked_wait_agrees_with_a_simulation_of_the_two_lines(booked, service, counters):
    """Counters always busy on arrival (p_wait = 1), exponential service, a slot of ``booked`` citizens who all
    come at uniform times over its 15 minutes; each free counter calls the earliest booked citizen waiting.
    The wait of one of them: their first departure, plus one for each of the slot still waiting ahead."""
    rng = np.random.default_rng(7)
    rate = counters / service  # departures per minute, every counter busy
    waits = []
    for _ in range(8_000):
        arrivals = np.sort(rng.uniform(0.0, 15.0, booked))
        departures = np.cumsum(rng.exponential(1.0 / rate, size=400))
        j = 0
        for arrived in arrivals:  # in order of arrival: each takes the first departure not taken, after it came
            j = max(j, int(np.searchsorted(departures, arrived, side="right")))
            waits.append(departures[j] - arrived)
            j += 1
    mean, p50, p90 = booked_wait(1.0, float(booked), 1.0, service, 1.0, float(counters))
    assert mean == pytest.approx(np.mean(waits), rel=0.08)
    assert p90 == pytest.approx(np.quantile(waits, 0.9), rel=0.12)
    everyone_at_once = (1.0 + (booked - 1) / 2.0) * service / counters
    assert mean < everyone_at_once - 0.5 * abs(everyone_at_once - np.mean(waits))


def test_the_booked_citizens_ahead_grow_towards_the_whole_slot_as_it_overloads_the_counters():
    from queueing.priority import slot_ahead

    assert slot_ahead(0.0, 7.5) == 0.0
    few, many, flood = slot_ahead(np.array([2.0, 6.0, 40.0]), 7.5)
    assert 0.0 < few < 2.0 / 2 and few < many < 6.0 / 2
    # 41 citizens in a slot whose counters free 7.5 places: the backlog ahead of one of them, on average half of
    # those who came before minus those called meanwhile
    assert flood == pytest.approx((40.0 - 7.5) / 2, rel=0.15)
