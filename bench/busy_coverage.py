"""Can today's P90 be inside 0.85-0.95 on every row, among the arrivals who found every counter busy?

``python -m bench.busy_coverage DUMP [DUMP ...]`` reads the rows that ``bench.live_accuracy --dump`` wrote and
prints, for each day played, variant and surface shown today (recommendation, office page, ticket ETA), the
P90 coverage among the arrivals who found every counter busy, beside the oracle's on the very same arrivals
(the engine's conditional wait with the true parameters and the true state), and how many rows each has inside
0.85-0.95. Then what chance alone does on those rows: a P90 that covers exactly 0.90 of the waits, each arrival
covered or not independently, is outside the band on so many rows on average (a row of 21 arrivals covers
18/21 or 19/21 to be inside; 20/21 is 0.952), and inside on every row with the probability printed. Arrivals of
one day are not independent (a long line is seen by many), so a true P90 is outside more often still.
"""
from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

import numpy as np
from scipy import stats

from bench.live_accuracy import _coverage_when_busy

SURFACES = ("recommendation", "office page", "ticket ETA")
BAND = (0.85, 0.95)


def inside(share: float) -> bool:
    """Whether a coverage is inside the band (as a share, not as printed: 143/150 = 0.953 is outside)."""
    return BAND[0] <= share <= BAND[1]


def chance_inside(n: int, p: float = 0.9) -> float:
    """Probability that a P90 covering exactly ``p`` of independent waits covers a share inside the band of
    ``n`` arrivals."""
    k = np.arange(n + 1)
    share = k / n
    return float(stats.binom.pmf(k, n, p)[(share >= BAND[0] - 1e-12) & (share <= BAND[1] + 1e-12)].sum())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dumps", nargs="+", type=Path, help="files written by bench.live_accuracy --dump")
    args = parser.parse_args()
    rows = []
    for path in args.dumps:
        for variant, (today, _ahead) in pickle.loads(path.read_bytes()).items():
            for surface in SURFACES:
                share, n = _coverage_when_busy(today, surface)
                if n:
                    oracle = _coverage_when_busy(today, surface, "oracle")[0]
                    rows.append((path.stem, variant, surface, n, share, oracle))
    if not rows:
        parser.error("no arrivals who found every counter busy in these dumps")
    print(f"{'day':<12} {'variant':<9} {'surface':<15} {'n':>4} {'site':>6} {'oracle':>7}  inside (site, oracle)")
    for day, variant, surface, n, site, oracle in rows:
        print(f"{day:<12} {variant:<9} {surface:<15} {n:>4} {site:>6.3f} {oracle:>7.3f}  "
              f"{'yes' if inside(site) else 'no':>3}, {'yes' if inside(oracle) else 'no'}")
    site_in = sum(inside(r[4]) for r in rows)
    oracle_in = sum(inside(r[5]) for r in rows)
    both_out = sum(not inside(r[4]) and not inside(r[5]) for r in rows)
    p_in = [chance_inside(r[3]) for r in rows]
    print(f"\ninside {BAND[0]:.2f}-{BAND[1]:.2f}: the site {site_in} of {len(rows)}, the oracle {oracle_in}; "
          f"outside for both {both_out}")
    print(f"a P90 covering exactly 0.90, arrivals independent: outside on {sum(1 - p for p in p_in):.1f} of "
          f"{len(rows)} rows on average, inside on every row with probability {np.prod(p_in):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
