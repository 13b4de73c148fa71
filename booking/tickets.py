"""Where a booked citizen stands: the queue ticket made at check-in, people ahead, the estimated wait, and the
counter they are called to."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from booking.extensions import db
from booking.models import Appointment
from offices.models import Office, QueueTicket

#: States after which nothing more happens to a ticket (the page stops asking).
FINISHED = frozenset({"served", "no_show", "left", "cancelled"})
#: Seconds between two reads of a ticket's live status by its page while something may still happen.
POLL_SECONDS = 5


@dataclass(frozen=True)
class TicketStatus:
    ticket: QueueTicket | None
    position: int | None  # people ahead in line, once checked in and waiting
    estimated_wait: float | None  # minutes until called (engine), once checked in and waiting


def ticket_status(appointment: Appointment) -> TicketStatus:
    """The queue ticket of a checked-in appointment, people ahead and the forecast of the wait
    (:func:`offices.forecast.forecast_wait` with the people ahead of the ticket in place of the line)."""
    ticket = db.session.scalar(select(QueueTicket).where(QueueTicket.appointment_id == appointment.id)
                               .order_by(QueueTicket.id.desc()))
    if ticket is None or ticket.outcome != "waiting":
        return TicketStatus(ticket, None, None)
    from offices.forecast import forecast_wait
    from offices.queue_ops import position_in_line

    ahead = position_in_line(ticket)
    if ahead is None:
        return TicketStatus(ticket, None, None)
    answer = forecast_wait(appointment.office_id, ahead={appointment.office_id: ahead})
    return TicketStatus(ticket, ahead, answer.booked_mean if answer is not None else None)


@dataclass(frozen=True)
class LiveTicket:
    """A booked citizen's ticket as its page and ``GET /api/tickets/<code>`` show it.

    Attributes:
        state: ``booked`` (not checked in), ``waiting``, ``called`` (go to ``counter``), ``serving``,
            ``served``, ``no_show`` (called, or booked, and did not come), ``left`` or ``cancelled``.
        number: the queue number (``A-012``) once checked in.
        counter: the counter called to, once called.
        position: people ahead in line while waiting.
        wait_mean, wait_p90: the forecast of the wait until called, in minutes, while waiting
            (:func:`offices.forecast.forecast_wait` with the people ahead).
    """

    tracking_code: str
    office_code: str
    status: str
    state: str
    number: str | None = None
    counter: int | None = None
    called_at: dt.datetime | None = None
    position: int | None = None
    wait_mean: float | None = None
    wait_p90: float | None = None

    @property
    def finished(self) -> bool:
        return self.state in FINISHED


def live_ticket(tracking_code: str, now: dt.datetime | None = None) -> LiveTicket | None:
    """The live status of the appointment with this tracking code (None if there is none): one query for the
    appointment and its latest queue ticket, one more for the line while it waits (the forecast reads the
    office's profile and live load from the process and Redis)."""
    from booking.appointments import normalise_tracking_code

    code = normalise_tracking_code(tracking_code)
    if not code:
        return None
    latest = (select(func.max(QueueTicket.id)).where(QueueTicket.appointment_id == Appointment.id)
              .correlate(Appointment).scalar_subquery())
    row = db.session.execute(
        select(Appointment.tracking_code, Appointment.status, Appointment.office_id, Office.code, QueueTicket.id,
               QueueTicket.number, QueueTicket.outcome, QueueTicket.counter_no, QueueTicket.called_at,
               QueueTicket.kind)
        .join(Office, Office.id == Appointment.office_id)
        .outerjoin(QueueTicket, QueueTicket.id == latest)
        .where(Appointment.tracking_code == code)).first()
    if row is None:
        return None
    code, status, office_id, office_code, ticket_id, number, outcome, counter, called_at, kind = row
    base = LiveTicket(code, office_code, status, status)
    if status in ("booked", "cancelled") or ticket_id is None:
        return base
    state = outcome
    live = LiveTicket(code, office_code, status, state, number=number,
                      counter=counter if state in ("called", "serving") else None,
                      called_at=called_at if state in ("called", "serving") else None)
    if state != "waiting":
        return live
    from offices.forecast import forecast_wait
    from offices.queue_ops import people_ahead

    ahead = people_ahead(office_id, ticket_id, now)
    if ahead is None:
        return live
    answer = forecast_wait(office_id, now=now, ahead={office_id: ahead})
    booked = kind == "booked"  # checked in on time: nobody who comes later is called before them
    return LiveTicket(code, office_code, status, state, number=number, position=ahead,
                      wait_mean=(answer.booked_mean if booked else answer.mean) if answer is not None else None,
                      wait_p90=(answer.booked_p90 if booked else answer.p90) if answer is not None else None)
