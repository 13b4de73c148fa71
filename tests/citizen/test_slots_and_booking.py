"""Slots (days, capacity) and the booking rules, on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from booking import appointments, slots
from booking.dates import iran_weekday, to_tehran, utcnow
from booking.extensions import db
from booking.models import Appointment, TimeSlot
from booking.service_errors import InvalidInput, RuleBroken
from offices.models import Closure
from tests.citizen.helpers import a_future_slot, future_open_day, national_id

MOBILE = "09123456789"


def test_capacity_formula() -> None:
    # 3 counters x 15 min / 10 min = 4.5 places, less 30% for walk-ins = 3.15 -> 3
    assert slots.slot_capacity(3, 15, 10.0, 0.3) == 3
    assert slots.slot_capacity(4, 30, 10.0, 0.0) == 12
    assert slots.slot_capacity(1, 15, 20.0, 0.5) == 0


def test_open_days_skip_fridays_holidays_and_closures(app, make_office) -> None:
    office = make_office()
    start = to_tehran(utcnow()).date() + dt.timedelta(days=1)
    days = slots.open_days(office, start)
    assert len(days) == 14 and all(iran_weekday(d) != 6 for d in days)
    db.session.add(Closure(office_id=None, day=days[0], reason_fa="تعطیل", reason_en="Holiday"))
    db.session.add(Closure(office_id=office.id, day=days[1], reason_fa="بسته", reason_en="Closed"))
    db.session.flush()
    after = slots.open_days(office, start)
    assert days[0] not in after and days[1] not in after and len(after) == 14
    assert slots.ensure_slots(office, days[0]) == []


def test_slots_follow_opening_hours_and_capacity(app, make_office, make_service) -> None:
    office = make_office(counters=3, services=[make_service(typical_minutes=10.0)])
    day = future_open_day(office)
    made = slots.ensure_slots(office, day)
    expected = 28 if iran_weekday(day) < 5 else 18  # 07:30-14:30 or 07:30-12:00 in 15-minute slots
    assert len(made) == expected
    assert {s.capacity for s in made} == {3}
    assert to_tehran(made[0].starts_at).time() == dt.time(7, 30)
    assert slots.ensure_slots(office, day) == made  # idempotent
    views = slots.day_slots(office, day)
    assert all(v.state == "open" and v.remaining == 3 and v.wait_minutes is not None for v in views)


def test_database_refuses_overbooking(app, make_office) -> None:
    office = make_office()
    slot = a_future_slot(office)
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(update(TimeSlot).where(TimeSlot.id == slot.id).values(booked=slot.capacity + 1))
        db.session.flush()
    db.session.rollback()


def _book(office, slot, nid=None, mobile=None):
    nid = nid or national_id()
    # one mobile per person: a mobile holds at most 3 active appointments (booking.fair_access)
    return appointments.book(office, office.services[0], slot, nid, mobile or "0912" + nid[-7:])


def test_book_cancel_frees_the_place(app, make_office) -> None:
    office = make_office()
    slot = a_future_slot(office)
    appointment = _book(office, slot)
    db.session.commit()
    assert len(appointment.tracking_code) == 10 and appointment.status == "booked"
    assert db.session.get(TimeSlot, slot.id).booked == 1
    assert [c.to_status for c in appointment.changes] == ["booked"]
    appointments.cancel(appointment)
    db.session.commit()
    assert db.session.get(TimeSlot, slot.id).booked == 0
    assert [c.to_status for c in appointment.changes] == ["booked", "cancelled"]
    with pytest.raises(RuleBroken):
        appointments.cancel(appointment)


def test_full_slot_is_refused(app, make_office) -> None:
    office = make_office()
    slot = a_future_slot(office)
    for _ in range(slot.capacity):
        _book(office, slot)
    with pytest.raises(RuleBroken) as caught:
        _book(office, slot)
    assert caught.value.code == "slot_full"


def test_at_most_three_active_and_one_per_service_per_day(app, make_office, make_service) -> None:
    s1, s2 = make_service(), make_service()
    office = make_office(services=[s1, s2])
    nid = national_id()
    day1, day2 = future_open_day(office, 1), future_open_day(office, 2)
    day1_slots, day2_slots = slots.ensure_slots(office, day1), slots.ensure_slots(office, day2)
    appointments.book(office, s1, day1_slots[0], nid, MOBILE)
    with pytest.raises(RuleBroken) as caught:
        appointments.book(office, s1, day1_slots[4], nid, MOBILE)
    assert caught.value.code == "one_per_service_per_day"
    appointments.book(office, s2, day1_slots[4], nid, MOBILE)
    third = appointments.book(office, s1, day2_slots[0], nid, MOBILE)
    with pytest.raises(RuleBroken) as caught:
        appointments.book(office, s2, day2_slots[3], nid, MOBILE)
    assert caught.value.code == "too_many_active"
    appointments.cancel(third)
    appointments.book(office, s2, day2_slots[3], nid, MOBILE)


def test_past_closed_and_foreign_slots_are_refused(app, make_office) -> None:
    office, other = make_office(), make_office()
    past = TimeSlot(office_id=office.id, starts_at=utcnow() - dt.timedelta(hours=1), minutes=15, capacity=3,
                    booked=0)
    odd = TimeSlot(office_id=office.id, starts_at=utcnow() + dt.timedelta(days=1, minutes=7), minutes=15,
                   capacity=3, booked=0)
    db.session.add_all([past, odd])
    db.session.flush()
    with pytest.raises(RuleBroken) as caught:
        _book(office, past)
    assert caught.value.code == "slot_past"
    with pytest.raises(RuleBroken) as caught:
        _book(office, odd)
    assert caught.value.code in ("outside_hours", "office_closed")
    with pytest.raises(InvalidInput) as caught:
        _book(office, a_future_slot(other))
    assert caught.value.code == "slot_other_office"
    slot = a_future_slot(office)
    db.session.add(Closure(office_id=office.id, day=to_tehran(slot.starts_at).date(), reason_fa="x", reason_en="x"))
    db.session.flush()
    with pytest.raises(RuleBroken) as caught:
        _book(office, slot)
    assert caught.value.code == "office_closed"


def test_reschedule_moves_the_place(app, make_office) -> None:
    office = make_office()
    first, second = slots.ensure_slots(office, future_open_day(office))[:2]
    appointment = _book(office, first)
    appointments.reschedule(appointment, second)
    db.session.commit()
    assert db.session.get(TimeSlot, first.id).booked == 0 and db.session.get(TimeSlot, second.id).booked == 1
    assert appointment.slot_id == second.id


def test_tracking_codes_are_unique_and_unguessable() -> None:
    codes = {appointments.new_tracking_code() for _ in range(5000)}
    assert len(codes) == 5000
    assert all(len(c) == 10 and set(c) <= set(appointments.CODE_ALPHABET) for c in codes)


def test_hundred_simultaneous_bookings_for_the_last_three_places(app, make_office) -> None:
    office = make_office(counters=8)
    slot = a_future_slot(office)
    slot.booked = slot.capacity - 3
    db.session.commit()
    office_id, slot_id = office.id, slot.id
    ids = [national_id() for _ in range(100)]
    barrier = threading.Barrier(100)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(nid: str) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                from offices.models import Office

                o = db.session.get(Office, office_id)
                s = db.session.get(TimeSlot, slot_id)
                appointments.book(o, o.services[0], s, nid, "0912" + nid[-7:])
                db.session.commit()
                result = "booked"
            except RuleBroken as error:
                db.session.rollback()
                result = error.code
            except Exception as error:  # noqa: BLE001 - reported below
                db.session.rollback()
                result = f"error: {error!r}"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(nid,)) for nid in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(set(outcomes)) == ["booked", "slot_full"], outcomes
    assert outcomes.count("booked") == 3
    db.session.expire_all()
    assert db.session.get(TimeSlot, slot_id).booked == db.session.get(TimeSlot, slot_id).capacity
    assert db.session.scalar(select(db.func.count(Appointment.id))) == 3


def test_booking_page_reads_a_kept_copy_of_the_office_and_a_post_reads_it_afresh(app, client, working_day,
                                                                                   make_office) -> None:
    """A visitor's booking page merges the office kept by the process (as its card is kept) rather than
    loading it again: the same page, no query of the offices; a form posted loads the office afresh."""
    from tests.test_query_budgets import counting

    office = make_office(counters=2)
    db.session.commit()
    page, name = f"/offices/{office.code}/book", office.name_fa
    first = client.get(page)
    assert first.status_code == 200
    with counting(app) as statements:
        again = client.get(page)
    assert again.status_code == 200
    assert not [s for s in statements if "FROM offices" in s]
    # The same page but for the visitor's form token.
    strip = re.compile(rb'name="csrf_token" value="[^"]*"')
    assert strip.sub(b"", again.data) == strip.sub(b"", first.data)
    assert name.encode() in again.data and b'class="slot state-' in again.data
    with counting(app) as statements:
        posted = client.post(page, data={"action": "edit"})
    assert posted.status_code == 200
    assert [s for s in statements if "FROM offices" in s]
    # Any code may be asked: only offices that exist are kept.
    assert client.get("/offices/999999/book").status_code == 404
    assert set(app.extensions["safnama.office_rows"]) == {page.split("/")[2]}
