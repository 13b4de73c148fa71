"""queueing.doors: the wait at the doors for a counter to open, against a simulation of the counters opening."""
from __future__ import annotations

import numpy as np
import pytest

from queueing.doors import door_wait, opening_spread


def simulated(others: int, counters: int, spread: float, service: float, after: bool, n: int = 200_000,
              seed: int = 7) -> np.ndarray:
    """Waits of a citizen at the doors: ``counters`` open at uniform times over ``spread`` minutes; the j-th at
    the doors is called as the j-th opens, and past them each ``counters`` more wait a service more."""
    rng = np.random.default_rng(seed)
    opens = np.sort(rng.uniform(0.0, spread, (n, counters)), axis=1)
    place = np.full(n, others + 1) if after else rng.integers(1, others + 2, n)
    k = np.minimum(place, counters)
    beyond = np.maximum(np.ceil((place - counters) / counters), 0.0)
    return opens[np.arange(n), k - 1] + beyond * service


@pytest.mark.parametrize("others, counters, spread, after", [
    (0, 4, 6.0, False), (2, 4, 6.0, False), (3, 3, 8.0, True), (6, 2, 5.0, False), (1, 1, 4.0, True)])
def test_the_law_is_the_simulated_one(others, counters, spread, after):
    waits = simulated(others, counters, spread, 10.0, after)
    mean, p50, p90 = door_wait(others, counters, spread, 10.0, after=after)
    assert float(mean) == pytest.approx(waits.mean(), rel=0.02)
    assert float(p50) == pytest.approx(np.quantile(waits, 0.5), rel=0.03, abs=0.05)
    assert float(p90) == pytest.approx(np.quantile(waits, 0.9), rel=0.03, abs=0.05)


def test_a_share_of_a_citizen_is_the_chance_of_one_more():
    one, two = (np.array(door_wait(k, 4, 6.0, 10.0, after=True), dtype=float) for k in (1, 2))
    half = np.array(door_wait(1.5, 4, 6.0, 10.0, after=True), dtype=float)
    assert half[0] == pytest.approx(0.5 * (one[0] + two[0]))
    assert one[2] < half[2] < two[2]


def test_the_spread_is_read_from_the_first_two_steps():
    counters, spread = opening_spread([0.0, 2.0, 4.0, 5.0], [4.0, 4.0, 4.0, 4.6])
    assert counters.tolist() == [4.0, 4.0, 4.0, 5.0]
    assert spread.tolist() == pytest.approx([10.0, 5.0, 0.0, 0.0])
    mean, p50, p90 = door_wait(3.0, 4, 0.0, 10.0)  # open at the doors: four called at once
    assert (float(mean), float(p90)) == pytest.approx((0.0, 0.0), abs=1e-3)
