"""Queue operations and the call policy, on the real databases and Redis."""
from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import refresh
from sqlalchemy import select

from booking.dates import utcnow
from booking.extensions import db
from offices import queue_ops
from offices.call_policy import Candidate, call_order, in_grace_window
from offices.live import LiveLoad, read_live_loads, rebuild_live_state
from offices.models import QueueEvent, QueueTicket


def make_appointment(office, service, starts_at, national_id="0012345679", mobile="09121234567", code="TRK1"):
    from booking.models import Appointment, TimeSlot

    slot = TimeSlot(office_id=office.id, starts_at=starts_at, minutes=15, capacity=5, booked=1)
    db.session.add(slot)
    db.session.flush()
    appointment = Appointment(tracking_code=code, national_id=national_id, mobile=mobile, office_id=office.id,
                              service_type_id=service.id, slot_id=slot.id, status="booked", created_at=utcnow() - dt.timedelta(days=2))
    db.session.add(appointment)
    db.session.flush()
    return appointment


# ------------------------------------------------------------------ policy (pure)

def test_call_order_puts_booked_in_grace_window_first_then_arrival_order():
    now = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.timezone.utc)
    m = lambda minutes: now + dt.timedelta(minutes=minutes)  # noqa: E731
    walk_early = Candidate(1, "walk_in", m(-40))
    walk_late = Candidate(2, "walk_in", m(-5))
    booked_now = Candidate(3, "booked", m(-1), slot_start=m(5))
    booked_too_late = Candidate(4, "booked", m(-30), slot_start=m(-60))  # slot long gone: joins by arrival
    booked_earlier_slot = Candidate(5, "booked", m(-2), slot_start=m(-10))
    order = [c.ticket_id for c in call_order([walk_early, walk_late, booked_now, booked_too_late,
                                              booked_earlier_slot], now)]
    assert order == [5, 3, 1, 4, 2]


# ------------------------------------------------------------------ operations

def test_walk_ins_get_per_service_numbers(make_office, make_service):
    a, b = make_service(letter="Q"), make_service(letter="R")
    office = make_office(services=[a, b])
    numbers = [queue_ops.add_walk_in(office, s.code, None).number for s in (a, a, b, a)]
    assert numbers == ["Q-001", "Q-002", "R-001", "Q-003"]


def test_check_in_call_finish_and_events(make_office, make_service):
    service = make_service(letter="S")
    office = make_office(services=[service], counters=2)
    appointment = make_appointment(office, service, utcnow() + dt.timedelta(minutes=5))
    walk = queue_ops.add_walk_in(office, service.code, None)
    booked = queue_ops.check_in(office, appointment.national_id, None)
    assert appointment.status == "checked_in"
    with pytest.raises(queue_ops.QueueError):
        queue_ops.call_next(office, 1, None)  # counter closed
    queue_ops.open_counter(office, 1, None)
    called = queue_ops.call_next(office, 1, None)
    assert called.id == booked.id  # booked within the grace window goes first
    with pytest.raises(queue_ops.QueueError):
        queue_ops.call_next(office, 1, None)  # counter busy
    queue_ops.start_service(office, called.id, None)
    queue_ops.finish_service(office, called.id, None)
    assert appointment.status == "served"
    assert queue_ops.call_next(office, 1, None).id == walk.id
    kinds = [e.kind for e in db.session.scalars(select(QueueEvent).order_by(QueueEvent.id))]
    assert kinds == ["walk_in", "check_in", "counter_open", "call", "start", "finish", "call"]


def test_check_in_by_tracking_code_and_unknown_code(working_day, make_office, make_service):
    service = make_service()
    office = make_office(services=[service])
    make_appointment(office, service, utcnow() + dt.timedelta(minutes=30), code="ABCD2345")
    assert queue_ops.check_in(office, "abcd-2345", None).kind == "booked"
    with pytest.raises(queue_ops.NotFound):
        queue_ops.check_in(office, "ZZZZ9999", None)
    with pytest.raises(queue_ops.QueueError):
        queue_ops.check_in(office, "ABCD2345", None)  # already checked in


