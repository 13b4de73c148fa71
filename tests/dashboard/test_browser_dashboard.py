"""A province supervisor in a real headless Chromium: sort by average wait, drill into the worst office,
open its heatmap, run what-if with one more counter. With SAFNAMA_SCREENSHOTS set, screenshots go to
docs/screenshots/dashboard-*.png."""
from __future__ import annotations

import pytest

from booking.extensions import db
from tests.browser import keep_screenshot

pytestmark = pytest.mark.browser



def _kpi_column(page, key: str) -> list[str]:
    return page.locator(f"#kpi-table tbody td[data-kpi='{key}']").all_inner_texts()


def _as_number(text: str) -> float:
    from booking.dates import ascii_digits

    text = ascii_digits(text).replace(",", "").replace("٬", "").replace("٫", ".").strip()
    return float(text) if text not in ("", "—") else float("-inf")


@pytest.mark.production
def test_province_supervisor_journey(network, live_server, desktop_page, make_staff):  # network pins the clock
    make_staff("sup-thr", scope="province", province_id=network.provinces[0].id)
    db.session.commit()
    page = desktop_page
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(live_server + "/login")
    page.fill("#username", "sup-thr")
    page.fill("#password", "secret-pass")
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/dashboard/province/THR")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.get_by_role("link", name="۳۰ روز گذشته").click()
    page.wait_for_url("**period=30**")
    # sort by average wait: the server sorts, no script involved
    page.locator("#kpi-table thead th[data-kpi='avg_wait'] a.sort").click()
    page.wait_for_url("**sort=avg_wait**")
    assert page.locator("#kpi-table thead th[data-kpi='avg_wait']").get_attribute("aria-sort") == "descending"
    waits = [_as_number(t) for t in _kpi_column(page, "avg_wait")]
    assert waits == sorted(waits, reverse=True)
    keep_screenshot(page, "dashboard-province")
    # the worst office of the province, in one click from the column's top/bottom 5
    page.locator("#kpi-table thead th[data-kpi='avg_wait'] a.rank").click()
    page.wait_for_url("**rank=avg_wait**")
    keep_screenshot(page, "dashboard-top-bottom")
    worst = page.locator(".extremes-table").first.locator("tbody tr").first
    worst_name = worst.locator("a").inner_text()
    worst.locator("a").click()
    page.wait_for_url("**/dashboard/office/**period=30**")
    assert worst_name in page.get_by_role("heading", level=1).inner_text()
    keep_screenshot(page, "dashboard-office")
    page.get_by_role("link", name="نقشه‌های حرارتی و نقشه").click()
    page.wait_for_url("**/heatmap")
    assert page.locator("svg.heatmap").count() == 1 and page.locator("svg.loadmap").count() == 1
    assert page.locator("svg.heatmap rect title").count() > 20
    keep_screenshot(page, "dashboard-heatmap-office")
    # what-if with one more counter
    page.locator("form.dash-form").get_by_role("link", name="شبیه‌سازی نیروی باجه").click()
    page.wait_for_url("**/whatif")
    page.select_option("#change", "add")
    page.locator("#whatif-form button[type=submit]").click()
    page.wait_for_url("**change=add**")
    assert page.locator("#wait-changed").is_visible()
    assert page.locator("#whatif-table tbody tr").count() >= 5
    keep_screenshot(page, "dashboard-whatif")
    # the province's heatmaps: offices x hour of today and the map
    page.goto(live_server + "/dashboard/province/THR/heatmap?metric=wait")
    assert page.locator("svg.heatmap").count() == 2
    keep_screenshot(page, "dashboard-heatmap-province")
