"""The day replayed without the site (``bench.live_accuracy.replay_office``), which the slot oracle draws its
figures from: it must call as the site's call policy does (:func:`offices.call_policy.call_order`)."""
from __future__ import annotations

import math

import numpy as np

from bench.live_accuracy import replay_office

NAN = math.nan
NEVER = 1e9  # a patience no wait reaches (minutes)


def replay(citizens, shifts):
    """``citizens``: (arrive s, slot start s or NaN, service min, patience min)."""
    a = np.array(citizens, dtype=float)
    return replay_office(a[:, 0], a[:, 1], a[:, 2], a[:, 3], shifts)


def test_a_booked_citizen_in_their_window_is_called_before_a_walk_in_who_came_first():
    started = replay([(0, NAN, 10, NEVER),      # being served until 600 s
                      (60, NAN, 5, NEVER),      # a walk-in
                      (120, 600, 5, NEVER)],    # booked for 600 s: inside the window from 0 s
                     [(1, 0, 10_000)])
    assert list(started) == [0, 600 + 300, 600]


def test_a_booked_citizen_outside_their_window_waits_by_arrival():
    started = replay([(0, NAN, 10, NEVER), (60, NAN, 5, NEVER), (120, 3600, 5, NEVER)], [(1, 0, 10_000)])
    assert list(started) == [0, 600, 900]


def test_who_is_not_called_within_their_patience_leaves_and_the_next_is_called():
    started = replay([(0, NAN, 10, NEVER), (60, NAN, 5, 2), (120, NAN, 5, NEVER)], [(1, 0, 10_000)])
    assert np.isnan(started[1]) and started[2] == 600


def test_a_counter_closing_while_serving_finishes_first_then_calls_nobody():
    started = replay([(0, NAN, 10, NEVER), (60, NAN, 5, NEVER)], [(1, 0, 300), (2, 900, 10_000)])
    assert started[0] == 0 and started[1] == 900  # counter 1 closed after its citizen; counter 2 opened at 900 s


def test_two_free_counters_take_the_booked_citizen_in_their_window_and_then_the_earliest_arrival():
    started = replay([(0, 1200, 10, NEVER), (10, 600, 10, NEVER), (20, NAN, 10, NEVER)],
                     [(2, 30, 10_000), (1, 30, 10_000)])
    # At 30 s only the slot of 600 s is in its window; the slot of 1200 s is not yet, so that citizen goes by
    # arrival, before the walk-in who came after them; the walk-in waits for a counter to free.
    assert list(started) == [30, 30, 630]


def test_free_counters_call_lowest_number_first():
    # Both counters free: the first citizen goes to counter 1, which closes after them; the second to counter 2.
    # The third is called when counter 2 frees (620 s), not when counter 1 does (610 s, closing).
    started = replay([(10, NAN, 10, NEVER), (20, NAN, 10, NEVER), (30, NAN, 10, NEVER)],
                     [(2, 0, 10_000), (1, 0, 100)])
    assert list(started) == [10, 20, 620]


def test_the_usual_counters_are_drawn_on_the_day_asked_for_every_office_and_vary_as_usual_days_do():
    """The slot oracle on the usual counters replays on counters drawn as the demo's usual days have them: every
    draw has every office's counters, inside the day asked for; the draws differ (which counters come and when);
    announced, none has the office's highest counter."""
    import datetime as dt

    from bench.live_accuracy import usual_counters
    from booking.dates import tehran_to_utc
    from offices.demo.network import OfficeNetwork, build_network

    full = build_network(62, 1405)
    specs = tuple(sorted(full.offices_in("23"), key=lambda o: -o.weekday_demand)[:2])
    network = OfficeNetwork(provinces=(), districts=(), offices=specs, seed=7)
    day = dt.date(2026, 12, 8)  # a Tuesday: every office opens
    midnight = tehran_to_utc(dt.datetime.combine(day, dt.time())).timestamp()
    draws = usual_counters(network, day, seed=7, draws=30)
    assert len(draws) == 30
    for draw in draws:
        assert set(draw) == {o.code for o in specs}
        for rows in draw.values():
            assert rows and all(midnight <= opened < closed <= midnight + 86_400 for _n, opened, closed in rows)
    assert len({tuple(sorted(draw[specs[0].code])) for draw in draws}) > 20
    counts = {len({n for n, _o, _c in draw[specs[0].code]}) for draw in draws}
    assert max(counts) == specs[0].counters and min(counts) < specs[0].counters  # some days a counter is absent
    planned = usual_counters(network, day, seed=7, draws=30, planned=True)
    for draw, announced in zip(draws, planned):
        for code, rows in draw.items():
            top = max(n for n, _o, _c in rows)
            assert sorted(announced[code]) == sorted(r for r in rows if r[0] < top)
