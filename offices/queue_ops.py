"""Queue operations: the acting part of the operator console, called by its views, the API and the jobs.

Every operation checks its preconditions, changes tickets / counters / appointments, appends one
:class:`~offices.models.QueueEvent` (actor, office, ticket, kind, time, and the ticket's state before, so
that :func:`undo_last` can restore it), and flushes. The caller commits and then calls :func:`publish`
(or uses :func:`commit_and_publish`) to update the office's live load in Redis and enqueue the jobs.

Conflicts: a ticket is given to a counter by a conditional ``UPDATE … WHERE outcome = 'waiting'``, and a
counter's state by ``UPDATE … WHERE outcome IN (…) AND counter_no = …``, so that two desks acting at once
never give one ticket to two counters; the loser tries the next candidate or gets :class:`QueueConflict`.

The call policy is :func:`offices.call_policy.call_order`.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence
from typing import Any

from blinker import Namespace
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from booking import fair_access
from booking.dates import ascii_digits, to_tehran, utcnow
from booking.extensions import db
from booking.i18n import local_number
from booking.models import Appointment, AppointmentChange, RemoteTicket, TimeSlot
from offices.call_policy import Candidate, call_order
from offices.live import today_start_utc
from offices.models import CounterShift, Office, QueueEvent, QueueTicket, ServiceType, TicketKind, TicketOutcome, \
    TicketSeries, User

log = logging.getLogger(__name__)

UNDO_WINDOW = dt.timedelta(seconds=60)

ACTIVE = (TicketOutcome.CALLED.value, TicketOutcome.SERVING.value)
# Ticket fields an event remembers so that undo can restore them.
SNAPSHOT_FIELDS = ("outcome", "counter_no", "called_at", "started_at", "ended_at", "service_type_id", "number")


class QueueError(Exception):
    """An operation cannot be done; the message is for the operator, in their language."""

    status = 422


class NotFound(QueueError):
    status = 404


class QueueConflict(QueueError):
    """Someone else changed the same ticket or counter first."""

    status = 409


def _candidates(office_id: int, service_type_ids: Sequence[int] | None = None,
                now: dt.datetime | None = None) -> list[Candidate]:
    query = (select(QueueTicket.id, QueueTicket.kind, QueueTicket.arrived_at, TimeSlot.starts_at,
                    RemoteTicket.here_at)
             .outerjoin(Appointment, Appointment.id == QueueTicket.appointment_id)
             .outerjoin(TimeSlot, TimeSlot.id == Appointment.slot_id)
             .outerjoin(RemoteTicket, RemoteTicket.ticket_id == QueueTicket.id)
             .where(QueueTicket.office_id == office_id, QueueTicket.outcome == TicketOutcome.WAITING.value,
                    QueueTicket.arrived_at >= today_start_utc(now)))
    if service_type_ids:
        query = query.where(QueueTicket.service_type_id.in_(service_type_ids))
    return [Candidate(ticket_id, kind, arrived_at, slot_start,
                      kind != TicketKind.REMOTE.value or here_at is not None)
            for ticket_id, kind, arrived_at, slot_start, here_at in db.session.execute(query)]


def position_in_line(ticket: QueueTicket) -> int | None:
    """People ahead of a waiting ticket in its office's line (by the call policy's order), or None."""
    if ticket.outcome != TicketOutcome.WAITING.value:
        return None
    return people_ahead(ticket.office_id, ticket.id)


def people_ahead(office_id: int, ticket_id: int, now: dt.datetime | None = None) -> int | None:
    """People ahead of a ticket among today's waiting tickets of its office, by the call policy's order (one
    query); None when the ticket is not waiting today."""
    now = now or utcnow()
    order = [c.ticket_id for c in call_order(_candidates(office_id, None, now), now)]
    return order.index(ticket_id) if ticket_id in order else None


def ordered_waiting(office_id: int, now: dt.datetime | None = None) -> list[QueueTicket]:
    """Today's waiting tickets of an office in the order they will be called."""
    now = now or utcnow()
    order = call_order(_candidates(office_id, None, now), now)
    tickets = {t.id: t for t in db.session.scalars(select(QueueTicket).where(
        QueueTicket.id.in_([c.ticket_id for c in order])))}
    return [tickets[c.ticket_id] for c in order]


