"""Fitted parameters from day one: the minute job's catch-up of missing or old estimates, and their age on
``/healthz`` and on the supervisor's office page."""
from __future__ import annotations

import datetime as dt

from booking.dates import utcnow
from booking.extensions import db


def _served_history(office, service, days: int = 5) -> None:
    """A few served tickets a day for the last ``days`` days."""
    from offices.models import CounterShift, QueueTicket

    now = utcnow()
    for back in range(1, days + 1):
        opens = (now - dt.timedelta(days=back)).replace(hour=5, minute=0, second=0, microsecond=0)
        db.session.add(CounterShift(office_id=office.id, counter_no=1, opened_at=opens,
                                    closed_at=opens + dt.timedelta(hours=6)))
        for k in range(12):
            arrived = opens + dt.timedelta(minutes=20 * k)
            db.session.add(QueueTicket(office_id=office.id, service_type_id=service.id, number=f"A-{back}{k:02d}",
                                       kind="walk_in", arrived_at=arrived, called_at=arrived + dt.timedelta(minutes=5),
                                       started_at=arrived + dt.timedelta(minutes=5),
                                       ended_at=arrived + dt.timedelta(minutes=5 + 8 + k % 5),
                                       counter_no=1, outcome="served"))
    db.session.flush()


def test_the_minute_catch_up_fits_missing_and_old_estimates_and_skips_what_it_cannot_fit(app, make_office,
                                                                                          make_service) -> None:
    from booking.redis_conn import get_redis
    from offices.estimates import STALE_AFTER, estimate_ages
    from offices.jobs import STALE_TRIED_KEY, refit_stale_offices
    from offices.models import OfficeEstimate

    service = make_service()
    with_log, without_log = make_office(services=[service]), make_office(services=[service])
    _served_history(with_log, service)
    db.session.commit()
    assert estimate_ages().as_json() == {"offices": 2, "fitted": 0, "missing": 2, "stale": 0,
                                              "oldest_hours": None, "newest_hours": None}
    assert refit_stale_offices() == 1
    assert db.session.get(OfficeEstimate, with_log.id) is not None
    assert db.session.get(OfficeEstimate, without_log.id) is None
    # the office with nothing to fit on waits its turn again instead of being tried every minute
    assert refit_stale_offices() == 0
    assert {int(m) for m in get_redis().zrange(STALE_TRIED_KEY, 0, -1)} == {with_log.id, without_log.id}
    # an estimate older than two days is fitted again
    estimate = db.session.get(OfficeEstimate, with_log.id)
    estimate.fitted_at = utcnow() - STALE_AFTER - dt.timedelta(hours=1)
    db.session.commit()
    ages = estimate_ages()
    assert (ages.fitted, ages.missing, ages.stale) == (1, 1, 1) and ages.oldest_hours > 48
    get_redis().delete(STALE_TRIED_KEY)
    assert refit_stale_offices() == 1
    db.session.expire_all()
    assert utcnow() - db.session.get(OfficeEstimate, with_log.id).fitted_at < dt.timedelta(minutes=1)


def test_healthz_and_the_office_page_say_how_old_the_estimates_are(app, client, make_office, make_service,
                                                                 make_staff) -> None:
    from offices.estimates import refit_office

    service = make_service()
    fitted, unfitted = make_office(services=[service]), make_office(services=[service])
    _served_history(fitted, service)
    refit_office(fitted.id)
    make_staff("sup-all", scope="nation")
    db.session.commit()
    estimates = client.get("/healthz").get_json()["estimates"]
    assert (estimates["offices"], estimates["fitted"], estimates["missing"], estimates["stale"]) == (2, 1, 1, 0)
    assert 0 <= estimates["newest_hours"] < 0.1
    client.post("/login", data={"username": "sup-all", "password": "secret-pass"})
    page = client.get(f"/dashboard/office/{fitted.code}").get_data(as_text=True)
    assert 'id="estimate-age"' in page and "برازش شد" in page
    page = client.get(f"/dashboard/office/{unfitted.code}").get_data(as_text=True)
    assert 'id="estimate-age"' in page and "هنوز برازش نشده" in page and "برازش شد" not in page
