"""What reaches the citizen outside the site: the booking SMS (address and link), the calendar file (alarm and
link), the SMS when a complaint is answered; all with the configured public address."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from booking.dates import to_tehran
from booking.extensions import db
from booking.models import SmsMessage
from tests.clock import TUESDAY, tehran_moment

NATIONAL_ID = "0499370899"


@pytest.fixture()
def booked(app, clock, make_office, make_service):
    from booking import appointments
    from booking.notifications import confirm_booking
    from booking.slots import ensure_slots

    now = clock(tehran_moment(TUESDAY, 8))
    app.config["PUBLIC_BASE_URL"] = "https://safnama.example.ir"
    office = make_office(address_fa="خیابان ولیعصر، پلاک 12")
    service = office.services[0]
    slot = ensure_slots(office, to_tehran(now).date() + dt.timedelta(days=1))[4]
    appointment = appointments.book(office, service, slot, NATIONAL_ID, "09121234567", now=now)
    confirm_booking(appointment)
    db.session.commit()
    return appointment


def _sms(purpose: str) -> list[SmsMessage]:
    return list(db.session.scalars(select(SmsMessage).where(SmsMessage.purpose == purpose)))


def test_booking_sms_has_the_address_and_the_ticket_link(booked):
    (sms,) = _sms("booking_confirmation")
    assert "نشانی: خیابان ولیعصر، پلاک ۱۲" in sms.body
    assert sms.body.rstrip().endswith(f"https://safnama.example.ir/ticket/{booked.tracking_code}")


def test_calendar_file_has_an_alarm_and_the_ticket_link(booked, client):
    response = client.get(f"/ticket/{booked.tracking_code}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    raw = response.get_data(as_text=True)
    assert all(len(line.encode()) <= 75 for line in raw.split("\r\n"))  # folded as RFC 5545 asks
    text = raw.replace("\r\n ", "")  # unfolded
    lines = text.split("\r\n")
    assert f"URL:https://safnama.example.ir/ticket/{booked.tracking_code}" in lines
    alarm = lines[lines.index("BEGIN:VALARM"):lines.index("END:VALARM") + 1]
    assert "ACTION:DISPLAY" in alarm and "TRIGGER:-PT60M" in alarm
    assert f"UID:{booked.tracking_code}@safnama.example.ir" in lines
    # A cancelled appointment's calendar entry says so and has no alarm.
    from booking.appointments import cancel

    cancel(booked)
    db.session.commit()
    cancelled = client.get(f"/ticket/{booked.tracking_code}.ics").get_data(as_text=True)
    assert "STATUS:CANCELLED" in cancelled and "VALARM" not in cancelled


def test_survey_link_uses_the_public_address(app, booked):
    from offices.jobs import survey_link

    assert survey_link(booked.tracking_code) == f"https://safnama.example.ir/survey/{booked.tracking_code}"
    app.config["PUBLIC_BASE_URL"] = ""
    assert survey_link("X").startswith("http://127.0.0.1:5000/survey/")  # outside a request: serve's default


@pytest.mark.parametrize("contact, by_appointment", [("۰۹۱۲ ۷۶۵ ۴۳۲۱", False), ("", True), ("me@example.com", None)])
def test_answered_complaint_texts_the_citizen_once_per_answer(app, booked, make_staff, contact, by_appointment):
    from offices.dashboard.complaints import answer_complaint, file_complaint

    supervisor = make_staff("sup-all", scope="nation")
    complaint = file_complaint(booked.office, "The counter closed early today.", contact=contact,
                               appointment_code=booked.tracking_code if by_appointment else "")
    answer_complaint(complaint, supervisor, "in_review", "")
    assert _sms("complaint_answer") == []  # no answer yet: nothing to read
    answer_complaint(complaint, supervisor, "resolved", "We have spoken to the office.")
    answer_complaint(complaint, supervisor, "resolved", "We have spoken to the office.")  # saved again: no SMS
    sent = _sms("complaint_answer")
    if by_appointment is None:
        assert sent == []  # no mobile to text
        return
    assert len(sent) == 1
    assert sent[0].mobile == ("09127654321" if not by_appointment else booked.mobile)
    assert sent[0].body.endswith(f"https://safnama.example.ir/complaints/{complaint.public_code}")
    answer_complaint(complaint, supervisor, "resolved", "We have spoken to the office, and it will not recur.")
    assert len(_sms("complaint_answer")) == 2  # a new answer is told again
