"""The waitlist: citizens waiting for a place in a full slot, or in any slot of a full day, at an office.

* :func:`join`: a verified citizen (national ID, and the mobile confirmed by a one-time code as for booking)
  joins the waitlist of a full slot or a full day;
* :func:`offer_free_places`: a place is free (a cancellation, an appointment moved away, a capacity raised):
  the first in line (earliest joined) gets an offer. The place is **held** for the offer: taken by the
  same conditional ``UPDATE time_slots SET booked = booked + 1 … WHERE booked < capacity`` as a booking, so
  nobody else can book it meanwhile; an SMS carries the link to accept it, valid for the province's hold
  time (15 minutes by default);
* :func:`expire_offers`: an offer not accepted in time expires and its held place passes to the next in line
  (or is given back when nobody waits);
* accepting (:func:`booking.appointments.accept_offer`) makes the appointment in the held place, under the same
  rules as booking.

Every change of an entry's status is a conditional ``UPDATE … WHERE status = <expected>``: an offer is accepted
once or expired once, never both, and a place is never given twice. :func:`tick` (run by the minute job)
expires what is due and offers any free place that citizens wait for.

Functions add and flush; the caller commits.
"""
from __future__ import annotations

import datetime as dt
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from booking import fair_access, identity
from booking.slots import give_place_back, take_place
from booking.dates import clock, jalali_date, persian_digits, tehran_to_utc, to_tehran, utcnow
from booking.extensions import db
from booking.public_urls import public_url
from booking.models import TimeSlot, WaitlistEntry
from booking.service_errors import InvalidInput, NotFound, RuleBroken
from offices.models import Office, ServiceType

OPEN_STATUSES = ("waiting", "offered")


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = tehran_to_utc(dt.datetime.combine(day, dt.time()))
    return start, start + dt.timedelta(days=1)


def _future_slots(office_id: int, day: dt.date, now: dt.datetime) -> list[TimeSlot]:
    start, end = _day_bounds(day)
    return list(db.session.scalars(select(TimeSlot).where(
        TimeSlot.office_id == office_id, TimeSlot.starts_at >= max(start, now), TimeSlot.starts_at < end)
        .order_by(TimeSlot.starts_at)))


def slot_of(office: Office, slot_id: int) -> TimeSlot:
    """The office's slot with this id, or :class:`InvalidInput`."""
    slot = db.session.get(TimeSlot, slot_id) if -2**31 < slot_id < 2**31 else None
    if slot is None or slot.office_id != office.id:
        raise InvalidInput("slot_unknown", _l("Choose a time slot."), field="slot_id")
    return slot


def join(office: Office, service: ServiceType, national_id: str, mobile: str, *, slot: TimeSlot | None = None,
         day: dt.date | None = None, now: dt.datetime | None = None) -> WaitlistEntry:
    """Put a citizen on the waitlist of a full slot, or of a day whose slots are all full.

    Raises:
        InvalidInput / RuleBroken: bad identity, a slot or day with places left (book it instead), a slot
            past, already waiting, or barred from online booking.
    """
    now = now or utcnow()
    national_id = identity.normalise_national_id(national_id)
    mobile = identity.normalise_mobile(mobile)
    if service not in office.services:
        raise InvalidInput("service_not_offered", _l("This office does not offer the chosen service."),
                           field="service")
    fair_access.refuse_if_banned(national_id, now)
    if slot is not None:
        if slot.office_id != office.id:
            raise InvalidInput("slot_other_office", _l("This time slot belongs to another office."), field="slot")
        if slot.starts_at <= now:
            raise RuleBroken("slot_past", _l("This time has already passed; please choose a later one."),
                             field="slot")
        db.session.refresh(slot)
        if slot.booked < slot.capacity:
            raise RuleBroken("places_left", _l("This time still has places: book it instead of waiting."),
                             field="slot")
        day = to_tehran(slot.starts_at).date()
    elif day is not None:
        ahead = _future_slots(office.id, day, now)
        if not ahead:
            raise RuleBroken("day_not_open", _l("There is no time left to wait for on that day."), field="date")
        if any(s.booked < s.capacity for s in ahead):
            raise RuleBroken("places_left", _l("This day still has places: book one instead of waiting."),
                             field="date")
    else:
        raise InvalidInput("slot_unknown", _l("Choose a time slot."), field="slot")
    already = db.session.scalar(select(WaitlistEntry.id).where(
        WaitlistEntry.national_id == national_id, WaitlistEntry.office_id == office.id,
        WaitlistEntry.day == day, WaitlistEntry.status.in_(OPEN_STATUSES)).limit(1))
    if already is not None:
        raise RuleBroken("already_waiting", _l("You are already on the waitlist of this office for that day."))
    entry = WaitlistEntry(office_id=office.id, service_type_id=service.id, day=day,
                          slot_id=slot.id if slot is not None else None, national_id=national_id, mobile=mobile,
                          created_at=now, status="waiting")
    db.session.add(entry)
    db.session.flush()
    return entry


def position(entry: WaitlistEntry) -> int:
    """1 for the first in line: the entries of the same office and day still waiting, joined no later."""
    return db.session.scalar(select(func.count(WaitlistEntry.id)).where(
        WaitlistEntry.office_id == entry.office_id, WaitlistEntry.day == entry.day,
        WaitlistEntry.status == "waiting", WaitlistEntry.id <= entry.id)) or 0