# ---------------------------------------------------------------------------------------------- helpers

def _snapshot(ticket: QueueTicket) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in SNAPSHOT_FIELDS:
        value = getattr(ticket, name)
        out[name] = value.isoformat() if isinstance(value, dt.datetime) else value
    return out


def record_event(office_id: int, kind: str, actor: User | None, ticket: QueueTicket | None = None,
            before: dict[str, Any] | None = None, **data: Any) -> QueueEvent:
    if before is not None:
        data["before"] = before
    if ticket is not None and ticket.appointment_id is not None:
        appointment = db.session.get(Appointment, ticket.appointment_id)
        data.setdefault("appointment_status", appointment.status if appointment else None)
    event = QueueEvent(office_id=office_id, ticket_id=ticket.id if ticket is not None else None,
                       actor_id=actor.id if actor is not None else None, kind=kind, at=utcnow(), data=data)
    db.session.add(event)
    db.session.flush()
    return event


def _set_appointment_status(appointment_id: int | None, status: str, note: str) -> None:
    if appointment_id is None:
        return
    appointment = db.session.get(Appointment, appointment_id)
    if appointment is None or appointment.status == status:
        return
    db.session.add(AppointmentChange(appointment_id=appointment.id, from_status=appointment.status,
                                     to_status=status, note=note, at=utcnow()))
    appointment.status = status


def next_ticket_number(office_id: int, service: ServiceType, now: dt.datetime | None = None) -> str:
    """The next number in a service's series at an office today, e.g. ``A-042``.

    A conditional ``UPDATE … SET last_number = last_number + 1`` takes the row lock, so concurrent callers
    get consecutive numbers; the first of the day inserts the row (a lost insert race retries the update).
    """
    day = to_tehran(now or utcnow()).date()
    where = and_(TicketSeries.office_id == office_id, TicketSeries.service_type_id == service.id,
                 TicketSeries.day == day)
    for _attempt in range(3):
        bumped = db.session.execute(update(TicketSeries).where(where)
                                    .values(last_number=TicketSeries.last_number + 1)
                                    .execution_options(synchronize_session=False))
        if bumped.rowcount == 1:
            number = db.session.scalar(select(TicketSeries.last_number).where(where))
            break
        try:
            with db.session.begin_nested():
                db.session.add(TicketSeries(office_id=office_id, service_type_id=service.id, day=day, last_number=1))
            number = 1
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover - three lost races in a row
        raise QueueConflict(_("Two desks took a ticket number at once; please try again."))
    return f"{service.letter}-{number:03d}"


def _office_service(office: Office, service_code_or_id: str | int) -> ServiceType:
    for service in office.services:
        if service.code == service_code_or_id or service.id == service_code_or_id or \
                str(service.id) == str(service_code_or_id):
            return service
    raise QueueError(_("This office does not offer that service."))


def _ticket(office: Office, ticket_id: int) -> QueueTicket:
    ticket = db.session.get(QueueTicket, ticket_id)
    if ticket is None or ticket.office_id != office.id:
        raise NotFound(_("No such ticket at this office."))
    return ticket


def _ticket_at_counter(office: Office, counter_no: int) -> QueueTicket | None:
    return db.session.scalar(select(QueueTicket).where(
        QueueTicket.office_id == office.id, QueueTicket.counter_no == counter_no,
        QueueTicket.outcome.in_(ACTIVE)).order_by(QueueTicket.called_at.desc()).limit(1))


def _check_counter_no(office: Office, counter_no: int) -> None:
    if not 1 <= counter_no <= office.counters:
        raise QueueError(_("This office has counters 1 to %(n)s.", n=local_number(office.counters)))


