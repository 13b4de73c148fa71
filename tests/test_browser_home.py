"""The home page in a real headless Chromium: Persian, right to left, switchable to English."""
from __future__ import annotations

import pytest

from booking.extensions import db
from tests.browser import keep_screenshot

pytestmark = pytest.mark.browser


def test_home_page_in_the_browser(working_day, live_server, phone_page, make_office, make_province) -> None:
    tehran = make_province(code="23", name_fa="تهران", name_en="Tehran")
    make_office(province=tehran)
    db.session.commit()
    phone_page.goto(live_server + "/")
    assert phone_page.locator("html").get_attribute("dir") == "rtl"
    assert phone_page.get_by_role("heading", level=1).inner_text() == "کجا زودتر کارتان راه می‌افتد؟"
    phone_page.get_by_role("link", name="English").click()
    assert phone_page.locator("html").get_attribute("dir") == "ltr"
    phone_page.get_by_role("link", name="Tehran").click()
    assert "Offices in Tehran" in phone_page.get_by_role("heading", level=1).inner_text()
    keep_screenshot(phone_page, "province-en-phone")
    # The province lists its offices with their live load, each a link to its page; nothing wider than the phone.
    assert phone_page.locator("#province-offices .office-item .load").count() == 1
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 391
    phone_page.locator("#province-offices a.office-link").first.click()
    phone_page.wait_for_url("**/offices/*")
