"""Where a booked citizen stands: the queue ticket made at check-in, people ahead, the estimated wait."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from booking.extensions import db
from booking.models import Appointment
from offices.models import QueueTicket


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
    return TicketStatus(ticket, ahead, answer.mean if answer is not None else None)