def open_shift(office: Office, counter_no: int) -> CounterShift | None:
    return db.session.scalar(select(CounterShift).where(
        CounterShift.office_id == office.id, CounterShift.counter_no == counter_no,
        CounterShift.closed_at.is_(None)).limit(1))


def _transition(ticket: QueueTicket, expected: Sequence[str], at_counter: int | None, **values: Any) -> None:
    """Change a ticket only if it is still in an expected state (and at the counter): else QueueConflict."""
    condition = [QueueTicket.id == ticket.id, QueueTicket.outcome.in_(expected)]
    if at_counter is not None:
        condition.append(QueueTicket.counter_no == at_counter)
    changed = db.session.execute(update(QueueTicket).where(*condition).values(**values)
                                 .execution_options(synchronize_session=False))
    if changed.rowcount != 1:
        db.session.refresh(ticket)
        raise QueueConflict(_("This ticket was changed at another desk; the board has been refreshed."))
    db.session.refresh(ticket)


# ---------------------------------------------------------------------------------------------- arrivals

def find_todays_appointment(office: Office, query: str, now: dt.datetime | None = None) -> Appointment:
    """A booked appointment for today at this office, by tracking code or national ID.

    Raises:
        NotFound: nothing booked today matches; QueueError: it is already checked in or finished.
    """
    now = now or utcnow()
    text = ascii_digits(query or "").strip().upper().replace(" ", "").replace("-", "")
    if not text:
        raise QueueError(_("Enter a tracking code or a national ID."))
    start = today_start_utc(now)
    base = (select(Appointment).join(TimeSlot, TimeSlot.id == Appointment.slot_id)
            .where(Appointment.office_id == office.id, TimeSlot.starts_at >= start,
                   TimeSlot.starts_at < start + dt.timedelta(days=1)))
    matches = list(db.session.scalars(base.where(or_(Appointment.tracking_code == text,
                                                     Appointment.national_id == text))
                                      .order_by(TimeSlot.starts_at)))
    if not matches:
        raise NotFound(_("No appointment today at this office matches %(query)s.", query=query))
    booked = [a for a in matches if a.status == "booked"]
    if not booked:
        raise QueueError(_("This appointment is already checked in or closed (%(status)s).",
                           status=matches[0].status))
    return booked[0]


def check_in(office: Office, query: str, actor: User | None, now: dt.datetime | None = None) -> QueueTicket:
    """Check in a citizen booked today by tracking code or national ID: a booked ticket joins the line. A
    citizen who joined the line from home (ticket number, the code of their ticket page's QR, or national ID)
    is marked present and may now be called in their place."""
    now = now or utcnow()
    try:
        appointment = find_todays_appointment(office, query, now)
    except NotFound:
        remote = find_remote_ticket(office, query, now)
        if remote is None:
            raise
        return check_in_remote(office, remote, actor, now)
    service = db.session.get(ServiceType, appointment.service_type_id)
    ticket = QueueTicket(office_id=office.id, service_type_id=service.id, appointment_id=appointment.id,
                         number=next_ticket_number(office.id, service, now), kind=TicketKind.BOOKED.value,
                         arrived_at=now, outcome=TicketOutcome.WAITING.value)
    db.session.add(ticket)
    db.session.flush()
    _set_appointment_status(appointment.id, "checked_in", "arrived at the office")
    record_event(office.id, "check_in", actor, ticket, appointment_id=appointment.id, number=ticket.number)
    return ticket


