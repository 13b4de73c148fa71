"""The citizen journey in a real headless Chromium at phone size: from the home page near Vanak Square,
take the recommended office, book with a one-time code read from the demo outbox, see the ticket, cancel."""
from __future__ import annotations

import re

import pytest

from booking.extensions import db
from tests.browser import keep_screenshot
from tests.citizen.helpers import national_id

pytestmark = pytest.mark.browser
VANAK = (35.757, 51.410)


def _shot(page, name: str) -> None:
    keep_screenshot(page, f"citizen-{name}")


@pytest.mark.production
def test_citizen_books_the_recommended_office_and_cancels(working_day, live_server, phone_page_at, make_office,
                                                          make_province, make_service) -> None:
    tehran = make_province(code="23", name_fa="تهران", name_en="Tehran", lat=35.6892, lon=51.3890)
    sana = make_service(code="SANA", name_fa="ثبت‌نام ثنا", name_en="SANA registration")
    for i, (lat, lon, name) in enumerate([(35.758, 51.411, "ونک"), (35.770, 51.420, "ملاصدرا"),
                                          (35.720, 51.390, "انقلاب"), (35.790, 51.430, "پاسداران"),
                                          (35.700, 51.330, "آزادی")]):
        make_office(province=tehran, services=[sana], lat=lat, lon=lon, code=f"T{i:03d}",
                    name_fa=f"دفتر خدمات الکترونیک قضایی {name}", name_en=f"E-judicial office {i}")
    db.session.commit()
    page = phone_page_at(*VANAK)

    page.goto(live_server + "/")
    page.get_by_role("link", name="یافتن دفتر").first.click()
    page.get_by_label("خدمت").select_option("SANA")
    page.get_by_role("button", name="نزدیک من").click()
    page.wait_for_selector(".suggestion.first")
    _shot(page, "find")
    best = page.locator(".suggestion.first a.office-link")
    best_name = best.inner_text()
    best.click()
    assert page.get_by_role("heading", level=1).inner_text() == best_name
    _shot(page, "office")

    page.get_by_role("link", name="گرفتن نوبت").first.click()
    page.locator(".days a.day").nth(1).click()
    page.locator(".slot input:not([disabled])").first.check()
    page.get_by_label("کد ملی").fill(national_id())
    page.get_by_label("شماره همراه").fill("۰۹۱۲۳۴۵۶۷۸۹")
    _shot(page, "book")
    page.get_by_role("button", name="کد را برایم بفرست").click()
    page.wait_for_selector("#otp")

    outbox = page.context.new_page()
    outbox.goto(live_server + "/dev/outbox")
    code = re.search(r"\d{6}", outbox.locator(".sms-body").first.inner_text()).group(0)
    outbox.close()
    page.get_by_label("کد یکبارمصرف").fill(code)
    page.get_by_role("button", name="تأیید نوبت").click()

    page.wait_for_selector(".tracking")
    tracking = page.locator(".tracking").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{10}", tracking)
    assert "نوبت شما ثبت شد" in page.content() and page.locator(".qr-box svg").count() == 1
    _shot(page, "ticket")
    page.get_by_role("link", name="لغو این نوبت").click()
    page.get_by_role("button", name="بله، لغو شود").click()
    assert page.locator(".status").inner_text() == "لغو شده"
    _shot(page, "cancelled")
