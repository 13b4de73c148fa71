"""Defect 6: digits of other scripts (fullwidth ２, Devanagari २, superscript ²) in a national ID or mobile.

``str.isdigit`` accepts them: a fullwidth national ID was stored as another person (a fourth active
appointment went through), a Devanagari one passed "my appointments", a superscript ² gave a 500, and log
masking missed them. Only Persian and Arabic-Indic digits are converted; after that only ASCII 0-9 passes.
"""
from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import func, select

from booking import appointments, slots
from booking.extensions import db
from booking.identity import normalise_mobile, normalise_national_id
from booking.models import Appointment, SmsMessage
from booking.security import PiiMaskingFilter, mask_text
from booking.service_errors import InvalidInput
from tests.citizen.helpers import future_open_day, national_id

FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
MOBILE = "09121234567"


def _code(mobile: str) -> str:
    body = db.session.scalar(select(SmsMessage.body).where(SmsMessage.mobile == mobile, SmsMessage.purpose == "otp")
                             .order_by(SmsMessage.id.desc()))
    return re.search(r"([0-9]{6})", body).group(1)


@pytest.mark.parametrize("table", [FULLWIDTH, DEVANAGARI, SUPERSCRIPT], ids=["fullwidth", "devanagari", "superscript"])
def test_national_id_and_mobile_in_other_scripts_are_refused(table):
    person = national_id()
    with pytest.raises(InvalidInput) as caught:
        normalise_national_id(person.translate(table))
    assert caught.value.code == "national_id_not_digits"
    with pytest.raises(InvalidInput):
        normalise_mobile("09" + "121234567".translate(table))
    # Persian and Arabic-Indic digits still pass
    assert normalise_national_id(person.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))) == person
    assert normalise_mobile("٠٩١٢١٢٣٤٥٦٧") == MOBILE


def test_a_fullwidth_national_id_is_not_a_fourth_person(working_day, app, make_office, make_service):
    services = [make_service() for _ in range(4)]
    first, second = make_office(services=services), make_office(services=services)  # at most 2 an office a day
    days = [slots.ensure_slots(o, future_open_day(o)) for o in (first, second)]
    person = national_id()
    for n, (office, day) in enumerate([(first, days[0]), (first, days[0]), (second, days[1])]):
        appointments.book(office, services[n], day[n], person, MOBILE)
    db.session.commit()
    with pytest.raises(InvalidInput):
        appointments.book(second, services[3], days[1][3], person.translate(FULLWIDTH), MOBILE)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Appointment.id))) == 3


def test_api_refuses_fullwidth_and_superscript_ids_with_4xx(working_day, client, make_office):
    office = make_office()
    db.session.commit()
    slot = client.get(f"/api/offices/{office.code}/slots?date={future_open_day(office).isoformat()}") \
        .get_json()["slots"][2]
    for table in (FULLWIDTH, SUPERSCRIPT):
        assert client.post("/api/otp", json={"mobile": MOBILE}).status_code == 202
        answer = client.post("/api/appointments", headers={"Accept-Language": "en"},
                             json={"office": office.code, "service": office.services[0].code, "slot_id": slot["id"],
                                   "national_id": national_id().translate(table), "mobile": MOBILE,
                                   "otp": _code(MOBILE)})
        assert answer.status_code == 422, answer.get_data(as_text=True)[:300]
        assert answer.get_json()["code"] == "national_id_not_digits"
        assert answer.get_json()["field"] == "national_id"
    assert db.session.scalar(select(func.count(Appointment.id))) == 0


def test_booking_page_refuses_other_scripts_with_a_form_error(working_day, client, make_office):
    office = make_office()
    db.session.commit()
    slot = slots.ensure_slots(office, future_open_day(office))[2]
    db.session.commit()
    for table in (FULLWIDTH, DEVANAGARI, SUPERSCRIPT):
        page = client.post(f"/offices/{office.code}/book", data={
            "service": office.services[0].code, "date": future_open_day(office).isoformat(), "slot": slot.id,
            "national_id": national_id().translate(table), "mobile": MOBILE, "action": "ask"})
        assert page.status_code == 422
        assert 'id="nid-error"' in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(SmsMessage.id))) == 0  # no code was sent


def test_my_appointments_refuses_a_devanagari_national_id(client):
    for table in (DEVANAGARI, SUPERSCRIPT):
        page = client.post("/my", data={"national_id": national_id().translate(table), "mobile": MOBILE})
        assert page.status_code == 422
        assert "کد ملی" in page.get_data(as_text=True)
    assert client.post("/my", data={"national_id": national_id(),
                                    "mobile": "09" + "121234567".translate(FULLWIDTH)}).status_code == 422
    assert db.session.scalar(select(func.count(SmsMessage.id))) == 0


def test_log_masking_covers_digits_of_any_script():
    person = national_id()
    for table in (FULLWIDTH, DEVANAGARI, SUPERSCRIPT):
        text = f"id {person.translate(table)} mobile {MOBILE.translate(table)}"
        masked = mask_text(text)
        assert person.translate(table) not in masked and MOBILE.translate(table) not in masked
        assert "****" in masked and "***" in masked
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "booking for %s", (person.translate(FULLWIDTH),), None)
    PiiMaskingFilter().filter(record)
    assert person.translate(FULLWIDTH) not in record.getMessage()
