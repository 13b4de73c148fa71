"""Waiting at home (booking.remote_queue): joining today's line, the one fair line, leave-at, more time, leaving,
check-in at the office, the messages and the SMS keywords."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from booking import remote_queue
from booking.dates import set_clock, utcnow
from booking.extensions import db
from booking.models import BookingBan, RemoteTicket, SmsMessage
from booking.service_errors import RuleBroken
from offices import queue_ops
from offices.models import QueueTicket
from tests.citizen.helpers import national_id
from tests.clock import FRIDAY, tehran_moment, working_moment


@pytest.fixture()
def office(working_day, make_office, make_service):
    """An office open now (a Tuesday 10:00) with counter 1 open and two walk-ins waiting."""
    service = make_service()
    office = make_office(services=[service], counters=3)
    queue_ops.open_counter(office, 1, None)
    queue_ops.add_walk_in(office, service.code, None)
    queue_ops.add_walk_in(office, service.code, None)
    queue_ops.commit_and_publish(office.id)
    return office


def join(office, n=1, **kwargs):
    remote = remote_queue.join(office, office.services[0], national_id(n), f"0912000{n:04d}", **kwargs)
    queue_ops.commit_and_publish(office.id)
    return remote


def texts(mobile):
    return [m.body for m in db.session.scalars(select(SmsMessage).where(SmsMessage.mobile == mobile)
                                               .order_by(SmsMessage.id))]


def later(minutes):
    set_clock(utcnow() + dt.timedelta(minutes=minutes))


def test_join_gives_a_place_a_forecast_and_a_leave_at(office):
    remote = join(office, origin=(office.lat + 0.02, office.lon))
    shown = remote_queue.status(remote)
    assert remote.ticket.kind == "remote" and remote.ticket.outcome == "waiting"
    assert shown.state == "at_home" and shown.position == 2
    assert 0 < shown.call_p50 <= shown.call_p90
    assert 5 < remote.travel_minutes < 10  # about 2.2 km away
    # Leave-at: the call's 5% quantile less the travel, never in the past.
    _early, leave_in = remote_queue.leave_time_from_forecast(shown.call_mean, shown.call_p90, remote.travel_minutes,
                                                            remote_queue.MISS_RISK)
    assert shown.leave_in == pytest.approx(float(leave_in)) and 0 <= shown.leave_in < shown.call_p50
    assert shown.leave_at == shown.now + dt.timedelta(minutes=shown.leave_in)
    [joined] = texts(remote.mobile)
    assert remote.ticket.number.split("-")[1].translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) in joined
    assert f"/queue/{remote.token}" in joined


def test_without_a_position_the_catchment_gives_the_travel(office, make_office):
    make_office(lat=office.lat + 0.04, lon=office.lon)  # the nearest other office, about 4.4 km north
    remote = join(office)
    assert remote_queue.CATCHMENT_BOUNDS[0] <= remote.travel_minutes <= remote_queue.CATCHMENT_BOUNDS[1]


def test_one_fair_line_a_remote_ticket_is_called_in_its_place_once_here(office):
    remote = join(office)
    service = office.services[0]
    walk_in = queue_ops.add_walk_in(office, service.code, None)  # came in after the remote citizen joined
    db.session.commit()
    first = queue_ops.call_next(office, 1, None)
    queue_ops.finish_service(office, first.id, None)
    second = queue_ops.call_next(office, 1, None)
    queue_ops.finish_service(office, second.id, None)
    # The remote citizen's turn: not here yet, so passed over; the walk-in behind is called.
    third = queue_ops.call_next(office, 1, None)
    db.session.commit()
    assert third.id == walk_in.id
    db.session.refresh(remote)
    assert remote.passed_at is not None and remote.ticket.outcome == "waiting"
    assert remote_queue.status(remote).position == 0
    queue_ops.finish_service(office, third.id, None)
    queue_ops.add_walk_in(office, service.code, None)
    # The holder arrives and is checked in by ticket number: first in line by join time.
    queue_ops.check_in(office, remote.ticket.number, None)
    called = queue_ops.call_next(office, 1, None)
    db.session.commit()
    assert called.id == remote.ticket_id
    assert remote_queue.status(remote).state == "called"
    assert any("1" in t or "۱" in t for t in texts(remote.mobile)[1:])  # "go to counter 1", texted


@pytest.mark.parametrize("how", ["national_id", "token", "qr"])
def test_check_in_by_national_id_or_the_ticket_pages_code(office, how):
    remote = join(office)
    query = {"national_id": remote.national_id, "token": remote.token,
             "qr": f"https://safnama.example/queue/{remote.token}"}[how]
    ticket = queue_ops.check_in(office, query, None)
    db.session.commit()
    assert ticket.id == remote.ticket_id and remote_queue.status(remote).state == "here"
    with pytest.raises(queue_ops.QueueError):
        queue_ops.check_in(office, query, None)


def test_more_time_moves_back_three_places_once(office):
    remote = join(office, 1)
    for n in range(2, 7):
        join(office, n)
    assert remote_queue.status(remote).position == 2
    remote_queue.more_time(remote)
    db.session.commit()
    assert remote_queue.status(remote).position == 5
    with pytest.raises(RuleBroken) as refused:
        remote_queue.more_time(remote)
    assert refused.value.code == "more_time_used"


def test_more_time_at_the_end_of_the_line_keeps_it_last(office):
    remote = join(office)
    remote_queue.more_time(remote)
    db.session.commit()
    assert remote_queue.status(remote).position == 2


def test_leaving_gives_the_place_up(office):
    remote = join(office, 1)
    other = join(office, 2)
    remote_queue.leave(remote)
    db.session.commit()
    assert remote.ticket.outcome == "left" and remote_queue.status(remote).finished
    assert remote_queue.status(other).position == 2
    with pytest.raises(RuleBroken):
        remote_queue.more_time(remote)


def test_fair_access_one_place_per_person_and_mobile_and_bans(office, make_office):
    remote = join(office, 1)
    with pytest.raises(RuleBroken) as twice:
        remote_queue.join(office, office.services[0], remote.national_id, "09120009999")
    assert twice.value.code == "already_in_line"
    with pytest.raises(RuleBroken) as same_mobile:
        remote_queue.join(office, office.services[0], national_id(7), remote.mobile)
    assert same_mobile.value.code == "mobile_in_line"
    db.session.add(BookingBan(national_id=national_id(8), mobile="09120008888", office_id=office.id,
                              province_id=office.district.province_id, no_shows=1, created_at=utcnow(),
                              until=utcnow() + dt.timedelta(days=3), reason="no-show"))
    db.session.commit()
    with pytest.raises(RuleBroken) as banned:
        remote_queue.join(office, office.services[0], national_id(8), "09120008888")
    assert banned.value.code == "no_show_ban"
    assert db.session.scalar(select(db.func.count(RemoteTicket.id))) == 1


def test_no_place_is_given_when_closed(clock, make_office, make_service):
    clock(tehran_moment(FRIDAY, 10))
    office = make_office(services=[make_service()])
    with pytest.raises(RuleBroken) as closed:
        remote_queue.join(office, office.services[0], national_id(1), "09120000001")
    assert closed.value.code == "office_closed"


def test_no_place_is_given_whose_call_would_come_after_closing(clock, make_office, make_service):
    clock(working_moment(14, 0))  # half an hour before closing (14:30)
    service = make_service()
    office = make_office(services=[service], counters=1)
    queue_ops.open_counter(office, 1, None)
    for _ in range(12):
        queue_ops.add_walk_in(office, service.code, None)
    db.session.commit()
    with pytest.raises(RuleBroken) as full:
        remote_queue.join(office, service, national_id(1), "09120000001")
    assert full.value.code == "remote_line_full"
    assert db.session.scalar(select(db.func.count(RemoteTicket.id))) == 0


def test_minute_job_texts_leave_now_and_people_ahead_once(office):
    service = office.services[0]
    for _ in range(6):
        queue_ops.add_walk_in(office, service.code, None)
    queue_ops.commit_and_publish(office.id)
    remote = join(office, origin=(office.lat, office.lon))  # at the office's door: leave-at is the call's early edge
    shown = remote_queue.status(remote)
    assert shown.position == 8 and shown.leave_in > remote_queue.LEAVE_NOTICE_MINUTES
    assert remote_queue.tick() == {"leave_now": 0, "ahead": 0, "lapsed": 0}
    before = len(texts(remote.mobile))
    sent = {"leave_now": 0, "ahead": 0}
    while remote_queue.status(remote).position > 0:  # the line moves: one served at a time
        ticket = queue_ops.call_next(office, 1, None)
        queue_ops.finish_service(office, ticket.id, None)
        queue_ops.commit_and_publish(office.id)
        counts = remote_queue.tick()
        db.session.commit()
        shown = remote_queue.status(remote)
        if counts["leave_now"]:
            assert shown.leave_in <= remote_queue.LEAVE_NOTICE_MINUTES
        if counts["ahead"]:
            assert shown.position <= remote_queue.AHEAD_ALERT
        for key in sent:
            sent[key] += counts[key]
    assert sent == {"leave_now": 1, "ahead": 1}  # once each
    leave_now = [t for t in texts(remote.mobile)[before:] if f"/queue/{remote.token}" in t]
    assert len(leave_now) == 1 and leave_now[0].startswith("صف‌نما")
    assert remote_queue.status(remote).state == "on_the_way"


def test_a_place_passed_over_lapses_after_the_grace(office):
    remote = join(office)
    service = office.services[0]
    for _ in range(2):
        ticket = queue_ops.call_next(office, 1, None)
        queue_ops.finish_service(office, ticket.id, None)
    queue_ops.add_walk_in(office, service.code, None)
    queue_ops.call_next(office, 1, None)  # passes the remote ticket over
    db.session.commit()
    later(31)
    assert remote_queue.tick()["lapsed"] == 1
    db.session.commit()
    assert remote.ticket.outcome == "left"


def test_sms_keywords_join_more_time_status_and_exit(office):
    mobile = "09123330000"
    reply, changed = remote_queue.handle_sms(mobile, f"Q {office.code} {national_id(3)}")
    db.session.commit()
    remote = db.session.scalar(select(RemoteTicket).where(RemoteTicket.mobile == mobile))
    assert remote is not None and remote.channel == "sms" and remote.ticket.number in reply and changed == office.id
    assert "STATUS" not in remote_queue.handle_sms(mobile, "status")[0]
    persian, _ = remote_queue.handle_sms(mobile, "وقت")
    db.session.commit()
    assert remote.more_time_at is not None and "۲" in persian
    assert remote_queue.handle_sms(mobile, "EXIT")[0].startswith("You have left")
    db.session.commit()
    assert remote.ticket.outcome == "left"
    assert remote_queue.handle_sms(mobile, "MORE")[0] == "You hold no place in a line today."
    assert "Q <office code>" in remote_queue.handle_sms(mobile, "hello")[0]


def test_sms_join_is_refused_in_words_when_a_rule_says_no(office):
    from booking.service_errors import ServiceError

    with pytest.raises(ServiceError):
        remote_queue.handle_sms("09123330001", f"Q {office.code} 1234567890")  # a national ID that fails its check
    assert "No office has the code" in remote_queue.handle_sms("09123330001", f"Q 999999 {national_id(4)}")[0]


def test_the_line_with_remote_tickets_is_in_the_live_load(office):
    from offices.live import compute_live_loads

    join(office, 1)
    join(office, 2)
    assert compute_live_loads([office.id])[office.id].waiting == 4
    states = remote_queue.line_states(office.id)
    assert sorted(states.values()) == ["at_home", "at_home"]
    assert db.session.scalar(select(db.func.count(QueueTicket.id)).where(QueueTicket.kind == "remote")) == 2