def test_two_counters_never_get_the_same_ticket(make_office, make_service):
    service = make_service()
    office = make_office(services=[service], counters=3)
    ticket = queue_ops.add_walk_in(office, service.code, None)
    for no in (1, 2):
        queue_ops.open_counter(office, no, None)
    db.session.commit()
    # A second session (another desk) takes the ticket first.
    from sqlalchemy.orm import Session

    with Session(db.engine) as other:
        other.execute(QueueTicket.__table__.update().where(QueueTicket.id == ticket.id)
                      .values(outcome="called", counter_no=2))
        other.commit()
    assert queue_ops.call_next(office, 1, None) is None  # the stale candidate is not taken twice
    db.session.refresh(ticket)
    assert ticket.counter_no == 2


def test_send_back_transfer_no_show_and_undo(make_office, make_service):
    a, b = make_service(letter="T"), make_service(letter="U")
    office = make_office(services=[a, b])
    queue_ops.open_counter(office, 1, None)
    first = queue_ops.add_walk_in(office, a.code, None)
    second = queue_ops.add_walk_in(office, a.code, None)
    queue_ops.call_next(office, 1, None)
    queue_ops.send_back(office, first.id, None)
    assert first.outcome == "waiting" and first.counter_no is None
    queue_ops.transfer(office, second.id, b.code, None)
    assert second.number == "U-001"
    queue_ops.undo_last(office, None)  # undo the transfer
    db.session.refresh(second)
    assert second.number == "T-002" and second.service_type_id == a.id
    queue_ops.call_next(office, 1, None)
    queue_ops.mark_no_show(office, first.id, None)
    assert first.outcome == "no_show"
    queue_ops.undo_last(office, None)
    db.session.refresh(first)
    assert first.outcome == "called" and first.counter_no == 1
    with pytest.raises(queue_ops.QueueError):
        queue_ops.close_counter(office, 1, None)  # still serving


def test_undo_only_within_a_minute(make_office, make_service):
    service = make_service()
    office = make_office(services=[service])
    queue_ops.add_walk_in(office, service.code, None)
    with pytest.raises(queue_ops.QueueError):
        queue_ops.undo_last(office, None, now=utcnow() + dt.timedelta(seconds=61))
    queue_ops.undo_last(office, None)
    assert db.session.scalar(select(QueueTicket.outcome)) == "left"


# ------------------------------------------------------------------ live load

def test_live_load_follows_operations_and_survives_a_flush(working_day, app, make_office, make_service):
    from booking.redis_conn import get_redis

    service = make_service(code="sana", letter="V")
    office = make_office(services=[service], counters=2)
    queue_ops.open_counter(office, 1, None)
    for _ in range(4):
        queue_ops.add_walk_in(office, service.code, None)
    queue_ops.call_next(office, 1, None)
    queue_ops.commit_and_publish(office.id)
    load = read_live_loads([office.id])[office.id]
    assert (load.waiting, load.in_service, load.counters_open) == (3, 1, 1)
    assert load.waiting_by_service == {"sana": 3}
    assert load.wait_p50 > 0 and load.wait_p90 >= load.wait_p50 and not load.stale
    assert load.level in ("quiet", "moderate", "busy", "very_busy")
    get_redis().flushdb()
    assert rebuild_live_state() == 1
    raw = get_redis().get(f"live:{office.id}")
    assert LiveLoad.from_json(raw).waiting == 3


