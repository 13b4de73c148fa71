"""Booking, cancelling and rescheduling appointments, with the rules of issue 4.

Rules:
* the mobile must be the national ID's where an identity check is configured (:mod:`booking.identity_check`);
* the fair-access rules of the office's province (:mod:`booking.fair_access`): no booking while barred after
  a no-show; at most 3 active appointments (booked or checked in, slot not over) per national ID and per
  mobile; at most 2 bookings per person per office per day (each figure set per province);
* one appointment per service per day for a national ID;
* no slot in the past, on a closed day, outside opening hours or of another office;
* a slot never holds more bookings than its capacity: the place is taken by one conditional
  ``UPDATE time_slots SET booked = booked + 1 WHERE id = :id AND booked < capacity`` (atomic on SQLite and
  PostgreSQL), backed by the table's CHECK (booked <= capacity);
* cancelling before the slot starts gives the place back at once.

Functions add and flush; the caller (a view, the API, a job) commits once.
"""
from __future__ import annotations

import datetime as dt
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

from booking import fair_access, identity, identity_check, otp, waitlist
from booking.dates import tehran_to_utc, to_tehran, utcnow
from booking.extensions import db
from booking.models import Appointment, AppointmentChange, TimeSlot
from booking.service_errors import InvalidInput, NotFound, RuleBroken, ServiceError
from booking.slots import give_place_back, opening_on, slot_starts, take_place
from offices.models import Office, ServiceType

MAX_ACTIVE = fair_access.DEFAULTS.per_person_active  # a province may set another figure
ACTIVE_STATUSES = ("booked", "checked_in")
# Tracking codes: 10 characters from 31 unambiguous ones (no 0/O, 1/I/L): about 8 x 10^14 codes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10


def new_tracking_code() -> str:
    """An unguessable tracking code drawn with :mod:`secrets`."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_tracking_code(raw: object) -> str:
    return "".join(ch for ch in str(raw or "").upper() if ch.isalnum())[:32]


def _tehran_day_bounds(moment: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    day = to_tehran(moment).date()
    start = tehran_to_utc(dt.datetime.combine(day, dt.time()))
    return start, start + dt.timedelta(days=1)


def active_appointments(national_id: str, now: dt.datetime | None = None) -> list[Appointment]:
    """A person's appointments that still hold a place: booked or checked in, slot not over."""
    now = now or utcnow()
    return list(db.session.scalars(
        select(Appointment).join(TimeSlot, Appointment.slot_id == TimeSlot.id)
        .where(Appointment.national_id == national_id, Appointment.status.in_(ACTIVE_STATUSES),
               TimeSlot.starts_at > now - dt.timedelta(hours=12))
        .order_by(TimeSlot.starts_at)))


def _check_slot_bookable(slot: TimeSlot, office: Office, now: dt.datetime) -> None:
    if slot.office_id != office.id:
        raise InvalidInput("slot_other_office", _l("This time slot belongs to another office."), field="slot")
    if slot.starts_at <= now:
        raise RuleBroken("slot_past", _l("This time has already passed; please choose a later one."),
                         field="slot")
    local_day = to_tehran(slot.starts_at).date()
    hours = opening_on(office, local_day)
    if hours is None:
        raise RuleBroken("office_closed", _l("The office is closed on that day."), field="slot")
    if slot.starts_at not in slot_starts(office, local_day, hours):
        raise RuleBroken("outside_hours", _l("This time is outside the office's opening hours."), field="slot")


def _check_person_rules(national_id: str, service_id: int, slot: TimeSlot, now: dt.datetime,
                        ignore_id: int | None = None, *, mobile: str | None = None,
                        office: Office | None = None) -> None:
    active = [a for a in active_appointments(national_id, now) if a.id != ignore_id]
    fair_access.check(national_id, mobile, office or slot.office, slot, active, now, ignore_id=ignore_id)
    day_start, day_end = _tehran_day_bounds(slot.starts_at)
    same_day = db.session.scalar(
        select(func.count(Appointment.id)).join(TimeSlot, Appointment.slot_id == TimeSlot.id)
        .where(Appointment.national_id == national_id, Appointment.service_type_id == service_id,
               Appointment.status.in_(ACTIVE_STATUSES), TimeSlot.starts_at >= day_start,
               TimeSlot.starts_at < day_end, *( [Appointment.id != ignore_id] if ignore_id else [])))
    if same_day:
        raise RuleBroken("one_per_service_per_day",
                         _l("You already have an appointment for this service on that day."))


