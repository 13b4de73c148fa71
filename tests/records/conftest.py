"""A small city for the record and planning tests: four offices with 35 days of tickets (walk-ins and booked
citizens with their appointments), counter shifts and ratings, aggregated by the hourly job's function."""
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
class CityData:
    province: Any
    districts: list[Any]
    offices: list[Any]  # the last one has few visits
    other_city_office: Any
    now: dt.datetime


def add_history(office: Any, service: Any, days: int, now: dt.datetime, rng: random.Random, per_day: tuple[int, int],
                slowness: float) -> None:
    """Tickets for ``office`` on the ``days`` Tehran days up to ``now`` (today included): walk-ins and booked
    citizens (with a slot and an appointment), served, left or no-show; counter shifts; some ratings."""
    from booking.models import Appointment, Feedback, TimeSlot
    from offices.models import CounterShift, QueueTicket

    today = to_tehran(now).date()
    n = 0
    for back in range(days):
        day = today - dt.timedelta(days=back)
        opens = tehran_to_utc(dt.datetime.combine(day, dt.time(7, 30)))
        closes = min(tehran_to_utc(dt.datetime.combine(day, dt.time(13, 30))), now)
        if closes <= opens:
            continue
        db.session.add(CounterShift(office_id=office.id, counter_no=1, opened_at=opens, closed_at=closes))
        for _k in range(rng.randint(*per_day)):
            n += 1
            booked = rng.random() < 0.35
            arrived = opens + dt.timedelta(minutes=rng.uniform(0, (closes - opens).total_seconds() / 60 - 1))
            outcome = rng.choices(["served", "left", "no_show"], [0.85, 0.07, 0.08])[0]
            ticket = QueueTicket(office_id=office.id, service_type_id=service.id, number=f"A-{n:04d}",
                                 kind="booked" if booked else "walk_in", arrived_at=arrived, outcome=outcome)
            if booked:
                slot_start = arrived + dt.timedelta(minutes=rng.uniform(-5, 15))
                slot_start = slot_start.replace(second=0, microsecond=0)
                slot = TimeSlot(office_id=office.id, starts_at=slot_start + dt.timedelta(seconds=n % 60),
                                minutes=15, capacity=1, booked=1)
                db.session.add(slot)
                db.session.flush()
                appointment = Appointment(tracking_code=f"T{office.id}-{n}", national_id="0499370899",
                                          mobile="09123456789", office_id=office.id, service_type_id=service.id,
                                          slot_id=slot.id, status="served" if outcome == "served" else "no_show")
                db.session.add(appointment)
                db.session.flush()
                ticket.appointment_id = appointment.id
            if outcome == "served":
                ticket.started_at = arrived + dt.timedelta(minutes=rng.expovariate(1 / slowness))
                ticket.ended_at = ticket.started_at + dt.timedelta(minutes=rng.uniform(3, 15))
                ticket.called_at, ticket.counter_no = ticket.started_at, 1
            elif outcome == "no_show":
                ticket.called_at = arrived + dt.timedelta(minutes=5)
            else:
                ticket.ended_at = arrived + dt.timedelta(minutes=30)
            db.session.add(ticket)
            db.session.flush()
            if outcome == "served" and rng.random() < 0.3 and ticket.ended_at <= now:
                db.session.add(Feedback(office_id=office.id, ticket_id=ticket.id, rating=rng.randint(1, 5),
                                        created_at=ticket.ended_at + dt.timedelta(minutes=2)))


@pytest.fixture()
def city_data(app, clock, make_province, make_office, make_service) -> CityData:
    """Province THR, city Tehran in two judicial districts: offices with 6, 12 and 20 minutes' typical wait
    (plenty of visits) and a fourth with fewer than 50 visits in 30 days; plus an office in another city."""
    from offices.models import District
    from offices.stats import aggregate_hours

    rng = random.Random(11)
    service = make_service()
    now = clock(working_moment(hour=12))  # noon on a working day
    province = make_province(code="THR", name_fa="تهران", name_en="Tehran", lat=35.7, lon=51.4)
    districts = [District(province=province, code=code, name_fa=f"حوزه {k}", name_en=f"District {k}",
                          city_fa="تهران", city_en="Tehran", lat=lat, lon=lon)
                 for k, (code, lat, lon) in enumerate((("THR-01", 35.76, 51.37), ("THR-02", 35.69, 51.42)), 1)]
    karaj = District(province=province, code="THR-09", name_fa="حوزه کرج", name_en="Karaj district",
                     city_fa="کرج", city_en="Karaj", lat=35.83, lon=50.99)
    db.session.add_all(districts + [karaj])
    db.session.flush()
    offices = [make_office(district=districts[0], services=[service], counters=3, lat=35.76, lon=51.36,
                           name_fa="دفتر کند", name_en="Slow office"),
               make_office(district=districts[0], services=[service], counters=2, lat=35.75, lon=51.40,
                           name_fa="دفتر تند", name_en="Fast office"),
               make_office(district=districts[1], services=[service], counters=4, lat=35.69, lon=51.43,
                           name_fa="دفتر میانه", name_en="Middle office"),
               make_office(district=districts[1], services=[service], counters=2, lat=35.68, lon=51.40,
                           name_fa="دفتر کم‌مراجعه", name_en="Quiet office")]
    other = make_office(district=karaj, services=[service], counters=2, lat=35.83, lon=50.99)
    for office, per_day, slowness in ((offices[0], (8, 14), 20.0), (offices[1], (8, 14), 6.0),
                                      (offices[2], (8, 14), 12.0), (offices[3], (0, 2), 5.0), (other, (5, 9), 9.0)):
        add_history(office, service, 35, now, rng, per_day, slowness)
    db.session.flush()
    aggregate_hours(now - dt.timedelta(days=36), now)
    db.session.commit()
    return CityData(province, districts, offices, other, now)


@pytest.fixture()
def login(client):
    def do(username: str, password: str = "secret-pass"):
        response = client.post("/login", data={"username": username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return do
