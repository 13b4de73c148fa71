"""Can a wider slot P90 cover 0.85-0.95 of the booked waits on every day played, without knowing the day?

``python -m bench.slot_widening DUMP [DUMP ...] [--surface NAME]`` reads the rows that ``bench.live_accuracy
--dump`` wrote (each run's variants) and prints the day-ahead slot list's P90 coverage with every figure widened
alike: minutes added, and a factor. ``--surface "slot oracle, usual counters"`` widens instead the slot oracle
that knows all the day holds but its counters, drawn as the office's usual days have them (what the evening
before can know of them, unannounced): a bound on what widening can do for any figure made without knowing
the counters. A coverage, unlike a RASE, can always be bought with a wider figure; this measures what
buying it on the days that differ from the usual costs on the others (a P90 that covers more than 0.95 says
less than it could). The last line is the widening, over a grid of both, with the most rows inside the band.
"""
from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

import numpy as np

ADDED = (0.0, 1.0, 2.0, 3.0, 5.0)
FACTORS = (1.0, 1.5, 2.0, 3.0)


def coverage(rows: np.ndarray, added: float = 0.0, factor: float = 1.0) -> float:
    """Share of the booked waits (column 0) at most the slot's P90 (column 3) widened."""
    return float(np.mean(rows[:, 0] <= rows[:, 3] * factor + added + 1e-9))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dumps", nargs="+", type=Path, help="files written by bench.live_accuracy --dump")
    parser.add_argument("--surface", default="slot (day before)", help="the day-ahead rows to widen")
    args = parser.parse_args()
    rows = {}
    for path in args.dumps:
        for variant, (_today, ahead) in pickle.loads(path.read_bytes()).items():
            if ahead.get(args.surface):
                rows[f"{path.stem} {variant}"] = np.array(ahead[args.surface], dtype=float)
    if not rows:
        parser.error(f"no rows of {args.surface!r} in these dumps")
    names = list(rows)
    width = max(len(n) for n in names)
    print(f"{args.surface}: P90 coverage, every figure widened alike ({len(names)} days played)")
    print(f"{'widening':<12}" + "".join(f"{n:>{width + 2}}" for n in names) + "  inside 0.85-0.95")

    def line(label: str, added: float, factor: float) -> None:
        cov = [coverage(rows[n], added, factor) for n in names]
        inside = sum(0.85 <= c <= 0.95 for c in cov)
        print(f"{label:<12}" + "".join(f"{c:>{width + 2}.2f}" for c in cov) + f"  {inside}")

    for added in ADDED:
        line(f"+{added:g} min", added, 1.0)
    for factor in FACTORS[1:]:
        line(f"x{factor:g}", 0.0, factor)
    best = max(((sum(0.85 <= coverage(rows[n], a, f) <= 0.95 for n in names), -a, -f)
                for a in np.arange(0.0, 8.01, 0.25) for f in (1.0, 1.1, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0)))
    line(f"best +{-best[1]:g} x{-best[2]:g}", -best[1], -best[2])
    return 0


if __name__ == "__main__":
    sys.exit(main())