def find_remote_ticket(office: Office, query: str, now: dt.datetime | None = None) -> RemoteTicket | None:
    """Today's waiting remote ticket at this office matching a ticket number (``A-043``), the ticket page's code
    (from its QR) or a national ID; None when nothing matches."""
    now = now or utcnow()
    raw = ascii_digits(str(query or "")).strip()
    if not raw:
        return None
    token = raw.rsplit("/", 1)[-1]  # a scanned QR gives the ticket page's address
    number = raw.upper().replace(" ", "")
    if re.fullmatch(r"[A-Z]\d{1,4}", number):
        number = f"{number[0]}-{number[1:]}"
    return db.session.scalar(
        select(RemoteTicket).join(QueueTicket, QueueTicket.id == RemoteTicket.ticket_id)
        .where(RemoteTicket.office_id == office.id, RemoteTicket.joined_at >= today_start_utc(now),
               QueueTicket.outcome == TicketOutcome.WAITING.value,
               or_(RemoteTicket.token == token, QueueTicket.number == number,
                   RemoteTicket.national_id == raw.replace("-", "").replace(" ", "")))
        .order_by(RemoteTicket.id).limit(1))


def check_in_remote(office: Office, remote: RemoteTicket, actor: User | None, now: dt.datetime | None = None) -> QueueTicket:
    """The holder is at the office: their ticket may now be called, in its place by join time."""
    now = now or utcnow()
    if remote.here_at is not None:
        raise QueueError(_("Ticket %(number)s is already checked in.", number=remote.ticket.number))
    remote.here_at = now
    record_event(office.id, "remote_here", actor, remote.ticket, number=remote.ticket.number)
    db.session.flush()
    return remote.ticket


def add_walk_in(office: Office, service_code: str | int, actor: User | None,
                now: dt.datetime | None = None) -> QueueTicket:
    """A walk-in for a service joins the line with the next number of the service's series."""
    now = now or utcnow()
    service = _office_service(office, service_code)
    ticket = QueueTicket(office_id=office.id, service_type_id=service.id, number=next_ticket_number(office.id, service, now),
                         kind=TicketKind.WALK_IN.value, arrived_at=now, outcome=TicketOutcome.WAITING.value)
    db.session.add(ticket)
    db.session.flush()
    record_event(office.id, "walk_in", actor, ticket, number=ticket.number)
    return ticket


# ---------------------------------------------------------------------------------------------- at a counter

def call_next(office: Office, counter_no: int, actor: User | None, now: dt.datetime | None = None,
              service_codes: Sequence[str] | None = None) -> QueueTicket | None:
    """Call the next citizen (by :func:`offices.call_policy.call_order`) to an open, free counter; None when nobody waits.

    Raises:
        QueueError: the counter is closed or still has someone.
    """
    now = now or utcnow()
    _check_counter_no(office, counter_no)
    shift = open_shift(office, counter_no)
    if shift is None:
        raise QueueError(_("Counter %(n)s is closed; open it first.", n=local_number(counter_no)))
    # Lock the counter's shift row (PostgreSQL) so that two calls at one counter run one after the other.
    db.session.execute(update(CounterShift).where(CounterShift.id == shift.id)
                       .values(counter_no=CounterShift.counter_no).execution_options(synchronize_session=False))
    if _ticket_at_counter(office, counter_no) is not None:
        raise QueueError(_("Counter %(n)s is still serving someone: finish or send them back first.",
                           n=local_number(counter_no)))
    service_ids = None
    if service_codes:
        service_ids = [_office_service(office, code).id for code in service_codes]
    for candidate in call_order(_candidates(office.id, service_ids, now), now):
        if not candidate.present:  # a remote ticket's holder not here yet: keeps the place, passed over
            _pass_over(candidate.ticket_id, now)
            continue
        taken = db.session.execute(
            update(QueueTicket)
            .where(QueueTicket.id == candidate.ticket_id, QueueTicket.outcome == TicketOutcome.WAITING.value)
            .values(outcome=TicketOutcome.CALLED.value, counter_no=counter_no, called_at=now)
            .execution_options(synchronize_session=False))
        if taken.rowcount == 1:
            ticket = db.session.get(QueueTicket, candidate.ticket_id)
            db.session.refresh(ticket)
            before = {"outcome": TicketOutcome.WAITING.value, "counter_no": None, "called_at": None,
                      "started_at": None, "ended_at": None, "service_type_id": ticket.service_type_id,
                      "number": ticket.number}
            record_event(office.id, "call", actor, ticket, before, counter_no=counter_no)
            _text_called(office, ticket)
            return ticket
    return None


