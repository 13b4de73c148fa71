"""KPIs from the hourly table agree with a direct computation from the raw tickets, shifts and feedback."""
from __future__ import annotations

import datetime as dt
import math

import pytest
from sqlalchemy import select

from booking.extensions import db
from offices import kpis


def direct(office_ids: set[int], start: dt.datetime, end: dt.datetime) -> dict[str, float | None]:
    """The period KPIs straight from the raw records (no hourly table)."""
    from booking.models import Feedback
    from offices.models import CounterShift, QueueTicket

    tickets = [t for t in db.session.scalars(select(QueueTicket)) if t.office_id in office_ids
               and start <= t.arrived_at < end]
    served = [t for t in tickets if t.outcome == "served"]
    waits = [(t.started_at - t.arrived_at).total_seconds() / 60 for t in served]
    service = sum((t.ended_at - t.started_at).total_seconds() / 60 for t in served)
    counter_minutes = 0.0
    for s in db.session.scalars(select(CounterShift)):
        if s.office_id in office_ids:
            lo, hi = max(s.opened_at, start), min(s.closed_at, end)
            counter_minutes += max(0.0, (hi - lo).total_seconds() / 60)
    ratings = [f.rating for f in db.session.scalars(select(Feedback)) if f.office_id in office_ids
               and start <= f.created_at < end]
    n = len(tickets)
    return {
        "arrivals": n,
        "served": len(served),
        "avg_wait": sum(waits) / len(waits) if waits else None,
        "max_wait": max(waits) if waits else None,
        "no_show_rate": sum(t.outcome == "no_show" for t in tickets) / n if n else None,
        "abandonment_rate": sum(t.outcome == "left" for t in tickets) / n if n else None,
        "utilisation": service / counter_minutes if counter_minutes else None,
        "satisfaction": sum(ratings) / len(ratings) if ratings else None,
    }


def assert_close(got: dict, want: dict, where: str) -> None:
    for key, value in want.items():
        if value is None:
            assert got[key] is None, (where, key)
        else:
            # the hourly table rounds its float sums to 0.001 minute
            assert got[key] == pytest.approx(value, rel=1e-3, abs=2e-3), (where, key, got[key], value)


@pytest.mark.parametrize("period", ["today", "7", "30"])
def test_kpis_match_raw_tickets_at_every_level(network, period):
    now = network.now
    start, end = kpis.period_bounds(period, now)
    all_ids = {o.id for o in network.offices}
    for level, code in (("nation", None), ("province", "THR"), ("district", "THR-1"),
                        ("office", network.offices[0].code)):
        unit = kpis.find_unit(level, code)
        page = kpis.kpi_page(unit, period, now)
        ids = {o.id for o in network.offices if level == "nation"
               or (level == "province" and o.district.province.code == code)
               or (level == "district" and o.district.code == code)
               or (level == "office" and o.code == code)}
        assert page.offices == len(ids)
        assert_close(page.total, direct(ids, start, end), f"{level} total")
        for row in page.rows:  # every child row too
            child_ids = {o.id for o in network.offices if
                         (row.unit.level == "province" and o.district.province_id == row.unit.id)
                         or (row.unit.level == "district" and o.district_id == row.unit.id)
                         or (row.unit.level == "office" and o.id == row.unit.id)}
            assert child_ids <= all_ids
            assert_close(row.values, direct(child_ids, start, end), f"{level} row {row.unit.code}")
    assert direct(all_ids, start, end)["arrivals"] > 0


def test_rows_are_the_child_units_and_now_figures(network):
    from offices.models import QueueTicket

    page = kpis.kpi_page(kpis.find_unit("nation", None), "today", network.now)
    assert sorted(r.unit.code for r in page.rows) == ["ISF", "THR"]
    assert page.child_level == "province"
    district_page = kpis.kpi_page(kpis.find_unit("province", "THR"), "7", network.now)
    assert sorted(r.unit.code for r in district_page.rows) == ["THR-1", "THR-2"]
    offices_page = kpis.kpi_page(kpis.find_unit("province", "THR"), "7", network.now, by_office=True)
    assert len(offices_page.rows) == 3
    waiting = db.session.scalar(select(db.func.count()).select_from(QueueTicket).where(QueueTicket.outcome == "waiting"))
    assert page.total["waiting"] == waiting
    assert page.total["backlog"] == waiting + page.total["booked_to_come"]


