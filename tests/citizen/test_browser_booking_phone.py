"""The booking journey on a phone (real headless Chromium, 390x844, Persian), and the form with errors on a
laptop in English: the error summary on top with focus on the first bad field, the code step's summary,
countdown and "change number" keeping every choice, the ticket's "change the time" showing the current time,
and a cancellation that asks for confirmation and leaves a ticket without QR, Print or calendar."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from booking.extensions import db
from booking.models import SmsMessage
from tests.browser import keep_screenshot
from tests.citizen.helpers import national_id

pytestmark = pytest.mark.browser
MOBILE = "09121234567"


def _office(make_office, make_service):
    sana = make_service(code="SANA", name_fa="ثبت‌نام ثنا", name_en="SANA registration")
    office = make_office(services=[sana], code="T100", name_fa="دفتر خدمات الکترونیک قضایی ونک",
                         name_en="Vanak e-judicial office")
    db.session.commit()
    return office


def _last_code() -> str:
    db.session.expire_all()
    body = db.session.scalar(select(SmsMessage.body).where(SmsMessage.mobile == MOBILE, SmsMessage.purpose == "otp")
                             .order_by(SmsMessage.id.desc()))
    return re.search(r"(\d{6})", body).group(1)


def test_booking_on_a_phone_errors_code_step_reschedule_link_and_confirmed_cancel(
        working_day, live_server, phone_page, make_office, make_service) -> None:
    office = _office(make_office, make_service)
    page = phone_page
    page.goto(f"{live_server}/offices/{office.code}/book")
    page.locator(".days a.day").nth(1).click()
    page.get_by_label("کد ملی").fill("123")
    page.get_by_label("شماره همراه").fill("۰۹۱۲۳۴۵۶۷۸۹")
    page.locator("form.card").evaluate("f => f.noValidate = true")  # let the server judge every field
    page.get_by_role("button", name="کد را برایم بفرست").click()
    summary = page.locator("#error-summary")
    assert summary.is_visible() and summary.locator("li").count() == 2
    assert page.evaluate("document.activeElement.name") == "slot"  # focus on the first bad field
    assert page.get_by_label("کد ملی").input_value() == "123"
    keep_screenshot(page, "citizen-book-errors", full_page=False)

    page.locator(".slot input:not([disabled])").first.check()
    nid = national_id()
    page.get_by_label("کد ملی").fill(nid)
    page.get_by_label("شماره همراه").fill(MOBILE)
    chosen_time = page.locator(".slot:has(input:checked) .slot-time").inner_text()
    page.get_by_role("button", name="کد را برایم بفرست").click()
    page.wait_for_selector("#otp")
    assert chosen_time in page.locator(".booking-summary").inner_text()
    resend = page.locator("#resend-code")
    assert resend.is_disabled() and re.search(r"[۰-۹]+ ثانیه", resend.inner_text())
    keep_screenshot(page, "citizen-book-code", full_page=False)

    page.get_by_role("button", name="تغییر شماره").click()
    assert page.get_by_label("شماره همراه").input_value() == MOBILE
    assert page.get_by_label("کد ملی").input_value() == nid
    assert page.locator(".slot input:checked").count() == 1
    page.get_by_role("button", name="کد را برایم بفرست").click()
    page.wait_for_selector("#otp")
    page.get_by_label("کد یکبارمصرف").fill(_last_code())
    page.get_by_role("button", name="تأیید نوبت").click()
    page.wait_for_selector(".tracking")

    page.get_by_role("link", name="تغییر زمان").click()
    assert chosen_time in page.locator("#current-time").inner_text()
    page.go_back()
    page.get_by_role("link", name="لغو این نوبت").click()
    keep_screenshot(page, "citizen-cancel-confirm", full_page=False)
    assert page.locator(".status").count() == 0  # nothing cancelled by opening the page
    page.get_by_role("button", name="بله، لغو شود").click()
    assert page.locator(".status").inner_text() == "لغو شده"
    assert page.locator(".qr-box").count() == 0 and page.locator("#print-ticket").count() == 0
    assert page.get_by_role("link", name=re.compile("تقویم")).count() == 0
    keep_screenshot(page, "citizen-cancelled-ticket")


def test_booking_errors_on_a_laptop_in_english(working_day, live_server, desktop_page, make_office,
                                               make_service) -> None:
    office = _office(make_office, make_service)
    page = desktop_page
    page.goto(f"{live_server}/language/en?next=/offices/{office.code}/book")
    page.locator(".days a.day").nth(1).click()
    page.locator("form.card").evaluate("f => f.noValidate = true")
    page.get_by_role("button", name="Send me a code").click()
    summary = page.locator("#error-summary")
    assert summary.is_visible() and summary.locator("li").count() == 3
    assert page.evaluate("document.activeElement.name") == "slot"
    keep_screenshot(page, "citizen-book-errors-en", full_page=False)


def test_my_appointments_on_a_phone(working_day, live_server, phone_page, make_office, make_service) -> None:
    from booking import appointments
    from tests.citizen.helpers import a_future_slot

    office = _office(make_office, make_service)
    nid = national_id()
    for skip in (1, 2):
        appointments.book(office, office.services[0], a_future_slot(office, skip=skip), nid, MOBILE)
    db.session.commit()
    page = phone_page
    page.goto(f"{live_server}/my")
    page.get_by_label("کد ملی").fill(nid)
    page.get_by_label("شماره همراه").fill(MOBILE)
    page.get_by_role("button", name="کد را برایم بفرست").click()
    assert "۰۹۱۲۱۲۳۴۵۶۷" in page.locator("#code-sent").inner_text()
    locked = page.get_by_label("کد ملی")
    assert locked.get_attribute("readonly") is not None
    assert locked.evaluate("e => getComputedStyle(e).borderStyle") == "dashed"
    keep_screenshot(page, "citizen-my-code", full_page=False)
    page.get_by_label("کد یکبارمصرف").fill(_last_code())
    page.get_by_role("button", name="نمایش نوبت‌های من").click()
    cards = page.locator(".appointment-card")
    assert cards.count() == 2
    first = cards.first
    assert first.locator("h2").inner_text() == office.name_fa
    assert first.get_by_role("link", name="تغییر زمان").is_visible() and first.get_by_role("link", name="لغو").is_visible()
    box = first.bounding_box()
    assert box["width"] <= 390  # no sideways scrolling on a phone
    keep_screenshot(page, "citizen-my-cards")
