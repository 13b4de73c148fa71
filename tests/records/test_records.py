"""Office records: figures against a direct computation from the tickets, the 50-visit threshold, the league
table's order, the pages and the API (with its OpenAPI description)."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from sqlalchemy import select

from booking.extensions import db
from offices import records


def _direct(office_ids: list[int]) -> dict[str, float | int | None]:
    """The record's figures computed straight from the tickets, appointments and feedback (no aggregates)."""
    from booking.models import Appointment, Feedback, TimeSlot
    from offices.models import QueueTicket

    period = records.record_period()
    tickets = db.session.scalars(select(QueueTicket).where(
        QueueTicket.office_id.in_(office_ids), QueueTicket.arrived_at >= period.start,
        QueueTicket.arrived_at < period.end)).all()
    waits = np.array([max(0.0, (t.started_at - t.arrived_at).total_seconds() / 60) for t in tickets
                      if t.outcome == "served"])
    came = on_time = 0
    for t in tickets:
        if t.appointment_id is None or t.outcome == "no_show":
            continue
        slot = db.session.get(TimeSlot, db.session.get(Appointment, t.appointment_id).slot_id)
        came += 1
        on_time += t.outcome == "served" and (t.started_at - slot.starts_at).total_seconds() <= 15 * 60
    ratings = [f.rating for f in db.session.scalars(select(Feedback).where(
        Feedback.office_id.in_(office_ids), Feedback.created_at >= period.start, Feedback.created_at < period.end))]
    return {"visits": len(tickets), "p50": float(np.quantile(waits, 0.5)), "p90": float(np.quantile(waits, 0.9)),
            "on_time": on_time / came, "came": came,
            "no_show": sum(t.outcome == "no_show" for t in tickets) / len(tickets),
            "satisfaction": sum(ratings) / len(ratings)}


def test_figures_match_the_tickets(city_data):
    city_ids = [o.id for o in city_data.offices]
    league = records.city_league(records.city_of(city_data.offices[0]), cached=False)
    for office in city_data.offices[:3]:
        record = records.office_record(office, cached=False)
        f, want = record.figures, _direct([office.id])
        assert f.visits == want["visits"] and f.enough
        assert f.wait_p50 == pytest.approx(want["p50"], abs=1e-3)
        assert f.wait_p90 == pytest.approx(want["p90"], abs=1e-3)
        assert f.booked_came == want["came"] and f.booked_on_time == pytest.approx(want["on_time"])
        assert f.no_show_share == pytest.approx(want["no_show"])
        assert f.satisfaction == pytest.approx(want["satisfaction"])
    city = _direct(city_ids)
    c = league.city_figures
    assert c.visits == city["visits"]
    assert c.wait_p50 == pytest.approx(city["p50"], abs=1e-3) and c.wait_p90 == pytest.approx(city["p90"], abs=1e-3)
    assert c.booked_on_time == pytest.approx(city["on_time"]) and c.satisfaction == pytest.approx(city["satisfaction"])
    # the other city's office is not part of Tehran's figures
    assert {row.office.id for row in league.rows} == set(city_ids)


def test_period_is_the_last_thirty_complete_days(city_data):
    period = records.record_period()
    assert (period.last_day - period.first_day).days == records.RECORD_DAYS - 1
    assert period.end - period.start == dt.timedelta(days=records.RECORD_DAYS)
    # tickets of today and of 31+ days ago are left out
    from offices.models import QueueTicket

    all_tickets = db.session.scalar(select(db.func.count()).select_from(QueueTicket).where(
        QueueTicket.office_id == city_data.offices[0].id))
    assert records.office_record(city_data.offices[0], cached=False).figures.visits < all_tickets


def test_fifty_visit_threshold(city_data, client):
    quiet = city_data.offices[3]
    record = records.office_record(quiet, cached=False)
    assert record.figures.visits < records.MIN_VISITS and not record.figures.enough and record.rank is None
    page = client.get(f"/offices/{quiet.code}/record")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="not-enough"' in html and 'id="record"' not in html
    data = client.get(f"/api/offices/{quiet.code}/record").get_json()
    assert data["figures"] == {"visits": record.figures.visits, "enough_visits": False}
    assert data["rank"] is None and data["min_visits"] == 50
    # an office just at the threshold is published
    f = records.Figures(visits=50, served=40, wait_p50=3.0, wait_p90=9.0, booked_came=0, booked_on_time=None,
                        no_shows=0, no_show_share=0.0, ratings=0, satisfaction=None)
    assert f.enough and not records.Figures(**{**f.__dict__, "visits": 49}).enough


def test_league_table_by_median_wait(city_data, client):
    slow, fast, middle, quiet = city_data.offices
    league = records.city_league(records.city_of(slow), cached=False)
    ranked = [row for row in league.rows if row.rank is not None]
    assert [row.office.id for row in ranked] == [fast.id, middle.id, slow.id]
    assert [row.rank for row in ranked] == [1, 2, 3]
    medians = [row.figures.wait_p50 for row in ranked]
    assert medians == sorted(medians)
    assert league.rows[-1].office.id == quiet.id and league.rows[-1].rank is None
    html = client.get("/records/THR/Tehran").get_data(as_text=True)
    order = [html.index(f'data-office="{o.code}"') for o in (fast, middle, slow, quiet)]
    assert order == sorted(order)
    assert client.get("/records/THR/Nowhere").status_code == 404
    assert "کرج" in client.get("/records").get_data(as_text=True)


def test_office_page_and_api(city_data, client):
    fast = city_data.offices[1]
    html = client.get(f"/offices/{fast.code}/record").get_data(as_text=True)
    assert 'id="record"' in html and 'data-figure="wait_p50"' in html and "۱" in html
    data = client.get(f"/api/offices/{fast.code}/record").get_json()
    record = records.office_record(fast, cached=False)
    assert data["rank"] == 1 and data["ranked_offices"] == 3
    assert data["figures"]["wait_p50"] == round(record.figures.wait_p50, 1)
    assert data["figures"]["visits"] == record.figures.visits
    assert data["city"]["figures"]["visits"] == record.league.city_figures.visits
    assert [row["office"] for row in data["league"]][:3] == [o.code for o in
                                                            (fast, city_data.offices[2], city_data.offices[0])]
    # cached answers are the same
    assert client.get(f"/api/offices/{fast.code}/record").get_json() == data
    missing = client.get("/api/offices/NOPE/record", headers={"Accept-Language": "en"})
    assert missing.status_code == 404 and missing.get_json()["code"] == "office_not_found"
    assert client.get("/offices/NOPE/record").status_code == 404
    spec = client.get("/api/openapi.json").get_json()
    operation = spec["paths"]["/api/offices/{code}/record"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/OfficeRecord")
    assert "wait_p50" in spec["components"]["schemas"]["RecordFigures"]["properties"]


def test_english_page(city_data, client):
    html = client.get(f"/offices/{city_data.offices[1].code}/record?lang=en").get_data(as_text=True)
    assert "Median wait" in html
