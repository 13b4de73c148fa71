"""Load benchmark: a realistic mix of citizens, operators and supervisors against Safnama under gunicorn.

Usage (PostgreSQL + Redis server, a scratch database seeded with the demo command)::

    createdb -h 127.0.0.1 -U postgres safnama_load
    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/safnama_load REDIS_URL=redis://127.0.0.1:6379/11
    .venv/bin/flask --app booking db upgrade && .venv/bin/flask --app booking seed-demo --offices 300 --days 14
    .venv/bin/python -m bench.load --clients 8 --seconds 60 --max-requests 20000

Empty the Redis database before running it again within the hour (``redis-cli -n 11 flushdb``): every run
logs the province supervisor in once per client, and the site allows 30 logins an hour per username.

Starts ``gunicorn wsgi:app`` (the project's ``gunicorn.conf.py``: threaded workers), a separate
``rq worker --with-scheduler`` and, for the ceiling, the bare Flask application of ``bench/bare_app.py``
under the same gunicorn settings. The load comes from
this (second) process's threads on 127.0.0.1, each visit from its own loopback address (127.x.y.z) as
distinct citizens would come from distinct addresses, so that the abuse limits stay on and apply as in
production. Every visit is one of (by weight):

* citizen browsing (45%): home page, find page of a Tehran district, an office page, its live load;
* citizen recommending (20%): ``GET /api/recommend`` from a random point in Tehran;
* citizen booking (10%): a day's slots, ``POST /api/otp``, the code read from the SMS outbox in the database,
  ``POST /api/appointments``, the ticket; one in three then cancels (``DELETE``);
* operator acting (15%): a logged-in operator of a Tehran office opens the board, adds a walk-in (with the
  form's CSRF token) and reads the lobby state;
* supervisor viewing (10%): a logged-in province supervisor opens the overview, the province and an office.

The site's clock is set to an ordinary working morning (the coming Tuesday at 10:00 in Tehran; ``--clock``
to choose), so that offices are open and operators add walk-ins whatever the real day and hour.

Bounded by ``--seconds`` and ``--max-requests``. Prints sustained requests per second, p50/p95/p99 latency
(overall and per kind of visit), the errors (any 5xx, network error or unexpected status: must be zero),
the GETs sent again once because a kept-alive connection was closed under them (as a browser resends them),
and the share of the bare-Flask ceiling (``GET /ping`` at the same concurrency) measured in the same run.
"""
from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and its http.py would hide the standard library's.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import datetime as dt
import http.cookiejar
import json
import os
import random
import re
import subprocess
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import psycopg
import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ProtocolError
from urllib3.util.retry import Retry

from bench.http import pin_site_clock

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
TEHRAN_BOX = (35.64, 35.80, 51.25, 51.55)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class ResendOnClosedConnection(Retry):
    """Send a GET again, once, when the connection it went out on was closed under it (``Connection aborted``),
    as a browser does: a kept-alive connection the server closes after its idle timeout can cross a request
    the client has just sent. Any other error is not retried, and every resend is counted and printed, so a
    server fault is not hidden by it."""

    lock = threading.Lock()
    count = 0

    @classmethod
    def once(cls) -> ResendOnClosedConnection:
        return cls(total=1, connect=0, read=1, redirect=0, status=0, other=0,
                   allowed_methods=frozenset({"GET", "HEAD"}), raise_on_status=False)

    def increment(self, method: str | None = None, url: str | None = None, *args: Any,
                  error: Exception | None = None, **kwargs: Any) -> Retry:
        if error is not None and not isinstance(error, ProtocolError):
            raise error  # a timeout or a refused connection is an error, not a closed kept-alive connection
        retry = super().increment(method, url, *args, error=error, **kwargs)
        with ResendOnClosedConnection.lock:
            ResendOnClosedConnection.count += 1
        return retry


