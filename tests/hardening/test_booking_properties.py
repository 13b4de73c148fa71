"""Property tests (hypothesis) over the booking rules, on the real database.

Any sequence of bookings, cancellations and reschedulings between two slots keeps, after every step:
the places taken in each slot equal to its active appointments, never above its capacity; a booking is
refused as full exactly when the slot is full; a cancelled place can be booked again at once.
"""
from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from booking import appointments
from booking.extensions import db
from booking.models import Appointment, TimeSlot
from booking.service_errors import RuleBroken
from tests.citizen.helpers import a_future_slot, national_id

STEPS = st.lists(st.tuples(st.sampled_from(["book", "cancel", "move"]), st.integers(0, 1), st.integers(0, 30)),
                 min_size=1, max_size=25)


def _active(slot_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Appointment).where(
        Appointment.slot_id == slot_id, Appointment.status.in_(appointments.ACTIVE_STATUSES)))


_mobiles = itertools.count(1)


def _mobile() -> str:
    """A different mobile for each booking (a mobile holds at most 3 active appointments)."""
    return f"0912{next(_mobiles):07d}"


@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(capacities=st.tuples(st.integers(0, 3), st.integers(0, 3)), steps=STEPS)
def test_capacity_never_exceeded_and_cancelled_places_return(app, make_office, capacities, steps):
    office = make_office()
    service = office.services[0]
    slots = [a_future_slot(office, index=2), a_future_slot(office, index=3)]
    for slot, capacity in zip(slots, capacities):
        slot.capacity, slot.booked = capacity, 0
    db.session.commit()
    held: list[Appointment] = []
    for action, which, pick in steps:
        slot = slots[which]
        db.session.refresh(slot)
        if action == "book":
            full = slot.booked >= slot.capacity
            try:
                held.append(appointments.book(office, service, slot, national_id(), _mobile()))
                assert not full, "booked into a full slot"
            except RuleBroken as refused:
                assert refused.code == "slot_full" and full
        elif action == "cancel" and held:
            appointment = held.pop(pick % len(held))
            before = db.session.get(TimeSlot, appointment.slot_id).booked
            appointments.cancel(appointment)
            db.session.commit()
            freed = db.session.get(TimeSlot, appointment.slot_id)
            db.session.refresh(freed)
            assert freed.booked == before - 1
            # the place is free again at once: someone else can take it
            held.append(appointments.book(office, service, freed, national_id(), _mobile()))
        elif action == "move" and held:
            appointment = held[pick % len(held)]
            target = slots[1 - slots.index(db.session.get(TimeSlot, appointment.slot_id))]
            db.session.refresh(target)
            full = target.booked >= target.capacity
            try:
                appointments.reschedule(appointment, target)
                assert not full, "moved into a full slot"
            except RuleBroken as refused:
                assert refused.code == "slot_full" and full
        db.session.commit()
        for each in slots:
            db.session.refresh(each)
            assert 0 <= each.booked <= each.capacity
            assert each.booked == _active(each.id)
