"""Hourly figures per office (:class:`~offices.models.OfficeHourlyStats`), aggregated from the raw records.

An hour is a Tehran local hour; ``hour_start`` is its start in UTC (Tehran is UTC+03:30, so local hours start
at :30 UTC). What is counted in an hour:

* ``arrivals`` / ``booked_arrivals``: tickets that *arrived* in the hour (all / booked ones);
* ``served``, ``left_unserved``, ``no_shows``, ``wait_sum``, ``wait_max``, ``waits_over_15``, ``service_sum``:
  over the tickets that arrived in the hour (so that an hour's figures describe the people who came then);
  the wait is ``started_at - arrived_at`` of the served, the service ``ended_at - started_at``, in minutes;
* ``counter_minutes``: minutes of open counters within the hour (overlap of the counter shifts);
* ``rating_sum`` / ``ratings``: feedback given in the hour.

:func:`aggregate_hours` is idempotent: recomputing an hour replaces its rows.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import delete, select

from booking.dates import tehran_to_utc, to_tehran, utcnow
from booking.extensions import db
from booking.models import Feedback
from offices.models import CounterShift, OfficeHourlyStats, QueueTicket, TicketOutcome

HOUR = dt.timedelta(hours=1)
LONG_WAIT = 15.0  # minutes

#: The figures of an office-hour, in the table's column order.
FIGURES = ("arrivals", "booked_arrivals", "served", "left_unserved", "no_shows", "wait_sum", "wait_max",
           "waits_over_15", "service_sum", "counter_minutes", "rating_sum", "ratings")


def local_hour_start(moment: dt.datetime) -> dt.datetime:
    """The UTC start of the Tehran local hour that contains ``moment``."""
    local = to_tehran(moment)
    return tehran_to_utc(local.replace(minute=0, second=0, microsecond=0, tzinfo=None))


def _minutes(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 60.0


def aggregate_hours(start: dt.datetime, end: dt.datetime, office_ids: Sequence[int] | None = None) -> int:
    """Recompute the hourly rows of the Tehran hours that overlap ``[start, end)``; returns rows written.

    Args:
        start, end: aware UTC moments; widened to whole local hours.
        office_ids: only these offices (default: every office with something in the period).

    Existing rows of those hours (and offices) are replaced, so running it twice gives the same table.
    Adds and flushes; the caller commits.
    """
    first = local_hour_start(start)
    last = local_hour_start(end - dt.timedelta(microseconds=1)) + HOUR if end > start else first
    if last <= first:
        return 0
    rows: dict[tuple[int, dt.datetime], dict[str, float]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))

    tickets = select(QueueTicket.office_id, QueueTicket.kind, QueueTicket.outcome, QueueTicket.arrived_at,
                     QueueTicket.started_at, QueueTicket.ended_at).where(
        QueueTicket.arrived_at >= first, QueueTicket.arrived_at < last)
    if office_ids is not None:
        tickets = tickets.where(QueueTicket.office_id.in_(office_ids))
    for office_id, kind, outcome, arrived, started, ended in db.session.execute(tickets):
        row = rows[(office_id, local_hour_start(arrived))]
        row["arrivals"] += 1
        row["booked_arrivals"] += kind == "booked"
        if outcome == TicketOutcome.SERVED.value and started is not None and ended is not None:
            wait = max(0.0, _minutes(started - arrived))
            row["served"] += 1
            row["wait_sum"] += wait
            row["wait_max"] = max(row["wait_max"], wait)
            row["waits_over_15"] += wait > LONG_WAIT
            row["service_sum"] += max(0.0, _minutes(ended - started))
        elif outcome == TicketOutcome.LEFT.value:
            row["left_unserved"] += 1
        elif outcome == TicketOutcome.NO_SHOW.value:
            row["no_shows"] += 1

    shifts = select(CounterShift.office_id, CounterShift.opened_at, CounterShift.closed_at).where(
        CounterShift.opened_at < last, (CounterShift.closed_at.is_(None)) | (CounterShift.closed_at > first))
    if office_ids is not None:
        shifts = shifts.where(CounterShift.office_id.in_(office_ids))
    now = utcnow()
    for office_id, opened, closed in db.session.execute(shifts):
        closed = closed or now
        hour = local_hour_start(max(opened, first))
        while hour < min(closed, last):
            overlap = min(closed, hour + HOUR) - max(opened, hour)
            if overlap.total_seconds() > 0:
                rows[(office_id, hour)]["counter_minutes"] += _minutes(overlap)
            hour += HOUR

    feedback = select(Feedback.office_id, Feedback.created_at, Feedback.rating).where(
        Feedback.created_at >= first, Feedback.created_at < last)
    if office_ids is not None:
        feedback = feedback.where(Feedback.office_id.in_(office_ids))
    for office_id, created, rating in db.session.execute(feedback):
        row = rows[(office_id, local_hour_start(created))]
        row["rating_sum"] += rating
        row["ratings"] += 1

    wipe = delete(OfficeHourlyStats).where(OfficeHourlyStats.hour_start >= first, OfficeHourlyStats.hour_start < last)
    if office_ids is not None:
        wipe = wipe.where(OfficeHourlyStats.office_id.in_(office_ids))
    db.session.execute(wipe)
    if rows:
        db.session.execute(OfficeHourlyStats.__table__.insert(), [
            {"office_id": office_id, "hour_start": hour,
             **{name: (round(value, 3) if isinstance(value, float) else int(value)) for name, value in values.items()}}
            for (office_id, hour), values in rows.items()])
    db.session.flush()
    return len(rows)
