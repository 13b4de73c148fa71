"""Background jobs on RQ: live estimates, forecasts, reminders and notices by SMS, no-shows, refits, aggregates,
and the demo's simulated activity.

Every job takes ids (never objects), runs inside an application context (:func:`booking.job_context.job_context`:
the worker's application, built once per worker process by :class:`booking.worker.AppWorker`) and is safe to
run twice: periodic jobs have one RQ job id per period, every SMS a dedupe key. Queue actions reach the jobs
through :data:`offices.queue_ops.queue_changed` (:func:`init_app` connects :func:`after_queue_event`).

Scheduling uses RQ's own scheduler (the worker runs ``--with-scheduler``): :func:`minute_tick` does the
per-minute work, enqueues the 15-minute, hourly and nightly jobs under ids of their period, and schedules the
next tick with ``Queue.enqueue_in``. A lease key in Redis (:func:`keep_schedule_alive`, called at most every
30 s from requests) restarts the chain if a worker was killed and the chain lost.
"""
from __future__ import annotations

import datetime as dt
import logging
import math
import random
import time
from collections.abc import Sequence

from rq import Retry
from sqlalchemy import select

from booking.dates import clock, iran_weekday, tehran_to_utc, to_tehran, utcnow
from booking.extensions import db
from booking.job_context import job_context
from booking.public_urls import public_url

log = logging.getLogger(__name__)

LEASE_KEY = "safnama:schedule:lease"
LEASE_SECONDS = 150
TICK_SECONDS = 60
TURN_NEAR_AHEAD = 3
_last_lease_check = 0.0


def retry_policy() -> Retry:
    """Retries with backoff: 10 s, 30 s, 2 min."""
    return Retry(max=3, interval=[10, 30, 120])


def _queue():
    from booking.redis_conn import get_queue

    return get_queue()


def _enqueue_once(job_id: str, func, *args, at_front: bool = False, **kwargs) -> None:
    """Enqueue unless a job with this id is queued or running (a period's job runs once)."""
    from rq.job import Job, JobStatus
    from rq.exceptions import NoSuchJobError

    queue = _queue()
    try:
        job = Job.fetch(job_id, connection=queue.connection)
        if job.get_status(refresh=True) in (JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED,
                                            JobStatus.FINISHED, JobStatus.DEFERRED):
            return
    except NoSuchJobError:
        pass
    queue.enqueue(func, *args, job_id=job_id, retry=retry_policy(), at_front=at_front, result_ttl=3600,
                  failure_ttl=86400, **kwargs)


# ------------------------------------------------------------------------------------------ after an event

def init_app(app) -> None:
    """Enqueue the follow-up jobs after every queue action (:data:`offices.queue_ops.queue_changed`)."""
    from offices.queue_ops import queue_changed

    queue_changed.connect(after_queue_event)  # a weak reference to a module function: kept while it lives


def after_queue_event(office_id: int, event_kind: str | None = None, ticket_id: int | None = None) -> None:
    """Called after every queue action (committed): enqueue the office's recompute, and the survey after a
    finished service. A Redis failure is logged and ignored (the minute job catches up)."""
    try:
        queue = _queue()
        # One pending recompute per office: a burst of actions is coalesced (the request already refreshed
        # the live load; the job adds what depends on it, such as the "your turn is near" messages).
        if queue.connection.set(f"safnama:recompute-pending:{office_id}", 1, nx=True, ex=30):
            queue.enqueue(recompute_office, office_id, job_id=f"recompute-{office_id}-{time.time_ns()}",
                          retry=retry_policy(), result_ttl=60, at_front=True)
        if event_kind == "finish" and ticket_id is not None:
            queue.enqueue(send_survey, ticket_id, job_id=f"survey-{ticket_id}", retry=retry_policy(),
                          result_ttl=3600)
        keep_schedule_alive(force=False)
    except Exception as exc:  # noqa: BLE001 - Redis away must not fail the operator's action
        log.warning("jobs after a queue event of office %s not enqueued: %s", office_id, exc)


def recompute_office(office_id: int) -> dict:
    """Recompute one office's live load and tell the booked citizens whose turn is near."""
    with job_context():
        from booking.redis_conn import get_redis
        from offices.live import refresh_live_load

        get_redis().delete(f"safnama:recompute-pending:{office_id}")
        load = refresh_live_load(office_id)[office_id]
        notify_turn_near(office_id)
        db.session.commit()
        return {"waiting": load.waiting, "wait_p50": load.wait_p50}


