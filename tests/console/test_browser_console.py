"""The operator's journey in a real headless Chromium, and the public load following it within 5 seconds."""
from __future__ import annotations

import datetime as dt
import json
import time
import urllib.request

import pytest
from playwright.sync_api import expect

from booking.dates import utcnow
from booking.extensions import db
from tests.browser import keep_screenshot
from tests.console.conftest import PASSWORD
from tests.console.test_queue_ops import make_appointment

pytestmark = pytest.mark.browser


def public_load(base_url: str, code: str) -> dict:
    with urllib.request.urlopen(f"{base_url}/api/offices/{code}/load", timeout=5) as response:
        return json.load(response)


def wait_for_load(base_url: str, code: str, expected: dict, timeout: float = 5.0) -> float:
    """Poll the public load until it shows ``expected``; returns the seconds it took."""
    start = time.monotonic()
    while True:
        load = public_load(base_url, code)
        if all(load[k] == v for k, v in expected.items()):
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise AssertionError(f"public load {load} did not reach {expected} within {timeout} s")
        time.sleep(0.1)


def press(page, key: str) -> None:
    """Press a console shortcut and wait for the page it submits to load."""
    page.wait_for_load_state()
    with page.expect_navigation():
        page.keyboard.press(key)


def shoot(page, name: str) -> None:
    keep_screenshot(page, f"console-{name}", full_page=False)


@pytest.mark.production
def test_operator_journey_reaches_the_public_load(working_day, live_server, desktop_page, make_office, make_service,
                                                  make_user):
    sana = make_service(code="sana-reg", letter="A", name_fa="ثبت‌نام ثنا", name_en="SANA registration")
    petition = make_service(code="petition", letter="B", name_fa="ثبت دادخواست", name_en="Filing a petition")
    office = make_office(services=[sana, petition], counters=3)
    operator = make_user("operator", office=office, full_name="مریم احمدی")
    make_appointment(office, sana, utcnow() + dt.timedelta(minutes=5), national_id="0499370899", code="K7M2QX9P")
    db.session.commit()
    code = office.code
    page = desktop_page

    page.goto(f"{live_server}/login")
    page.fill("#username", operator.username)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="ورود").click()
    page.wait_for_url(f"**/console/{code}")
    assert public_load(live_server, code)["waiting"] == 0

    with page.expect_navigation():
        page.get_by_role("button", name="باز کردن").first.click()  # open counter 1
    page.fill("#check-in-query", "0499370899")
    with page.expect_navigation():
        page.get_by_role("button", name="پذیرش", exact=True).click()
    assert "پذیرش شد" in page.locator(".flash").inner_text()
    wait_for_load(live_server, code, {"waiting": 1})

    press(page, "1")  # walk-in for the first service
    press(page, "2")  # walk-in for the second service
    wait_for_load(live_server, code, {"waiting": 3, "counters_open": 1})

    press(page, "n")  # call next at my counter: the booked citizen comes first
    assert page.locator("#counter-1 .ticket-no").inner_text() in ("A-001", "A-۰۰۱")
    wait_for_load(live_server, code, {"waiting": 2, "in_service": 1})
    shoot(page, "board")

    with page.expect_navigation():
        page.locator("#counter-1").get_by_role("button", name="پایان خدمت").click()
    took = wait_for_load(live_server, code, {"waiting": 2, "in_service": 0})
    assert took < 5.0

    press(page, "n")
    assert page.locator("#counter-1 .ticket-no").inner_text() in ("A-002", "A-۰۰۲")
    lobby = page.context.new_page()
    lobby.set_viewport_size({"width": 1280, "height": 720})
    lobby.goto(f"{live_server}/lobby/{code}")
    assert lobby.locator("#calls tr.newest .ticket-no").inner_text() in ("A-002", "A-۰۰۲")
    shoot(lobby, "lobby")
    with page.expect_navigation():
        page.locator("#counter-1").get_by_role("button", name="پایان خدمت").click()
    press(page, "n")
    # the lobby refreshes itself: the new call on top, highlighted, the one before it under it
    expect(lobby.locator("#calls tr.newest .ticket-no")).to_have_text(["B-۰۰۱"], timeout=9000)
    assert lobby.locator("#calls .ticket-no").all_inner_texts()[:3] == ["B-۰۰۱", "A-۰۰۲", "A-۰۰۱"]
