""""My appointments": the code step says a code was sent (and where), the fields that cannot be edited look it,
and each appointment is a readable card with its office, time, service, status and actions."""
from __future__ import annotations

import re

from sqlalchemy import select

from booking import appointments
from booking.extensions import db
from booking.models import SmsMessage
from tests.citizen.helpers import a_future_slot, national_id

MOBILE = "09121234567"


def test_code_sent_locked_fields_and_cards(working_day, client, make_office) -> None:
    office = make_office()
    appointment = appointments.book(office, office.services[0], a_future_slot(office), national_id(), MOBILE)
    db.session.commit()
    who = {"national_id": appointment.national_id, "mobile": MOBILE}
    page = client.post("/my", data=dict(who, action="send_code")).get_data(as_text=True)
    assert 'id="code-sent"' in page and "۰۹۱۲۱۲۳۴۵۶۷" in page
    assert len(re.findall(r'readonly aria-readonly="true" class="locked"', page)) == 2
    back = client.post("/my", data=dict(who, action="edit")).get_data(as_text=True)
    assert "readonly" not in back and f'value="{MOBILE}"' in back
    body = db.session.scalar(select(SmsMessage.body).where(SmsMessage.purpose == "otp"))
    client.post("/my", data=dict(who, action="confirm", otp=re.search(r"\d{6}", body).group(0)))
    listed = client.get("/my").get_data(as_text=True)
    card = listed[listed.index('class="card appointment-card"'):]
    assert f"<h2 class=\"appointment-office\">{office.name_fa}</h2>" in card
    assert "<dt>زمان</dt>" in card and "<dt>خدمت</dt>" in card and "نوبت گرفته شده" in card
    assert f'href="/ticket/{appointment.tracking_code}/cancel"' in card


def test_upcoming_appointments_come_soonest_first(working_day, app, make_office, make_service):
    import datetime as dt

    from booking import appointments, slots
    from booking.dates import to_tehran

    office = make_office()
    days = slots.open_days(office, to_tehran(working_day).date())
    later = slots.ensure_slots(office, days[2])[3]
    sooner = slots.ensure_slots(office, days[1])[3]
    person = "0499370899"
    first = appointments.book(office, office.services[0], later, person, "09121234567")
    second = appointments.book(office, office.services[0], sooner, person, "09121234567")
    db.session.commit()
    listed = appointments.appointments_of(person, "09121234567")
    assert [a.id for a in listed] == [second.id, first.id]  # the soonest first, whatever the order of booking
    past = appointments.appointments_of(person, "09121234567", now=working_day + dt.timedelta(days=30))
    assert [a.id for a in past] == [first.id, second.id]  # gone by: the most recent first