def notify_turn_near(office_id: int) -> int:
    """SMS "your turn is near" to booked citizens with at most three people ahead (once per ticket), with
    the wait the forecast gives them (:func:`offices.forecast.forecast_wait` with the people ahead)."""
    from booking.models import Appointment
    from booking.notifications import notify_turn_near as text_turn_near
    from offices.forecast import forecast_wait
    from offices.queue_ops import ordered_waiting

    sent = 0
    for ahead, ticket in enumerate(ordered_waiting(office_id)[:TURN_NEAR_AHEAD + 1]):
        if ticket.appointment_id is None:
            continue
        appointment = db.session.get(Appointment, ticket.appointment_id)
        eta = forecast_wait(office_id, ahead={office_id: ahead})
        text_turn_near(appointment, ticket.id, ticket.number, ahead,
                       round(eta.booked_mean) if eta is not None else None)
        sent += 1
    return sent


def survey_link(tracking_code: str) -> str:
    """The satisfaction survey's address for a booked visit (``PUBLIC_BASE_URL`` + ``/survey/<code>``)."""
    return public_url("survey.form", tracking_code=tracking_code)


def send_survey(ticket_id: int) -> str | None:
    """After a booked citizen is served: SMS a link to the satisfaction survey (once per ticket)."""
    with job_context():
        from booking.models import Appointment
        from booking.sms import queue_sms
        from offices.models import QueueTicket, TicketOutcome

        ticket = db.session.get(QueueTicket, ticket_id)
        if ticket is None or ticket.outcome != TicketOutcome.SERVED.value or ticket.appointment_id is None:
            return None
        appointment = db.session.get(Appointment, ticket.appointment_id)
        link = survey_link(appointment.tracking_code)
        queue_sms(appointment.mobile, f"صف‌نما: از مراجعهٔ شما سپاسگزاریم. لطفاً به خدمت امروز امتیاز دهید: {link}",
                  "survey", dedupe_key=f"survey:{ticket.id}")
        db.session.commit()
        return link


# ------------------------------------------------------------------------------------------ periodic

def keep_schedule_alive(force: bool = False) -> bool:
    """Start the periodic chain unless a tick holds the lease; cheap: checks Redis at most every 30 s."""
    global _last_lease_check
    now = time.monotonic()
    if not force and now - _last_lease_check < 30:
        return False
    _last_lease_check = now
    try:
        from booking.redis_conn import get_redis

        if not get_redis().set(LEASE_KEY, "starting", nx=True, ex=LEASE_SECONDS):
            return False
        stamp = utcnow().strftime("%Y%m%d%H%M")
        _enqueue_once(f"tick-{stamp}", minute_tick)
        return True
    except Exception as exc:  # noqa: BLE001
        log.warning("periodic jobs not scheduled: %s", exc)
        return False


def minute_tick(schedule_next: bool = True) -> dict:
    """Every minute: rebuild every office's live load, mark no-shows, send reminders, move the waitlist's
    offers on, text the citizens waiting at home (leave now, turn near) and lapse their missed places, drive
    the demo; and
    enqueue the 15-minute forecast, the hourly aggregation and the nightly refit under their period's id."""
    with job_context() as app:
        from booking.redis_conn import get_redis
        from offices.live import rebuild_live_state

        now = utcnow()
        local = to_tehran(now)
        get_redis().set(LEASE_KEY, now.isoformat(), ex=LEASE_SECONDS)
        if app.config.get("DEMO_ACTIVITY"):
            demo_activity()
        offices = rebuild_live_state()
        no_shows = mark_no_shows()
        reminders = send_reminders()
        from booking.waitlist import tick as waitlist_tick

        waitlist = waitlist_tick()  # offers past their hold pass to the next in line; free places offered
        from booking.remote_queue import tick as remote_tick

        remote = remote_tick()
        db.session.commit()
        from booking.sms import deliver_queued

        delivered = deliver_queued(older_than=dt.timedelta(minutes=1))  # written while Redis was away
        quarter = local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0)
        _enqueue_once(f"forecast-{quarter:%Y%m%d%H%M}", forecast_rest_of_day)
        _enqueue_once(f"aggregate-{local:%Y%m%d%H}", aggregate_recent_hours)
        _enqueue_once(f"refit-stale-{local:%Y%m%d%H%M}", refit_stale_offices)
        if local.hour == 2:
            _enqueue_once(f"refit-{local:%Y%m%d}", refit_all_offices)
        if schedule_next:
            next_at = (now + dt.timedelta(seconds=TICK_SECONDS)).replace(second=0, microsecond=0)
            queue = _queue()
            job_id = f"tick-{next_at:%Y%m%d%H%M}"
            from rq.exceptions import NoSuchJobError
            from rq.job import Job

            try:
                Job.fetch(job_id, connection=queue.connection)
            except NoSuchJobError:
                queue.enqueue_at(next_at, minute_tick, job_id=job_id, retry=retry_policy(), result_ttl=600)
        return {"offices": offices, "no_shows": no_shows, "reminders": reminders, "sms_caught_up": delivered,
                "waitlist": waitlist, "remote": remote}


