"""Benchmark ``seed-demo``: generate and write 60 days of history for 600 and 3,000 offices.

Each run starts from a new, empty database (schema from the models): a temporary SQLite file, and also PostgreSQL when
``BENCH_DATABASE_URL`` is set (that database's ``public`` schema is dropped and re-created: use a scratch one).

    .venv/bin/python -m bench.seed                 # 600 and 3000 offices on SQLite
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/scratch .venv/bin/python -m bench.seed
    .venv/bin/python -m bench.seed --offices 600   # one size only

Prints a table (seconds for network, simulation, writing, total, and the CPU time of this process, which on
SQLite is nearly all the work and tells what an idle machine would take when others share the cores) and
writes it to ``bench/results/seed.json``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # not bench/: its modules must not shadow the standard library


def run_once(url: str, n_offices: int, days: int) -> dict[str, Any]:
    """Create the schema in ``url`` from empty, seed it, and return the timings.

    A bare application (the extensions and models only) keeps the benchmark about seeding.
    """
    from flask import Flask
    from sqlalchemy import create_engine, text

    import booking.models  # noqa: F401  (registers the tables)
    import offices.models  # noqa: F401
    from booking import sqlite_pragmas
    from booking.config import database_uri
    from booking.extensions import db
    from offices.demo.seed import seed_demo

    if url.startswith("postgres"):
        url = database_uri(url, Path("."))
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = Flask("seed-bench")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    db.init_app(app)
    sqlite_pragmas.install()
    with app.app_context():
        db.create_all()
        started, cpu_started = time.perf_counter(), time.process_time()
        summary = seed_demo(offices=n_offices, days=days, force=False, progress=False,
                            end_day=dt.date(2026, 11, 24))
        total, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        db.session.remove()
        db.engine.dispose()
    return {"backend": url.split(":", 1)[0].split("+")[0], "offices": n_offices, "days": days,
            "tickets": summary.tickets, "counter_shifts": summary.counter_shifts, "feedback": summary.feedback,
            **{f"{k}_s": round(v, 1) for k, v in summary.timings.items()}, "total_s": round(total, 1),
            "process_cpu_s": round(cpu, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offices", type=int, action="append", help="office counts (default: 600 and 3000)")
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only (with BENCH_DATABASE_URL)")
    args = parser.parse_args()
    sizes = args.offices or [600, 3000]
    os.environ.setdefault("SAFNAMA_INSTANCE", tempfile.mkdtemp(prefix="safnama-bench-"))
    results = []
    with tempfile.TemporaryDirectory(prefix="safnama-seed-bench-") as scratch:
        backends: list[tuple[str, str | None]] = [] if args.no_sqlite else [("sqlite", None)]
        if os.environ.get("BENCH_DATABASE_URL"):
            backends.append(("postgresql", os.environ["BENCH_DATABASE_URL"]))
        for name, url in backends:
            for offices in sizes:
                target = url or f"sqlite:///{Path(scratch) / f'seed-{offices}.sqlite3'}"
                result = run_once(target, offices, args.days)
                results.append(result)
                print(f"{result['backend']:<10} {offices:>5} offices x {args.days} days: "
                      f"{result['tickets']:>11,} tickets  network {result.get('network_s', 0):5.1f} s  "
                      f"simulate {result.get('simulate_s', 0):5.1f} s  write {result.get('write_s', 0):6.1f} s  "
                      f"total {result['total_s']:6.1f} s  (this process's CPU {result['process_cpu_s']:6.1f} s, "
                      f"load average {os.getloadavg()[0]:.1f})", flush=True)
                if url is None:
                    Path(target.removeprefix("sqlite:///")).unlink(missing_ok=True)
    out = ROOT / "bench" / "results" / "seed.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists():  # keep the other backends' and sizes' latest figures
        fresh = {(r["backend"], r["offices"], r["days"]) for r in results}
        older = json.loads(out.read_text()).get("results", [])
        results = [r for r in older if (r["backend"], r["offices"], r["days"]) not in fresh] + results
    out.write_text(json.dumps({"measured": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                               "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
                               "load_average": os.getloadavg(), "results": results}, indent=2) + "\n")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