def _record(appointment: Appointment, from_status: str | None, to_status: str, note: str = "") -> None:
    appointment.status = to_status
    db.session.add(AppointmentChange(appointment=appointment, from_status=from_status, to_status=to_status,
                                     note=note, at=utcnow()))


def load_booking_targets(office_code: str, service_code: str, slot_id: object) -> tuple[Office, ServiceType, TimeSlot]:
    """The office, service and slot a request names, or a clear error for the one that is wrong."""
    office = db.session.scalar(select(Office).where(Office.code == str(office_code or ""), Office.is_active))
    if office is None:
        raise NotFound("office_not_found", _l("No office has this code."), field="office")
    service = db.session.scalar(select(ServiceType).where(ServiceType.code == str(service_code or "")))
    if service is None or service not in office.services:
        raise InvalidInput("service_not_offered", _l("This office does not offer the chosen service."),
                           field="service")
    try:
        slot = db.session.get(TimeSlot, int(str(slot_id)))
    except (TypeError, ValueError):
        slot = None
    if slot is None:
        raise InvalidInput("slot_unknown", _l("Choose a time slot."), field="slot")
    return office, service, slot


def book(office: Office, service: ServiceType, slot: TimeSlot, national_id: str, mobile: str,
         now: dt.datetime | None = None) -> Appointment:
    """Book a place in ``slot`` for a citizen; raises :class:`ServiceError` when a rule refuses it.

    Args:
        national_id: as typed (checked and normalised here).
        mobile: as typed (normalised to 09xxxxxxxxx here).
    """
    now = now or utcnow()
    national_id = identity.normalise_national_id(national_id)
    mobile = identity.normalise_mobile(mobile)
    if service not in office.services:
        raise InvalidInput("service_not_offered", _l("This office does not offer the chosen service."),
                           field="service")
    _check_slot_bookable(slot, office, now)
    identity_check.require_match(national_id, mobile)
    _check_person_rules(national_id, service.id, slot, now, mobile=mobile, office=office)
    if not take_place(slot.id):
        raise RuleBroken("slot_full", _l("This time slot is full; please choose another."), field="slot")
    appointment = _insert_with_fresh_code(national_id=national_id, mobile=mobile, office_id=office.id,
                                          service_type_id=service.id, slot_id=slot.id, created_at=now)
    _record(appointment, None, "booked")
    db.session.flush()
    return appointment


def _insert_with_fresh_code(**values) -> Appointment:
    for _ in range(5):
        appointment = Appointment(tracking_code=new_tracking_code(), status="booked", **values)
        try:
            with db.session.begin_nested():
                db.session.add(appointment)
                db.session.flush()
            return appointment
        except IntegrityError:  # the same code drawn twice: astronomically rare, draw again
            continue
    raise RuntimeError("could not draw a unique tracking code")


def find_by_code(tracking_code: str) -> Appointment:
    code = normalise_tracking_code(tracking_code)
    appointment = db.session.scalar(
        select(Appointment).where(Appointment.tracking_code == code)
        .options(joinedload(Appointment.office), joinedload(Appointment.service_type),
                 joinedload(Appointment.slot))) if code else None
    if appointment is None:
        raise NotFound("appointment_not_found", _l("No appointment has this tracking code."),
                       field="tracking_code")
    return appointment


def check_owner(appointment: Appointment, owner: tuple[str, str] | None, code: object = None) -> None:
    """Refuse unless the request comes from the appointment's owner: a citizen whose ``(national_id, mobile)``
    was proved by an SMS code (``owner``), or a fresh one-time code for ``cancel`` sent to the appointment's
    mobile (``code``). The tracking code alone (a ticket link, its QR code) is not enough.

    Raises:
        ServiceError: 401 when no proof is given, 403 when the proof is another citizen's;
            InvalidInput or TooManyRequests for a wrong or expired code.
    """
    if owner is not None and tuple(owner) == (appointment.national_id, appointment.mobile):
        return
    if code not in (None, ""):
        otp.verify_code(appointment.mobile, code, "cancel")
        return
    if owner is not None:
        raise ServiceError("not_owner", _l("This appointment belongs to someone else."), status=403)
    raise ServiceError("owner_required", _l("Confirm with the code sent to the appointment's mobile first."),
                       status=401, field="otp")