def _next_in_line(slot: TimeSlot, skip: set[int]) -> WaitlistEntry | None:
    day = to_tehran(slot.starts_at).date()
    return db.session.scalar(select(WaitlistEntry).where(
        WaitlistEntry.office_id == slot.office_id, WaitlistEntry.day == day, WaitlistEntry.status == "waiting",
        or_(WaitlistEntry.slot_id == slot.id, WaitlistEntry.slot_id.is_(None)),
        *([WaitlistEntry.id.notin_(skip)] if skip else []))
        .order_by(WaitlistEntry.created_at, WaitlistEntry.id).limit(1))


def offer_link(token: str) -> str:
    """The offer's full address (``PUBLIC_BASE_URL`` + ``/waitlist/offers/<token>``) for the SMS."""
    return public_url("citizen.waitlist_offer", token=token)


def _offer(entry: WaitlistEntry, slot: TimeSlot, now: dt.datetime) -> bool:
    """Offer ``slot`` (its place already held) to a waiting entry; False if the entry is no longer waiting."""
    rules = fair_access.rules_for_office(db.session.get(Office, slot.office_id))
    token = secrets.token_urlsafe(18)
    expires = now + dt.timedelta(minutes=rules.offer_hold_minutes)
    done = db.session.execute(
        update(WaitlistEntry).where(WaitlistEntry.id == entry.id, WaitlistEntry.status == "waiting")
        .values(status="offered", offered_slot_id=slot.id, offered_at=now, offer_expires_at=expires,
                offer_token=token).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        return False
    db.session.refresh(entry)
    from booking.sms import queue_sms

    office = db.session.get(Office, slot.office_id)
    queue_sms(entry.mobile,
              f"صف‌نما: جایی در نوبت {jalali_date(slot.starts_at, 'fa')} ساعت {clock(slot.starts_at, 'fa')} در "
              f"{persian_digits(office.name_fa)} برای شما باز شد. تا ساعت {clock(expires, 'fa')} آن را بپذیرید: "
              f"{offer_link(token)}", "waitlist_offer", dedupe_key=f"waitlist-offer:{entry.id}:{token}")
    return True


def _pass_on(slot: TimeSlot, now: dt.datetime) -> WaitlistEntry | None:
    """A held place of ``slot`` is free of its offer: offer it to the next in line, or give it back."""
    tried: set[int] = set()
    if slot.starts_at > now:
        while (entry := _next_in_line(slot, tried)) is not None:
            if _offer(entry, slot, now):
                return entry
            tried.add(entry.id)
    give_place_back(slot.id)
    return None


def offer_free_places(slot_id: int, now: dt.datetime | None = None) -> list[WaitlistEntry]:
    """Offer each free place of the slot to the next in line (each place held for its offer)."""
    now = now or utcnow()
    slot = db.session.get(TimeSlot, slot_id)
    offers: list[WaitlistEntry] = []
    if slot is None or slot.starts_at <= now:
        return offers
    tried: set[int] = set()
    while (entry := _next_in_line(slot, tried)) is not None:
        if not take_place(slot.id):
            break
        if _offer(entry, slot, now):
            offers.append(entry)
        else:
            give_place_back(slot.id)
            tried.add(entry.id)
    db.session.flush()
    return offers


def expire_offers(now: dt.datetime | None = None) -> int:
    """Offers past their hold time expire; each held place passes to the next in line. Safe to run twice."""
    now = now or utcnow()
    due = list(db.session.scalars(select(WaitlistEntry).where(
        WaitlistEntry.status == "offered", WaitlistEntry.offer_expires_at <= now)
        .order_by(WaitlistEntry.offer_expires_at, WaitlistEntry.id)))
    expired = 0
    for entry in due:
        done = db.session.execute(
            update(WaitlistEntry).where(WaitlistEntry.id == entry.id, WaitlistEntry.status == "offered",
                                        WaitlistEntry.offer_expires_at <= now)
            .values(status="expired").execution_options(synchronize_session=False))
        if done.rowcount != 1:
            continue  # accepted (or expired) meanwhile
        expired += 1
        _pass_on(db.session.get(TimeSlot, entry.offered_slot_id), now)
    db.session.flush()
    db.session.expire_all()
    return expired


def tick(now: dt.datetime | None = None) -> dict[str, int]:
    """The minute job: expire what is due, then offer every free place citizens wait for (a place freed
    without an offer, e.g. a capacity raised)."""
    now = now or utcnow()
    expired = expire_offers(now)
    offered = 0
    groups = db.session.execute(select(WaitlistEntry.office_id, WaitlistEntry.day).where(
        WaitlistEntry.status == "waiting").distinct()).all()
    for office_id, day in groups:
        for slot in _future_slots(office_id, day, now):
            if slot.booked < slot.capacity:
                offered += len(offer_free_places(slot.id, now))
    return {"expired": expired, "offered": offered}


def offer_by_token(token: str) -> WaitlistEntry:
    entry = db.session.scalar(select(WaitlistEntry).where(WaitlistEntry.offer_token == str(token or "")[:32])) \
        if token else None
    if entry is None:
        raise NotFound("offer_not_found", _l("No waitlist offer has this link."), field="token")
    return entry


def claim(entry: WaitlistEntry, now: dt.datetime) -> None:
    """Mark the offer accepted, once: raises :class:`RuleBroken` when it expired or was accepted already."""
    done = db.session.execute(
        update(WaitlistEntry).where(WaitlistEntry.id == entry.id, WaitlistEntry.status == "offered",
                                    WaitlistEntry.offer_expires_at > now)
        .values(status="accepted").execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise RuleBroken("offer_gone", _l("This offer has expired or was already used; the place went to the "
                                          "next in line."))
