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


def simulate_slots(booked: int, counters: int, service: float, walk_rate: float, runs: int = 300,
                   seed: int = 3, late_grace: float = 15.0) -> tuple[np.ndarray, np.ndarray, float]:
    """Six slots of ``booked`` citizens each, who come uniformly from 5 minutes before their slot's start to 10
    after it, and walk-ins (Poisson, ``walk_rate`` a minute) at ``counters`` counters with exponential service;
    a free counter calls the booked citizen in their window (until ``late_grace`` minutes after their slot's
    start) of the earliest slot, else the earliest arrival of the others (walk-ins, and booked citizens whose
    window closed).
    Returns the waits of the booked citizens of the middle slots, those of the walk-ins who came meanwhile,
    and the share of those booked citizens who found every counter busy."""
    rng = np.random.default_rng(seed)
    slots = [60.0 + 15.0 * j for j in range(6)]
    middle = (slots[1], slots[-2])
    booked_waits, walk_in_waits, busy = [], [], []
    for _ in range(runs):
        people = [(t, start) for start in slots for t in rng.uniform(start - 5.0, start + 10.0, booked)]
        t = 0.0
        while t < slots[-1] + 15.0:
            t += rng.exponential(1.0 / walk_rate)
            people.append((t, None))
        people.sort(key=lambda person: person[0])
        free = np.zeros(counters)
        waiting: list[int] = []
        arrived = 0
        for _served in range(len(people)):
            while True:
                counter = int(np.argmin(free))
                now = free[counter]
                while arrived < len(people) and people[arrived][0] <= now:
                    at, slot = people[arrived]
                    if slot is not None and middle[0] <= slot <= middle[1]:
                        busy.append(bool(np.all(free > at)))
                    waiting.append(arrived)
                    arrived += 1
                if waiting:
                    break
                free[counter] = people[arrived][0]  # idle until the next one comes

            def order(i: int, now: float = now, people: list = people) -> tuple:
                at, slot = people[i]
                in_window = slot is not None and slot - 15.0 <= now <= slot + late_grace
                return (0, slot, at) if in_window else (1, at, at)

            chosen = min(waiting, key=order)
            waiting.remove(chosen)
            at, slot = people[chosen]
            if slot is None and middle[0] <= at < middle[1] + 15.0:
                walk_in_waits.append(now - at)
            elif slot is not None and middle[0] <= slot <= middle[1]:
                booked_waits.append(now - at)
            free[counter] = now + rng.exponential(service)
    return np.array(booked_waits), np.array(walk_in_waits), float(np.mean(busy))


@pytest.mark.parametrize(("booked", "counters", "service", "walk_rate"),
                         [(3, 3, 10.0, 0.1), (5, 3, 10.0, 0.15), (8, 3, 10.0, 0.2), (12, 6, 12.0, 0.3)])
def test_a_booked_citizen_whose_window_closes_waits_on_as_a_walk_in(booked, counters, service, walk_rate):
    """When the slots overload the counters, booked citizens still waiting when their window closes go back to
    the common line: their mean wait is the walk-in's share, not the booked line's minutes. Given the walk-ins'
    mean wait, the booked law with windows is close to the simulated one, and much closer than without them."""
    waits, walk_ins, p_wait = simulate_slots(booked, counters, service, walk_rate)
    without = booked_wait(p_wait, float(booked), 1.0, service, 1.0, float(counters))
    mean, p50, p90 = booked_wait(p_wait, float(booked), 1.0, service, 1.0, float(counters),
                                 walk_in_mean=walk_ins.mean(), walk_in_p90=np.quantile(walk_ins, 0.9))
    assert mean == pytest.approx(np.mean(waits), rel=0.3)
    simulated90 = np.quantile(waits, 0.9)
    assert abs(mean - np.mean(waits)) <= max(abs(without[0] - np.mean(waits)), 0.05 * np.mean(waits))
    assert abs(p90 - simulated90) <= max(abs(without[2] - simulated90), 0.05 * simulated90)
    assert p50 == pytest.approx(np.quantile(waits, 0.5), rel=0.25, abs=0.5)
    # Windows that never close on anyone leave the booked line's law as it is.
    calm = booked_wait(0.3, 1.0, 1.0, 3.0, 1.0, 4.0, walk_in_mean=walk_ins.mean(),
                       walk_in_p90=np.quantile(walk_ins, 0.9))
    assert np.allclose(calm, booked_wait(0.3, 1.0, 1.0, 3.0, 1.0, 4.0))


