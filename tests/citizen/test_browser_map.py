"""The street map in a real headless Chromium: Leaflet over the server's drawing when tiles load (here from the
test server itself), the drawing back with a note when they cannot; the office page's address, telephone,
directions links and the documents each service needs."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from booking.extensions import db
from tests.browser import keep_screenshot, markers_on_the_map

pytestmark = pytest.mark.browser


@pytest.fixture()
def office(make_office, make_service):
    from offices.service_catalogue import service_by_code

    spec = service_by_code("petition")
    petition = make_service(code=spec.code, name_fa=spec.name_fa, name_en=spec.name_en)
    found = make_office(code="230099", services=[petition], lat=35.7575, lon=51.4106, phone="021-88412345",
                        name_fa="دفتر خدمات الکترونیک قضایی ونک")
    db.session.commit()
    return found


def test_office_page_has_a_street_map_directions_and_documents(working_day, app, live_server, phone_page, office):
    # Tiles from the test server itself (any image will do): the street map replaces the drawing.
    app.config["MAP_TILE_URL"] = live_server + "/static/vendor/leaflet/images/layers.png?{z}/{x}/{y}"
    page = phone_page
    page.goto(f"{live_server}/offices/{office.code}")
    expect(page.locator(".street-map.street-map-ready .leaflet-container")).to_be_visible()
    expect(page.locator(".street-map .office-map")).to_be_hidden()
    assert page.locator(".leaflet-interactive").count() == 1  # the office's marker
    assert markers_on_the_map(page, "#where") == 1
    contact = page.locator(".office-contact")
    assert contact.locator("a[href='tel:02188412345']").inner_text() == "۰۲۱-۸۸۴۱۲۳۴۵"
    links = page.locator(".directions a")
    hrefs = links.evaluate_all("as => as.map(a => a.href)")
    assert any(h.startswith("https://neshan.org/") and "35.757500,51.410600" in h for h in hrefs)
    assert any(h.startswith("https://balad.ir/") and "latitude=35.757500" in h for h in hrefs)
    assert any(h.startswith("https://www.google.com/maps/dir/") for h in hrefs)
    page.locator(".services-documents summary").first.click()
    documents = page.locator(".services-documents .documents li").all_inner_texts()
    assert any("کارت ملی" in d for d in documents) and any("خوانده" in d for d in documents)
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    # Open, no counter open, nobody waiting: no "0 minutes" anywhere on the page (the chart's scale, "10
    # minutes", is not one).
    assert not re.search(r"(?<![۰-۹])۰ دقیقه", page.locator("main").inner_text())
    page.locator("#where").scroll_into_view_if_needed()
    keep_screenshot(page, "citizen-office-map")


def test_without_tiles_the_drawing_stays_with_a_note(working_day, app, live_server, phone_page, office):
    app.config["MAP_TILE_URL"] = "http://127.0.0.1:9/{z}/{x}/{y}.png"  # nothing answers there
    page = phone_page
    page.goto(f"{live_server}/find?lat=35.757&lon=51.41")
    note = page.locator(".street-map-offline .street-map-note")
    expect(note).to_be_visible(timeout=15_000)
    assert "نقشهٔ خیابان‌ها بارگیری نشد" in note.inner_text()
    expect(page.locator(".street-map .office-map")).to_be_visible()
    assert page.locator(".leaflet-container").count() == 0
