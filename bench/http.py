"""HTTP benchmark under gunicorn: the live-load endpoint against a bare Flask endpoint, and /api/recommend.

Usage (PostgreSQL + Redis server, a scratch database seeded with 3,000 offices)::

    createdb -h 127.0.0.1 -U postgres safnama_bench
    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/safnama_bench REDIS_URL=redis://127.0.0.1:6379/5
    .venv/bin/flask --app booking db upgrade && .venv/bin/flask --app booking seed-demo --offices 3000 --days 7
    .venv/bin/python -m bench.http --requests 3000 --rounds 3 --clients 8

Both applications run side by side under the same gunicorn configuration (``-w WORKERS``, the project's
``gunicorn.conf.py``: threaded workers) on
127.0.0.1 only; the load comes from this process's threads, one new connection per request as a browser
without keep-alive would. Every measure is bounded by a request count (and a time cap). The two throughput
measures alternate over ``--rounds`` rounds so that a change in the machine's load (it may be shared) hits
both alike; the ratio printed is that of the medians, with each round's ratio shown too. Before the
recommendation is timed, ``--going`` citizens press "I'm going" (``POST /api/offices/<code>/going``) at
the offices recommended to them, so that the en-route records are read as in production.

Prints requests per second, their ratio (target >= 70%), the gunicorn workers' CPU time per request (the
client runs on the same machine and can be the bottleneck: the CPU ratio is what each server could serve
with the client elsewhere), the p50/p95 latency of ``GET /api/recommend`` (target p95 < 50 ms) and the
machine's load average before and after.
"""
from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and would hide the standard library's ``http``.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
HOST = "127.0.0.1"
TEHRAN_BOX = (35.64, 35.80, 51.25, 51.55)  # south, north, west, east
TIME_CAP = 120.0  # seconds: no single measure runs longer, whatever the request count


def pin_site_clock(setting: str | None) -> str:
    """Set the site's clock for the servers started after this (``SAFNAMA_CLOCK``): ``setting`` (ISO 8601, Tehran
    time), or by default the coming Tuesday at 10:00, an ordinary working morning whatever the real day and hour.
    Returns the setting."""
    import datetime as dt

    from booking.dates import CLOCK_SET_AT_VARIABLE, CLOCK_VARIABLE, TEHRAN, anchor_clock, iran_weekday

    if setting is None:
        today = dt.datetime.now(TEHRAN).date()
        tuesday = today + dt.timedelta(days=(3 - iran_weekday(today)) % 7)
        setting = f"{tuesday.isoformat()}T10:00"
    os.environ[CLOCK_VARIABLE] = setting
    os.environ.pop(CLOCK_SET_AT_VARIABLE, None)
    anchor_clock(os.environ)  # read now, for every server started after this: they keep one clock
    return setting


