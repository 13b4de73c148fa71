"""What the operator console and the lobby display show: read-only views of an office's day."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from booking.dates import utcnow
from booking.extensions import db
from booking.i18n import opens_text
from booking.models import Appointment, TimeSlot
from offices.live import LiveLoad, read_live_loads, today_start_utc
from offices.models import CounterShift, Office, QueueEvent, QueueTicket, ServiceType, TicketOutcome, User
from booking.remote_queue import line_states
from offices.call_policy import grace_windows
from offices.queue_ops import ACTIVE, ordered_waiting


@dataclass
class Booking:
    appointment: Appointment
    slot_start: dt.datetime
    state: str  # on_time / late / not_arrived / missed / served / cancelled
    ticket: QueueTicket | None = None


@dataclass
class Counter:
    number: int
    is_open: bool
    ticket: QueueTicket | None = None
    operator: str | None = None


@dataclass
class Board:
    office: Office
    load: LiveLoad
    bookings_by_slot: list[tuple[dt.datetime, list[Booking]]]
    waiting: list[QueueTicket]
    waiting_by_service: list[tuple[ServiceType, list[QueueTicket]]]
    counters: list[Counter]
    recent: list[QueueTicket] = field(default_factory=list)
    remote: dict[int, str] = field(default_factory=dict)  # remote ticket id -> at_home / on_the_way / here


def booking_state(status: str, slot_start: dt.datetime, ticket: QueueTicket | None, now: dt.datetime) -> str:
    """How a booked citizen stands: arrived on time or late, not yet arrived, missed, served or cancelled."""
    if status == "cancelled":
        return "cancelled"
    if status == "served":
        return "served"
    late = grace_windows()[1]
    if ticket is not None:
        return "on_time" if ticket.arrived_at <= slot_start + late else "late"
    if status == "no_show" or now > slot_start + late:
        return "missed"
    return "not_arrived"


def office_board(office: Office, now: dt.datetime | None = None) -> Board:
    """Today's board of an office: bookings by slot, the line by service, the counters and who is at each."""
    now = now or utcnow()
    start = today_start_utc(now)
    tickets_by_appointment = {t.appointment_id: t for t in db.session.scalars(
        select(QueueTicket).where(QueueTicket.office_id == office.id, QueueTicket.arrived_at >= start,
                                  QueueTicket.appointment_id.is_not(None)))}
    slots: dict[dt.datetime, list[Booking]] = defaultdict(list)
    for appointment, starts_at in db.session.execute(
            select(Appointment, TimeSlot.starts_at).join(TimeSlot, TimeSlot.id == Appointment.slot_id)
            .where(Appointment.office_id == office.id, TimeSlot.starts_at >= start,
                   TimeSlot.starts_at < start + dt.timedelta(days=1))
            .order_by(TimeSlot.starts_at, Appointment.id)):
        ticket = tickets_by_appointment.get(appointment.id)
        slots[starts_at].append(Booking(appointment, starts_at,
                                        booking_state(appointment.status, starts_at, ticket, now), ticket))
    waiting = ordered_waiting(office.id, now)
    by_service: dict[int, list[QueueTicket]] = defaultdict(list)
    for ticket in waiting:
        by_service[ticket.service_type_id].append(ticket)
    at_counter = {t.counter_no: t for t in db.session.scalars(
        select(QueueTicket).where(QueueTicket.office_id == office.id, QueueTicket.outcome.in_(ACTIVE))
        .order_by(QueueTicket.called_at))}
    open_numbers = set(db.session.scalars(select(CounterShift.counter_no).where(
        CounterShift.office_id == office.id, CounterShift.closed_at.is_(None))))
    operators = _operators_at_counters(office.id, start)
    counters = [Counter(no, no in open_numbers, at_counter.get(no), operators.get(no) if no in open_numbers else None)
                for no in range(1, office.counters + 1)]
    recent = list(db.session.scalars(select(QueueTicket).where(
        QueueTicket.office_id == office.id, QueueTicket.called_at.is_not(None), QueueTicket.arrived_at >= start)
        .order_by(QueueTicket.called_at.desc()).limit(6)))
    return Board(office=office, load=read_live_loads([office.id])[office.id],
                 bookings_by_slot=sorted(slots.items()), waiting=waiting,
                 waiting_by_service=[(s, by_service.get(s.id, [])) for s in office.services], counters=counters,
                 recent=recent, remote=line_states(office.id, now))


def _operators_at_counters(office_id: int, since: dt.datetime) -> dict[int, str]:
    """Who opened each counter (the latest ``counter_open`` event of the day)."""
    found: dict[int, str] = {}
    for data, name in db.session.execute(
            select(QueueEvent.data, User.full_name).outerjoin(User, User.id == QueueEvent.actor_id)
            .where(QueueEvent.office_id == office_id, QueueEvent.kind == "counter_open", QueueEvent.at >= since)
            .order_by(QueueEvent.id)):
        if name:
            found[int(data.get("counter_no", 0))] = name
    return found


LOBBY_CALLS = 6  # the last calls the lobby screen lists


def lobby_state(office: Office, now: dt.datetime | None = None) -> dict:
    """What the lobby screen shows, as JSON-ready data: the last tickets called (ticket → counter, newest
    first), now serving, next tickets (those here: a place taken from home is called once its holder is here),
    how many wait at home or are on the way, the wait.

    Each call has a ``key`` that changes with every call, a ticket called again (after "back to line")
    included: the screen chimes when the newest key is one it has not seen.
    """
    now = now or utcnow()
    start = today_start_utc(now)
    calls = list(db.session.execute(
        select(QueueTicket.id, QueueTicket.number, QueueTicket.counter_no, QueueTicket.called_at)
        .where(QueueTicket.office_id == office.id, QueueTicket.called_at.is_not(None),
               QueueTicket.arrived_at >= start)
        .order_by(QueueTicket.called_at.desc(), QueueTicket.id.desc()).limit(LOBBY_CALLS)))
    serving = list(db.session.execute(
        select(QueueTicket.number, QueueTicket.counter_no, QueueTicket.outcome)
        .where(QueueTicket.office_id == office.id, QueueTicket.outcome.in_(ACTIVE), QueueTicket.arrived_at >= start)
        .order_by(QueueTicket.called_at.desc())))
    load = read_live_loads([office.id])[office.id]
    remote = line_states(office.id, now)
    away = [state for state in remote.values() if state != "here"]
    return {
        "office": office.code,
        "calls": [{"ticket": number, "counter": counter, "key": f"{ticket_id}@{called_at.isoformat()}"}
                  for ticket_id, number, counter, called_at in calls],
        "serving": [{"ticket": number, "counter": counter, "called": outcome == TicketOutcome.CALLED.value}
                    for number, counter, outcome in serving],
        "next": [t.number for t in ordered_waiting(office.id, now) if remote.get(t.id, "here") == "here"][:8],
        "remote_at_home": away.count("at_home"),
        "remote_on_the_way": away.count("on_the_way"),
        "waiting": load.waiting,
        "counters_open": load.counters_open,
        "wait_p50": round(load.wait_p50),
        "wait_p90": round(load.wait_p90),
        "level": load.level,
        # Closed now, or open with no counter open yet: what the screen says instead of the wait.
        "note": (opens_text(load.opens_at) if load.level == "closed" and load.opens_at is not None else
                 _("No counter open yet") if load.level == "no_counter" else ""),
        "updated_at": load.updated_at.isoformat(),
        "stale": load.stale,
    }