def test_backlog_lead_time_and_complaints(network):
    from booking.models import Appointment, TimeSlot
    from offices.dashboard.complaints import file_complaint

    office = network.offices[0]
    now = network.now
    later = TimeSlot(office_id=office.id, starts_at=now + dt.timedelta(hours=1), minutes=15, capacity=2, booked=2)
    free = TimeSlot(office_id=office.id, starts_at=now + dt.timedelta(days=2), minutes=15, capacity=2, booked=0)
    db.session.add_all([later, free])
    db.session.flush()
    for k in range(2):
        db.session.add(Appointment(tracking_code=f"TRK{k}", national_id="0012345678", mobile="09120000000",
                                   office_id=office.id, service_type_id=office.services[0].id, slot_id=later.id))
    file_complaint(office, "The queue was not called in order at all.")
    db.session.commit()
    page = kpis.kpi_page(kpis.find_unit("office", office.code), "today", now)
    assert page.total["booked_to_come"] == 2
    assert page.total["avg_lead"] == pytest.approx(2.0)
    assert page.total["max_lead"] == pytest.approx(2.0)
    assert page.total["open_complaints"] == 1
    nation = kpis.kpi_page(kpis.find_unit("nation", None), "today", now)
    thr = next(r for r in nation.rows if r.unit.code == "THR")
    assert thr.values["open_complaints"] == 1 and thr.values["booked_to_come"] == 2


def test_sorting_and_extremes(network):
    page = kpis.kpi_page(kpis.find_unit("nation", None), "30", network.now, by_office=True)
    rows = page.sorted_rows("avg_wait", descending=True)
    values = [r.values["avg_wait"] for r in rows if r.values["avg_wait"] is not None]
    assert values == sorted(values, reverse=True)
    highest, lowest = page.extremes("avg_wait", n=2)
    assert highest[0].values["avg_wait"] == max(values) and lowest[0].values["avg_wait"] == min(values)
    with pytest.raises(kpis.KpiInputError):
        page.sorted_rows("drop table", True)
    with pytest.raises(kpis.KpiInputError):
        kpis.period_bounds("365")


def test_empty_unit_has_dashes_not_errors(app, make_office, make_service):
    office = make_office(services=[make_service(letter="Q")])
    db.session.commit()
    page = kpis.kpi_page(kpis.find_unit("office", office.code), "30")
    assert page.total["avg_wait"] is None and page.total["arrivals"] == 0
    assert kpis.format_value("avg_wait", None) == "—"
    assert kpis.format_value("utilisation", 0.5) == "50%"
    assert not math.isnan(page.total["backlog"])


def test_daily_rollup_is_made_once_and_redone_when_hours_change(network):
    from offices.models import DailyRollup, OfficeDailyStats, OfficeHourlyStats
    from offices.stats import aggregate_hours

    now = network.now
    unit = kpis.find_unit("nation", None)
    first = kpis.kpi_page(unit, "7", now).total
    days = db.session.scalars(select(DailyRollup.day)).all()
    assert len(days) == 6  # the six whole days before today
    rows = db.session.scalar(select(db.func.count()).select_from(OfficeDailyStats))
    hourly_days = {(r.office_id, kpis.to_tehran(r.hour_start).date()) for r in db.session.scalars(select(OfficeHourlyStats))
                   if kpis.to_tehran(r.hour_start).date() in days}
    assert rows == len(hourly_days)
    assert kpis.kpi_page(unit, "7", now).total == first  # the second page reads the roll-up as it is
    # a past day re-aggregated (here: emptied) and rolled up again
    yesterday = max(days)
    start = kpis.tehran_to_utc(dt.datetime.combine(yesterday, dt.time()))
    from offices.models import QueueTicket
    for t in db.session.scalars(select(QueueTicket).where(QueueTicket.arrived_at >= start,
                                                         QueueTicket.arrived_at < start + dt.timedelta(days=1))):
        t.arrived_at = t.arrived_at - dt.timedelta(days=30)
    aggregate_hours(start, start + dt.timedelta(days=1))
    kpis.rollup_days([yesterday])
    again = kpis.kpi_page(unit, "7", now).total
    assert again["arrivals"] < first["arrivals"]