@pytest.mark.parametrize(("booked", "walk_rate"), [(3, 0.1), (5, 0.15)])
def test_the_booked_line_follows_the_offices_window(booked, walk_rate):
    """An office that closes the window sooner than the default 15 minutes (5): more booked citizens go back
    to the common line, and the booked law given that window is close to the simulated one, closer than the
    default's."""
    counters, service, late_grace = 3, 10.0, 5.0
    waits, walk_ins, p_wait = simulate_slots(booked, counters, service, walk_rate, late_grace=late_grace)
    walk = {"walk_in_mean": walk_ins.mean(), "walk_in_p90": np.quantile(walk_ins, 0.9)}
    default = booked_wait(p_wait, float(booked), 1.0, service, 1.0, float(counters), **walk)
    mean, _p50, p90 = booked_wait(p_wait, float(booked), 1.0, service, 1.0, float(counters), **walk,
                                  late_grace=late_grace)
    assert mean == pytest.approx(np.mean(waits), rel=0.3)
    assert abs(mean - np.mean(waits)) < abs(default[0] - np.mean(waits))
    assert abs(p90 - np.quantile(waits, 0.9)) < abs(default[2] - np.quantile(waits, 0.9))


@pytest.mark.parametrize(("booked", "counters", "service", "walk_rate"),
                         [(3, 3, 10.0, 0.1), (4, 6, 13.5, 0.3), (6, 6, 13.5, 0.25), (6, 6, 13.5, 0.35)])
def test_the_booked_p90_covers_nine_in_ten_when_the_last_to_come_have_the_most_ahead(booked, counters, service,
                                                                                      walk_rate):
    """Who comes last in a slot's arrivals has the most of the slot still waiting ahead and the shortest window
    left, so is the likeliest to go back to the walk-ins' line; and who is still waiting ahead is a matter of
    chance. Taking both into account, the booked line's P90 covers nine in ten of the simulated waits (one
    law for everyone, with the average number ahead, covered 0.85 with six bookings a slot)."""
    waits, walk_ins, p_wait = simulate_slots(booked, counters, service, walk_rate)
    _mean, _p50, p90 = booked_wait(p_wait, float(booked), 1.0, service, 1.0, float(counters),
                                   walk_in_mean=walk_ins.mean(), walk_in_p90=np.quantile(walk_ins, 0.9))
    assert 0.87 <= np.mean(waits <= p90) <= 0.93


def test_the_booked_citizens_waiting_now_stand_for_the_slots_others():
    """Coming now, a booked citizen waits for the booked citizens waiting ahead of them now (known from the
    live state), one departure each, and for the counter that frees first; the slot's size no longer counts."""
    service, counters = 10.0, 2.0
    for ahead in (0.0, 3.0):
        mean, p50, p90 = booked_wait(1.0, 8.0, 0.9, service, 1.0, counters, known_ahead=ahead)
        assert mean == pytest.approx((1.0 + ahead) * service / counters, rel=0.02)  # Erlang: 1 + ahead departures
        assert p90 > p50 > 0.0
    unknown = booked_wait(1.0, 8.0, 0.9, service, 1.0, counters, known_ahead=np.nan)
    assert np.allclose(unknown, booked_wait(1.0, 8.0, 0.9, service, 1.0, counters))
    mixed = booked_wait(np.ones(2), 8.0, 0.9, service, 1.0, counters, known_ahead=np.array([np.nan, 0.0]))
    assert mixed[0][0] == pytest.approx(unknown[0]) and mixed[0][1] == pytest.approx(service / counters, rel=0.02)


def test_those_whose_window_closes_before_their_turn_are_not_ahead():
    from queueing.priority import booked_ahead

    assert booked_ahead([], 4.0) == 0.0
    assert booked_ahead([30.0, 30.0, 30.0], 4.0) == 3.0  # called at 4, 8 and 12 minutes
    # the first goes back to the common line at 3 minutes, before a counter frees; the others: at 4 and 8
    assert booked_ahead([3.0, 6.0, 20.0], 4.0) == 2.0
    # called at 4 and 8; the second's window closes at 6 and the fourth's at 9, before their turns (8 and 12)
    assert booked_ahead([5.0, 6.0, 20.0, 9.0], 4.0) == 2.0