def test_live_load_counts_the_booked_citizens_who_go_before_one_booked_now(working_day, app, make_office,
                                                                           make_service):
    """The forecast of a booked citizen coming now starts from them: those of earlier slots and of the slot
    starting now, waiting inside their window; not walk-ins, not those of a later slot come early, not one
    whose window has closed (they wait as walk-ins)."""
    from booking.redis_conn import get_redis

    service = make_service(code="sana", letter="W")
    office = make_office(services=[service], counters=2)
    now = utcnow()
    slots = {"earlier": -10, "now": 5, "later": 14, "closed": -40}
    for name, minutes in slots.items():
        appointment = make_appointment(office, service, now + dt.timedelta(minutes=minutes),
                                       national_id=f"00123456{len(name):02d}", code=f"TRK{name[:3].upper()}")
        queue_ops.check_in(office, appointment.tracking_code, None)
    queue_ops.add_walk_in(office, service.code, None)
    queue_ops.commit_and_publish(office.id)
    load = read_live_loads([office.id])[office.id]
    late = dt.timedelta(minutes=15)  # each window closes 15 minutes after the slot's start
    assert load.waiting == 5
    assert load.booked_windows_close == pytest.approx([(now + dt.timedelta(minutes=m) + late).timestamp()
                                                       for m in (slots["earlier"], slots["now"])])
    # a stored load of another version (a field it does not know, or one it lacks) is still read
    stored = LiveLoad.from_json(get_redis().get(f"live:{office.id}").decode().replace('"stale"', '"x"')
                                .replace("{", '{"retired_field":1,', 1))
    assert stored.booked_windows_close == load.booked_windows_close


def test_a_live_load_written_on_an_earlier_day_is_not_read_as_todays(clock, app, make_office, make_service):
    """Yesterday evening's line (twenty waiting at closing) is not this morning's, even if no job has run since
    to write the load again: it is made again from today's tickets."""
    from booking.redis_conn import get_redis
    from tests.clock import TUESDAY, WEDNESDAY, tehran_moment

    service = make_service(code="sana", letter="Y")
    office = make_office(services=[service], counters=2)
    clock(tehran_moment(TUESDAY, 15, 50))
    queue_ops.open_counter(office, 1, None)
    for _ in range(20):
        queue_ops.add_walk_in(office, service.code, None)
    queue_ops.commit_and_publish(office.id)
    assert read_live_loads([office.id])[office.id].waiting == 20
    clock(tehran_moment(WEDNESDAY, 8, 0))
    assert get_redis().get(f"live:{office.id}") is not None  # still kept (an hour's TTL in Redis)
    morning = read_live_loads([office.id])[office.id]
    assert morning.waiting == 0 and not morning.stale


def test_live_load_without_redis_is_computed_and_stale(app, make_office, make_service):
    service = make_service()
    office = make_office(services=[service])
    queue_ops.add_walk_in(office, service.code, None)
    db.session.commit()
    app.extensions["safnama.redis"]._client = __import__("redis").Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    try:
        queue_ops.publish(office.id)  # must not raise
        load = read_live_loads([office.id])[office.id]
    finally:
        app.extensions["safnama.redis"]._client = None
    assert load.waiting == 1 and load.stale


def test_ticket_page_says_which_counter_once_called(app, client, make_office, make_service):
    service = make_service(letter="S")
    office = make_office(services=[service], counters=3)
    appointment = make_appointment(office, service, utcnow() + dt.timedelta(minutes=5), code="CALL2345")
    queue_ops.check_in(office, appointment.national_id, None)
    queue_ops.open_counter(office, 3, None)
    db.session.commit()
    waiting = client.get("/ticket/CALL2345?lang=en").get_data(as_text=True)
    assert "go to counter" not in waiting
    queue_ops.call_next(office, 3, None)
    db.session.commit()
    english = client.get("/ticket/CALL2345?lang=en").get_data(as_text=True)
    assert "Your turn: go to counter 3." in english
    refresh()  # the test's application context outlives the requests: forget the locale chosen above
    persian = client.get("/ticket/CALL2345?lang=fa").get_data(as_text=True)
    assert "به باجه ۳ بروید" in persian


def test_the_call_windows_follow_the_configuration(app):
    now = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.timezone.utc)
    slot = now + dt.timedelta(minutes=12)
    assert in_grace_window(slot, now)  # 15 minutes early by default
    app.config["QUEUE_EARLY_GRACE_MINUTES"] = 10
    assert not in_grace_window(slot, now)
    order = call_order([Candidate(1, "walk_in", now - dt.timedelta(minutes=5)),
                                  Candidate(2, "booked", now - dt.timedelta(minutes=1), slot_start=slot)], now)
    assert [c.ticket_id for c in order] == [1, 2]  # too early now: joins by arrival
