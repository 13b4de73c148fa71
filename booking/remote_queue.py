"""Waiting at home: a place in today's line of an office taken remotely, with a "leave at" time.

A citizen joins an office's line from the office page, the recommendation, the QR poster at the office's door,
the API or an SMS (:func:`join`). Their queue ticket (kind ``remote``) is in the line at once, ordered by the
moment they joined, exactly like a walk-in who came in at that moment; it is called only once its holder is at
the office (checked in by the operator: :func:`offices.queue_ops.check_in`). The one fair line (:func:`offices.call_policy.call_order`):

1. booked citizens checked in within their slot's window, earliest slot first;
2. everyone else, remote tickets by the time they joined and walk-ins by the time they came in.

A remote ticket whose turn comes while its holder is not there yet is passed over (``passed_at``) and keeps its
place: the holder is called at the next free counter after arriving. After :data:`MISSED_GRACE` without
arriving the place lapses.

What the holder is shown (:func:`status`) comes from the one forecast (:func:`offices.forecast.forecast_wait`
with the people ahead of the ticket): the call time's median and 90th percentile, and **leave at**: the latest
departure that reaches the office before the call unless the call comes earlier than the forecast's
``REMOTE_MISS_RISK`` quantile (5% by default), given the travel time from where the holder said they are (or the
office's catchment: the travel time from halfway to the nearest other office) — see
:func:`queueing.remote.leave_time_from_forecast`.

The minute job (:func:`tick`) texts a holder when leave-at comes ("leave now: about 25 minutes to your turn"),
when :data:`AHEAD_ALERT` people are ahead, and lapses places missed; the call itself is texted by
:func:`offices.queue_ops.call_next`, and the check-in at the office is :func:`offices.queue_ops.check_in`. A holder may ask once for more time (:func:`more_time`: back
:data:`MORE_TIME_PLACES` places) or leave the line (:func:`leave`), on the page or by SMS reply
(:func:`handle_sms`).

An office gives no remote ticket whose predicted call time (median) is after its closing, and only while it is
open. Functions add and flush; the caller commits (and publishes the office's change).
"""
from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

import numpy as np
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from booking import fair_access, identity, identity_check
from booking.dates import ascii_digits, clock, to_tehran, utcnow
from booking.extensions import db
from booking.models import Appointment, RemoteTicket, TimeSlot
from booking.numbers import format_number, localize_digits
from booking.public_urls import public_url
from booking.service_errors import InvalidInput, NotFound, RuleBroken
from booking.sms import queue_sms
from offices.live import today_start_utc
from offices.models import Office, QueueTicket, ServiceType, TicketKind, TicketOutcome
from queueing.ranking import travel_minutes
from queueing.remote import MISS_RISK, leave_time_from_forecast

#: Places a holder moves back when asking for more time (once per ticket).
MORE_TIME_PLACES = 3
#: Text the holder when this many people (or fewer) are ahead (``REMOTE_AHEAD_ALERT`` overrides).
AHEAD_ALERT = 3
#: Text "leave now" this many minutes before leave-at.
LEAVE_NOTICE_MINUTES = 5
#: A place passed over lapses when its holder has not come this long after.
MISSED_GRACE = dt.timedelta(minutes=30)
#: The travel time assumed from an office's catchment is kept within these bounds (minutes).
CATCHMENT_BOUNDS = (10.0, 45.0)
LRI, PDI = "\u2066", "\u2069"

OPEN_OUTCOMES = (TicketOutcome.WAITING.value, TicketOutcome.CALLED.value, TicketOutcome.SERVING.value)
FINISHED_STATES = frozenset({"served", "no_show", "left"})


def miss_risk() -> float:
    return float(current_app.config.get("REMOTE_MISS_RISK", MISS_RISK))


def ahead_alert() -> int:
    return int(current_app.config.get("REMOTE_AHEAD_ALERT", AHEAD_ALERT))


# ---------------------------------------------------------------------------------------------- travel