def cancel(appointment: Appointment, now: dt.datetime | None = None, note: str = "") -> Appointment:
    """Cancel a booked appointment before its slot starts; its place is free again at once."""
    now = now or utcnow()
    if appointment.status != "booked":
        raise RuleBroken("not_cancellable", _l("Only a booked appointment that has not started can be cancelled."))
    if appointment.slot.starts_at <= now:
        raise RuleBroken("cancel_too_late", _l("The time of this appointment has passed; it cannot be cancelled."))
    give_place_back(appointment.slot_id)
    _record(appointment, "booked", "cancelled", note)
    db.session.flush()
    waitlist.offer_free_places(appointment.slot_id, now)  # the first in line gets the place
    db.session.refresh(appointment.slot)
    return appointment


def reschedule(appointment: Appointment, new_slot: TimeSlot, now: dt.datetime | None = None) -> Appointment:
    """Move a booked appointment to another slot of the same office (the old place is freed)."""
    now = now or utcnow()
    if appointment.status != "booked" or appointment.slot.starts_at <= now:
        raise RuleBroken("not_reschedulable", _l("Only a booked appointment that has not started can be moved."))
    if new_slot.id == appointment.slot_id:
        return appointment
    office = appointment.office
    _check_slot_bookable(new_slot, office, now)
    _check_person_rules(appointment.national_id, appointment.service_type_id, new_slot, now,
                        ignore_id=appointment.id, mobile=appointment.mobile, office=office)
    if not take_place(new_slot.id):
        raise RuleBroken("slot_full", _l("This time slot is full; please choose another."), field="slot")
    give_place_back(appointment.slot_id)
    old_slot_id = appointment.slot_id
    old_start = appointment.slot.starts_at
    appointment.slot_id = new_slot.id
    db.session.add(AppointmentChange(appointment=appointment, from_status="booked", to_status="booked",
                                     note=f"moved from {old_start.isoformat()}", at=now))
    db.session.flush()
    waitlist.offer_free_places(old_slot_id, now)  # the first in line gets the place left
    db.session.expire(appointment, ["slot"])
    return appointment


def accept_offer(token: str, now: dt.datetime | None = None) -> Appointment:
    """Accept a waitlist offer (the link of its SMS): book the held place, under the same rules as booking.

    Accepting twice gives the same appointment; an expired offer, or one already taken, is refused."""
    now = now or utcnow()
    entry = waitlist.offer_by_token(token)
    if entry.status == "accepted" and entry.appointment_id is not None:
        return db.session.get(Appointment, entry.appointment_id)
    if entry.status != "offered" or entry.offer_expires_at <= now:
        raise RuleBroken("offer_gone", _l("This offer has expired or was already used; the place went to the "
                                          "next in line."))
    slot = db.session.get(TimeSlot, entry.offered_slot_id)
    office = db.session.get(Office, entry.office_id)
    _check_slot_bookable(slot, office, now)
    _check_person_rules(entry.national_id, entry.service_type_id, slot, now, mobile=entry.mobile, office=office)
    waitlist.claim(entry, now)  # once: a second accept or the expiry finds it no longer offered
    appointment = _insert_with_fresh_code(national_id=entry.national_id, mobile=entry.mobile, office_id=office.id,
                                          service_type_id=entry.service_type_id, slot_id=slot.id, created_at=now)
    _record(appointment, None, "booked", "from the waitlist")
    entry.appointment_id = appointment.id
    db.session.flush()
    return appointment


def appointments_of(national_id: str, mobile: str, now: dt.datetime | None = None) -> list[Appointment]:
    """A citizen's appointments, for "my appointments": the upcoming ones soonest first, then those of the last
    30 days, most recent first."""
    now = now or utcnow()
    found = list(db.session.scalars(
        select(Appointment).join(TimeSlot, Appointment.slot_id == TimeSlot.id)
        .options(contains_eager(Appointment.slot))
        .where(Appointment.national_id == national_id, Appointment.mobile == mobile,
               TimeSlot.starts_at > now - dt.timedelta(days=30))
        .order_by(TimeSlot.starts_at.desc())))
    upcoming = [a for a in reversed(found) if a.slot.starts_at >= now]
    return upcoming + [a for a in found if a.slot.starts_at < now]
