"""The waitlist in a real headless Chromium at phone size: a full slot, join its waitlist with a one-time
code, a cancellation frees the place, the offer's link opened from the stored SMS, accepted: the ticket."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from booking import appointments
from booking.dates import to_tehran
from booking.extensions import db
from booking.models import SmsMessage
from tests.citizen.helpers import a_future_slot, national_id

pytestmark = pytest.mark.browser


def _last_sms(mobile: str, purpose: str) -> str:
    db.session.expire_all()
    return db.session.scalar(select(SmsMessage.body).where(SmsMessage.mobile == mobile,
                                                           SmsMessage.purpose == purpose)
                             .order_by(SmsMessage.id.desc()))


def test_a_waitlist_offer_accepted_from_the_sms_link(working_day, live_server, phone_page, make_office) -> None:
    office = make_office(code="WB01")
    slot = a_future_slot(office)
    slot.capacity, slot.booked = 1, 0
    db.session.flush()
    taken = appointments.book(office, office.services[0], slot, national_id(), "09121110000")
    db.session.commit()
    page = phone_page
    page.goto(f"{live_server}/offices/WB01/book?date={to_tehran(slot.starts_at).date().isoformat()}")
    full = page.locator(f".slot:has(input[value='{slot.id}'])")
    assert full.locator("input").is_disabled()
    full.locator("a.waitlist-link").click()
    page.wait_for_selector("#waitlist-form")
    mobile = "09125550000"
    page.get_by_label("کد ملی").fill(national_id())
    page.get_by_label("شماره همراه").fill(mobile)
    page.get_by_role("button", name="کد را برایم بفرست").click()
    page.wait_for_selector("#otp")
    code = re.search(r"\d{6}", _last_sms(mobile, "otp")).group(0)
    page.get_by_label("کد یکبارمصرف").fill(code)
    page.get_by_role("button", name="پیوستن به فهرست انتظار").click()
    page.wait_for_url(re.compile(r"/offices/WB01$"))
    assert "در فهرست انتظار هستید، نفر ۱" in page.content()

    appointments.cancel(db.session.merge(taken), note="web")  # someone cancels: the place is offered
    db.session.commit()
    link = re.search(r"(/waitlist/offers/[A-Za-z0-9_-]+)", _last_sms(mobile, "waitlist_offer")).group(1)
    page.goto(live_server + link)
    page.get_by_role("button", name="می‌پذیرم، نوبت بگیر").click()
    page.wait_for_selector(".tracking")
    tracking = page.locator(".tracking").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{10}", tracking)
    assert "نوبت شما ثبت شد" in page.content()
    assert appointments.find_by_code(tracking).slot_id == slot.id
