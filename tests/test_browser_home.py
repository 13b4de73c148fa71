"""The home page in a real headless Chromium: Persian, right to left, switchable to English."""
from __future__ import annotations

import pytest

from booking.extensions import db

pytestmark = pytest.mark.browser


def test_home_page_in_the_browser(live_server, phone_page, make_office, make_province) -> None:
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
