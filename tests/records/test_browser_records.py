"""The public record pages and the planning page in a real headless Chromium. With SAFNAMA_SCREENSHOTS set,
screenshots go to docs/screenshots/record-*.png and docs/screenshots/planning-*.png."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from booking.dates import persian_digits
from booking.extensions import db
from tests.browser import keep_screenshot, markers_on_the_map
from tests.records.test_planning import run_queued_jobs

pytestmark = pytest.mark.browser



def test_citizen_reads_office_records(city_data, live_server, phone_page, desktop_page):
    slow, fast, middle, quiet = city_data.offices
    page = phone_page
    page.goto(live_server + "/records")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.get_by_role("link", name="تهران", exact=True).click()
    page.wait_for_url("**/records/THR/Tehran")
    rows = page.locator("#league-table tbody tr[data-office]")
    assert rows.evaluate_all("rows => rows.map(r => r.dataset.office)") == [fast.code, middle.code, slow.code,
                                                                            quiet.code]
    assert "۱" in rows.first.locator("td.rank").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1 or page.locator(".table-scroll").count()
    keep_screenshot(page, "record-league-phone")
    # On the phone the median wait is on screen without scrolling, and each office says its district.
    median = rows.first.locator("td").nth(1).bounding_box()
    assert 0 <= median["x"] and median["x"] + median["width"] <= 390, median
    assert rows.first.locator(".district").inner_text().strip() == persian_digits(fast.district.name_fa)
    rows.first.locator("a").click()
    page.wait_for_url(f"**/offices/{fast.code}/record")
    assert page.locator("#record .record-card").count() == 6
    assert "رتبهٔ ۱ از ۳" in page.locator("#rank").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    keep_screenshot(page, "record-office-phone")
    page.goto(live_server + f"/offices/{quiet.code}/record")
    assert page.locator("#not-enough").is_visible() and page.locator("#record").count() == 0
    keep_screenshot(page, "record-not-enough-phone")
    desktop_page.goto(live_server + "/records/THR/Tehran")
    keep_screenshot(desktop_page, "record-league")
    desktop_page.goto(live_server + f"/offices/{slow.code}/record?lang=en")
    assert "Median wait" in desktop_page.locator("#record").inner_text()
    keep_screenshot(desktop_page, "record-office-en")


def test_supervisor_plans_new_offices(city_data, app, live_server, desktop_page, make_staff):
    make_staff("sup-thr", scope="province", province_id=city_data.province.id)
    db.session.commit()
    app.config["MAP_TILE_URL"] = live_server + "/static/vendor/leaflet/images/layers.png?{z}/{x}/{y}"
    page = desktop_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server + "/login")
    page.fill("#username", "sup-thr")
    page.fill("#password", "secret-pass")
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(live_server + "/planning/")
    page.get_by_role("link", name="تهران", exact=True).click()
    page.wait_for_url("**/planning/THR/Tehran")
    assert page.locator("#no-plan").is_visible()
    # Number fields on the Persian page show Persian digits, and Persian digits typed are read.
    shown = page.locator("input[name=counters]").input_value()
    assert shown and all("\u06f0" <= ch <= "\u06f9" for ch in shown)
    page.fill("input[name=new_offices]", "۲")
    page.fill("input[name=days]", "1")
    page.locator("#plan-form button[type=submit]").click()
    page.wait_for_url("**/planning/THR/Tehran")
    assert page.locator("#plan-progress progress").is_visible()
    keep_screenshot(page, "planning-progress")
    run_queued_jobs()  # what the RQ worker does in the background
    page.wait_for_selector("#plan-result", timeout=15_000)  # the page refreshes itself
    assert page.locator("svg.planmap g.chosen").count() == 2
    assert page.locator("svg.planmap rect.site").count() >= 1
    # The street map over the drawing: a mark for every site, office and chosen site, and the legend.
    expect(page.locator(".plan-map .street-map-ready .leaflet-container")).to_be_visible()
    marks = page.locator("svg.planmap rect.site").count() + page.locator("svg.planmap g.office").count() + 2
    assert page.locator(".plan-map .leaflet-interactive").count() == marks
    assert markers_on_the_map(page, ".plan-map") == marks  # drawn, in view
    expect(page.locator(".plan-map .map-legend")).to_be_visible()
    assert page.locator("#chosen-table tbody tr").count() == 2
    assert page.locator("#counter-table tbody tr").count() + page.locator("#no-counter-gain").count() >= 1
    keep_screenshot(page, "planning-city")
