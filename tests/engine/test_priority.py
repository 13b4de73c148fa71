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


def test_booked_wait_agrees_with_a_simulation_of_the_two_lines():
    """Two counters, always busy on arrival (p_wait = 1), exponential service of 10 min, a slot of 3 booked who all
    come: the one arriving at a random place among them waits for 1 + (3 - 1) / 2 departures on average."""
    rng = np.random.default_rng(7)
    waits = []
    for _ in range(20_000):
        place = rng.integers(0, 3)  # others of the slot ahead of this one
        waits.append(rng.exponential(5.0, size=place + 1).sum())  # each departure: min of two exponentials
    mean, p50, p90 = booked_wait(1.0, 3.0, 1.0, 10.0, 1.0, 2.0)
    assert mean == pytest.approx(np.mean(waits), rel=0.05)
    assert p90 == pytest.approx(np.quantile(waits, 0.9), rel=0.12)
