"""Fixtures for the supervisors' dashboard: a small network with raw queue history, aggregated by the job's function."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

import pytest

from booking.dates import tehran_to_utc, to_tehran
from booking.extensions import db
from tests.clock import working_moment


@dataclass
class Network:
    provinces: list[Any]
    districts: list[Any]
    offices: list[Any]
    now: dt.datetime


def _history(office: Any, service: Any, days: int, now: dt.datetime, rng: random.Random) -> None:
    """Tickets, counter shifts and feedback for ``office`` over ``days`` Tehran days up to ``now``."""
    from booking.models import Feedback
    from offices.models import CounterShift, QueueTicket

    today = to_tehran(now).date()
    n = 0
    for back in range(days):
        day = today - dt.timedelta(days=back)
        opens = tehran_to_utc(dt.datetime.combine(day, dt.time(7, 30)))
        closes = tehran_to_utc(dt.datetime.combine(day, dt.time(13, 30)))
        closes = min(closes, now)
        if closes <= opens:
            continue
        for counter in range(1, office.counters + 1):
            db.session.add(CounterShift(office_id=office.id, counter_no=counter, opened_at=opens,
                                        closed_at=closes - dt.timedelta(minutes=10 * counter)))
        for _k in range(rng.randint(8, 25)):
            arrived = opens + dt.timedelta(minutes=rng.uniform(0, (closes - opens).total_seconds() / 60 - 1))
            n += 1
            outcome = rng.choices(["served", "left", "no_show", "waiting"], [0.8, 0.08, 0.07, 0.05])[0]
            ticket = QueueTicket(office_id=office.id, service_type_id=service.id, number=f"A-{n:03d}",
                                 kind=rng.choice(["walk_in", "booked"]), arrived_at=arrived, outcome=outcome)
            if outcome == "served":
                ticket.started_at = arrived + dt.timedelta(minutes=rng.uniform(0, 50))
                ticket.ended_at = ticket.started_at + dt.timedelta(minutes=rng.uniform(3, 20))
                ticket.called_at = ticket.started_at
                ticket.counter_no = 1
            elif outcome == "no_show":
                ticket.called_at = arrived + dt.timedelta(minutes=rng.uniform(1, 30))
            elif outcome == "waiting" and back > 0:
                ticket.outcome = "left"
            db.session.add(ticket)
            db.session.flush()
            if outcome == "served" and rng.random() < 0.4 and ticket.ended_at <= now:
                db.session.add(Feedback(office_id=office.id, ticket_id=ticket.id, rating=rng.randint(1, 5),
                                        created_at=ticket.ended_at + dt.timedelta(minutes=2)))


@pytest.fixture()
def network(app, clock, make_province, make_office, make_service) -> Network:
    """Two provinces; the first with two districts (two offices and one office), the second with one office;
    ten days of history, aggregated into the hourly table by :func:`offices.stats.aggregate_hours`."""
    from offices.models import District
    from offices.stats import aggregate_hours

    rng = random.Random(7)
    service = make_service(letter="Q")  # a fixed letter: the default series outgrows the column in long sessions
    # Noon on a working day in Tehran: offices are open and today already has history.
    now = clock(working_moment(hour=12))
    p1 = make_province(code="THR", name_fa="تهران", name_en="Tehran")
    p2 = make_province(code="ISF", name_fa="اصفهان", name_en="Isfahan")
    districts = []
    for code, province, name in (("THR-1", p1, "یک"), ("THR-2", p1, "دو"), ("ISF-1", p2, "سه")):
        d = District(province=province, code=code, name_fa=f"حوزه {name}", name_en=f"District {code}",
                     city_fa="تهران", city_en="Tehran", lat=35.7, lon=51.4)
        db.session.add(d)
        districts.append(d)
    db.session.flush()
    offices = [make_office(district=districts[0], services=[service], counters=3, lat=35.70, lon=51.40),
               make_office(district=districts[0], services=[service], counters=2, lat=35.75, lon=51.45),
               make_office(district=districts[1], services=[service], counters=4, lat=35.80, lon=51.35),
               make_office(district=districts[2], services=[service], counters=2, lat=32.65, lon=51.67)]
    for office in offices:
        _history(office, service, 10, now, rng)
    db.session.flush()
    aggregate_hours(now - dt.timedelta(days=12), now)
    db.session.commit()
    return Network([p1, p2], districts, offices, now)


@pytest.fixture()
def login(client):
    def do(username: str, password: str = "secret-pass"):
        response = client.post("/login", data={"username": username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return do
