"""Citizens' pages under gunicorn against a bare Flask endpoint, measured side by side with ``wrk``.

Usage (PostgreSQL + Redis server, a scratch database seeded with the demo command)::

    createdb -h 127.0.0.1 -U postgres safnama_pages
    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/safnama_pages REDIS_URL=redis://127.0.0.1:6379/5
    .venv/bin/flask --app booking db upgrade && .venv/bin/flask --app booking seed-demo --offices 600 --days 14
    .venv/bin/python -m bench.pages --seconds 10 --rounds 3 --clients 8

Safnama (``gunicorn wsgi:app``) and the bare application of ``bench/bare_app.py`` run side by side under the
same gunicorn settings (``-w WORKERS``, the project's ``gunicorn.conf.py``: threaded workers) on 127.0.0.1,
as :mod:`bench.http` starts them. The load comes from Debian's ``wrk`` (a C load tool, one thread:
installed with ``apt-get`` when missing and this runs as root), ``--clients`` keep-alive connections for
``--seconds`` per measure. Each round measures the bare endpoint and then every page, so that a change in the
machine's load (it may be shared) reaches them alike; the figures printed are the medians over the rounds.

The pages: the find page with a position (Tehran's district 6) and with a district, an office's page, its
booking page and the home page. The site's clock is set to an ordinary working morning (``SAFNAMA_CLOCK``,
Tuesday 10:00 in Tehran; ``--clock`` to choose), so that offices are open and the pages show a working day.

Each web process serves a page asked again within seconds from the copy it rendered (``booking.page_cache``),
as it does for the many citizens who open the same page; ``--fresh`` also measures every page rendered each
time, each request's address made unique with a ``fresh=N`` parameter the pages ignore (a citizen's own
position, say): those rows are marked ``(fresh)``.

``wrk``'s keep-alive connections stay on the worker that accepted them. Each worker listens on its own socket
(``reuse_port`` in ``gunicorn.conf.py``) and the kernel spreads the connections over them; should a worker still
do less than a quarter of the work, the measure is taken again (up to four times, the bare endpoint's as well as
the pages'), and the number of measures taken again is printed.

Prints, per page: requests/s, p50 and p95 latency, errors (any non-2xx answer or socket error), the gunicorn
workers' CPU time per request (what the page costs the server, whatever else runs on the machine), the ratio to
the bare endpoint (targets: find >= 4%, booking >= 4%, office >= 8%, home >= 12%) and whether the p95 is
within 100 ms; then the machine's load average before and after.
"""
from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and its http.py would hide the standard library's.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
from dataclasses import dataclass  # noqa: E402

from bench.http import HOST, latencies, load_average, pin_site_clock, start, worker_cpu_seconds  # noqa: E402

SITE_PORT, BARE_PORT = 8711, 8712
P95_TARGET_MS = 100.0
# Summary line the Lua script below prints after a run: requests/s, p50 and p95 (microseconds), errors.
_REPORT = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
                 + summary.errors.status + summary.errors.timeout
  io.write(string.format("SAFNAMA %d %d %d %d %d\\n", summary.requests, summary.duration,
                         latency:percentile(50), latency:percentile(95), errors))
end
"""


# Added with --fresh: each request's address is made unique, so that no page is served from a kept copy.
_FRESH = """
counter = 0
request = function()
  counter = counter + 1
  local sep = string.find(wrk.path, "?", 1, true) and "&" or "?"
  return wrk.format(nil, wrk.path .. sep .. "fresh=" .. STAMP .. "-" .. counter)
end
"""


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    target: float | None  # least ratio to the bare endpoint
    fresh: bool = False  # every request rendered (a unique address)


@dataclass(frozen=True)
class Measure:
    rps: float
    p50_ms: float
    p95_ms: float
    errors: int
    cpu_ms: float = 0.0  # the gunicorn workers' CPU time per request


def ensure_wrk() -> str:
    """The path of ``wrk``, installed from Debian when missing (as root)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise SystemExit("wrk is missing: install it (apt-get install -y wrk) or run this as root")
    print("installing wrk (apt-get install -y wrk)")
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL,
                   env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    return shutil.which("wrk") or "/usr/bin/wrk"


#: A measure is taken again (up to :data:`TRIES` times) when one worker did less than this share of the work.
LEAST_SHARE = 0.25
TRIES = 4
#: Measures taken again because the connections all went to one worker (printed with the table).
retaken: list[str] = []


def run_wrk(wrk: str, script: str, server: subprocess.Popen, port: int, path: str, seconds: float,
            clients: int) -> Measure:
    """One ``wrk`` run: ``clients`` keep-alive connections from one thread for ``seconds``.

    ``wrk`` opens its connections at once and keeps them; the kernel hands each to whichever gunicorn worker
    accepts first, and at times one worker takes them all while the other idles (the throughput then halves
    and each request costs more, four threads of one process contending for its lock). Such a run measures
    where the connections landed, not the application: it is taken again, for the bare endpoint and the pages
    alike, when a worker did less than :data:`LEAST_SHARE` of the CPU work.
    """
    for attempt in range(TRIES):
        before = worker_cpu_seconds(server)
        out = subprocess.run([wrk, "-t1", f"-c{clients}", f"-d{seconds:g}s", "--timeout", "10s", "-s", script,
                              f"http://{HOST}:{port}{path}"], check=True, capture_output=True, text=True).stdout
        after = worker_cpu_seconds(server)
        used = [after[pid] - before.get(pid, 0.0) for pid in after]
        if len(used) < 2 or min(used) >= LEAST_SHARE * sum(used) or attempt == TRIES - 1:
            break
        retaken.append(path)
    line = next(line for line in out.splitlines() if line.startswith("SAFNAMA "))
    requests, duration_us, p50_us, p95_us, errors = (int(x) for x in line.split()[1:])
    cpu_ms = 1000.0 * sum(used) / max(requests, 1)
    return Measure(requests / (duration_us / 1e6), p50_us / 1000.0, p95_us / 1000.0, errors, cpu_ms)


