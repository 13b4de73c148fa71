"""HTTP benchmark under gunicorn: the live-load endpoint against a bare Flask endpoint, and /api/recommend.

Usage (PostgreSQL + Redis server, a scratch database seeded with 3,000 offices)::

    createdb -h 127.0.0.1 -U postgres safnama_bench
    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/safnama_bench REDIS_URL=redis://127.0.0.1:6379/5
    .venv/bin/flask --app booking db upgrade && .venv/bin/flask --app booking seed-demo --offices 3000 --days 7
    .venv/bin/python bench/http.py --seconds 10 --clients 8

Both servers run as ``gunicorn -w WORKERS`` on 127.0.0.1; the load comes from this process's threads (a
second process from the servers), bounded by ``--seconds`` per measure. Prints requests per second, their
ratio (target >= 70%) and the p50/p95 latency of ``GET /api/recommend`` (target p95 < 50 ms).
"""
from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and would hide the standard library's ``http``.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import http.client  # noqa: E402
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
TEHRAN_BOX = (35.64, 35.80, 51.25, 51.55)  # south, north, west, east


def start(app: str, port: int, workers: int) -> subprocess.Popen:
    process = subprocess.Popen([GUNICORN, "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                                app], cwd=ROOT, env=dict(os.environ), stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            get(port, "/healthz" if app.startswith("wsgi") else "/ping")
            return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit(f"{app} did not start on port {port}")


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def throughput(port: int, path: str, seconds: float, clients: int) -> tuple[float, int]:
    """Requests per second over ``seconds`` with ``clients`` threads; returns (rps, errors)."""
    counts = [0] * clients
    errors = [0] * clients
    stop = time.monotonic() + seconds

    def run(k: int) -> None:
        while time.monotonic() < stop:
            try:
                status, _ = get(port, path)
                counts[k] += 1
                errors[k] += status != 200
            except OSError:
                errors[k] += 1

    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - started), sum(errors)


def latencies(port: int, paths: list[str]) -> list[float]:
    found = []
    for path in paths:
        began = time.perf_counter()
        status, _ = get(port, path)
        found.append((time.perf_counter() - began) * 1000.0)
        if status != 200:
            raise SystemExit(f"{path} answered {status}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--recommend-requests", type=int, default=300)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to the seeded scratch PostgreSQL database (see the docstring)")
    site = start("wsgi:app", 8701, args.workers)
    try:
        offices = json.loads(get(8701, "/api/offices?limit=200&province=")[1])["offices"]
        code = offices[0]["code"]
        get(8701, f"/api/offices/{code}/load")
        load_rps, load_errors = throughput(8701, f"/api/offices/{code}/load", args.seconds, args.clients)
        rng = random.Random(1)
        paths = [f"/api/recommend?lat={rng.uniform(*TEHRAN_BOX[:2]):.5f}&lon={rng.uniform(*TEHRAN_BOX[2:]):.5f}"
                 for _ in range(args.recommend_requests)]
        latencies(8701, paths[:20])  # warm the office index and caches
        rec = sorted(latencies(8701, paths))
    finally:
        site.terminate()
        site.wait(10)
    bare = start("bench.bare_app:app", 8702, args.workers)
    try:
        bare_rps, bare_errors = throughput(8702, "/ping", args.seconds, args.clients)
    finally:
        bare.terminate()
        bare.wait(10)
    p95 = rec[int(0.95 * (len(rec) - 1))]
    print(f"GET /api/offices/{code}/load: {load_rps:.0f} req/s ({load_errors} errors)")
    print(f"GET /ping (bare Flask):        {bare_rps:.0f} req/s ({bare_errors} errors)")
    print(f"ratio: {100 * load_rps / bare_rps:.0f}% (target >= 70%)")
    print(f"GET /api/recommend over {len(offices) and 'the seeded offices'}: p50 {statistics.median(rec):.1f} ms, "
          f"p95 {p95:.1f} ms (target < 50 ms), {len(rec)} requests")
    sys.exit(0)


if __name__ == "__main__":
    main()