def catchment_travel(office: Office) -> float:
    """Minutes from the office's catchment when the holder gave no position: the travel time from halfway to
    the nearest other office (a citizen farther away is nearer to that one), within :data:`CATCHMENT_BOUNDS`."""
    from booking.finder import office_index

    index = office_index()
    if len(index.ids) > 1:
        minutes = travel_minutes(office.lat, office.lon, index.lat, index.lon)
        minutes = minutes[index.ids != office.id]
        half = float(np.min(minutes)) / 2.0 if minutes.size else CATCHMENT_BOUNDS[1]
    else:
        half = CATCHMENT_BOUNDS[1]
    return float(np.clip(half, *CATCHMENT_BOUNDS))


def travel_from(office: Office, origin: tuple[float, float] | None) -> float:
    if origin is None:
        return catchment_travel(office)
    return float(travel_minutes(origin[0], origin[1], office.lat, office.lon))


# ---------------------------------------------------------------------------------------------- joining

def _closing_minute(office_id: int, now: dt.datetime) -> tuple[bool, float | None]:
    """Whether the office is open now, and its closing (minutes after Tehran midnight) today."""
    from offices.forecast import office_profiles

    profile = office_profiles([office_id], now).get(office_id)
    local = to_tehran(now).replace(tzinfo=None)
    hours = profile.opening(local.date()) if profile is not None else None
    if hours is None:
        return False, None
    minute = local.hour * 60 + local.minute + local.second / 60.0
    return hours[0] <= minute < hours[1], float(hours[1])


def _open_today(national_id: str | None, mobile: str | None, now: dt.datetime) -> RemoteTicket | None:
    """The person's (or the mobile's) place in a remote line today that is still open."""
    clauses = []
    if national_id:
        clauses.append(RemoteTicket.national_id == national_id)
    if mobile:
        clauses.append(RemoteTicket.mobile == mobile)
    return db.session.scalar(
        select(RemoteTicket).join(QueueTicket, QueueTicket.id == RemoteTicket.ticket_id)
        .where(or_(*clauses), RemoteTicket.joined_at >= today_start_utc(now),
               QueueTicket.outcome.in_(OPEN_OUTCOMES)).order_by(RemoteTicket.id.desc()).limit(1))


def _check_fair_access(office: Office, national_id: str, mobile: str, now: dt.datetime) -> None:
    """The province's fair-access rules, for a place in today's line: no ban; one open remote place per person
    and per mobile; remote places and bookings at this office today within the per-office-per-day limit."""
    fair_access.refuse_if_banned(national_id, now)
    if _open_today(national_id, None, now) is not None:
        raise RuleBroken("already_in_line", _l("You already hold a place in a line today. Leave it first to "
                                              "join another."))
    if _open_today(None, mobile, now) is not None:
        raise RuleBroken("mobile_in_line", _l("This mobile number already holds a place in a line today."),
                         field="mobile")
    rules = fair_access.rules_for_office(office)
    start = today_start_utc(now)
    remote_today = db.session.scalar(select(func.count(RemoteTicket.id)).where(
        RemoteTicket.national_id == national_id, RemoteTicket.office_id == office.id,
        RemoteTicket.joined_at >= start)) or 0
    booked_today = db.session.scalar(
        select(func.count(Appointment.id)).join(TimeSlot, Appointment.slot_id == TimeSlot.id)
        .where(Appointment.national_id == national_id, Appointment.office_id == office.id,
               Appointment.status != "cancelled", TimeSlot.starts_at >= start,
               TimeSlot.starts_at < start + dt.timedelta(days=1))) or 0
    if remote_today + booked_today >= rules.per_office_day:
        raise RuleBroken("per_office_per_day",
                         _l("You already have %(n)s bookings at this office on that day, the most allowed "
                            "per person per office per day.", n=format_number(rules.per_office_day)))