class SourceAdapter(HTTPAdapter):
    """Connections from a chosen loopback address (Linux routes all of 127.0.0.0/8 to the loopback)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__(pool_connections=1, pool_maxsize=1, max_retries=ResendOnClosedConnection.once())

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


class BehindTls(http.cookiejar.DefaultCookiePolicy):
    """Sends the site's ``Secure`` cookies over the benchmark's plain HTTP, as a browser does behind the TLS
    that production terminates in front of gunicorn (the cookies are ``Secure`` outside demo mode)."""

    def return_ok_secure(self, cookie, request) -> bool:  # noqa: ARG002 - the policy's signature
        return True


class BenchSession(requests.Session):
    """A session whose cookie header comes from its own jar and policy (``requests`` merges the cookies into a
    fresh jar with the default policy, which would drop the ``Secure`` ones over plain HTTP)."""

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        prepared = super().prepare_request(request)
        prepared.headers.pop("Cookie", None)
        prepared.prepare_cookies(self.cookies)
        return prepared


def session_from(address: str) -> requests.Session:
    session = BenchSession()
    session.cookies.set_policy(BehindTls())
    session.mount("http://", SourceAdapter(address))
    session.headers["Accept-Language"] = "fa"
    return session


_addresses = iter(f"127.{a}.{b}.{c}" for a in range(1, 255) for b in range(255) for c in range(1, 255))
_address_lock = threading.Lock()


def new_address() -> str:
    with _address_lock:
        return next(_addresses)


def national_id() -> str:
    body = f"{random.randrange(10**8, 10**9):09d}"
    remainder = sum(int(body[i]) * (10 - i) for i in range(9)) % 11
    return body + str(remainder if remainder < 2 else 11 - remainder)


class Recorder:
    """Latencies (seconds) per kind of request, and the errors."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.count = 0

    def call(self, session: requests.Session, kind: str, method: str, url: str, expect: tuple[int, ...] = (200,),
             **kwargs: Any) -> requests.Response | None:
        started = time.perf_counter()
        try:
            response = session.request(method, url, timeout=30, allow_redirects=False, **kwargs)
        except requests.RequestException as error:
            with self.lock:
                self.errors.append(f"{kind} {method} {url}: {error}")
                self.count += 1
            return None
        took = time.perf_counter() - started
        with self.lock:
            self.latencies[kind].append(took)
            self.count += 1
            if response.status_code not in expect:
                self.errors.append(f"{kind} {method} {url}: HTTP {response.status_code} {response.text[:200]}")
        return response


class Site:
    """What the visits need to know about the seeded site."""

    def __init__(self, base: str, database_url: str, today: dt.date) -> None:
        self.base = base
        self.today = today  # the site's day (its clock is set), from which citizens book the days ahead
        self.database_url = database_url
        offices = requests.get(f"{base}/api/offices", params={"province": "23", "limit": 200}, timeout=30).json()
        self.offices = [(o["code"], o["district"], [s["code"] for s in o["services"]]) for o in offices["offices"]]
        self.districts = sorted({district for _code, district, _services in self.offices})
        local = threading.local()
        self._local = local

    def otp_code(self, mobile: str) -> str:
        if not hasattr(self._local, "db"):
            self._local.db = psycopg.connect(self.database_url, autocommit=True)
        for _ in range(50):
            row = self._local.db.execute("SELECT body FROM sms_outbox WHERE mobile = %s AND purpose = 'otp' "
                                         "ORDER BY id DESC LIMIT 1", (mobile,)).fetchone()
            if row:
                return "".join(ch for ch in row[0].split("\n")[-1] if ch.isdigit())
            time.sleep(0.05)
        raise RuntimeError("no one-time code in the outbox")


def citizen_browses(site: Site, rec: Recorder) -> None:
    s = session_from(new_address())
    code, district, _services = random.choice(site.offices)
    rec.call(s, "browse", "GET", f"{site.base}/")
    rec.call(s, "browse", "GET", f"{site.base}/find", params={"province": "23", "district": district})
    rec.call(s, "browse", "GET", f"{site.base}/offices/{code}")
    rec.call(s, "load", "GET", f"{site.base}/api/offices/{code}/load")


def citizen_recommends(site: Site, rec: Recorder) -> None:
    s = session_from(new_address())
    south, north, west, east = TEHRAN_BOX
    _code, _district, services = random.choice(site.offices)
    rec.call(s, "recommend", "GET", f"{site.base}/api/recommend",
             params={"lat": round(random.uniform(south, north), 5), "lon": round(random.uniform(west, east), 5),
                     "service": random.choice(services)})


