"""Security defect 7, silent cancellation: a tracking code alone (a ticket link, its QR code) cancelled an
appointment through the API or the ticket page, and the API sent no SMS. Every cancellation path now needs the
owner (a session verified by an SMS code, or a fresh code for ``cancel`` texted to the appointment's mobile) and
texts the cancellation."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from booking import appointments
from booking.extensions import db
from booking.models import Appointment, SmsMessage, TimeSlot
from tests.citizen.helpers import a_future_slot, national_id

MOBILE = "09121234567"


def _booked(make_office):
    office = make_office()
    slot = a_future_slot(office)
    appointment = appointments.book(office, office.services[0], slot, national_id(), MOBILE)
    db.session.commit()
    return appointment.tracking_code, slot.id


def _state(code: str, slot_id: int) -> tuple[str, int, int]:
    db.session.expire_all()
    status = db.session.scalar(select(Appointment.status).where(Appointment.tracking_code == code))
    sms = db.session.scalar(select(func.count(SmsMessage.id)).where(SmsMessage.purpose == "cancellation"))
    return status, db.session.get(TimeSlot, slot_id).booked, sms


def _last_code() -> str:
    body = db.session.scalar(select(SmsMessage.body).where(SmsMessage.mobile == MOBILE, SmsMessage.purpose == "otp")
                             .order_by(SmsMessage.id.desc()))
    return re.search(r"(\d{6})", body).group(1)


def test_api_delete_with_the_tracking_code_alone_cancels_nothing(working_day, client, make_office) -> None:
    code, slot_id = _booked(make_office)
    refused = client.delete(f"/api/appointments/{code}")
    assert refused.status_code == 401 and refused.get_json()["code"] == "owner_required"
    assert client.delete(f"/api/appointments/{code}", headers={"X-OTP": "123456"}).status_code == 422
    assert _state(code, slot_id) == ("booked", 1, 0)


def test_api_delete_with_a_code_texted_to_the_owner_cancels_and_texts(working_day, client, make_office) -> None:
    code, slot_id = _booked(make_office)
    assert client.post("/api/otp", json={"mobile": MOBILE, "purpose": "cancel"}).status_code == 202
    answer = client.delete(f"/api/appointments/{code}", headers={"X-OTP": _last_code()})
    assert answer.status_code == 200 and answer.get_json()["status"] == "cancelled"
    assert _state(code, slot_id) == ("cancelled", 0, 1)
    body = db.session.scalar(select(SmsMessage.body).where(SmsMessage.purpose == "cancellation"))
    assert code in body


def test_api_delete_from_the_owners_verified_session_cancels(working_day, client, make_office) -> None:
    code, slot_id = _booked(make_office)
    appointment = appointments.find_by_code(code)
    client.post("/my", data={"national_id": appointment.national_id, "mobile": MOBILE, "action": "send_code"})
    client.post("/my", data={"national_id": appointment.national_id, "mobile": MOBILE, "action": "confirm",
                             "otp": _last_code()})
    assert client.delete(f"/api/appointments/{code}").status_code == 200
    assert _state(code, slot_id) == ("cancelled", 0, 1)


def test_another_citizens_session_cannot_cancel(working_day, client, make_office) -> None:
    code, slot_id = _booked(make_office)
    other_mobile = "09127654321"
    other = national_id()
    client.post("/my", data={"national_id": other, "mobile": other_mobile, "action": "send_code"})
    body = db.session.scalar(select(SmsMessage.body).where(SmsMessage.mobile == other_mobile))
    client.post("/my", data={"national_id": other, "mobile": other_mobile, "action": "confirm",
                             "otp": re.search(r"(\d{6})", body).group(1)})
    assert client.delete(f"/api/appointments/{code}").status_code == 403
    assert client.post(f"/ticket/{code}/cancel", data={"action": "confirm"}).status_code == 403
    assert _state(code, slot_id) == ("booked", 1, 0)


def test_ticket_page_cancel_needs_the_owner(working_day, client, make_office) -> None:
    code, slot_id = _booked(make_office)
    refused = client.post(f"/ticket/{code}/cancel", data={"action": "confirm"})
    assert refused.status_code == 401
    assert _state(code, slot_id) == ("booked", 1, 0)
    assert "no-store" in client.get(f"/ticket/{code}/cancel").headers["Cache-Control"]
    asked = client.post(f"/ticket/{code}/cancel", data={"action": "send_code"})
    assert asked.status_code == 200 and "۰۹۱۲***۴۵۶۷" in asked.get_data(as_text=True)
    done = client.post(f"/ticket/{code}/cancel", data={"action": "confirm", "otp": _last_code()})
    assert done.status_code == 302
    assert _state(code, slot_id) == ("cancelled", 0, 1)


def test_the_api_documents_how_the_owner_proves_it(client) -> None:
    operation = client.get("/api/openapi.json").get_json()["paths"]["/api/appointments/{tracking_code}"]["delete"]
    assert {"401", "403"} <= set(operation["responses"])
    assert any(p["name"] == "X-OTP" and p["in"] == "header" for p in operation["parameters"])
    assert "X-OTP" in operation["description"] and "X-OTP" in client.get("/api/docs").get_data(as_text=True)