def join(office: Office, service: ServiceType, national_id: str, mobile: str, *,
         origin: tuple[float, float] | None = None, channel: str = "web", language: str = "fa",
         now: dt.datetime | None = None) -> RemoteTicket:
    """Give a citizen (the mobile already proved: a code, or the SMS came from it) a place in today's line.

    Raises:
        InvalidInput: bad identity or service; RuleBroken: the office is closed, its remote line is full for
            today (the call would come after closing), or a fair-access rule refuses.
    """
    from offices.forecast import forecast_wait
    from offices.queue_ops import next_ticket_number

    now = now or utcnow()
    national_id = identity.normalise_national_id(national_id)
    mobile = identity.normalise_mobile(mobile)
    if service not in office.services:
        raise InvalidInput("service_not_offered", _l("This office does not offer the chosen service."),
                           field="service")
    is_open, closing = _closing_minute(office.id, now)
    if not is_open or closing is None:
        raise RuleBroken("office_closed", _l("This office is closed now: its line can be joined from home only "
                                             "while it is open."))
    _check_fair_access(office, national_id, mobile, now)
    identity_check.require_match(national_id, mobile)
    ahead = db.session.scalar(select(func.count(QueueTicket.id)).where(
        QueueTicket.office_id == office.id, QueueTicket.outcome == TicketOutcome.WAITING.value,
        QueueTicket.arrived_at >= today_start_utc(now))) or 0
    answer = forecast_wait(office.id, now=now, ahead={office.id: ahead})
    local = to_tehran(now).replace(tzinfo=None)
    minute = local.hour * 60 + local.minute
    if answer is not None and minute + answer.p50 > closing:
        raise RuleBroken("remote_line_full", _l("The line of this office is full for today: someone joining now "
                                                "would likely not be called before closing. Try another office or "
                                                "book a time."))
    ticket = QueueTicket(office_id=office.id, service_type_id=service.id, number=next_ticket_number(office.id, service, now),
                         kind=TicketKind.REMOTE.value, arrived_at=now, outcome=TicketOutcome.WAITING.value)
    db.session.add(ticket)
    db.session.flush()
    remote = RemoteTicket(ticket_id=ticket.id, office_id=office.id, token=secrets.token_urlsafe(16),
                          national_id=national_id, mobile=mobile, language="en" if language == "en" else "fa",
                          channel=channel, joined_at=now, travel_minutes=round(travel_from(office, origin), 1),
                          texted_leave=False, texted_ahead=False)
    db.session.add(remote)
    db.session.flush()
    from offices.queue_ops import record_event

    record_event(office.id, "remote_join", None, ticket, number=ticket.number, channel=channel)
    _text_joined(remote, status(remote, now))
    return remote


# ---------------------------------------------------------------------------------------------- reading

def by_token(token: str) -> RemoteTicket:
    """The remote ticket whose page has this code, with its office, queue ticket and service (one query)."""
    remote = db.session.scalar(
        select(RemoteTicket).options(joinedload(RemoteTicket.office),
                                     joinedload(RemoteTicket.ticket).joinedload(QueueTicket.service_type))
        .where(RemoteTicket.token == str(token or "")[:32])) if token else None
    if remote is None:
        raise NotFound("remote_ticket_not_found", _l("No place in a line has this code."))
    return remote


@dataclass(frozen=True)
class RemoteStatus:
    """A remote ticket as its page, the API and the SMS show it (minutes from ``now``; moments in UTC).

    ``state``: ``at_home``, ``on_the_way``, ``here``, ``called`` (go to ``counter``), ``serving``, ``served``,
    ``no_show`` or ``left``. While waiting: ``position`` (people ahead), the call time (``call_p50``,
    ``call_p90`` minutes; ``call_at`` the median as a moment) and ``leave_at`` / ``leave_in``."""

    token: str
    office_code: str
    number: str
    state: str
    now: dt.datetime
    travel_minutes: float
    position: int | None = None
    call_mean: float | None = None
    call_p50: float | None = None
    call_p90: float | None = None
    leave_in: float | None = None
    counter: int | None = None
    more_time_available: bool = False
    passed: bool = False

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_STATES

    @property
    def waiting(self) -> bool:
        return self.state in ("at_home", "on_the_way", "here")

    @property
    def call_at(self) -> dt.datetime | None:
        return None if self.call_p50 is None else self.now + dt.timedelta(minutes=self.call_p50)

    @property
    def call_at_p90(self) -> dt.datetime | None:
        return None if self.call_p90 is None else self.now + dt.timedelta(minutes=self.call_p90)

    @property
    def leave_at(self) -> dt.datetime | None:
        return None if self.leave_in is None else self.now + dt.timedelta(minutes=self.leave_in)


def presence(remote: RemoteTicket, now: dt.datetime) -> str:
    """Where a waiting holder is: ``here`` (checked in), ``on_the_way`` (said so, or was texted to leave and
    leave-at has passed) or ``at_home``."""
    if remote.here_at is not None:
        return "here"
    if remote.leaving_at is not None or (remote.texted_leave and remote.leave_at is not None
                                         and remote.leave_at <= now):
        return "on_the_way"
    return "at_home"


