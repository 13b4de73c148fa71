"""What chance alone does to a P90's coverage on a day's rows (``bench.busy_coverage``): the bound that says
whether "inside 0.85-0.95 on every row" can be asked of any forecast, the oracle's included."""
from __future__ import annotations

import numpy as np
from scipy import stats

from bench.busy_coverage import chance_inside, inside


def test_a_coverage_is_inside_the_band_as_a_share_not_as_printed():
    assert inside(0.85) and inside(0.95) and inside(0.9)
    assert not inside(143 / 150)  # printed 0.95
    assert not inside(129 / 153)  # printed 0.84


def test_a_row_of_21_arrivals_is_inside_only_with_18_or_19_covered():
    expected = stats.binom.pmf(18, 21, 0.9) + stats.binom.pmf(19, 21, 0.9)
    assert np.isclose(chance_inside(21), expected)


def test_a_calibrated_p90_is_inside_more_often_the_more_arrivals_a_row_has():
    small, large = chance_inside(40), chance_inside(400)
    assert 0.3 < small < large < 1.0
    assert large > 0.99
    # and a P90 that covers 0.80 of the waits is seldom inside on many arrivals
    assert chance_inside(400, p=0.8) < 0.01
