"""Every surface a citizen sees a wait on shows the same figure for the same office and moment (rounded as
shown): the recommendation (API, with ``at``), the slot list (API), the office's load (API), the office
page's chart and the find page's "best times" chips, against :func:`offices.forecast.forecast_wait`: a
walk-in's wait where someone chooses when or where to walk in, the booked line's where someone books."""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote

import pytest

from flask_babel import refresh
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from booking.dates import set_clock, tehran_to_utc, to_tehran
from booking.extensions import db
from booking.redis_conn import get_redis
from offices.forecast import forecast_wait
from offices.models import OfficeHourlyStats, QueueTicket
from tests.clock import FRIDAY, THURSDAY, TUESDAY, tehran_moment
from tests.forecast.test_forecast import fitted

SPOTS = [(35.70 + 0.03 * k, 51.30 + 0.03 * k) for k in range(4)]


def _network(make_office, make_service):
    """Four offices: busy, quiet, one with a learned one-counter timetable, one never fitted."""
    service = make_service(code="SANA", typical_minutes=12.0)
    offices = [make_office(code=f"C00{k}", services=[service], lat=lat, lon=lon, counters=c)
               for k, ((lat, lon), c) in enumerate(zip(SPOTS, (3, 2, 4, 2)))]
    fitted(offices[0], per_hour=22.0, service=9.0)
    fitted(offices[1], per_hour=6.0, service=12.0)
    fitted(offices[2], per_hour=14.0, service=10.0)
    today = to_tehran(tehran_moment(0, 10)).date()
    for back in range(1, 29):
        day = today - dt.timedelta(days=back)
        for hour in range(7, 15):
            db.session.add(OfficeHourlyStats(office_id=offices[2].id, arrivals=14, booked_arrivals=2,
                                             counter_minutes=60.0 if hour < 11 else 120.0,
                                             hour_start=tehran_to_utc(dt.datetime.combine(day, dt.time(hour)))))
    db.session.commit()
    return offices


def _bar_minutes(html: str) -> dict[str, int]:
    """The office page chart's bars: ``HH:MM`` -> whole minutes (the bar titles)."""
    return {label: int(n) for label, n in re.findall(r"<title>(\d\d:\d\d): (\d+) min</title>", html)}


@pytest.fixture()
def network(make_office, make_service):
    return _network(make_office, make_service)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])  # no shrinking: each example makes pages
@given(weekday=st.integers(0, 6), hour=st.integers(6, 15), minute=st.sampled_from([0, 7, 30, 45]),
       which=st.integers(0, 3), waiting=st.integers(0, 6), ahead_days=st.integers(0, 2),
       slot_pick=st.floats(0.0, 1.0))
@example(weekday=FRIDAY, hour=11, minute=0, which=0, waiting=0, ahead_days=0, slot_pick=0.5)
@example(weekday=THURSDAY, hour=15, minute=0, which=1, waiting=2, ahead_days=1, slot_pick=0.2)
@example(weekday=TUESDAY, hour=6, minute=30, which=2, waiting=0, ahead_days=0, slot_pick=0.9)
@example(weekday=TUESDAY, hour=10, minute=0, which=0, waiting=6, ahead_days=0, slot_pick=0.0)
def test_every_surface_shows_the_same_wait(client, network, weekday, hour, minute, which, waiting, ahead_days,
                                           slot_pick):
    offices = network
    office = offices[which]
    now = tehran_moment(weekday, hour, minute)
    set_clock(now)
    get_redis().flushdb()
    tickets = [QueueTicket(office_id=office.id, service_type_id=office.services[0].id, number=f"A-{k:03d}",
                           kind="walk_in", arrived_at=now - dt.timedelta(minutes=5)) for k in range(waiting)]
    db.session.add_all(tickets)
    db.session.commit()
    try:
        # The office's load now (API) and the office page.
        here = forecast_wait(office.id)
        load = client.get(f"/api/offices/{office.code}/load").get_json()
        assert load["wait_mean"] == round(here.mean, 1) and load["wait_p90"] == round(here.p90, 1)
        refresh()  # the test's application context would keep the previous request's language
        page = client.get(f"/offices/{office.code}?lang=en").get_data(as_text=True)
        if not here.is_open:
            assert "Closed now" in page and here.opens_at is not None
        else:  # no counter has been opened in this network: never "quiet, 0 minutes"
            assert here.no_counter_open and "No counter is open yet" in page and ">Quiet<" not in page
        # A day's slots (API) against the forecast at each slot start, and the office page's chart.
        day = to_tehran(now).date() + dt.timedelta(days=ahead_days)
        slots = client.get(f"/api/offices/{office.code}/slots?date={day.isoformat()}").get_json()["slots"]
        future = [s for s in slots if s["predicted_wait"] is not None]
        bars = _bar_minutes(page)
        for s in future[:: max(1, len(future) // 5)]:
            moment = dt.datetime.fromisoformat(s["starts_at"])
            expected = forecast_wait(office.id, moment)
            assert expected.is_open
            assert s["predicted_wait"] == round(expected.booked_mean, 1), s
            assert expected.booked_mean <= expected.mean + 1e-9  # booked citizens are called first
            if ahead_days == 0:
                assert bars[to_tehran(moment).strftime("%H:%M")] == round(expected.mean), s
        # The recommendation for a moment (API), from the office's own door: travel 0, arrival = the moment.
        if future:
            at = dt.datetime.fromisoformat(future[int(slot_pick * (len(future) - 1))]["starts_at"])
        else:
            at = now + dt.timedelta(days=ahead_days, minutes=int(slot_pick * 600))
        expected = forecast_wait(office.id, at)
        lat, lon = SPOTS[which]
        answer = client.get(f"/api/recommend?lat={lat}&lon={lon}&service=SANA&at={quote(at.isoformat())}")
        assert answer.status_code == 200, answer.get_json()
        rec = answer.get_json()
        shown = {o["office"]["code"]: o for o in rec["offices"]}
        for code, entry in shown.items():
            assert entry["open"], entry  # never an office closed at the moment asked
        if expected.is_open:
            assert shown[office.code]["wait_mean"] == round(expected.mean, 1)
            assert shown[office.code]["wait_p90"] == round(expected.p90, 1)
        else:
            assert office.code not in shown
        # The find page's "best times" chips for the office recommended first (now).
        refresh()
        find = client.get(f"/find?lat={lat}&lon={lon}&service=SANA&lang=en").get_data(as_text=True)
        chips = re.findall(r"/offices/(C00\d)/book\?date=([\d-]+)[^\"]*slot=\d+[^\"]*\">(\d\d:\d\d) · ~(\d+) min wait",
                           find)
        assert chips  # the office recommended first has free times on its next open days
        for code, slot_day, clock, n in chips:
            chip_office = next(o for o in offices if o.code == code)
            moment = tehran_to_utc(dt.datetime.combine(dt.date.fromisoformat(slot_day),
                                                       dt.time.fromisoformat(clock)))
            assert int(n) == round(forecast_wait(chip_office.id, moment).booked_mean), (code, slot_day, clock)
    finally:
        for ticket in tickets:
            db.session.delete(ticket)
        db.session.commit()
        set_clock(None)