def mark_no_shows(now: dt.datetime | None = None) -> int:
    """Booked appointments of today whose slot started more than the grace window ago and who never
    checked in become ``no_show``; returns how many. Safe to run twice."""
    from booking.models import Appointment, AppointmentChange, TimeSlot
    from offices.live import today_start_utc
    from offices.call_policy import grace_windows

    LATE_GRACE = grace_windows()[1]  # noqa: N806  (the late window as configured)

    now = now or utcnow()
    late = list(db.session.scalars(
        select(Appointment).join(TimeSlot, TimeSlot.id == Appointment.slot_id)
        .where(Appointment.status == "booked", TimeSlot.starts_at < now - LATE_GRACE,
               TimeSlot.starts_at >= today_start_utc(now) - dt.timedelta(days=1))
        .with_for_update(skip_locked=True) if db.engine.dialect.name == "postgresql" else
        select(Appointment).join(TimeSlot, TimeSlot.id == Appointment.slot_id)
        .where(Appointment.status == "booked", TimeSlot.starts_at < now - LATE_GRACE,
               TimeSlot.starts_at >= today_start_utc(now) - dt.timedelta(days=1))))
    for appointment in late:
        db.session.add(AppointmentChange(appointment_id=appointment.id, from_status="booked", to_status="no_show",
                                         note="did not arrive within the grace window", at=now))
        appointment.status = "no_show"
    db.session.flush()
    from booking.fair_access import after_no_show

    for appointment in late:
        after_no_show(appointment.id, now)  # the no-show ban, when it is the person's N-th
    return len(late)


def send_reminders(now: dt.datetime | None = None) -> int:
    """SMS reminders: the day before (within 24 h of the slot, if booked more than 3 h ahead) and an hour
    before (if booked more than an hour ahead); each at most once per appointment (dedupe keys)."""
    from booking.models import Appointment, TimeSlot
    from booking.sms import queue_sms
    from offices.models import Office

    now = now or utcnow()
    rows = db.session.execute(
        select(Appointment, TimeSlot.starts_at, Office.name_fa)
        .join(TimeSlot, TimeSlot.id == Appointment.slot_id).join(Office, Office.id == Appointment.office_id)
        .where(Appointment.status == "booked", TimeSlot.starts_at > now,
               TimeSlot.starts_at <= now + dt.timedelta(hours=24))).all()
    sent = 0
    for appointment, starts_at, office_name in rows:
        lead = starts_at - appointment.created_at
        at = clock(starts_at, "fa")
        if starts_at - now <= dt.timedelta(hours=1):
            if lead > dt.timedelta(hours=1):
                queue_sms(appointment.mobile, f"صف‌نما: یادآوری نوبت شما ساعت {at} در {office_name}. "
                          f"کد رهگیری: {appointment.tracking_code}", "reminder_hour",
                          dedupe_key=f"reminder-hour:{appointment.id}")
                sent += 1
        elif lead > dt.timedelta(hours=3):
            queue_sms(appointment.mobile, f"صف‌نما: فردا/به‌زودی ساعت {at} در {office_name} نوبت دارید. "
                      f"کد رهگیری: {appointment.tracking_code}", "reminder_day",
                      dedupe_key=f"reminder-day:{appointment.id}")
            sent += 1
    return sent


