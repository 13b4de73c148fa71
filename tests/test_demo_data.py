"""The demo data: geography, the office network, the simulated history and the seed-demo command."""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect

from booking.dates import iran_weekday, tehran_to_utc, to_tehran
from booking.extensions import db
from offices.demo.geography import PROVINCES, TEHRAN_DISTRICTS
from offices.demo.network import build_network
from offices.demo.seed import DatabaseNotEmpty, database_is_empty, seed_demo

SMALL = {"offices": 40, "seed": 7, "progress": False}
# 28 Oct – 10 Nov 2026: two full weeks without a public holiday.
PLAIN_END, PLAIN_DAYS = dt.date(2026, 11, 10), 14
# 11 – 17 Nov 2026: Friday 13 Nov and the Fatima holiday on Saturday 14 Nov (23 Aban 1405).
HOLIDAY_END, HOLIDAY_DAYS, HOLIDAY = dt.date(2026, 11, 17), 7, dt.date(2026, 11, 14)


def test_geography_is_complete() -> None:
    assert len(PROVINCES) == 31
    assert len({p.name_fa for p in PROVINCES}) == 31 and len({p.name_en for p in PROVINCES}) == 31
    assert len({p.code for p in PROVINCES}) == 31
    assert abs(sum(p.population for p in PROVINCES) - 79_926_270) < 1000  # 2016 census total
    assert [d.number for d in TEHRAN_DISTRICTS] == list(range(1, 23))
    assert all(3 <= len(p.cities) <= 6 for p in PROVINCES)


def test_network_codes_are_stable_and_dense_in_tehran() -> None:
    first, again = build_network(600, seed=3), build_network(600, seed=3)
    assert [o.code for o in first.offices] == [o.code for o in again.offices]
    assert [(o.lat, o.lon) for o in first.offices] == [(o.lat, o.lon) for o in again.offices]
    assert len({o.code for o in first.offices}) == 600
    per_province = Counter(o.province_code for o in first.offices)
    assert set(per_province) == {p.code for p in PROVINCES}
    assert per_province.most_common(1)[0][0] == "23"
    tehran_districts = {o.district_code for o in first.offices if o.city_en == "Tehran"}
    assert len(tehran_districts) == 22
    assert all(2 <= o.counters <= 8 for o in first.offices)
    assert all(o.opens[6] == -1 for o in first.offices)  # Friday closed
    assert all(o.closes[5] < o.closes[0] for o in first.offices)  # Thursday short


def test_seed_writes_the_network(app) -> None:
    from offices.models import District, Office, Province, User

    assert database_is_empty()
    summary = seed_demo(days=PLAIN_DAYS, end_day=PLAIN_END, **SMALL)
    assert not database_is_empty()
    assert summary.offices == 40 and summary.tickets > 0
    provinces = db.session.scalars(select(Province)).all()
    assert len(provinces) == 31 and len({p.name_fa for p in provinces}) == 31
    counts = dict(db.session.execute(
        select(Province.code, func.count(Office.id)).join(District, District.province_id == Province.id)
        .join(Office, Office.district_id == District.id).group_by(Province.code)).all())
    assert len(counts) == 31 and min(counts.values()) >= 1
    assert max(counts, key=counts.get) == "23"
    usernames = set(db.session.scalars(select(User.username)))
    assert {"admin", "sup-iran", "sup-23"} <= usernames
    office = db.session.scalars(select(Office).order_by(Office.code)).first()
    assert f"op-{office.code}" in usernames
    user = db.session.scalars(select(User).where(User.username == "sup-iran")).one()
    assert user.check_password("supervisor-1405")


def _tickets() -> list[tuple]:
    from offices.models import QueueTicket as T

    return db.session.execute(select(T.office_id, T.kind, T.arrived_at, T.called_at, T.started_at, T.ended_at,
                                     T.counter_no, T.outcome)).all()


