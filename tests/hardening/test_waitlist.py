"""The waitlist: join a full slot or day, offers in order when a place frees (cancellation, move, capacity
raised), held for the hold time then passed on, accepted once: a place is never given twice."""
from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from booking import appointments, slots, waitlist
from booking.dates import utcnow
from booking.extensions import db
from booking.models import Appointment, SmsMessage, TimeSlot, WaitlistEntry
from booking.service_errors import RuleBroken
from tests.citizen.helpers import a_future_slot, future_open_day, national_id


def _mobile(nid: str) -> str:
    return "0912" + nid[-7:]


def _book(office, slot, nid=None):
    nid = nid or national_id()
    return appointments.book(office, office.services[0], slot, nid, _mobile(nid))


def _full_slot(office, capacity: int = 1):
    slot = a_future_slot(office)
    slot.capacity, slot.booked = capacity, 0
    db.session.flush()
    held = [_book(office, slot) for _ in range(capacity)]
    return slot, held


def _join(office, slot=None, day=None):
    nid = national_id()
    return waitlist.join(office, office.services[0], nid, _mobile(nid), slot=slot, day=day)


def _token(entry) -> str:
    db.session.refresh(entry)
    return entry.offer_token


def assert_places_add_up(slot_id: int) -> None:
    """The places taken are the active appointments plus the places held for offers, within capacity."""
    db.session.expire_all()
    slot = db.session.get(TimeSlot, slot_id)
    active = db.session.scalar(select(func.count(Appointment.id)).where(
        Appointment.slot_id == slot_id, Appointment.status.in_(appointments.ACTIVE_STATUSES)))
    held = db.session.scalar(select(func.count(WaitlistEntry.id)).where(
        WaitlistEntry.offered_slot_id == slot_id, WaitlistEntry.status == "offered"))
    assert slot.booked == active + held <= slot.capacity


def test_offers_go_in_order_held_then_passed_on(app, clock, make_office) -> None:
    office = make_office()
    slot, (booked,) = _full_slot(office)
    first, second, third = _join(office, slot), _join(office, slot), _join(office, slot)
    assert [waitlist.position(e) for e in (first, second, third)] == [1, 2, 3]
    db.session.commit()
    appointments.cancel(booked)
    db.session.commit()
    assert [e.status for e in (first, second, third)] == ["offered", "waiting", "waiting"]
    sms = db.session.scalar(select(SmsMessage).where(SmsMessage.purpose == "waitlist_offer"))
    assert sms.mobile == first.mobile and f"/waitlist/offers/{first.offer_token}" in sms.body
    assert_places_add_up(slot.id)
    with pytest.raises(RuleBroken) as caught:  # the held place is nobody else's
        _book(office, slot)
    assert caught.value.code == "slot_full"
    db.session.rollback()
    # the hold (15 minutes by default) passes: the place goes to the second in line
    clock(utcnow() + dt.timedelta(minutes=16))
    assert waitlist.tick() == {"expired": 1, "offered": 0}
    db.session.commit()
    db.session.expire_all()
    assert [e.status for e in (first, second, third)] == ["expired", "offered", "waiting"]
    with pytest.raises(RuleBroken) as caught:
        appointments.accept_offer(first.offer_token)
    assert caught.value.code == "offer_gone"
    appointment = appointments.accept_offer(second.offer_token)
    db.session.commit()
    assert appointment.slot_id == slot.id and appointment.national_id == second.national_id
    assert appointments.accept_offer(second.offer_token).id == appointment.id  # twice: the same appointment
    assert_places_add_up(slot.id)
    assert db.session.get(WaitlistEntry, third.id).status == "waiting"


def test_a_move_away_and_a_capacity_raised_free_places(app, make_office) -> None:
    office = make_office()
    slot, (moving,) = _full_slot(office)
    first, second = _join(office, slot), _join(office, slot)
    other = slots.ensure_slots(office, future_open_day(office))[5]
    appointments.reschedule(moving, other)
    db.session.commit()
    assert first.status == "offered" and second.status == "waiting"
    db.session.get(TimeSlot, slot.id).capacity = 2  # a counter added
    db.session.commit()
    assert waitlist.tick()["offered"] == 1
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(WaitlistEntry, second.id).status == "offered"
    assert_places_add_up(slot.id)


def test_a_full_day_waitlist_gets_any_freed_slot(app, make_office) -> None:
    office = make_office()
    day = future_open_day(office)
    day_slots = slots.ensure_slots(office, day)
    for s in day_slots:
        s.capacity, s.booked = 1, 1
    db.session.flush()
    with pytest.raises(RuleBroken) as caught:
        _join(office, slot=a_future_slot(office, skip=2))  # a slot with places: book it instead
    assert caught.value.code == "places_left"
    entry = _join(office, day=day)
    with pytest.raises(RuleBroken) as caught:
        waitlist.join(office, office.services[0], entry.national_id, entry.mobile, day=day)
    assert caught.value.code == "already_waiting"
    day_slots[7].capacity = 2
    db.session.flush()
    waitlist.offer_free_places(day_slots[7].id)
    assert entry.status == "offered" and entry.offered_slot_id == day_slots[7].id


