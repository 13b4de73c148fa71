"""Time from an operator action to the updated public load, through the real path.

An operator logged in over HTTP adds walk-ins, calls the next citizen and finishes the service at a counter
(console POSTs: HTTP → database → Redis); right after sending each action the benchmark polls the public
``GET /api/offices/<code>/load`` until it shows the new state. Printed: median and p95 of that time.

    .venv/bin/python -m bench.live_latency [--actions 300]

Uses ``DATABASE_URL`` / ``REDIS_URL`` when set (PostgreSQL and a Redis server), else a fresh SQLite file
and an embedded Redis in a temporary instance folder. The site is served by Werkzeug's threaded server.
"""
from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this folder would come first on the path and its http.py would hide the standard library's.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse  # noqa: E402
import http.cookiejar
import json
import os
import re
import statistics
import tempfile
import threading
import time
import urllib.parse
import urllib.request


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # keep the 302 of a console action as the answer
        return None


def build_site():
    """A fresh app with one office, one service and its operator; returns (app, office code, username)."""
    os.environ.setdefault("SAFNAMA_INSTANCE", tempfile.mkdtemp(prefix="safnama-bench-"))
    os.environ.setdefault("SAFNAMA_DEMO", "0")
    from booking import create_app
    from booking.extensions import db

    app = create_app({"SAFNAMA_SCHEDULE_JOBS": False})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        from offices.models import District, Office, Province, ServiceType, User

        suffix = str(int(time.time()))[-6:]
        province = Province(code=f"B{suffix}", name_fa="استان", name_en="Bench", capital_fa="مرکز", capital_en="C",
                            lat=35.7, lon=51.4, population=1)
        district = District(province=province, code=f"BD{suffix}", name_fa="حوزه", name_en="D", city_fa="تهران",
                            city_en="Tehran", lat=35.7, lon=51.4)
        service = db.session.query(ServiceType).filter_by(letter="Z").first() or ServiceType(
            code=f"bench-{suffix}", letter="Z", name_fa="خدمت", name_en="Service", typical_minutes=10)
        office = Office(code=f"9{suffix}", name_fa="دفتر آزمون", name_en="Bench office", address_fa="-",
                        address_en="-", lat=35.7, lon=51.4, district=district, counters=3)
        office.services = [service]
        user = User(username=f"bench-op-{suffix}", full_name="bench", role="operator", office=office)
        user.set_password("bench-password")
        db.session.add_all([province, district, office, user])
        db.session.commit()
        return app, office.code, user.username, service.code


def main() -> None:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=300)
    args = parser.parse_args()
    app, code, username, service_code = build_site()
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    public = urllib.request.build_opener()

    def post(path: str, data: dict) -> int:
        body = urllib.parse.urlencode({**data, "csrf_token": token}).encode()
        try:
            return opener.open(base + path, body, timeout=10).status
        except urllib.error.HTTPError as error:
            return error.code

    page = opener.open(base + "/login", timeout=10).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert post("/login", {"username": username, "password": "bench-password"}) == 302, "login failed"

    def load() -> dict:
        return json.load(public.open(f"{base}/api/offices/{code}/load", timeout=10))

    def timed(path: str, data: dict, expect: dict) -> float:
        start = time.perf_counter()
        status = post(path, data)
        assert status == 302, f"{path} answered {status}"
        while True:
            current = load()
            if all(current[k] == v for k, v in expect.items()):
                return time.perf_counter() - start
            if time.perf_counter() - start > 10:
                raise SystemExit(f"the public load never showed {expect}: {current}")

    console = f"/console/{code}"
    post(f"{console}/counter-open", {"counter": 1})
    times: list[float] = []
    waiting = load()["waiting"]
    for i in range(args.actions):
        step = i % 3
        if step == 0:
            waiting += 1
            times.append(timed(f"{console}/walk-in", {"service": service_code}, {"waiting": waiting}))
        elif step == 1:
            waiting -= 1
            times.append(timed(f"{console}/call", {"counter": 1}, {"waiting": waiting, "in_service": 1}))
        else:
            with app.app_context():
                from booking.extensions import db
                from offices.models import QueueTicket

                ticket = db.session.query(QueueTicket).filter_by(counter_no=1, outcome="called").one()
                ticket_id = ticket.id
                db.session.remove()
            times.append(timed(f"{console}/finish", {"ticket": ticket_id}, {"in_service": 0}))
    server.shutdown()
    ms = sorted(t * 1000 for t in times)
    p95 = ms[int(round(0.95 * (len(ms) - 1)))]
    backend = app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0]
    redis_kind = "Redis server" if app.config.get("REDIS_URL") else "embedded Redis"
    print(f"operator action → public load ({backend}, {redis_kind}, {len(ms)} actions): "
          f"median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, max {ms[-1]:.1f} ms")


if __name__ == "__main__":
    main()