def start(app: str, port: int, workers: int) -> subprocess.Popen:
    """``gunicorn -w workers -b 127.0.0.1:port app``, waited for until it answers."""
    process = subprocess.Popen([GUNICORN, "-w", str(workers), "-b", f"{HOST}:{port}", "--log-level", "warning",
                                app], cwd=ROOT, env=dict(os.environ), stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            request(port, "GET", "/healthz" if app.startswith("wsgi") else "/ping")
            return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit(f"{app} did not start on port {port}")


def request(port: int, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=payload, headers={"Content-Type": "application/json"} if payload else {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def throughput(port: int, path: str, requests: int, clients: int) -> tuple[float, int]:
    """Requests per second for ``requests`` GETs spread over ``clients`` threads; returns (rps, errors)."""
    remaining = [requests]
    lock = threading.Lock()
    done = [0] * clients
    errors = [0] * clients
    cap = time.monotonic() + TIME_CAP

    def run(k: int) -> None:
        while time.monotonic() < cap:
            with lock:
                if remaining[0] <= 0:
                    return
                remaining[0] -= 1
            try:
                status, _ = request(port, "GET", path)
                done[k] += 1
                errors[k] += status != 200
            except OSError:
                errors[k] += 1

    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.monotonic() - started), sum(errors)


def server_cpu_seconds(process: subprocess.Popen) -> float:
    """CPU time (user + system, seconds) used so far by a gunicorn master's live workers."""
    return sum(worker_cpu_seconds(process).values())


def worker_cpu_seconds(process: subprocess.Popen) -> dict[str, float]:
    """CPU time (user + system, seconds) used so far by each of a gunicorn master's live workers, by pid."""
    ticks = os.sysconf("SC_CLK_TCK")
    found: dict[str, float] = {}
    for task in Path(f"/proc/{process.pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            found[child] = (int(fields[11]) + int(fields[12])) / ticks
    return found


def measure(process: subprocess.Popen, port: int, path: str, requests: int,
            clients: int) -> tuple[float, int, float]:
    """:func:`throughput` plus the servers' CPU time per request (ms): (rps, errors, cpu ms per request)."""
    before = server_cpu_seconds(process)
    rps, errors = throughput(port, path, requests, clients)
    return rps, errors, 1000.0 * (server_cpu_seconds(process) - before) / requests


def latencies(port: int, paths: list[str]) -> list[float]:
    """Milliseconds per GET, one after another."""
    found = []
    for path in paths:
        began = time.perf_counter()
        status, body = request(port, "GET", path)
        found.append((time.perf_counter() - began) * 1000.0)
        if status != 200:
            raise SystemExit(f"{path} answered {status}: {body[:200]!r}")
    return found


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests per throughput measure")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of the two throughput measures")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--recommend-requests", type=int, default=300)
    parser.add_argument("--going", type=int, default=50,
                        help="'I'm going' presses before timing /api/recommend (the site allows 60 a minute per address)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to the seeded scratch PostgreSQL database (see the docstring)")
    print(f"load average before: {load_average()}")
    site = start("wsgi:app", 8701, args.workers)
    bare = start("bench.bare_app:app", 8702, args.workers)
    try:
        status, body = request(8701, "GET", "/api/offices?limit=1")
        code = json.loads(body)["offices"][0]["code"]
        load_path = f"/api/offices/{code}/load"
        latencies(8701, [load_path] * 20)
        latencies(8702, ["/ping"] * 20)
        rounds = []
        for _ in range(args.rounds):
            rounds.append((measure(site, 8701, load_path, args.requests, args.clients),
                           measure(bare, 8702, "/ping", args.requests, args.clients)))
        rng = random.Random(1)

        def somewhere() -> tuple[float, float]:
            return round(rng.uniform(*TEHRAN_BOX[:2]), 5), round(rng.uniform(*TEHRAN_BOX[2:]), 5)

        paths = [f"/api/recommend?lat={lat}&lon={lon}" for lat, lon in (somewhere() for _ in range(
            args.recommend_requests))]
        latencies(8701, paths[:20])  # warm the office index and caches
        for _ in range(args.going):
            lat, lon = somewhere()
            first = json.loads(request(8701, "GET", f"/api/recommend?lat={lat}&lon={lon}")[1])["offices"][0]
            status, body = request(8701, "POST", f"/api/offices/{first['office']['code']}/going",
                                   {"lat": lat, "lon": lon})
            if status != 201:
                raise SystemExit(f"going answered {status}: {body[:200]!r}")
        rec = sorted(latencies(8701, paths))
    finally:
        for process in (site, bare):
            process.terminate()
            process.wait(10)
    print(f"load average after:  {load_average()}")
    print(f"gunicorn -w {args.workers} (gunicorn.conf.py: threaded) for both; {args.clients} client threads; "
          f"{args.requests} requests per measure")
    for k, ((load_rps, load_errors, load_cpu), (bare_rps, bare_errors, bare_cpu)) in enumerate(rounds, start=1):
        print(f"  round {k}: load {load_rps:.0f} req/s ({load_errors} errors, server CPU {load_cpu:.2f} ms/req), "
              f"bare {bare_rps:.0f} req/s ({bare_errors} errors, {bare_cpu:.2f} ms/req), "
              f"ratio {100 * load_rps / bare_rps:.0f}%")
    load_rps = statistics.median(r[0][0] for r in rounds)
    bare_rps = statistics.median(r[1][0] for r in rounds)
    load_cpu = statistics.median(r[0][2] for r in rounds)
    bare_cpu = statistics.median(r[1][2] for r in rounds)
    p95 = rec[int(0.95 * (len(rec) - 1))]
    print(f"GET {load_path}: {load_rps:.0f} req/s (median of {len(rounds)})")
    print(f"GET /ping (bare Flask):     {bare_rps:.0f} req/s (median of {len(rounds)})")
    print(f"ratio: {100 * load_rps / bare_rps:.0f}% (target >= 70%)")
    # The client shares the machine: when it is the bottleneck both rates meet. The servers' own CPU time per
    # request says what each could serve with the client elsewhere.
    print(f"server CPU per request: load {load_cpu:.2f} ms, bare {bare_cpu:.2f} ms; "
          f"capacity ratio {100 * bare_cpu / load_cpu:.0f}%")
    print(f"GET /api/recommend over the seeded offices, after {args.going} 'I'm going' presses: "
          f"p50 {statistics.median(rec):.1f} ms, p95 {p95:.1f} ms (target < 50 ms), {len(rec)} requests")


if __name__ == "__main__":
    main()