def test_history_shape_and_consistency(app) -> None:
    seed_demo(days=PLAIN_DAYS, end_day=PLAIN_END, **SMALL)
    rows = _tickets()
    assert len(rows) > 5000
    by_hour: Counter[int] = Counter()
    per_date: Counter[dt.date] = Counter()
    for office_id, kind, arrived, called, started, ended, counter, outcome in rows:
        local = to_tehran(arrived)
        by_hour[local.hour] += 1
        per_date[local.date()] += 1
        assert kind in ("walk_in", "booked")
        if outcome == "served":
            assert arrived <= called <= started <= ended and counter is not None
        elif outcome == "no_show":
            assert kind == "booked" and arrived <= called and started is None and counter is not None
        else:
            assert outcome == "left" and called is None and counter is None and ended >= arrived
    assert max(by_hour, key=by_hour.get) in (8, 9, 10)  # morning peak
    assert by_hour[9] + by_hour[10] > 2 * (by_hour[13] + by_hour[14])
    per_weekday: defaultdict[int, list[int]] = defaultdict(list)
    for day, count in per_date.items():
        per_weekday[iran_weekday(day)].append(count)
    means = {wd: float(np.mean(c)) for wd, c in per_weekday.items()}
    assert 6 not in means  # nobody is served on a Friday
    assert max(means, key=means.get) == 0  # Saturday is the busiest day
    assert min(means, key=means.get) == 5  # Thursday is the shortest
    outcomes = Counter(r[-1] for r in rows)
    assert outcomes["served"] / len(rows) > 0.8 and outcomes["left"] > 0 and outcomes["no_show"] > 0


def test_no_service_on_holidays_or_closures(app) -> None:
    from offices.models import Closure, CounterShift

    seed_demo(days=HOLIDAY_DAYS, end_day=HOLIDAY_END, **SMALL)
    closures = db.session.execute(select(Closure.office_id, Closure.day)).all()
    assert (None, HOLIDAY) in closures
    closed = {(office, day) for office, day in closures}
    for office_id, _, arrived, *_ in _tickets():
        day = to_tehran(arrived).date()
        assert iran_weekday(day) != 6 and (None, day) not in closed and (office_id, day) not in closed
    for office_id, opened in db.session.execute(select(CounterShift.office_id, CounterShift.opened_at)):
        day = to_tehran(opened).date()
        assert iran_weekday(day) != 6 and (None, day) not in closed and (office_id, day) not in closed


def _hourly_table() -> dict[tuple, tuple]:
    from offices.models import OfficeHourlyStats

    table = OfficeHourlyStats.__table__
    return {(row.office_id, row.hour_start): tuple(row[2:]) for row in db.session.execute(select(table))}


def test_seed_fills_the_hourly_table_as_the_hourly_job_would(app) -> None:
    """The dashboard, the public records and planning read the hourly table; the seed writes it from the
    generated history, and it must be what the jobs' :func:`offices.stats.aggregate_hours` computes from the
    tickets, counter shifts and feedback the seed wrote."""
    from offices.stats import aggregate_hours

    seed_demo(days=3, end_day=PLAIN_END, **SMALL)
    seeded = _hourly_table()
    assert len(seeded) > 40 * 3 * 5  # every office, most of its open hours
    assert sum(v[0] for v in seeded.values()) == len(_tickets())  # every arrival counted once
    start = tehran_to_utc(dt.datetime.combine(PLAIN_END - dt.timedelta(days=3), dt.time(0)))
    aggregate_hours(start, start + dt.timedelta(days=5))
    recomputed = _hourly_table()
    assert seeded.keys() == recomputed.keys()
    for key, values in seeded.items():
        assert values == pytest.approx(recomputed[key], abs=1e-3), key


def test_seeded_history_shows_on_the_public_record(app, client) -> None:
    from offices.models import Office

    seed_demo(days=7, **SMALL)  # ending yesterday, so inside the record's last 30 days
    codes = db.session.scalars(select(Office.code).order_by(Office.code)).all()
    figures = [client.get(f"/api/offices/{code}/record").get_json()["figures"] for code in codes[:5]]
    assert all(f["visits"] > 0 for f in figures)
    assert any(f["enough_visits"] and f["wait_p50"] is not None for f in figures)