def status(remote: RemoteTicket, now: dt.datetime | None = None) -> RemoteStatus:
    """The live status of a remote ticket; while it waits, the forecast of its call and its leave-at (read
    only: the minute job, :func:`tick`, keeps the leave-at on the ticket for the console)."""
    from offices.forecast import forecast_wait
    from offices.queue_ops import people_ahead

    now = now or utcnow()
    ticket = remote.ticket
    base = dict(token=remote.token, office_code=remote.office.code, number=ticket.number, now=now,
                travel_minutes=remote.travel_minutes)
    if ticket.outcome != TicketOutcome.WAITING.value:
        return RemoteStatus(state=ticket.outcome, counter=ticket.counter_no if ticket.outcome in (
            "called", "serving") else None, **base)
    ahead = people_ahead(remote.office_id, ticket.id, now)
    state = presence(remote, now)
    if ahead is None:  # a place from an earlier day
        return RemoteStatus(state=state, **base)
    answer = forecast_wait(remote.office_id, now=now, ahead={remote.office_id: ahead})
    mean = p50 = p90 = 0.0
    if answer is not None:
        mean, p50, p90 = answer.mean, answer.p50, answer.p90
    _early, leave = leave_time_from_forecast(mean, p90, remote.travel_minutes, miss_risk())
    leave_in = float(leave)
    return RemoteStatus(state=state, position=ahead, call_mean=mean, call_p50=p50, call_p90=p90,
                        leave_in=leave_in if remote.here_at is None else None,
                        more_time_available=remote.more_time_at is None, passed=remote.passed_at is not None,
                        **base)


def page_link(remote: RemoteTicket) -> str:
    return public_url("citizen.remote_ticket", token=remote.token)


# ---------------------------------------------------------------------------------------------- holder's acts

def _waiting(remote: RemoteTicket) -> None:
    if remote.ticket.outcome != TicketOutcome.WAITING.value:
        raise RuleBroken("remote_not_waiting", _l("This place is no longer waiting in the line."))


def more_time(remote: RemoteTicket, now: dt.datetime | None = None) -> RemoteTicket:
    """Move the place back :data:`MORE_TIME_PLACES` places in the line (once per ticket)."""
    from offices.call_policy import call_order
    from offices.queue_ops import _candidates, record_event

    now = now or utcnow()
    _waiting(remote)
    if remote.more_time_at is not None:
        raise RuleBroken("more_time_used", _l("You have already asked for more time once."))
    ticket = remote.ticket
    order = [c for c in call_order(_candidates(remote.office_id, None, now), now)
             if _plain(c, now)]  # the part of the line ordered by arrival
    ids = [c.ticket_id for c in order]
    if ticket.id in ids:
        behind = order[ids.index(ticket.id) + 1:]
        if len(behind) >= MORE_TIME_PLACES:
            ticket.arrived_at = behind[MORE_TIME_PLACES - 1].arrived_at + dt.timedelta(milliseconds=1)
        elif behind:
            ticket.arrived_at = max(now, behind[-1].arrived_at + dt.timedelta(milliseconds=1))
        else:
            ticket.arrived_at = max(now, ticket.arrived_at)
    remote.more_time_at = now
    remote.texted_leave = False
    remote.texted_ahead = False
    remote.passed_at = None
    record_event(remote.office_id, "remote_more_time", None, ticket, number=ticket.number)
    db.session.flush()
    return remote


def _plain(candidate, now: dt.datetime) -> bool:
    from offices.call_policy import in_grace_window

    return not (candidate.kind == TicketKind.BOOKED.value and in_grace_window(candidate.slot_start, now))


def leave(remote: RemoteTicket, now: dt.datetime | None = None) -> RemoteTicket:
    """The holder gives up their place."""
    from offices.queue_ops import record_event

    now = now or utcnow()
    _waiting(remote)
    ticket = remote.ticket
    ticket.outcome = TicketOutcome.LEFT.value
    ticket.ended_at = now
    record_event(remote.office_id, "remote_leave", None, ticket, number=ticket.number)
    db.session.flush()
    return remote


