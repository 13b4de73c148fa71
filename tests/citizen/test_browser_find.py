"""The find page's form in a real headless Chromium: the district list follows the province, a district sets
its province, a province with another province's district answers consistently, and a refused location says
what happened and offers the district list."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from booking.extensions import db
from offices.models import District
from tests.browser import keep_screenshot

pytestmark = pytest.mark.browser


@pytest.fixture()
def two_provinces(make_province, make_office, make_service):
    service = make_service(code="SANA")
    tehran = make_province(code="23", name_fa="تهران", name_en="Tehran", lat=35.69, lon=51.39)
    isfahan = make_province(code="10", name_fa="اصفهان", name_en="Isfahan", lat=32.65, lon=51.67)
    places = {}
    for province, code, name, city, lat, lon in ((tehran, "23-1", "حوزهٔ ونک", "تهران", 35.76, 51.41),
                                                 (tehran, "23-2", "حوزهٔ آزادی", "تهران", 35.70, 51.33),
                                                 (isfahan, "10-1", "حوزهٔ نقش جهان", "اصفهان", 32.66, 51.68)):
        district = District(province=province, code=code, name_fa=name, name_en=f"District {code}", city_fa=city,
                            city_en=province.name_en, lat=lat, lon=lon)
        db.session.add(district)
        places[code] = make_office(district=district, services=[service], lat=lat, lon=lon,
                                   name_fa=f"دفتر {name}", name_en=f"Office {code}")
    db.session.commit()
    return places


def test_district_list_follows_the_province_and_a_district_sets_its_province(working_day, live_server, phone_page,
                                                                              two_provinces):
    page = phone_page
    page.goto(live_server + "/find")
    districts = page.locator("#district option")
    assert "23-1" in districts.evaluate_all("os => os.map(o => o.value)")  # Tehran's by default
    page.locator("#province").select_option("10")
    expect(districts).to_have_count(2)
    assert districts.evaluate_all("os => os.map(o => o.value)") == ["", "10-1"]
    page.locator("#province").select_option("23")
    expect(districts).to_have_count(3)
    page.locator("#district").select_option("23-2")
    assert page.locator("#province").input_value() == "23"
    page.get_by_role("button", name="جستجو").click()
    page.wait_for_url("**district=23-2**")
    assert page.locator("#district").input_value() == "23-2"
    keep_screenshot(page, "citizen-find-district")


def test_a_province_with_another_provinces_district_answers_for_the_district(working_day, client, two_provinces):
    html = client.get("/find?province=10&district=23-1").get_data(as_text=True)
    assert 'value="23" selected' in html and 'value="23-1" data-province="23" selected' in html
    listing = html[html.index('id="list-heading"'):]
    assert two_provinces["23-1"].code in listing and two_provinces["10-1"].code not in listing
    # Codes that name nothing are dropped, not answered with an error page.
    assert client.get("/find?province=XX&district=nope").status_code == 200
    assert client.get("/api/districts?province=XX").status_code == 404
    listed = client.get("/api/districts?province=10").get_json()["districts"]
    assert [d["code"] for d in listed] == ["10-1"] and listed[0]["province"] == "10"


def test_a_refused_location_says_so_and_offers_the_district_list(working_day, live_server, phone_page, two_provinces):
    page = phone_page  # no permission to read the position: the browser refuses
    page.goto(live_server + "/find")
    page.get_by_role("button", name="نزدیک من").click()
    status = page.locator("#geo-status")
    status.filter(has_text="مکان شما در دسترس نیست").wait_for()
    assert "حوزهٔ قضایی" in status.inner_text() and "⚠" not in status.inner_text()
    assert page.evaluate("document.activeElement.id") == "district"
    # These offices are open but no counter is: never "0 minutes" beside them.
    cards = page.locator(".load").all_inner_texts()
    assert cards and all("باجه" in text and "۰ دقیقه" not in text for text in cards), cards
    keep_screenshot(page, "citizen-find-location-refused")