def _pass_over(ticket_id: int, now: dt.datetime) -> None:
    """Note the first time a remote ticket's turn came while its holder was not at the office."""
    db.session.execute(update(RemoteTicket).where(RemoteTicket.ticket_id == ticket_id,
                                                  RemoteTicket.passed_at.is_(None))
                       .values(passed_at=now).execution_options(synchronize_session=False))


def _text_called(office: Office, ticket: QueueTicket) -> None:
    """A booked citizen called to a counter is texted which one, if the office chose so (``sms_on_call``); the
    message is written with the call and sent once the call is committed. A remote ticket's holder is always
    texted: they may be outside the hall."""
    if ticket.kind == TicketKind.REMOTE.value:
        from booking.notifications import notify_remote_called

        remote = db.session.scalar(select(RemoteTicket).where(RemoteTicket.ticket_id == ticket.id))
        if remote is not None:
            notify_remote_called(remote, ticket.number, ticket.counter_no)
        return
    if not office.sms_on_call or ticket.appointment_id is None:
        return
    appointment = db.session.get(Appointment, ticket.appointment_id)
    if appointment is None:
        return
    from booking.notifications import notify_called

    notify_called(appointment, ticket.id, ticket.number, ticket.counter_no)


def start_service(office: Office, ticket_id: int, actor: User | None, now: dt.datetime | None = None) -> QueueTicket:
    """The called citizen is at the counter: service starts."""
    ticket = _ticket(office, ticket_id)
    before = _snapshot(ticket)
    _transition(ticket, (TicketOutcome.CALLED.value,), ticket.counter_no, outcome=TicketOutcome.SERVING.value,
                started_at=now or utcnow())
    record_event(office.id, "start", actor, ticket, before, counter_no=ticket.counter_no)
    return ticket


def finish_service(office: Office, ticket_id: int, actor: User | None, now: dt.datetime | None = None) -> QueueTicket:
    """Service ended: the ticket is served (a called ticket is taken as started when called)."""
    now = now or utcnow()
    ticket = _ticket(office, ticket_id)
    before = _snapshot(ticket)
    _transition(ticket, ACTIVE, ticket.counter_no, outcome=TicketOutcome.SERVED.value,
                started_at=ticket.started_at or ticket.called_at or now, ended_at=now)
    _set_appointment_status(ticket.appointment_id, "served", "served at the counter")
    record_event(office.id, "finish", actor, ticket, before, counter_no=ticket.counter_no)
    return ticket


def mark_no_show(office: Office, ticket_id: int, actor: User | None, now: dt.datetime | None = None) -> QueueTicket:
    """The called citizen did not come to the counter."""
    ticket = _ticket(office, ticket_id)
    before = _snapshot(ticket)
    _transition(ticket, (TicketOutcome.CALLED.value,), ticket.counter_no, outcome=TicketOutcome.NO_SHOW.value,
                ended_at=now or utcnow())
    _set_appointment_status(ticket.appointment_id, "no_show", "called and did not come")
    record_event(office.id, "no_show", actor, ticket, before, counter_no=ticket.counter_no)
    fair_access.after_no_show(ticket.appointment_id, now)  # the no-show ban, when it is the N-th
    return ticket


def send_back(office: Office, ticket_id: int, actor: User | None) -> QueueTicket:
    """Send a called (or served-too-early) citizen back to the line, keeping their arrival time."""
    ticket = _ticket(office, ticket_id)
    before = _snapshot(ticket)
    _transition(ticket, ACTIVE, ticket.counter_no, outcome=TicketOutcome.WAITING.value, counter_no=None,
                called_at=None, started_at=None)
    record_event(office.id, "back_to_line", actor, ticket, before)
    return ticket