def test_foreign_keys_and_indexes_survive_the_bulk_load(app) -> None:
    seed_demo(days=1, **SMALL)
    for table in db.metadata.sorted_tables:  # every declared index is there (some are dropped for the load)
        present = {index["name"] for index in sa_inspect(db.engine).get_indexes(table.name)}
        assert {index.name for index in table.indexes} <= present, table.name
    if db.engine.dialect.name == "postgresql":  # dropped for the COPY and re-created
        names = set(db.session.scalars(select(func.count()).select_from(db.text(
            "pg_constraint WHERE contype = 'f' AND conrelid IN "
            "('queue_tickets'::regclass, 'counter_shifts'::regclass, 'feedback'::regclass, "
            "'office_hourly_stats'::regclass)"))))
        assert names == {7}
    else:
        assert db.session.execute(db.text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(db.text("PRAGMA foreign_key_check")).all() == []


def test_seeding_twice_needs_force(app) -> None:
    from offices.models import Office

    seed_demo(days=1, **SMALL)
    codes = db.session.scalars(select(Office.code).order_by(Office.code)).all()
    with pytest.raises(DatabaseNotEmpty):
        seed_demo(days=1, **SMALL)
    seed_demo(days=1, force=True, **SMALL)
    assert db.session.scalars(select(Office.code).order_by(Office.code)).all() == codes


def test_seed_demo_command(app, runner) -> None:
    result = runner.invoke(args=["seed-demo", "--offices", "35", "--days", "2", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "sup-iran" in result.output and "op-" in result.output
    again = runner.invoke(args=["seed-demo", "--offices", "35", "--days", "2", "--quiet"])
    assert again.exit_code != 0
    assert "--force" in again.output and "Traceback" not in again.output
    assert len(again.output.strip().splitlines()) == 1
    forced = runner.invoke(args=["seed-demo", "--offices", "35", "--days", "2", "--quiet", "--force"])
    assert forced.exit_code == 0, forced.output


def test_seed_fits_every_office_as_the_nightly_refit_would(app) -> None:
    from offices.estimates import refit_office
    from offices.models import OfficeEstimate

    summary = seed_demo(days=PLAIN_DAYS, end_day=PLAIN_END, **SMALL)
    assert summary.fitted == summary.offices == db.session.scalar(select(func.count(OfficeEstimate.office_id)))
    seeded = db.session.get(OfficeEstimate, 5)
    # fitted the night after the history's last day, on the days before
    assert to_tehran(seeded.fitted_at).date() == PLAIN_END + dt.timedelta(days=1)
    figures = (seeded.service_mean, seeded.service_cv, seeded.patience_mean, seeded.patience_sigma, seeded.no_show,
               seeded.visits, seeded.arrivals_per_hour, seeded.service_means, seeded.opening_counters)
    again = refit_office(5, now=seeded.fitted_at)  # the same fit, from the tickets written to the database
    assert (again.service_mean, again.service_cv, again.patience_mean, again.patience_sigma, again.no_show,
            again.visits, again.arrivals_per_hour, again.service_means, again.opening_counters) == figures
    # Counters open one by one after the doors do: fewer at opening than at the end of the first hour.
    worked = [row for row in seeded.opening_counters if row is not None]
    assert worked and all(row[0] < row[-1] for row in worked)
    assert seeded.visits > 100 and sum(map(sum, seeded.arrivals_per_hour)) > 0


def test_right_after_the_seed_day_ahead_slots_predict_the_morning_peak(app, client, clock) -> None:
    """No refit has run yet: the busiest Tehran office's slots for next Saturday's morning still show the
    waits its fitted parameters give, not zero."""
    from booking.models import Appointment  # noqa: F401  (the slots are made by the request)
    from offices.models import Office, QueueTicket
    from tests.clock import working_moment

    now = clock(working_moment())
    seed_demo(days=21, **SMALL)  # ending yesterday
    busiest = db.session.execute(
        select(Office.code).join(QueueTicket, QueueTicket.office_id == Office.id)
        .where(Office.code.startswith("23")).group_by(Office.code).order_by(func.count().desc()).limit(1)).scalar()
    today = to_tehran(now).date()
    saturday = today + dt.timedelta(days=(-iran_weekday(today)) % 7 or 7)
    body = client.get(f"/api/offices/{busiest}/slots?date={saturday.isoformat()}").get_json()
    morning = [s["predicted_wait"] for s in body["slots"]
               if 9 <= to_tehran(dt.datetime.fromisoformat(s["starts_at"])).hour < 11]
    assert morning and max(morning) > 0, body["slots"][:6]


def test_booked_visits_of_the_last_days_have_their_appointments(app) -> None:
    from booking.identity import national_id_check_ok
    from booking.models import Appointment, TimeSlot
    from offices import records
    from offices.demo.seed import APPOINTMENT_DAYS
    from offices.models import Office, QueueTicket

    summary = seed_demo(days=PLAIN_DAYS, end_day=PLAIN_END, **SMALL)
    linked = db.session.execute(select(QueueTicket, Appointment, TimeSlot)
                                .join(Appointment, Appointment.id == QueueTicket.appointment_id)
                                .join(TimeSlot, TimeSlot.id == Appointment.slot_id)).all()
    assert summary.appointments == len(linked) > 100
    first_day = PLAIN_END - dt.timedelta(days=APPOINTMENT_DAYS - 1)
    for ticket, appointment, slot in linked:
        assert ticket.kind == "booked" and appointment.office_id == ticket.office_id == slot.office_id
        assert to_tehran(ticket.arrived_at).date() >= first_day
        assert abs((ticket.arrived_at - slot.starts_at).total_seconds()) < 3600  # they came around their slot
        assert national_id_check_ok(appointment.national_id) and appointment.mobile == "09" + appointment.national_id[:9]
        assert appointment.status == {"served": "served", "no_show": "no_show", "left": "checked_in"}[ticket.outcome]
    assert len({a.tracking_code for _, a, _ in linked}) == len(linked)
    assert db.session.scalar(select(func.count()).select_from(TimeSlot).where(TimeSlot.booked > TimeSlot.capacity)) == 0
    older = db.session.scalar(select(func.count()).select_from(QueueTicket).where(
        QueueTicket.kind == "booked", QueueTicket.appointment_id.is_(None)))
    assert older > 0  # the days before have none
    # The record's "booked served on time" now has a figure.
    office = db.session.scalar(select(Office).order_by(Office.code))
    league = records.city_league(records.city_of(office), now=tehran_to_utc(
        dt.datetime.combine(PLAIN_END + dt.timedelta(days=1), dt.time(10))), cached=False)
    assert any(row.figures.booked_on_time is not None for row in league.rows)


def test_an_offices_pace_is_its_own_every_day() -> None:
    """The staff's pace belongs to the office: a day generated on its own (another seed, another set of offices,
    as bench/live_accuracy plays one) has the same office serving at the same pace as its history."""
    import dataclasses

    from offices.demo.history import generate_history
    from offices.demo.network import OfficeNetwork

    network = build_network(62, 2026)
    paces = [o.speed for o in network.offices]
    assert len(set(paces)) > 50 and 0.7 < min(paces) and max(paces) < 1.4
    assert [o.speed for o in build_network(62, 2026).offices] == paces  # drawn once, with the network
    office = max(network.offices_in("23"), key=lambda o: o.weekday_demand)

    def durations(spec, seed: int) -> np.ndarray:
        alone = OfficeNetwork(provinces=(), districts=(), offices=(spec,), seed=seed)
        day = generate_history(alone, days=5, seed=seed, end_day=dt.date(2026, 12, 8))
        return np.where((day.t_started >= 0) & (day.t_ended >= 0), (day.t_ended - day.t_started) / 60.0, np.nan)

    own = durations(office, 7)
    faster = durations(dataclasses.replace(office, speed=office.speed * 0.8), 7)
    # The same visits; those served both times (shorter waits keep some who would leave), each in 0.8 of the
    # time (to the second, at least a minute).
    both = ~np.isnan(own) & ~np.isnan(faster)
    assert own.size == faster.size and both.sum() > 100
    assert np.allclose(faster[both], np.maximum(own[both] * 0.8, 1.0), atol=2.5 / 60.0)
