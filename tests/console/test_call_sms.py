"""A booked citizen called to a counter is texted which one, if their office chose so."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from booking.dates import utcnow
from booking.extensions import db
from booking.models import SmsMessage
from booking.notifications import confirm_booking
from offices import queue_ops
from tests.console.test_queue_ops import make_appointment

LRI, PDI = "\u2066", "\u2069"


def called_messages() -> list[SmsMessage]:
    return list(db.session.scalars(select(SmsMessage).where(SmsMessage.purpose == "called").order_by(SmsMessage.id)))


def office_with_booked_citizen(make_office, make_service, code="SMS23456", **office):
    service = make_service(letter="S")
    office = make_office(services=[service], counters=3, **office)
    appointment = make_appointment(office, service, utcnow() + dt.timedelta(minutes=5), code=code)
    queue_ops.check_in(office, appointment.national_id, None)
    for counter in (1, 3):
        queue_ops.open_counter(office, counter, None)
    return office, appointment


def test_called_citizen_is_texted_the_counter_in_persian(app, make_office, make_service):
    office, appointment = office_with_booked_citizen(make_office, make_service)
    queue_ops.add_walk_in(office, office.services[0].code, None)
    db.session.commit()
    ticket = queue_ops.call_next(office, 3, None)
    db.session.commit()
    assert ticket.appointment_id == appointment.id
    [message] = called_messages()
    assert message.mobile == appointment.mobile and message.status == "queued"
    assert message.body == f"صف‌نما: نوبت {LRI}S-۰۰۱{PDI}: لطفاً همین حالا به باجه ۳ بروید."
    queue_ops.call_next(office, 1, None)  # the walk-in has no mobile: no message
    db.session.commit()
    assert len(called_messages()) == 1


def test_called_citizen_who_booked_in_english_is_texted_in_english(app, make_office, make_service):
    office, appointment = office_with_booked_citizen(make_office, make_service)
    with app.test_request_context("/offices/x/book?lang=en"):
        confirm_booking(appointment)  # records the language of the page the citizen booked on
    assert appointment.language == "en"
    queue_ops.call_next(office, 3, None)
    db.session.commit()
    assert [m.body for m in called_messages()] == ["Safnama: ticket S-001: please go to counter 3 now."]


def test_recall_to_the_same_counter_sends_nothing_more_another_counter_does(app, make_office, make_service):
    office, _appointment = office_with_booked_citizen(make_office, make_service)
    ticket = queue_ops.call_next(office, 3, None)
    queue_ops.send_back(office, ticket.id, None)
    queue_ops.call_next(office, 3, None)  # the same counter again: the message already said it
    db.session.commit()
    assert len(called_messages()) == 1
    queue_ops.send_back(office, ticket.id, None)
    queue_ops.call_next(office, 1, None)  # another counter: the citizen must know
    db.session.commit()
    assert [m.body.endswith(f"به باجه {n} بروید.") for m, n in zip(called_messages(), "۳۱")] == [True, True]


def test_no_text_when_the_office_turned_it_off(app, make_office, make_service):
    office, _appointment = office_with_booked_citizen(make_office, make_service, sms_on_call=False)
    queue_ops.call_next(office, 3, None)
    db.session.commit()
    assert called_messages() == []


def test_a_new_office_texts_on_call(app, make_office):
    office = make_office()
    db.session.commit()
    db.session.expire_all()
    assert office.sms_on_call is True


def test_operator_turns_it_off_and_on_in_the_console(app, client, login, make_office, make_service, make_user):
    office, _appointment = office_with_booked_citizen(make_office, make_service)
    other = make_office()
    login(make_user("operator", office=office))
    assert 'id="sms-on-call" name="sms_on_call" value="y" checked' in \
        client.get(f"/console/{office.code}").get_data(as_text=True)
    off = client.post(f"/console/{office.code}/settings", data={}, follow_redirects=True)
    assert off.status_code == 200 and "دیگر به شهروندانِ فراخوانده پیامک" in off.get_data(as_text=True)
    db.session.expire_all()
    assert office.sms_on_call is False
    queue_ops.call_next(office, 3, None)
    db.session.commit()
    assert called_messages() == []
    client.post(f"/console/{office.code}/settings", data={"sms_on_call": "y"})
    db.session.expire_all()
    assert office.sms_on_call is True
    assert client.post(f"/console/{other.code}/settings", data={}).status_code == 403
    db.session.expire_all()
    assert other.sms_on_call is True


def test_a_supervisor_of_the_office_turns_it_off_on_the_dashboard(app, client, login, make_office, make_staff):
    office = make_office()
    other = make_office()
    supervisor = make_staff("sup-sms", scope="province", province_id=office.district.province_id)
    login(supervisor, password="secret-pass")
    page = client.get(f"/dashboard/office/{office.code}").get_data(as_text=True)
    assert 'id="sms-on-call" name="sms_on_call" value="y" checked' in page
    assert client.post(f"/dashboard/office/{office.code}/settings", data={}).status_code == 303
    db.session.expire_all()
    assert office.sms_on_call is False
    assert client.post(f"/dashboard/office/{other.code}/settings", data={}).status_code == 403
    db.session.expire_all()
    assert other.sms_on_call is True
