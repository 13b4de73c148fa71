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
    """The queue ticket of a checked-in appointment, people ahead and the engine's estimate of the wait."""
    ticket = db.session.scalar(select(QueueTicket).where(QueueTicket.appointment_id == appointment.id)
                               .order_by(QueueTicket.id.desc()))
    if ticket is None or ticket.outcome != "waiting":
        return TicketStatus(ticket, None, None)
    from offices.estimates import office_models
    from offices.live import read_live_loads
    from offices.queue_ops import position_in_line

    ahead = position_in_line(ticket)
    if ahead is None:
        return TicketStatus(ticket, None, None)
    load = read_live_loads([appointment.office_id]).get(appointment.office_id)
    model, where = office_models([appointment.office_id])
    counters = max(1, load.counters_open if load else appointment.office.counters)
    busy = min(load.in_service, counters) if load else counters
    wait = model.wait_now(waiting=ahead, busy=busy, open_counters=counters)
    return TicketStatus(ticket, ahead, float(wait.mean[where[appointment.office_id]]))