FORECAST_KEY = "forecast:{}"


def forecast_rest_of_day(office_ids: Sequence[int] | None = None, step_minutes: int = 30) -> int:
    """The predicted wait (p50, p90) every ``step_minutes`` until 15:00 Tehran, for each active office, kept
    in Redis as ``forecast:<office id>`` (JSON list of ``[UTC ISO time, p50, p90]``), from the one forecast
    (:func:`offices.forecast.forecast_waits`; a moment the office is closed gives the wait at its next
    opening). Returns offices done."""
    with job_context():
        import json

        from booking.redis_conn import get_redis
        from offices.forecast import forecast_waits
        from offices.models import Office

        now = utcnow()
        local = to_tehran(now)
        close = tehran_to_utc(dt.datetime.combine(local.date(), dt.time(15, 0)))
        if now >= close:
            return 0
        ids = list(office_ids) if office_ids is not None else list(
            db.session.scalars(select(Office.id).where(Office.is_active.is_(True)).order_by(Office.id)))
        moments = []
        moment = now
        while moment < close:
            moments.append(moment)
            moment += dt.timedelta(minutes=step_minutes)
        done = 0
        for start in range(0, len(ids), 200):
            chunk = ids[start:start + 200]
            answers = forecast_waits([(office_id, m) for office_id in chunk for m in moments], now=now)
            pipe = get_redis().pipeline(transaction=False)
            for k, office_id in enumerate(chunk):
                mine = answers[k * len(moments):(k + 1) * len(moments)]
                series = [[m.isoformat(), round(a.p50, 1), round(a.p90, 1)] for m, a in zip(moments, mine)
                          if a is not None]
                pipe.set(FORECAST_KEY.format(office_id), json.dumps(series), ex=3600)
            pipe.execute()
            done += len(chunk)
        return done


def aggregate_recent_hours(hours: int = 2) -> int:
    """Recompute the hourly figures of the current and previous hours (idempotent)."""
    with job_context():
        from offices.stats import aggregate_hours, local_hour_start

        now = utcnow()
        written = aggregate_hours(local_hour_start(now) - dt.timedelta(hours=hours - 1), now)
        db.session.commit()
        return written


def aggregate_day(day_iso: str) -> int:
    """Recompute every hour of one Tehran day (``YYYY-MM-DD``), e.g. after a late correction."""
    with job_context():
        from offices.stats import aggregate_hours

        day = dt.date.fromisoformat(day_iso)
        start = tehran_to_utc(dt.datetime.combine(day, dt.time(0, 0)))
        written = aggregate_hours(start, start + dt.timedelta(days=1))
        db.session.commit()
        return written


#: Offices the minute job's catch-up refits at most each minute (spread over minutes, off the request path).
STALE_REFITS_PER_MINUTE = 10


STALE_TRIED_KEY = "safnama:refit-stale:tried"
#: An office the catch-up tried and could not fit (nobody served in its log yet) waits this long (seconds).
STALE_RETRY_SECONDS = 6 * 3600


def refit_stale_offices(limit: int = STALE_REFITS_PER_MINUTE) -> int:
    """Every minute: refit up to ``limit`` offices whose parameters are missing or older than two days (an
    office added since the seed, a deployment before its first nightly refit); returns offices refitted.
    An office with nothing to fit on is tried again after six hours, so it never holds up the others."""
    with job_context():
        from booking.redis_conn import get_redis
        from offices.estimates import stale_office_ids

        redis = get_redis()
        now = time.time()
        redis.zremrangebyscore(STALE_TRIED_KEY, "-inf", now - STALE_RETRY_SECONDS)
        tried = [int(member) for member in redis.zrange(STALE_TRIED_KEY, 0, -1)]
        ids = stale_office_ids(limit, skip=tried)
        if ids:
            redis.zadd(STALE_TRIED_KEY, {str(office_id): now for office_id in ids})
        return refit_all_offices(ids)


