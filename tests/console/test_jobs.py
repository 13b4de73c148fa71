"""The background jobs, run through a real RQ worker in burst mode on the embedded and the server Redis."""
from __future__ import annotations

import datetime as dt

from rq import SimpleWorker
from sqlalchemy import func, select

from booking.dates import utcnow
from booking.extensions import db
from booking.models import Appointment, SmsMessage
from booking.redis_conn import get_queue, get_redis
from offices import jobs, queue_ops
from offices.models import OfficeEstimate, OfficeHourlyStats, QueueTicket
from offices.stats import aggregate_hours, local_hour_start
from tests.console.test_queue_ops import make_appointment


def run_worker() -> None:
    """Run every queued job to the end in this process (a real RQ worker, burst mode)."""
    SimpleWorker([get_queue()], connection=get_redis()).work(burst=True)


def sms(purpose: str) -> list[SmsMessage]:
    return list(db.session.scalars(select(SmsMessage).where(SmsMessage.purpose == purpose)))


def test_event_jobs_recompute_and_send_survey_and_turn_near_once(working_day, make_office, make_service):
    service = make_service()
    office = make_office(services=[service], counters=1)
    near = make_appointment(office, service, utcnow() + dt.timedelta(minutes=2), national_id="0012345679",
                            mobile="09120000001", code="NEAR0001")
    served = make_appointment(office, service, utcnow() + dt.timedelta(minutes=1), national_id="0084575948",
                              mobile="09120000002", code="SERV0001")
    queue_ops.open_counter(office, 1, None)
    first = queue_ops.check_in(office, served.tracking_code, None)
    queue_ops.check_in(office, near.tracking_code, None)
    queue_ops.commit_and_publish(office.id)
    queue_ops.call_next(office, 1, None)
    queue_ops.finish_service(office, first.id, None)
    queue_ops.commit_and_publish(office.id, "finish", first.id)
    get_redis().flushdb()  # the live state is lost…
    queue_ops.commit_and_publish(office.id, "finish", first.id)  # …a second finish publish (a retry) …
    run_worker()
    db.session.expire_all()
    assert len(sms("survey")) == 1 and "SERV0001" in sms("survey")[0].body
    assert [m.mobile for m in sms("turn_near")] == ["09120000001"]
    assert get_redis().get(f"live:{office.id}") is not None  # rebuilt by the recompute job
    jobs.send_survey(first.id)
    assert len(sms("survey")) == 1


def test_minute_tick_marks_no_shows_sends_reminders_once_and_rebuilds(app, make_office, make_service):
    service = make_service()
    office = make_office(services=[service])
    missed = make_appointment(office, service, utcnow() - dt.timedelta(minutes=40), code="MISS0001")
    soon = make_appointment(office, service, utcnow() + dt.timedelta(minutes=45), national_id="0084575948",
                            code="SOON0001")
    tomorrow = make_appointment(office, service, utcnow() + dt.timedelta(hours=20), national_id="0499370899",
                                code="TMRW0001")
    queue_ops.add_walk_in(office, service.code, None)
    db.session.commit()
    get_redis().flushdb()
    for _ in range(2):  # a retried tick changes nothing more
        get_queue().enqueue(jobs.minute_tick, False)
        run_worker()
    db.session.expire_all()
    assert db.session.get(Appointment, missed.id).status == "no_show"
    assert db.session.get(Appointment, soon.id).status == "booked"
    assert [m.dedupe_key for m in sms("reminder_hour")] == [f"reminder-hour:{soon.id}"]
    assert [m.dedupe_key for m in sms("reminder_day")] == [f"reminder-day:{tomorrow.id}"]
    assert get_redis().get(f"live:{office.id}") is not None
    assert db.session.scalar(select(func.count()).select_from(OfficeHourlyStats)) >= 1  # aggregation job ran


def test_aggregate_hours_is_idempotent_and_agrees_with_the_tickets(app, make_office, make_service):
    service = make_service()
    office = make_office(services=[service], counters=2)
    now = utcnow()
    hour = local_hour_start(now - dt.timedelta(hours=2))
    rows = [  # (arrive after hour start, wait, service, outcome)
        (5, 10, 8, "served"), (10, 20, 12, "served"), (30, None, None, "left"), (50, None, None, "no_show")]
    for minute, wait, length, outcome in rows:
        arrived = hour + dt.timedelta(minutes=minute)
        started = arrived + dt.timedelta(minutes=wait) if wait is not None else None
        db.session.add(QueueTicket(office_id=office.id, service_type_id=service.id, number=f"A-{minute:03d}",
                                   kind="walk_in", arrived_at=arrived, called_at=started, started_at=started,
                                   ended_at=started + dt.timedelta(minutes=length) if started else None,
                                   outcome=outcome, counter_no=1 if started else None))
    for _ in range(2):
        aggregate_hours(hour, hour + dt.timedelta(hours=1), [office.id])
    stats = db.session.scalars(select(OfficeHourlyStats)).all()
    assert len(stats) == 1
    row = stats[0]
    assert (row.arrivals, row.served, row.left_unserved, row.no_shows) == (4, 2, 1, 1)
    assert (row.wait_sum, row.wait_max, row.waits_over_15, row.service_sum) == (30.0, 20.0, 1, 20.0)


def test_refit_office_from_the_log(app, make_office, make_service):
    from offices.estimates import office_models, refit_office
    from offices.models import CounterShift

    service = make_service(code="sana")
    office = make_office(services=[service], counters=2)
    today = utcnow()
    for day in range(1, 8):
        opening = local_hour_start(today - dt.timedelta(days=day)).replace(minute=30) - dt.timedelta(hours=3)
        db.session.add(CounterShift(office_id=office.id, counter_no=1, opened_at=opening,
                                    closed_at=opening + dt.timedelta(hours=6)))
        for k in range(12):
            arrived = opening + dt.timedelta(minutes=20 * k)
            db.session.add(QueueTicket(office_id=office.id, service_type_id=service.id, number=f"A-{k:03d}",
                                       kind="walk_in", arrived_at=arrived, started_at=arrived + dt.timedelta(minutes=4),
                                       ended_at=arrived + dt.timedelta(minutes=4 + 8 + k % 3), outcome="served"))
    db.session.flush()
    get_queue().enqueue(jobs.refit_all_offices, [office.id])
    run_worker()
    estimate = db.session.get(OfficeEstimate, office.id)
    assert estimate is not None and 8 <= estimate.service_mean <= 11
    assert estimate.service_means["sana"] == round(estimate.service_mean, 2)
    model, index = office_models([office.id])
    assert float(model.service_mean[index[office.id]]) == estimate.service_mean


def test_demo_activity_drives_queues_through_the_operations(app, make_office, make_service):
    from offices.models import QueueEvent

    service = make_service()
    office = make_office(services=[service], counters=3)
    db.session.commit()
    # At 10:00 on a Saturday in Tehran the office is open.
    saturday = dt.datetime(2026, 11, 21, 6, 30, tzinfo=dt.timezone.utc)
    total = sum(jobs.demo_activity(now=saturday + dt.timedelta(minutes=m), seed=m) for m in range(30))
    assert total > 0
    kinds = set(db.session.scalars(select(QueueEvent.kind)))
    assert {"counter_open", "walk_in", "call", "start"} <= kinds
    assert office.id in jobs.demo_offices()