def test_two_accepts_of_one_offer_racing_book_once(app, make_office) -> None:
    office = make_office()
    slot, (booked,) = _full_slot(office)
    entry = _join(office, slot)
    db.session.commit()
    appointments.cancel(booked)
    db.session.commit()
    token, slot_id = _token(entry), slot.id
    outcomes: list[str] = []
    barrier = threading.Barrier(6)
    lock = threading.Lock()

    def accept() -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                code = appointments.accept_offer(token).tracking_code
                db.session.commit()
                result = code
            except RuleBroken as error:
                db.session.rollback()
                result = error.code
            except Exception as error:  # noqa: BLE001 - e.g. a serialisation failure: reported below
                db.session.rollback()
                result = f"error: {error!r}"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=accept) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    db.session.expire_all()
    made = db.session.scalar(select(func.count(Appointment.id)).where(Appointment.slot_id == slot_id,
                                                                      Appointment.status == "booked"))
    assert made == 1, outcomes
    assert all(not o.startswith("error") or "database is locked" in o or "could not serialize" in o
               for o in outcomes), outcomes
    assert_places_add_up(slot_id)


def test_an_accept_racing_the_expiry_gives_the_place_once(app, clock, make_office) -> None:
    office = make_office()
    slot, (booked,) = _full_slot(office)
    first, second = _join(office, slot), _join(office, slot)
    db.session.commit()
    appointments.cancel(booked)
    db.session.commit()
    token = _token(first)
    at = first.offer_expires_at
    # the accept comes a moment before the end of the hold, the expiry run a moment after it
    appointments.accept_offer(token, now=at - dt.timedelta(seconds=1))
    db.session.commit()
    assert waitlist.expire_offers(at + dt.timedelta(seconds=1)) == 0
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(WaitlistEntry, second.id).status == "waiting"
    assert_places_add_up(slot.id)


def test_waitlist_through_the_api(client, make_office, make_service) -> None:
    office = make_office(code="WL01", services=[make_service(code="WS")])
    slot, (booked,) = _full_slot(office)
    db.session.commit()
    nid, mobile = national_id(), "09127654321"
    assert client.post("/api/otp", json={"mobile": mobile}).status_code == 202
    code = re.search(r"(\d{6})", db.session.scalar(select(SmsMessage.body).where(
        SmsMessage.mobile == mobile, SmsMessage.purpose == "otp").order_by(SmsMessage.id.desc()))).group(1)
    joined = client.post("/api/waitlist", json={"office": "WL01", "service": "WS", "slot_id": slot.id,
                                                "national_id": nid, "mobile": mobile, "otp": code})
    assert joined.status_code == 201 and joined.get_json()["position"] == 1, joined.get_json()
    assert client.post("/api/waitlist", json={"office": "WL01", "service": "WS", "national_id": nid,
                                              "mobile": mobile, "otp": "123456"}).status_code == 422
    # The booked citizen cancels (proving it with a code texted to their mobile): the place goes to the waitlist.
    assert client.post("/api/otp", json={"mobile": booked.mobile, "purpose": "cancel"}).status_code == 202
    cancel_code = re.search(r"(\d{6})", db.session.scalar(select(SmsMessage.body).where(
        SmsMessage.mobile == booked.mobile, SmsMessage.purpose == "otp").order_by(SmsMessage.id.desc()))).group(1)
    assert client.delete(f"/api/appointments/{booked.tracking_code}", headers={"X-OTP": cancel_code}).status_code == 200
    token = db.session.scalar(select(WaitlistEntry.offer_token).where(WaitlistEntry.national_id == nid))
    offer = client.get(f"/api/waitlist/offers/{token}").get_json()
    assert offer["status"] == "offered" and offer["office"] == "WL01"
    assert client.get("/api/waitlist/offers/nope").status_code == 404
    accepted = client.post(f"/api/waitlist/offers/{token}/accept")
    assert accepted.status_code == 201 and accepted.get_json()["status"] == "booked"
    assert client.post("/api/waitlist/offers/nope/accept").status_code == 404
    assert_places_add_up(slot.id)


STEPS = st.lists(st.tuples(st.sampled_from(["book", "cancel", "join", "expire", "accept"]), st.integers(0, 50)),
                 min_size=1, max_size=14)


@settings(max_examples=20, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(capacity=st.integers(1, 2), steps=STEPS)
def test_any_sequence_keeps_every_place_given_once(app, make_office, capacity, steps) -> None:
    """Bookings, cancellations, joins, expiries and accepts in any order: after every step the places taken
    are the appointments plus the held offers, within capacity, and no entry has two appointments."""
    office = make_office()
    slot, held = _full_slot(office, capacity)
    db.session.commit()
    minutes = 0
    for action, pick in steps:
        now = utcnow() + dt.timedelta(minutes=minutes)
        try:
            if action == "book":
                held.append(_book(office, slot))
            elif action == "cancel" and held:
                appointments.cancel(held.pop(pick % len(held)), now=now)
            elif action == "join":
                _join(office, slot)
            elif action == "expire":
                minutes += 16
                waitlist.tick(utcnow() + dt.timedelta(minutes=minutes))
            elif action == "accept":
                offered = db.session.scalars(select(WaitlistEntry).where(WaitlistEntry.status == "offered")).all()
                if offered:
                    held.append(appointments.accept_offer(offered[pick % len(offered)].offer_token, now=now))
            db.session.commit()
        except RuleBroken:
            db.session.rollback()
        assert_places_add_up(slot.id)
    made = db.session.scalars(select(WaitlistEntry.appointment_id).where(
        WaitlistEntry.appointment_id.is_not(None))).all()
    assert len(made) == len(set(made))