def refit_all_offices(office_ids: Sequence[int] | None = None) -> int:
    """Nightly: refit every active office's engine parameters from its recent log; returns offices refitted."""
    with job_context():
        from offices.estimates import refit_office
        from offices.models import Office

        ids = list(office_ids) if office_ids is not None else list(
            db.session.scalars(select(Office.id).where(Office.is_active.is_(True)).order_by(Office.id)))
        refitted = 0
        for n, office_id in enumerate(ids, 1):
            try:
                refitted += refit_office(office_id) is not None
            except ValueError as exc:
                log.info("office %s not refitted: %s", office_id, exc)
            if n % 50 == 0:
                db.session.commit()
        db.session.commit()
        return refitted


# ------------------------------------------------------------------------------------------ demo

DEMO_OFFICES = 60


def demo_offices() -> list[int]:
    """The demo offices whose queues :func:`demo_activity` drives: a fixed spread of the network."""
    from offices.models import Office

    ids = list(db.session.scalars(select(Office.id).where(Office.is_active.is_(True)).order_by(Office.id)))
    step = max(1, len(ids) // DEMO_OFFICES)
    return ids[::step][:DEMO_OFFICES]


def demo_activity(now: dt.datetime | None = None, seed: int | None = None) -> int:
    """One minute of simulated life at the demo offices, through the real queue operations.

    During opening hours each office keeps about two thirds of its counters open; walk-ins arrive as a
    Poisson process at the office's fitted rate for the hour (or two an hour per counter); a busy counter
    finishes with probability ``1 / service mean`` per minute and a free one calls the next citizen and
    starts. Actors are the offices' demo operators (``op-<code>``). Returns the actions done.
    """
    from offices import queue_ops
    from offices.estimates import office_models
    from offices.models import Office, OpeningHours, QueueTicket, User

    now = now or utcnow()
    rng = random.Random(seed if seed is not None else int(now.timestamp() // 60))
    local = to_tehran(now)
    weekday = iran_weekday(local.date())
    ids = demo_offices()
    if not ids:
        return 0
    model, index = office_models(ids, at=now)
    actions = 0
    for office_id in ids:
        office = db.session.get(Office, office_id)
        hours = db.session.scalar(select(OpeningHours).where(OpeningHours.office_id == office_id,
                                                            OpeningHours.weekday == weekday))
        is_open = hours is not None and hours.opens <= local.time() < hours.closes
        actor = db.session.scalar(select(User).where(User.office_id == office_id, User.role == "operator").limit(1))
        open_now = {no for no in range(1, office.counters + 1) if queue_ops.open_shift(office, no)}
        target = max(1, round(office.counters * 2 / 3)) if is_open else 0
        busy = {t.counter_no: t for t in db.session.scalars(select(QueueTicket).where(
            QueueTicket.office_id == office_id, QueueTicket.outcome.in_(queue_ops.ACTIVE)))}
        try:
            for no in sorted(set(range(1, office.counters + 1)) - open_now)[:max(0, target - len(open_now))]:
                queue_ops.open_counter(office, no, actor, now)
                open_now.add(no)
                actions += 1
            if not is_open:
                for no in sorted(open_now):
                    if no in busy:
                        queue_ops.finish_service(office, busy.pop(no).id, actor, now)
                    queue_ops.close_counter(office, no, actor, now)
                    actions += 1
                continue
            i = index[office_id]
            rate = float(model.arrivals_per_hour[i, 0])
            rate = rate if rate > 0 else 2.0 * len(open_now)
            arrivals = _poisson(rng, rate / 60.0)
            services = office.services
            for _ in range(arrivals):
                queue_ops.add_walk_in(office, rng.choice(services).id, actor, now)
                actions += 1
            mean = float(model.service_mean[i])
            for no in sorted(open_now):
                ticket = busy.get(no)
                if ticket is not None and rng.random() < 1.0 / max(mean, 1.0):
                    queue_ops.finish_service(office, ticket.id, actor, now)
                    ticket = None
                    actions += 1
                if ticket is None:
                    called = queue_ops.call_next(office, no, actor, now)
                    if called is not None:
                        queue_ops.start_service(office, called.id, actor, now)
                        actions += 2
        except queue_ops.QueueError as exc:
            log.info("demo activity at office %s: %s", office_id, exc)
            db.session.rollback()
            continue
        db.session.commit()
    if actions:
        from offices.live import refresh_live_load

        refresh_live_load(ids)
    return actions


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method; the means here are small)."""
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1

