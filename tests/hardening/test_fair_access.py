"""Fair access to online booking: the province's rules at booking and rescheduling, the API and the pages,
supervisors changing them, and the no-show ban (SMS, refusal until the date, lifting with a reason)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from booking import appointments, fair_access, slots
from booking.audit import AuditEntry
from booking.dates import jalali_date, persian_digits, utcnow
from booking.extensions import db
from booking.models import BookingBan, SmsMessage
from booking.service_errors import InvalidInput, NotFound, RuleBroken
from offices import jobs, queue_ops
from offices.models import Province
from tests.citizen.helpers import future_open_day, national_id
from tests.hardening.conftest import log_in

MOBILE = "09121234567"


def _day_slots(office, skip: int = 1):
    return slots.ensure_slots(office, future_open_day(office, skip))


def _province(office) -> Province:
    return office.district.province


def _set_rules(office, **changes) -> None:
    values = dict(fair_access.DEFAULTS.__dict__, **changes)
    fair_access.save_rules(_province(office), {k: str(v) for k, v in values.items()}, None)


# ---------------------------------------------------------------------------------------------- the rules

def test_two_bookings_per_person_per_office_per_day_by_default(app, make_office, make_service) -> None:
    s1, s2, s3, s4 = make_service(), make_service(), make_service(), make_service()
    office = make_office(services=[s1, s2, s3])
    other = make_office(services=[s4])
    day = _day_slots(office)
    nid = national_id()
    appointments.book(office, s1, day[0], nid, MOBILE)
    second = appointments.book(office, s2, day[2], nid, MOBILE)
    with pytest.raises(RuleBroken) as caught:
        appointments.book(office, s3, day[4], nid, MOBILE)
    assert caught.value.code == "per_office_per_day" and "۲" in str(caught.value)
    appointments.book(other, s4, _day_slots(other)[4], nid, MOBILE)  # another office the same day: allowed
    appointments.cancel(second)  # a cancelled booking does not count
    appointments.book(office, s3, day[4], nid, "09121234568")


def test_active_per_person_and_per_mobile(app, make_office, make_service) -> None:
    office = make_office(services=[make_service()])
    service = office.services[0]
    for skip in range(1, 4):  # three people on one mobile
        appointments.book(office, service, _day_slots(office, skip)[0], national_id(), MOBILE)
    with pytest.raises(RuleBroken) as caught:
        appointments.book(office, service, _day_slots(office, 4)[0], national_id(), MOBILE)
    assert caught.value.code == "too_many_for_mobile" and caught.value.field == "mobile"
    assert "۳" in str(caught.value)
    nid = national_id()
    for skip in range(1, 4):  # one person on three mobiles
        appointments.book(office, service, _day_slots(office, skip)[1], nid, f"0912000000{skip}")
    with pytest.raises(RuleBroken) as caught:
        appointments.book(office, service, _day_slots(office, 4)[1], nid, "09120000009")
    assert caught.value.code == "too_many_active"


def test_a_province_sets_its_own_figures(app, make_office, make_service) -> None:
    s1, s2 = make_service(), make_service()
    strict = make_office(services=[s1, s2])
    lenient = make_office(services=[s1, s2])
    _set_rules(strict, per_office_day=1, per_mobile_active=5)
    assert fair_access.rules_for_office(strict).per_office_day == 1
    assert fair_access.rules_for_office(lenient) == fair_access.DEFAULTS
    nid = national_id()
    day = _day_slots(strict)
    appointments.book(strict, s1, day[0], nid, MOBILE)
    with pytest.raises(RuleBroken) as caught:
        appointments.book(strict, s2, day[3], nid, MOBILE)
    assert caught.value.code == "per_office_per_day" and "۱" in str(caught.value)
    lenient_day = _day_slots(lenient, 2)
    appointments.book(lenient, s1, lenient_day[0], nid, MOBILE)
    appointments.book(lenient, s2, lenient_day[3], nid, MOBILE)


def test_rescheduling_keeps_the_rules(app, make_office, make_service) -> None:
    s1, s2 = make_service(), make_service()
    office = make_office(services=[s1, s2])
    _set_rules(office, per_office_day=1)
    nid = national_id()
    day1, day2 = _day_slots(office, 1), _day_slots(office, 2)
    appointments.book(office, s1, day1[0], nid, MOBILE)
    moving = appointments.book(office, s2, day2[0], nid, MOBILE)
    appointments.reschedule(moving, day2[5])  # the same day: itself does not count
    with pytest.raises(RuleBroken) as caught:
        appointments.reschedule(moving, day1[5])
    assert caught.value.code == "per_office_per_day"


def test_rules_out_of_range_are_refused(app, make_office) -> None:
    office = make_office()
    with pytest.raises(InvalidInput) as caught:
        _set_rules(office, per_office_day=0)
    assert caught.value.field == "per_office_day"
    with pytest.raises(InvalidInput) as caught:
        fair_access.save_rules(_province(office), {"per_office_day": "abc"}, None)
    assert caught.value.code == "rule_not_a_number"
    _set_rules(office, per_office_day="۴")  # Persian digits
    assert fair_access.rules_for_office(office).per_office_day == 4


def _otp(mobile: str) -> str:
    body = db.session.scalar(select(SmsMessage.body).where(SmsMessage.mobile == mobile, SmsMessage.purpose == "otp")
                             .order_by(SmsMessage.id.desc()))
    return re.search(r"(\d{6})", body).group(1)


def test_api_refuses_at_the_limit_with_the_message_and_shows_the_rules(client, make_office, make_service) -> None:
    s1, s2 = make_service(code="S1"), make_service(code="S2")
    office = make_office(code="FA01", services=[s1, s2])
    _set_rules(office, per_office_day=1)
    db.session.commit()
    rules = client.get("/api/offices/FA01/rules").get_json()
    assert rules["per_office_day"] == 1 and rules["ban_days"] == 7 and rules["province"] == _province(office).code
    assert client.get("/api/offices/NOPE/rules").status_code == 404
    day = future_open_day(office)
    listed = client.get(f"/api/offices/FA01/slots?date={day.isoformat()}").get_json()["slots"]
    nid = national_id()
    answers = []
    for service, slot in (("S1", listed[0]), ("S2", listed[3])):
        assert client.post("/api/otp", json={"mobile": MOBILE}).status_code == 202
        answers.append(client.post("/api/appointments", headers={"Accept-Language": "en"}, json={
            "office": "FA01", "service": service, "slot_id": slot["id"], "national_id": nid, "mobile": MOBILE,
            "otp": _otp(MOBILE)}))
    assert answers[0].status_code == 201
    refused = answers[1].get_json()
    assert answers[1].status_code == 409 and refused["code"] == "per_office_per_day"
    # the message names the limit (the test client keeps the first request's language for the whole test)
    assert "1 bookings at this office" in refused["detail"] or "این دفتر ۱ نوبت" in refused["detail"]


def test_booking_page_shows_the_rules(client, make_office) -> None:
    office = make_office(code="FA02")
    _set_rules(office, per_office_day=1, ban_days=5)
    db.session.commit()
    page = client.get("/offices/FA02/book").get_data(as_text=True)
    notice = page[page.index('id="fair-access"'):]
    assert persian_digits("1") in notice[:700] and persian_digits("5") in notice[:700]


def test_province_supervisors_change_their_rules_audited(client, cast) -> None:
    province = _province(cast.office_a)
    url = f"/dashboard/province/{province.code}/rules"
    log_in(client, cast.users["district_supervisor"])
    assert client.get(url).status_code == 403
    client.post("/logout")
    log_in(client, cast.users["province_supervisor"])
    assert client.get(url).status_code == 200
    other = _province(cast.office_b)
    assert client.get(f"/dashboard/province/{other.code}/rules").status_code == 403
    values = {name: str(getattr(fair_access.DEFAULTS, name)) for name in fair_access.FIELDS}
    bad = client.post(url, data=dict(values, per_mobile_active="0"))
    assert bad.status_code == 422 and 'id="per_mobile_active-error"' in bad.get_data(as_text=True)
    assert client.post(url, data=dict(values, per_mobile_active="2")).status_code == 302
    db.session.expire_all()
    assert fair_access.rules_for_province(province.id).per_mobile_active == 2
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "dashboard.province_rules",
                                                      AuditEntry.method == "POST", AuditEntry.status == 302))


# ---------------------------------------------------------------------------------------------- no-show ban

def _booked_today(office, nid: str, mobile: str = MOBILE):
    now = utcnow()
    slot = next(s for s in slots.ensure_slots(office, slots.today_tehran()) if s.starts_at > now)
    return appointments.book(office, office.services[0], slot, nid, mobile), slot


def test_a_no_show_at_the_counter_bars_online_booking_for_a_week(working_day, app, clock, make_office) -> None:
    office = make_office()
    nid = national_id()
    appointment, slot = _booked_today(office, nid)
    db.session.commit()
    called_at = clock(slot.starts_at)
    queue_ops.check_in(office, appointment.tracking_code, None, called_at)
    queue_ops.open_counter(office, 1, None, called_at)
    ticket = queue_ops.call_next(office, 1, None, called_at)
    queue_ops.mark_no_show(office, ticket.id, None, called_at)
    db.session.commit()
    ban = db.session.scalar(select(BookingBan).where(BookingBan.national_id == nid))
    assert ban is not None and ban.until == called_at + dt.timedelta(days=7)
    sms = db.session.scalar(select(SmsMessage).where(SmsMessage.purpose == "no_show_ban"))
    assert sms.mobile == MOBILE and jalali_date(ban.until, "fa") in sms.body and "حاضر نشدید" in sms.body
    assert not re.search(r"[0-9]", sms.body)  # Persian digits only
    with pytest.raises(RuleBroken) as caught:
        appointments.book(office, office.services[0], _day_slots(office, 2)[0], nid, "09120000001")
    assert caught.value.code == "no_show_ban" and jalali_date(ban.until, "fa") in str(caught.value)
    # undone within the minute: the ban goes with it
    queue_ops.undo_last(office, None, called_at + dt.timedelta(seconds=10))
    db.session.commit()
    assert fair_access.active_ban(nid) is None


def test_bans_count_no_shows_in_the_window(working_day, app, clock, make_office, make_service) -> None:
    office = make_office(services=[make_service()])
    _set_rules(office, no_show_count=2, no_show_window_days=10, ban_days=3)
    nid = national_id()
    old, old_slot = _booked_today(office, nid)
    db.session.commit()
    # a no-show 12 days ago: outside the window
    old_slot.starts_at -= dt.timedelta(days=12)
    old.status = "no_show"
    db.session.commit()
    assert fair_access.after_no_show(old.id) is None
    first, first_slot = _booked_today(office, nid)
    db.session.commit()
    late = clock(first_slot.starts_at + dt.timedelta(minutes=20))
    assert jobs.mark_no_shows(late) == 1
    assert fair_access.active_ban(nid, late) is None  # one in the window, two needed
    second, second_slot = _booked_today(office, nid)
    db.session.commit()
    later = clock(second_slot.starts_at + dt.timedelta(minutes=20))
    assert jobs.mark_no_shows(later) == 1
    ban = fair_access.active_ban(nid, later)
    assert ban is not None and ban.no_shows == 2 and ban.until == later + dt.timedelta(days=3)
    assert fair_access.after_no_show(second.id, later) is None  # run twice: one ban
    assert db.session.scalar(select(SmsMessage.body).where(SmsMessage.purpose == "no_show_ban"))


def test_a_province_supervisor_lifts_a_ban_with_a_reason(working_day, client, clock, cast) -> None:
    nid = national_id()
    appointment, slot = _booked_today(cast.office_a, nid)
    db.session.commit()
    clock(slot.starts_at + dt.timedelta(minutes=20))
    jobs.mark_no_shows()
    db.session.commit()
    ban = fair_access.active_ban(nid)
    assert ban is not None
    log_in(client, cast.users["district_supervisor"])
    assert client.get("/dashboard/bans").status_code == 403
    assert client.post(f"/dashboard/bans/{ban.id}/lift", data={"reason": "called the office"}).status_code == 403
    client.post("/logout")
    log_in(client, cast.users["province_supervisor"])
    listing = client.get("/dashboard/bans").get_data(as_text=True)
    assert f'id="ban-{ban.id}"' in listing and nid not in listing  # the national ID masked
    assert client.post(f"/dashboard/bans/{ban.id}/lift", data={"reason": " "}).status_code == 422
    assert client.post(f"/dashboard/bans/{ban.id}/lift", data={"reason": "sick, certificate seen"}).status_code == 302
    db.session.expire_all()
    lifted = db.session.get(BookingBan, ban.id)
    assert lifted.lifted_by == cast.users["province_supervisor"].id and lifted.lift_reason == "sick, certificate seen"
    assert fair_access.active_ban(nid) is None
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "dashboard.lift_ban",
                                                      AuditEntry.status == 302))
    appointments.book(cast.office_a, cast.office_a.services[0], _day_slots(cast.office_a, 2)[0], nid, MOBILE)


def test_a_ban_of_another_province_cannot_be_lifted(working_day, app, clock, cast) -> None:
    nid = national_id()
    appointment, slot = _booked_today(cast.office_b, nid)
    db.session.commit()
    clock(slot.starts_at + dt.timedelta(minutes=20))
    jobs.mark_no_shows()
    ban = fair_access.active_ban(nid)
    with pytest.raises(NotFound):
        fair_access.lift_ban(ban.id, cast.users["province_supervisor"], "not my province")
    assert fair_access.bans_in_scope(cast.users["province_supervisor"]) == []
    assert fair_access.bans_in_scope(cast.users["national_supervisor"]) == [ban]
    fair_access.lift_ban(ban.id, cast.users["national_supervisor"], "lifted nationally")
