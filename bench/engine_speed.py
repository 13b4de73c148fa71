"""Speed benchmark of the engine (issue 3): one run, timings and ratios to the targets.

* ``wait_now`` for 3,000 offices in one call: target < 5 ms;
* ``wait_at`` 8 hours ahead in 15-minute steps for 3,000 offices: < 2 s;
* ``rank_offices`` over 3,000 offices: < 2 ms;
* ``fit_office`` on 60 days of one busy office: < 200 ms;
* ``simulate_city`` (issue 9) for 30 offices and about 4,000 citizens a day, 6 days, ``safnama``
  policy with 5-minute-old information: < 5 s.

Each timing is the median of several runs after a warm-up call (the first
call of a process builds small lookup tables once); wall-clock time is what
the targets are about, CPU time is printed beside it because the machine may
be shared (the load average is printed too).  The offices are varied:
2-12 counters, a counters timetable, a morning peak, service means of 6-15
minutes with CVs 0.5-1.5, and a third of them with abandonment (half of those
with a lognormal patience).

Run: ``python -m bench.engine_speed``.
"""
from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from queueing import City, OfficeModel, fit_office, rank_offices, simulate_city, simulate_office

N_OFFICES = 3000


def _median_ms(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median wall-clock and CPU (process) time of ``fn`` in milliseconds."""
    fn()
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return 1e3 * float(np.median(wall)), 1e3 * float(np.median(cpu))


def main() -> None:
    rng = np.random.default_rng(7)
    n = N_OFFICES
    base = rng.integers(2, 13, n)
    tables = [[(0.0, 120.0, int(c)), (120.0, 360.0, int(c) + 1), (360.0, 480.0, max(int(c) - 1, 1))] for c in base]
    service = rng.uniform(6.0, 15.0, n)
    cv = rng.uniform(0.5, 1.5, n)
    peak = np.array([1.2, 1.5, 1.3, 1.0, 0.9, 0.9, 0.8, 0.6])
    arrivals = (0.9 * base * 60.0 / service)[:, None] * peak[None, :]
    patience = np.where(rng.random(n) < 1 / 3, rng.uniform(15.0, 45.0, n), np.inf)
    # Half of those with abandonment have a lognormal patience (its rate found from the wait ahead).
    sigma = np.where(np.isfinite(patience) & (rng.random(n) < 0.5), 0.6, np.nan)
    model = OfficeModel(counters=tables, service_mean=service, service_cv=cv, arrivals_per_hour=arrivals,
                        patience_mean=patience, patience_sigma=sigma)
    busy = np.minimum(base, rng.integers(0, 14, n)).astype(float)
    waiting = np.where(busy >= base, rng.integers(0, 25, n), 0).astype(float)
    now = rng.uniform(0.0, 470.0, n)
    lats = 35.7 + rng.normal(0.0, 0.1, n)
    lons = 51.4 + rng.normal(0.0, 0.1, n)
    sim = simulate_office(counters=[(0, 120, 6), (120, 360, 8), (360, 480, 6)],
                          arrivals_per_hour=[40, 55, 50, 40, 35, 35, 30, 20], service_mean=9.0, service_cv=0.8,
                          patience_mean=30.0, days=60, seed=3)
    city_rng = np.random.default_rng(1)
    city = City(35.70 + city_rng.random(30) * 0.15, 51.3 + city_rng.random(30) * 0.2, city_rng.integers(3, 7, 30),
                35.70 + city_rng.random(200) * 0.15, 51.3 + city_rng.random(200) * 0.2, np.ones(200),
                4000.0 / 480.0)
    horizons = np.arange(0.0, 8 * 60 + 1, 15.0)
    waits = model.wait_now(waiting, busy, now=now)

    rows = [
        ("wait_now, 3,000 offices, one call", 5.0,
         _median_ms(lambda: model.wait_now(waiting, busy, now=now), 20)),
        ("wait_at, 3,000 offices, 8 h in 15-min steps", 2000.0,
         _median_ms(lambda: model.wait_at(horizons, waiting, busy, now=now), 3)),
        ("rank_offices, 3,000 offices", 2.0,
         _median_ms(lambda: rank_offices(35.7, 51.4, lats, lons, waits), 50)),
        (f"fit_office, 60 days, {len(sim.visits)} visits", 200.0,
         _median_ms(lambda: fit_office(sim.visits, sim.counters_log), 5)),
        ("simulate_city, 30 offices, 4,000 a day, 6 days", 5000.0,
         _median_ms(lambda: simulate_city(city, "safnama", adoption=1.0, info_delay=5.0, days=6, seed=1), 3)),
    ]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{os.cpu_count()} cores, load average {load:.1f}; median over repeats after a warm-up call")
    print(f"{'operation':<48}{'wall ms':>10}{'cpu ms':>9}{'target ms':>11}{'ratio':>8}  met (wall)")
    print("-" * 96)
    for label, target, (ms, cpu) in rows:
        print(f"{label:<48}{ms:>10.2f}{cpu:>9.2f}{target:>11.0f}{ms / target:>8.2f}  {'yes' if ms < target else 'NO'}")


if __name__ == "__main__":
    main()