def citizen_books(site: Site, rec: Recorder) -> None:
    s = session_from(new_address())
    code, _district, services = random.choice(site.offices)
    slot = None
    for ahead in range(1, 8):
        day = (site.today + dt.timedelta(days=ahead)).isoformat()
        answer = rec.call(s, "book", "GET", f"{site.base}/api/offices/{code}/slots", params={"date": day})
        if answer is None or answer.status_code != 200:  # counted as an error by the recorder
            return
        free = [x for x in answer.json()["slots"] if x["state"] == "open" and x["remaining"] > 0]
        if free:
            slot = random.choice(free)
            break
    if slot is None:
        return
    mobile = "09" + f"{random.randrange(10**9):09d}"
    if rec.call(s, "book", "POST", f"{site.base}/api/otp", (202,), json={"mobile": mobile, "purpose": "booking"}) is None:
        return
    booked = rec.call(s, "book", "POST", f"{site.base}/api/appointments", (201, 409),
                      json={"office": code, "service": random.choice(services), "slot_id": slot["id"],
                            "national_id": national_id(), "mobile": mobile, "otp": site.otp_code(mobile)},
                      headers={"Idempotency-Key": f"load-{mobile}"})
    if booked is None or booked.status_code != 201:
        return  # 409: the slot filled up meanwhile, as it would for a real citizen
    tracking = booked.json()["tracking_code"]
    rec.call(s, "book", "GET", f"{site.base}/api/appointments/{tracking}")
    if random.random() < 1 / 3:  # cancelling needs the owner: a code texted to the booking's mobile
        rec.call(s, "book", "POST", f"{site.base}/api/otp", (202,), json={"mobile": mobile, "purpose": "cancel"})
        rec.call(s, "book", "DELETE", f"{site.base}/api/appointments/{tracking}",
                 headers={"X-OTP": site.otp_code(mobile)})


class StaffSessions:
    """One logged-in session per thread and role (staff log in once a shift, not once a click)."""

    def __init__(self, site: Site, rec: Recorder) -> None:
        self.site, self.rec = site, rec
        self.local = threading.local()

    def get(self, role: str) -> tuple[requests.Session, str]:
        found = getattr(self.local, role, None)
        if found:
            return found
        session = session_from(new_address())
        page = self.rec.call(session, "login", "GET", f"{self.site.base}/login")
        token = CSRF.search(page.text).group(1) if page is not None else ""
        if role == "operator":
            office = random.choice(self.site.offices)[0]
            username, password = f"op-{office}", "operator-1405"
        else:
            office, username, password = "23", "sup-23", "supervisor-1405"
        self.rec.call(session, "login", "POST", f"{self.site.base}/login", (302,),
                      data={"csrf_token": token, "username": username, "password": password})
        setattr(self.local, role, (session, office))
        return session, office


def operator_acts(site: Site, rec: Recorder, staff: StaffSessions) -> None:
    s, office = staff.get("operator")
    board = rec.call(s, "operator", "GET", f"{site.base}/console/{office}")
    if board is None:
        return
    token = CSRF.search(board.text)
    services = next(services for code, _d, services in site.offices if code == office)
    rec.call(s, "operator", "POST", f"{site.base}/console/{office}/walk-in", (200, 302, 303),
             data={"csrf_token": token.group(1) if token else "", "service": random.choice(services)})
    rec.call(s, "operator", "GET", f"{site.base}/lobby/{office}/state.json")


def supervisor_views(site: Site, rec: Recorder, staff: StaffSessions) -> None:
    s, province = staff.get("supervisor")
    rec.call(s, "supervisor", "GET", f"{site.base}/dashboard/", (200, 302))
    rec.call(s, "supervisor", "GET", f"{site.base}/dashboard/province/{province}")
    rec.call(s, "supervisor", "GET", f"{site.base}/dashboard/office/{random.choice(site.offices)[0]}")


