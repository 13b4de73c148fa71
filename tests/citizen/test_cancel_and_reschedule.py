"""Cancelling from the ticket asks for confirmation; a cancelled ticket has no QR, Print or calendar; the ticket
links to changing the time, which shows the current time and texts the new one (Jalali, Persian digits)."""
from __future__ import annotations

import re

from sqlalchemy import select

from booking import appointments, slots
from booking.extensions import db
from booking.models import SmsMessage
from tests.citizen.helpers import a_future_slot, future_open_day, national_id

MOBILE = "09121234567"


def _last_code(mobile: str = MOBILE) -> str:
    body = db.session.scalar(select(SmsMessage.body).where(SmsMessage.mobile == mobile, SmsMessage.purpose == "otp")
                             .order_by(SmsMessage.id.desc()))
    return re.search(r"(\d{6})", body).group(1)


def _booked_and_signed_in(client, make_office):
    office = make_office()
    appointment = appointments.book(office, office.services[0], a_future_slot(office), national_id(), MOBILE)
    db.session.commit()
    client.post("/my", data={"national_id": appointment.national_id, "mobile": MOBILE, "action": "send_code"})
    client.post("/my", data={"national_id": appointment.national_id, "mobile": MOBILE, "action": "confirm",
                             "otp": _last_code()})
    return office, appointment


def test_ticket_cancel_is_a_confirmation_page_not_a_one_tap_form(working_day, client, make_office) -> None:
    office, appointment = _booked_and_signed_in(client, make_office)
    code = appointment.tracking_code
    ticket = client.get(f"/ticket/{code}").get_data(as_text=True)
    assert f'href="/ticket/{code}/cancel"' in ticket and f'action="/ticket/{code}/cancel"' not in ticket
    assert f'href="/ticket/{code}/reschedule"' in ticket
    confirm = client.get(f"/ticket/{code}/cancel")
    assert confirm.status_code == 200 and appointment.status == "booked"
    page = confirm.get_data(as_text=True)
    assert "بله، لغو شود" in page and "نه، نگه دار" in page
    done = client.post(f"/ticket/{code}/cancel", data={"action": "confirm"}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "لغو شده" in text
    assert 'class="qr-box"' not in text and "print-ticket" not in text and ".ics" not in text
    assert f"/ticket/{code}/cancel" not in text and f"/ticket/{code}/reschedule" not in text


def test_reschedule_shows_the_current_time_and_texts_the_new_one(working_day, client, make_office) -> None:
    office, appointment = _booked_and_signed_in(client, make_office)
    code = appointment.tracking_code
    page = client.get(f"/ticket/{code}/reschedule").get_data(as_text=True)
    assert 'id="current-time"' in page and "زمان فعلی نوبت شما" in page
    new_slot = slots.ensure_slots(office, future_open_day(office, skip=2))[4]
    db.session.commit()
    moved = client.post(f"/ticket/{code}/reschedule", data={"slot": str(new_slot.id)})
    assert moved.status_code == 302
    sms = db.session.scalars(select(SmsMessage).where(SmsMessage.purpose == "reschedule")).all()
    assert len(sms) == 1 and code in sms[0].body
    from booking.dates import clock, jalali_date

    assert jalali_date(new_slot.starts_at, "fa") in sms[0].body and clock(new_slot.starts_at, "fa") in sms[0].body
    assert not re.search(r"[0-9]", sms[0].body.replace(code, "").replace(office.name_fa, ""))  # Persian digits
