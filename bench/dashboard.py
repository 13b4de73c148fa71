"""Benchmark of the supervisors' dashboard (issue 6): the national and a province page under 500 ms.

Needs a PostgreSQL database seeded with the benchmark network and aggregated into the hourly table::

    createdb -h 127.0.0.1 -U postgres safnama_dash
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/safnama_dash flask --app booking db upgrade
    DATABASE_URL=... flask --app booking seed-demo --offices 3000 --days 90
    python -m bench.dashboard --database-url postgresql://postgres@127.0.0.1:5432/safnama_dash --aggregate

``--aggregate`` fills :class:`offices.models.OfficeHourlyStats` from the tickets with the jobs' own function
(:func:`offices.stats.aggregate_hours`, one Tehran day at a time); without it the table is used as it is.

Each page is requested through the Flask test client as the national supervisor (``sup-iran``) after two
warm-up requests (the first one also fills the live state in Redis); the figure is the median of
``--repeat`` requests, measured in this one run, with the 90th percentile beside it.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

# The project root instead of this folder: bench/http.py would shadow the standard library's http package.
sys.path[0] = str(Path(__file__).resolve().parents[1])

TARGET_MS = 500.0


def aggregate(days: int) -> None:
    from booking.dates import tehran_to_utc, to_tehran, utcnow
    from booking.extensions import db
    from offices.stats import aggregate_hours

    today = to_tehran(utcnow()).date()
    t0 = time.perf_counter()
    total = 0
    for back in range(days, -1, -1):
        day = today - dt.timedelta(days=back)
        start = tehran_to_utc(dt.datetime.combine(day, dt.time()))
        total += aggregate_hours(start, start + dt.timedelta(days=1))
        db.session.commit()
        print(f"\raggregated {day} ({total:,} office-hours, {time.perf_counter() - t0:.0f} s)", end="", flush=True)
    print()


def add_slots(days: int = 14) -> int:
    """Future time slots for every office when there are none (PostgreSQL only): 28 quarter-hours a day from
    07:30 Tehran, capacity 3, the first ``office id mod 10`` days fully booked, so that the lead time to the
    first free slot varies from 0 to 9 days and its grouped query scans a realistic table."""
    from sqlalchemy import text

    from booking.extensions import db

    if db.session.execute(text("SELECT count(*) FROM time_slots WHERE starts_at > now()")).scalar():
        return 0
    result = db.session.execute(text("""
        INSERT INTO time_slots (office_id, starts_at, minutes, capacity, booked)
        SELECT o.id, date_trunc('day', now() AT TIME ZONE 'Asia/Tehran') AT TIME ZONE 'Asia/Tehran'
                     + d * interval '1 day' + interval '7 hours 30 minutes' + q * interval '15 minutes',
               15, 3, CASE WHEN d < o.id % 10 THEN 3 ELSE (o.id + q) % 3 END
        FROM offices o, generate_series(1, :days) d, generate_series(0, 27) q"""), {"days": days})
    db.session.commit()
    return result.rowcount


def measure(client, url: str, repeat: int) -> tuple[float, float, int]:
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t0) * 1e3)
        assert response.status_code == 200
    times.sort()
    return statistics.median(times), times[int(0.9 * (len(times) - 1))], len(response.data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/safnama_dash"))
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL"), help="default: an embedded Redis")
    parser.add_argument("--aggregate", action="store_true", help="fill the hourly table from the tickets first")
    parser.add_argument("--slots", action="store_true",
                        help="add two weeks of future time slots when there are none (the demo seeds none)")
    parser.add_argument("--days", type=int, default=90, help="days to aggregate")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--province", default="23", help="province code of the province page (23: Tehran)")
    args = parser.parse_args()

    from sqlalchemy import func, select

    from booking import create_app
    from booking.config import database_uri
    from booking.extensions import db
    from offices.models import Office, OfficeHourlyStats, QueueTicket, User

    instance = tempfile.mkdtemp(prefix="safnama-bench-")
    config = {"SQLALCHEMY_DATABASE_URI": database_uri(args.database_url, Path(instance)), "SERVER_NAME": None}
    if args.redis_url:
        config.update(REDIS_URL=args.redis_url, REDIS_EMBEDDED_PATH=None)
    else:
        config.update(REDIS_URL=None, REDIS_EMBEDDED_PATH=os.path.join(instance, "redis.db"))
    os.environ.setdefault("SAFNAMA_INSTANCE", instance)
    app = create_app(config)
    with app.app_context():
        if args.aggregate:
            aggregate(args.days)
        if args.slots:
            print(f"added {add_slots():,} future time slots")
        offices = db.session.scalar(select(func.count()).select_from(Office))
        tickets = db.session.scalar(select(func.count()).select_from(QueueTicket))
        hours = db.session.scalar(select(func.count()).select_from(OfficeHourlyStats))
        span = db.session.execute(select(func.min(OfficeHourlyStats.hour_start),
                                         func.max(OfficeHourlyStats.hour_start))).one()
        user = db.session.scalar(select(User).where(User.username == "sup-iran"))
        if user is None:
            print("no national supervisor sup-iran: seed the database with seed-demo first", file=sys.stderr)
            return 1
        user_id = user.id
        print(f"database: {offices:,} offices, {tickets:,} tickets, {hours:,} office-hours "
              f"({span[0]:%Y-%m-%d} to {span[1]:%Y-%m-%d})" if span[0] else "database: the hourly table is empty")
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
    pages = [
        ("national page, today", "/dashboard/?period=today"),
        ("national page, 7 days", "/dashboard/?period=7"),
        ("national page, 30 days", "/dashboard/?period=30"),
        ("national page, 30 days, sorted by average wait", "/dashboard/?period=30&sort=avg_wait&dir=desc"),
        ("national top/bottom 5 offices by average wait, 30 days", "/dashboard/?period=30&rank=avg_wait"),
        (f"province {args.province} page, today", f"/dashboard/province/{args.province}?period=today"),
        (f"province {args.province} page, 30 days", f"/dashboard/province/{args.province}?period=30"),
        (f"province {args.province} page, every office, 30 days",
         f"/dashboard/province/{args.province}?period=30&rows=offices&sort=avg_wait&dir=desc"),
        (f"province {args.province} heatmaps", f"/dashboard/province/{args.province}/heatmap"),
    ]
    print(f"median of {args.repeat} requests after 2 warm-ups (target {TARGET_MS:.0f} ms for the national and "
          f"province pages; the rest for information); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'page':58s} {'median ms':>10s} {'p90 ms':>8s} {'KiB':>6s}")
    worst = 0.0
    for name, url in pages:
        median, p90, size = measure(client, url, args.repeat)
        targeted = "page," in name and "every office" not in name
        if targeted:
            worst = max(worst, median)
        print(f"{name:58s} {median:10.1f} {p90:8.1f} {size / 1024:6.0f}{'' if targeted else '  (information)'}")
    print(f"slowest national / province page median: {worst:.1f} ms -> "
          f"{'OK' if worst < TARGET_MS else 'OVER'} the {TARGET_MS:.0f} ms target")
    return 0 if worst < TARGET_MS else 2


if __name__ == "__main__":
    sys.exit(main())