def transfer(office: Office, ticket_id: int, service_code: str | int, actor: User | None,
             now: dt.datetime | None = None) -> QueueTicket:
    """Move a ticket to another service's line (a new number in that series, arrival time kept)."""
    ticket = _ticket(office, ticket_id)
    service = _office_service(office, service_code)
    if service.id == ticket.service_type_id:
        raise QueueError(_("The ticket is already for that service."))
    before = _snapshot(ticket)
    _transition(ticket, (TicketOutcome.WAITING.value, *ACTIVE), None, outcome=TicketOutcome.WAITING.value,
                counter_no=None, called_at=None, started_at=None, service_type_id=service.id,
                number=next_ticket_number(office.id, service, now))
    record_event(office.id, "transfer", actor, ticket, before, to_service=service.code)
    return ticket


def mark_left(office: Office, ticket_id: int, actor: User | None, now: dt.datetime | None = None) -> QueueTicket:
    """A waiting citizen left the office before being called."""
    ticket = _ticket(office, ticket_id)
    before = _snapshot(ticket)
    _transition(ticket, (TicketOutcome.WAITING.value,), None, outcome=TicketOutcome.LEFT.value,
                ended_at=now or utcnow())
    record_event(office.id, "left", actor, ticket, before)
    return ticket


# ---------------------------------------------------------------------------------------------- counters

def open_counter(office: Office, counter_no: int, actor: User | None, now: dt.datetime | None = None) -> CounterShift:
    _check_counter_no(office, counter_no)
    if open_shift(office, counter_no) is not None:
        raise QueueError(_("Counter %(n)s is already open.", n=local_number(counter_no)))
    shift = CounterShift(office_id=office.id, counter_no=counter_no, opened_at=now or utcnow())
    db.session.add(shift)
    db.session.flush()
    record_event(office.id, "counter_open", actor, None, counter_no=counter_no, shift_id=shift.id)
    return shift


def close_counter(office: Office, counter_no: int, actor: User | None, now: dt.datetime | None = None) -> CounterShift:
    _check_counter_no(office, counter_no)
    shift = open_shift(office, counter_no)
    if shift is None:
        raise QueueError(_("Counter %(n)s is already closed.", n=local_number(counter_no)))
    if _ticket_at_counter(office, counter_no) is not None:
        raise QueueError(_("Counter %(n)s is still serving someone: finish or send them back first.",
                           n=local_number(counter_no)))
    closed = db.session.execute(update(CounterShift).where(CounterShift.id == shift.id, CounterShift.closed_at.is_(None))
                                .values(closed_at=now or utcnow()).execution_options(synchronize_session=False))
    if closed.rowcount != 1:
        raise QueueConflict(_("Counter %(n)s was closed at another desk.", n=local_number(counter_no)))
    db.session.refresh(shift)
    record_event(office.id, "counter_close", actor, None, counter_no=counter_no, shift_id=shift.id)
    return shift


# ---------------------------------------------------------------------------------------------- settings

def set_sms_on_call(office: Office, on: bool) -> bool:
    """Whether a booked citizen called to a counter is texted which one (the office's choice); returns it."""
    office.sms_on_call = bool(on)
    db.session.flush()
    return office.sms_on_call


# ---------------------------------------------------------------------------------------------- undo

UNDOABLE = {"check_in", "walk_in", "call", "start", "finish", "no_show", "back_to_line", "transfer", "left",
            "counter_open", "counter_close"}


def last_undoable(office: Office, actor: User | None, now: dt.datetime | None = None) -> QueueEvent | None:
    """The actor's last action at this office, if it is less than :data:`UNDO_WINDOW` old and not undone."""
    now = now or utcnow()
    query = select(QueueEvent).where(QueueEvent.office_id == office.id, QueueEvent.at >= now - UNDO_WINDOW)
    query = query.where(QueueEvent.actor_id == (actor.id if actor else None)) if actor else \
        query.where(QueueEvent.actor_id.is_(None))
    last = db.session.scalar(query.order_by(QueueEvent.id.desc()).limit(1))
    if last is None or last.kind not in UNDOABLE:
        return None
    return last