def run_mix(site: Site, clients: int, seconds: float, max_requests: int) -> tuple[Recorder, float]:
    rec, staff = Recorder(), StaffSessions(site, Recorder())
    visits: list[tuple[float, Callable[[], None]]] = [
        (0.45, lambda: citizen_browses(site, rec)), (0.20, lambda: citizen_recommends(site, rec)),
        (0.10, lambda: citizen_books(site, rec)), (0.15, lambda: operator_acts(site, rec, staff)),
        (0.10, lambda: supervisor_views(site, rec, staff))]
    weights = [w for w, _ in visits]
    deadline = time.monotonic() + seconds

    def loop() -> None:
        while time.monotonic() < deadline and rec.count < max_requests:
            random.choices(visits, weights)[0][1]()

    started = time.monotonic()
    threads = [threading.Thread(target=loop) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return rec, time.monotonic() - started


def run_ceiling(base: str, clients: int, seconds: float, max_requests: int) -> tuple[int, float]:
    rec = Recorder()
    deadline = time.monotonic() + seconds

    def loop() -> None:
        s = session_from(new_address())
        while time.monotonic() < deadline and rec.count < max_requests:
            rec.call(s, "ping", "GET", f"{base}/ping")

    started = time.monotonic()
    threads = [threading.Thread(target=loop) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not rec.errors, rec.errors[:3]
    return rec.count, time.monotonic() - started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def start(command: list[str], cwd: Path, env: dict[str, str], log) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=log, start_new_session=True)


def wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, 15)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent visitors (threads)")
    parser.add_argument("--seconds", type=float, default=60, help="length of the mix (and of the ceiling run)")
    parser.add_argument("--max-requests", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--warmup", type=float, default=15, help="seconds of the mix before the measure")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--clock", default=None,
                        help="the site's clock (ISO 8601, Tehran time); default: the next Tuesday at 10:00")
    args = parser.parse_args()
    args.clock = pin_site_clock(args.clock)
    database_url, redis_url = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    if not (database_url and redis_url and database_url.startswith("postgres")):
        raise SystemExit("set DATABASE_URL (PostgreSQL, seeded with seed-demo) and REDIS_URL (a Redis server)")
    env = dict(os.environ, SAFNAMA_DEMO="0")
    ports = {"site": 18931, "bare": 18932}
    log = open(os.devnull, "ab")  # noqa: SIM115 (closed in the finally below)
    gunicorn = [str(BIN / "gunicorn"), "-w", str(args.workers), "--log-level", "warning"]
    site_p = start(gunicorn + ["-b", f"{HOST}:{ports['site']}", "wsgi:app"], ROOT, env, log)
    bare_p = start(gunicorn + ["-b", f"{HOST}:{ports['bare']}", "bench.bare_app:app"], ROOT, env, log)
    worker_p = start([str(BIN / "rq"), "worker", "-w", "booking.worker.AppWorker", "--url", redis_url,
                      "--with-scheduler",
                      "default"], ROOT, env, log)
    try:
        base = f"http://{HOST}:{ports['site']}"
        wait_ready(base + "/healthz")
        wait_ready(f"http://{HOST}:{ports['bare']}/ping")
        from booking.dates import parse_moment, to_tehran

        site = Site(base, database_url.replace("postgresql+psycopg://", "postgresql://"),
                    to_tehran(parse_moment(args.clock)).date())
        if args.warmup > 0:  # every gunicorn worker builds its caches (office index, engine) before the clock
            warm, _ = run_mix(site, args.clients, args.warmup, args.max_requests)
            print(f"warm-up: {warm.count} requests, {len(warm.errors)} errors (not counted)")
        load_before = os.getloadavg()
        resent_before = ResendOnClosedConnection.count
        rec, elapsed = run_mix(site, args.clients, args.seconds, args.max_requests)
        resent = ResendOnClosedConnection.count - resent_before
        ping_count, ping_elapsed = run_ceiling(f"http://{HOST}:{ports['bare']}", args.clients,
                                               min(args.seconds, 30), args.max_requests)
        load_after = os.getloadavg()
    finally:
        for process in (site_p, bare_p, worker_p):
            stop(process)
        log.close()
    every = [x for values in rec.latencies.values() for x in values]
    rps, ceiling = rec.count / elapsed, ping_count / ping_elapsed
    figures = {
        "clients": args.clients, "gunicorn_workers": args.workers, "seconds": round(elapsed, 1),
        "requests": rec.count, "requests_per_second": round(rps, 1),
        "p50_ms": round(percentile(every, 50) * 1000, 1), "p95_ms": round(percentile(every, 95) * 1000, 1),
        "p99_ms": round(percentile(every, 99) * 1000, 1), "errors": len(rec.errors),
        "resent_on_closed_connection": resent,
        "bare_flask_requests_per_second": round(ceiling, 1), "share_of_bare_ceiling": round(rps / ceiling, 3),
        "by_kind": {kind: {"requests": len(v), "p50_ms": round(percentile(v, 50) * 1000, 1),
                           "p95_ms": round(percentile(v, 95) * 1000, 1), "p99_ms": round(percentile(v, 99) * 1000, 1)}
                    for kind, v in sorted(rec.latencies.items())},
        "load_average_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
    }
    print(f"mix: {rec.count} requests in {elapsed:.1f} s from {args.clients} clients = {rps:.1f} req/s; "
          f"p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, p99 {figures['p99_ms']} ms; "
          f"errors {len(rec.errors)}; GETs resent once on a kept-alive connection closed under them {resent}")
    for kind, values in figures["by_kind"].items():
        print(f"  {kind:<11} {values['requests']:>6} requests  p50 {values['p50_ms']:>7} ms  "
              f"p95 {values['p95_ms']:>7} ms  p99 {values['p99_ms']:>7} ms")
    print(f"bare Flask ceiling (GET /ping, same gunicorn, same clients): {ceiling:.1f} req/s; "
          f"the mix is {100 * rps / ceiling:.1f}% of it")
    print(f"load average (1 min) before/after: {load_before[0]:.2f} / {load_after[0]:.2f}")
    for error in rec.errors[:10]:
        print("error:", error)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    if rec.errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
