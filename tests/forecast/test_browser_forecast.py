"""The office page in a real headless Chromium: closed on a Friday (when it opens, in Jalali), and inside its
hours with no counter open yet (never "quiet"), at phone and desktop sizes, in Persian and English."""
from __future__ import annotations

import pytest

from booking.dates import jalali_date
from booking.extensions import db
from offices.forecast import forecast_wait
from tests.browser import keep_screenshot
from tests.clock import FRIDAY, TUESDAY, tehran_moment
from tests.forecast.test_forecast import fitted

pytestmark = pytest.mark.browser


def _shot(page, name: str) -> None:
    keep_screenshot(page, f"office-{name}")


def test_closed_on_friday_says_when_it_opens(clock, live_server, phone_page, desktop_page, make_office):
    now = clock(tehran_moment(FRIDAY, 11))
    office = make_office(code="230013", counters=3)
    fitted(office)
    db.session.commit()
    opening = forecast_wait(office.id, now)
    for page, size in ((phone_page, "390"), (desktop_page, "1366")):
        page.goto(f"{live_server}/offices/230013?lang=fa")
        note = page.locator("#closed-note")
        assert jalali_date(opening.opens_at, "fa", with_weekday=True) in note.inner_text()
        assert page.locator(".badge.level-closed").count() == 1
        _shot(page, f"closed-fa-{size}")
        page.goto(f"{live_server}/offices/230013?lang=en")
        assert "Closed now: opens Saturday" in page.locator("#closed-note").inner_text()
        _shot(page, f"closed-en-{size}")


def test_no_counter_open_yet_is_not_quiet(clock, live_server, phone_page, desktop_page, make_office):
    from offices import queue_ops

    clock(tehran_moment(TUESDAY, 9))
    office = make_office(code="230014", counters=2)
    fitted(office)
    for _ in range(5):
        queue_ops.add_walk_in(office, office.services[0].code, None)
    db.session.commit()
    expected = forecast_wait(office.id)
    assert expected.no_counter_open and expected.mean > 5
    for page, size in ((phone_page, "390"), (desktop_page, "1366")):
        page.goto(f"{live_server}/offices/230014?lang=en")
        assert page.locator(".badge.level-no_counter").inner_text() == "No counter open yet"
        assert f"~{round(expected.p50)} min" in page.locator("#no-counter-note").inner_text()
        assert page.locator(".wait-chart rect").count() > 1  # the rest of today, not empty axes
        _shot(page, f"no-counter-en-{size}")
        page.goto(f"{live_server}/offices/230014?lang=fa")
        _shot(page, f"no-counter-fa-{size}")