def pages(office: str, district: str, lat: float, lon: float) -> list[Page]:
    return [Page("find (position)", f"/find?lat={lat}&lon={lon}", 0.04),
            Page("find (district)", f"/find?district={district}", 0.04),
            Page("booking page", f"/offices/{office}/book", 0.04),
            Page("office page", f"/offices/{office}", 0.08),
            Page("home", "/", 0.12)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per measure")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8, help="concurrent keep-alive connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes of each application")
    parser.add_argument("--office", default="230001", help="the office whose pages are measured")
    parser.add_argument("--district", default="23-06", help="the district searched from")
    parser.add_argument("--position", default="35.7575,51.4106", help="the position searched from (lat,lon)")
    parser.add_argument("--fresh", action="store_true",
                        help="also measure every page rendered for each request (no kept copy reused)")
    parser.add_argument("--clock", default=None,
                        help="the site's clock (ISO 8601, Tehran time); default: the next Tuesday at 10:00")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to the seeded scratch PostgreSQL database (see the docstring)")
    args.clock = pin_site_clock(args.clock)
    os.environ.setdefault("SAFNAMA_DEMO_ACTIVITY", "0")
    wrk = ensure_wrk()
    lat, lon = (float(x) for x in args.position.split(","))
    measured = pages(args.office, args.district, lat, lon)
    if args.fresh:
        measured += [Page(f"{p.name} (fresh)", p.path, p.target, fresh=True) for p in measured]
    print(f"load average before: {load_average()}")
    site = start("wsgi:app", SITE_PORT, args.workers)
    bare = start("bench.bare_app:app", BARE_PORT, args.workers)
    results: dict[str, list[Measure]] = {p.name: [] for p in measured}
    results["bare"] = []
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_REPORT)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fresh_script:
        fresh_script.write(_REPORT + _FRESH.replace("STAMP", str(os.getpid())))
    try:
        for page in measured:  # every worker builds its caches (office index, cards, lists) before timing
            latencies(SITE_PORT, [page.path] * 4 * args.workers)
        for _ in range(args.rounds):
            results["bare"].append(run_wrk(wrk, script.name, bare, BARE_PORT, "/ping", args.seconds, args.clients))
            for page in measured:
                results[page.name].append(run_wrk(wrk, fresh_script.name if page.fresh else script.name, site,
                                                  SITE_PORT, page.path, args.seconds, args.clients))
    finally:
        os.unlink(script.name)
        os.unlink(fresh_script.name)
        for process in (site, bare):
            process.terminate()
            process.wait(10)
    print(f"load average after:  {load_average()}")
    print(f"gunicorn -w {args.workers} (gunicorn.conf.py: threaded) for both; wrk -t1 -c{args.clients} "
          f"(keep-alive), {args.seconds:g} s per measure, medians of {args.rounds} rounds; clock {args.clock}")
    print(f"measures taken again, their connections all on one worker: {len(retaken)}"
          + (f" ({', '.join(sorted(set(retaken)))})" if retaken else ""))

    def median(name: str) -> Measure:
        runs = results[name]
        return Measure(statistics.median(m.rps for m in runs), statistics.median(m.p50_ms for m in runs),
                       statistics.median(m.p95_ms for m in runs), sum(m.errors for m in runs),
                       statistics.median(m.cpu_ms for m in runs))

    bare_m = median("bare")
    width = max(len(p.name) for p in measured)
    print(f"{'page':<{width}} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7} {'CPU ms':>7} {'ratio':>7}  target")
    print(f"{'bare Flask /ping':<{width}} {bare_m.rps:8.0f} {bare_m.p50_ms:8.2f} {bare_m.p95_ms:8.2f} "
          f"{bare_m.errors:7d} {bare_m.cpu_ms:7.2f} {'100%':>7}")
    for page in measured:
        m = median(page.name)
        ratio = m.rps / bare_m.rps
        met = ratio >= page.target and m.p95_ms <= P95_TARGET_MS and m.errors == 0
        print(f"{page.name:<{width}} {m.rps:8.0f} {m.p50_ms:8.2f} {m.p95_ms:8.2f} {m.errors:7d} {m.cpu_ms:7.2f} "
              f"{100 * ratio:6.1f}%  "
              f">= {100 * page.target:.0f}%, p95 <= {P95_TARGET_MS:.0f} ms: {'met' if met else 'MISSED'}")
        rounds = ", ".join(f"{100 * r.rps / b.rps:.1f}%" for r, b in zip(results[page.name], results["bare"]))
        print(f"{'':<{width}} rounds: {rounds}; paths: {page.path}")


if __name__ == "__main__":
    main()
