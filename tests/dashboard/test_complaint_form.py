"""The public complaint form: typed text stored with Persian letters, a visible limit, a layout that fits a
phone (in a real headless Chromium)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from booking.extensions import db
from booking.security import clean_text
from offices.models import Complaint
from tests.browser import keep_screenshot


@pytest.mark.parametrize(("typed", "stored"), [
    ("كارت ملي من", "کارت ملی من"),              # Arabic kaf and yeh, as an Arabic layout types them
    ("  کارت ملی من\n", "کارت ملی من"),           # already Persian: only the spaces go
    ("ticket A-12", "ticket A-12"),
    ("", ""),
    (None, ""),
])
def test_clean_text_writes_persian_letters(typed, stored):
    assert clean_text(typed) == stored


def test_complaint_is_stored_with_persian_letters(client, network):
    office = network.offices[0]
    response = client.post("/complaints/new", data={"office": office.code, "text": "باجه‌ي يك زود بسته شد."})
    assert response.status_code == 302
    stored = db.session.scalar(select(Complaint).order_by(Complaint.id.desc()))
    assert stored.text == "باجه‌ی یک زود بسته شد."
    assert "\u064a" not in stored.text and "\u0643" not in stored.text


def test_too_long_complaint_is_refused_not_cut(client, network):
    office = network.offices[0]
    response = client.post("/complaints/new", data={"office": office.code, "text": "ا" * 4001})
    assert response.status_code == 422
    assert db.session.scalar(select(Complaint)) is None
    page = client.get(f"/complaints/new?office={office.code}").get_data(as_text=True)
    assert 'maxlength="4000"' in page and "۰ از ۴٬۰۰۰ نویسه" in page


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["fa", "en"])
def test_complaint_form_fits_a_phone(network, live_server, phone_page, lang):  # network pins the clock
    page = phone_page
    page.goto(f"{live_server}/complaints/new?office={network.offices[0].code}&lang={lang}")
    assert page.viewport_size["width"] == 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    send = page.locator("form.complaint-form button[type=submit]")
    box = send.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    area = page.locator("#text").bounding_box()
    assert area["x"] >= 0 and area["x"] + area["width"] <= 390
    page.fill("#text", "كارت ملي")
    counter = page.locator("#text-count").inner_text()
    assert counter == ("۸ از ۴٬۰۰۰ نویسه" if lang == "fa" else "8 of 4,000 characters")
    page.locator("#text").press("End")
    page.keyboard.type("!")
    assert page.locator("#text-count").inner_text().startswith("۹" if lang == "fa" else "9")
    # the "Send" button is on the screen, and nothing covers it
    send.scroll_into_view_if_needed()
    assert send.evaluate("b => { const r = b.getBoundingClientRect();"
                         " return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === b; }")
    page.evaluate("window.scrollTo(0, 0)")
    keep_screenshot(page, f"complaint-form-{lang}")