def undo_last(office: Office, actor: User | None, now: dt.datetime | None = None) -> QueueEvent:
    """Undo the actor's last action within 60 seconds, by appending an ``undo`` event that restores the state.

    A ticket goes back to its recorded state if nobody changed it since; an added ticket is withdrawn
    (outcome ``left``, the appointment booked again); a counter is reopened or closed again.

    Raises:
        QueueError: nothing to undo; QueueConflict: the ticket was changed since.
    """
    now = now or utcnow()
    event = last_undoable(office, actor, now)
    if event is None:
        raise QueueError(_("Nothing to undo: only your last action of the past minute can be undone."))
    data = dict(event.data or {})
    if event.kind in ("check_in", "walk_in"):
        ticket = _ticket(office, event.ticket_id)
        _transition(ticket, (TicketOutcome.WAITING.value,), None, outcome=TicketOutcome.LEFT.value, ended_at=now)
        _set_appointment_status(ticket.appointment_id, "booked", "check-in undone")
    elif event.kind == "counter_open":
        shift = db.session.get(CounterShift, data["shift_id"])
        if _ticket_at_counter(office, shift.counter_no) is not None:
            raise QueueConflict(_("Counter %(n)s is serving someone now.", n=local_number(shift.counter_no)))
        shift.closed_at = shift.opened_at if shift.closed_at is None else shift.closed_at
    elif event.kind == "counter_close":
        shift = db.session.get(CounterShift, data["shift_id"])
        if open_shift(office, shift.counter_no) is None:
            shift.closed_at = None
    else:
        ticket = _ticket(office, event.ticket_id)
        before = data.get("before") or {}
        restore = {name: (dt.datetime.fromisoformat(value) if name.endswith("_at") and value else value)
                   for name, value in before.items() if name in SNAPSHOT_FIELDS}
        changed = db.session.execute(update(QueueTicket).where(
            QueueTicket.id == ticket.id, QueueTicket.outcome == ticket.outcome,
            QueueTicket.number == ticket.number).values(**restore).execution_options(synchronize_session=False))
        if changed.rowcount != 1:
            raise QueueConflict(_("This ticket was changed at another desk; it cannot be undone."))
        db.session.refresh(ticket)
        if "appointment_status" in data and ticket.appointment_id is not None and event.kind in (
                "finish", "no_show"):
            _set_appointment_status(ticket.appointment_id, "checked_in", "undone")
            if event.kind == "no_show":
                fair_access.withdraw_for_appointment(ticket.appointment_id, now)
    db.session.flush()
    return record_event(office.id, "undo", actor, db.session.get(QueueTicket, event.ticket_id) if event.ticket_id else None,
                   undone_event=event.id, undone_kind=event.kind)


# ---------------------------------------------------------------------------------------------- after a change

#: Sent after every committed queue action, with ``office_id``, ``event_kind`` and ``ticket_id``: the jobs
#: (:func:`offices.jobs.after_queue_event`) listen, so that this module needs nothing of them.
queue_changed = Namespace().signal("queue-changed")


def publish(office_id: int, event_kind: str | None = None, ticket_id: int | None = None) -> None:
    """After the commit: refresh the office's live load in Redis and tell the listeners (the follow-up jobs).

    Neither may fail the operation: Redis away only leaves the live state to be rebuilt later.
    """
    from offices.live import REDIS_ERRORS, refresh_live_load

    try:
        refresh_live_load(office_id)
    except REDIS_ERRORS as exc:  # pragma: no cover - refresh_live_load already swallows write errors
        log.warning("live load of office %s not refreshed: %s", office_id, exc)
    queue_changed.send(office_id, event_kind=event_kind, ticket_id=ticket_id)


def commit_and_publish(office_id: int, event_kind: str | None = None, ticket_id: int | None = None) -> None:
    """Commit the request's work, then :func:`publish`."""
    db.session.commit()
    publish(office_id, event_kind, ticket_id)