def set_out(remote: RemoteTicket, now: dt.datetime | None = None) -> RemoteTicket:
    """The holder says they are on their way (the console shows it)."""
    now = now or utcnow()
    _waiting(remote)
    if remote.leaving_at is None and remote.here_at is None:
        remote.leaving_at = now
        db.session.flush()
    return remote


# ---------------------------------------------------------------------------------------------- at the office

def line_states(office_id: int, now: dt.datetime | None = None) -> dict[int, str]:
    """Ticket id -> ``at_home`` / ``on_the_way`` / ``here`` for today's waiting remote tickets of an office."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(RemoteTicket).join(QueueTicket, QueueTicket.id == RemoteTicket.ticket_id)
        .where(RemoteTicket.office_id == office_id, RemoteTicket.joined_at >= today_start_utc(now),
               QueueTicket.outcome == TicketOutcome.WAITING.value))
    return {r.ticket_id: presence(r, now) for r in rows}


# ---------------------------------------------------------------------------------------------- messages

def _number(number: str, language: str) -> str:
    text = localize_digits(number, language)
    return LRI + text + PDI if language == "fa" else text


def _minutes(value: float, language: str) -> str:
    return format_number(max(1, int(round(value))), language)


def _text(remote: RemoteTicket, body: str, purpose: str, key: str) -> None:
    queue_sms(remote.mobile, body, purpose, dedupe_key=f"remote-{purpose}:{remote.id}:{key}")


def _text_joined(remote: RemoteTicket, shown: RemoteStatus) -> None:
    language = remote.language or "fa"
    with force_locale(language):
        body = _("Safnama: you are in the line of %(office)s, ticket %(number)s, %(ahead)s people ahead. Leave "
                 "at about %(leave)s; we text you when to leave. Reply MORE for more time (once) or EXIT to "
                 "leave the line. %(link)s", office=remote.office.name_en if language == "en" else remote.office.name_fa,
                 number=_number(remote.ticket.number, language), ahead=format_number(shown.position or 0, language),
                 leave=clock(shown.leave_at or shown.now, language), link=page_link(remote))
    _text(remote, body, "remote_joined", "0")


def leave_now_text(remote: RemoteTicket, call_minutes: float, language: str) -> str:
    with force_locale(language):
        return _("Safnama: leave now for %(office)s: about %(minutes)s minutes to your turn (ticket %(number)s). "
                 "%(link)s", office=remote.office.name_en if language == "en" else remote.office.name_fa,
                 minutes=_minutes(call_minutes, language), number=_number(remote.ticket.number, language),
                 link=page_link(remote))


def ahead_text(remote: RemoteTicket, ahead: int, call_minutes: float, language: str) -> str:
    with force_locale(language):
        return _("Safnama: %(ahead)s people are ahead of your ticket %(number)s (about %(minutes)s minutes). "
                 "Please be at the office in time.", ahead=format_number(ahead, language),
                 number=_number(remote.ticket.number, language), minutes=_minutes(call_minutes, language))


def tick(now: dt.datetime | None = None) -> dict[str, int]:
    """The minute job's part: refresh each waiting holder's leave-at, text "leave now" and "N ahead" (once per
    place, again after more time), and lapse places passed over whose holder has not come in
    :data:`MISSED_GRACE`."""
    from offices.queue_ops import record_event

    now = now or utcnow()
    counts = {"leave_now": 0, "ahead": 0, "lapsed": 0}
    rows = list(db.session.scalars(
        select(RemoteTicket).join(QueueTicket, QueueTicket.id == RemoteTicket.ticket_id)
        .where(RemoteTicket.joined_at >= today_start_utc(now), RemoteTicket.here_at.is_(None),
               QueueTicket.outcome == TicketOutcome.WAITING.value)))
    alert = ahead_alert()
    for remote in rows:
        if remote.passed_at is not None and now - remote.passed_at >= MISSED_GRACE:
            ticket = remote.ticket
            ticket.outcome, ticket.ended_at = TicketOutcome.LEFT.value, now
            record_event(remote.office_id, "remote_lapsed", None, ticket, number=ticket.number)
            with force_locale(remote.language or "fa"):
                body = _("Safnama: your place %(number)s in the line has lapsed: you were not at the office when "
                         "your turn came.", number=_number(ticket.number, remote.language or "fa"))
            _text(remote, body, "remote_lapsed", "0")
            counts["lapsed"] += 1
            continue
        shown = status(remote, now)
        if shown.position is None or shown.leave_in is None:
            continue
        remote.leave_at = shown.leave_at
        generation = "1" if remote.more_time_at is not None else "0"
        language = remote.language or "fa"
        if not remote.texted_leave and shown.leave_in <= LEAVE_NOTICE_MINUTES:
            _text(remote, leave_now_text(remote, shown.call_p50 or 0.0, language), "remote_leave", generation)
            remote.texted_leave = True
            counts["leave_now"] += 1
        if not remote.texted_ahead and shown.position <= alert:
            _text(remote, ahead_text(remote, shown.position, shown.call_p50 or 0.0, language), "remote_ahead",
                  generation)
            remote.texted_ahead = True
            counts["ahead"] += 1
    db.session.flush()
    return counts


# ---------------------------------------------------------------------------------------------- SMS keywords

JOIN_WORDS = {"Q", "QUEUE", "JOIN", "صف", "نوبت"}
MORE_WORDS = {"MORE", "وقت", "فرصت"}
EXIT_WORDS = {"EXIT", "LEAVE", "خروج", "لغو"}
STATUS_WORDS = {"STATUS", "وضعیت"}


def handle_sms(mobile: str, text: str, now: dt.datetime | None = None) -> tuple[str, int | None]:
    """Answer an SMS sent to Safnama's number from ``mobile`` (the gateway vouches for it):

    * ``Q <office code> <national ID> [service letter]`` (or ``صف …``): join the office's line today;
    * ``MORE`` (``وقت``): more time, once; ``EXIT`` (``خروج``): leave the line; ``STATUS`` (``وضعیت``).

    Returns the reply, in Persian when the message used a Persian word or Persian digits, else in English, and
    the office whose line changed (None when none did). Nothing is committed here; a refused request (a
    :class:`~booking.service_errors.ServiceError`, whose message is the reply) changes nothing.
    """
    now = now or utcnow()
    raw = str(text or "").strip()
    language = "fa" if re.search(r"[\u0600-\u06FF]", raw) else "en"
    words = ascii_digits(raw).upper().split()
    mobile = identity.normalise_mobile(mobile)
    with force_locale(language):
        if not words:
            return _help(language), None
        word = words[0]
        if word in JOIN_WORDS:
            if len(words) < 3:
                return _help(language), None
            office = db.session.scalar(select(Office).where(Office.code == words[1], Office.is_active))
            if office is None:
                return _("No office has the code %(code)s.", code=localize_digits(words[1], language)), None
            service = office.services[0] if office.services else None
            if len(words) > 3:
                service = next((s for s in office.services if s.code == words[3]
                                or (s.letter or "").upper() == words[3]), None)
            if service is None:
                return _("This office does not offer the chosen service."), None
            remote = join(office, service, words[2], mobile, channel="sms", language=language, now=now)
            return _("You are in the line, ticket %(number)s. Follow it here: %(link)s",
                     number=_number(remote.ticket.number, language), link=page_link(remote)), office.id
        remote = _open_today(None, mobile, now)
        if remote is None or remote.ticket.outcome != TicketOutcome.WAITING.value:
            if word in MORE_WORDS | EXIT_WORDS | STATUS_WORDS:
                return _("You hold no place in a line today."), None
            return _help(language), None
        if word in MORE_WORDS:
            more_time(remote, now)
            shown = status(remote, now)
            return _("More time given: %(ahead)s people are now ahead of you. Leave at about %(leave)s.",
                     ahead=format_number(shown.position or 0, language),
                     leave=clock(shown.leave_at or now, language)), remote.office_id
        if word in EXIT_WORDS:
            leave(remote, now)
            return _("You have left the line. Your place %(number)s is given up.",
                     number=_number(remote.ticket.number, language)), remote.office_id
        if word in STATUS_WORDS:
            shown = status(remote, now)
            return _("Ticket %(number)s: %(ahead)s people ahead; leave at about %(leave)s.",
                     number=_number(remote.ticket.number, language),
                     ahead=format_number(shown.position or 0, language),
                     leave=clock(shown.leave_at or now, language)), None
        return _help(language), None


def _help(language: str) -> str:
    return _("To wait at home, send: Q <office code> <national ID>. Then MORE for more time, EXIT to leave the "
             "line, STATUS for your place.")
