"""The supervisors' load map in a real headless Chromium: a street map with one dot per office, coloured by
people waiting per counter, each linking to the office's heatmaps."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from booking.extensions import db
from tests.browser import keep_screenshot, markers_on_the_map

pytestmark = pytest.mark.browser


def test_load_map_is_a_street_map_of_the_provinces_offices(network, app, live_server, desktop_page, make_staff):
    make_staff("sup-thr", scope="province", province_id=network.provinces[0].id)
    db.session.commit()
    app.config["MAP_TILE_URL"] = live_server + "/static/vendor/leaflet/images/layers.png?{z}/{x}/{y}"
    page = desktop_page
    page.goto(live_server + "/login")
    page.fill("#username", "sup-thr")
    page.fill("#password", "secret-pass")
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/dashboard/province/THR")
    page.goto(live_server + "/dashboard/province/THR/heatmap")
    expect(page.locator("#map .street-map-ready .leaflet-container")).to_be_visible()
    expect(page.locator("#map svg.loadmap")).to_be_hidden()
    in_province = [o for o in network.offices if o.district.province_id == network.provinces[0].id]
    dots = page.locator("#map .leaflet-interactive")
    assert dots.count() == len(in_province) == 3
    assert markers_on_the_map(page, "#map") == 3
    dots.first.click()
    link = page.locator("#map .leaflet-popup-content a")
    assert "/dashboard/office/" in link.get_attribute("href") and "counters" not in link.inner_text().lower()
    legend = page.locator("#map .map-legend")
    expect(legend).to_be_visible()
    assert legend.locator(".swatch").count() == 5 and "۱–۳" in legend.inner_text()
    page.locator("#map").scroll_into_view_if_needed()
    keep_screenshot(page, "dashboard-load-map")
