"""Fair access to online booking: each province's rules, the checks at booking, and the no-show ban.

Iran's national booking for these offices allows at most two online bookings per person per office per day,
and a no-show bars the person from online booking for a week, told by SMS. Each province may set its own
figures (:class:`~booking.models.ProvinceRules`); a province without a row has :data:`DEFAULTS`. The rules
of the province of the office being booked apply.

* per person per office per day: a national ID's bookings (not cancelled) at one office on one Tehran day;
* per person active: a national ID's active appointments (booked or checked in, slot not over), anywhere;
* per mobile active: the active appointments given one mobile number, whatever the national ID;
* no-show ban: when an appointment becomes a no-show (called and did not come, or never arrived), the
  person's no-shows in the last ``no_show_window_days`` are counted; at ``no_show_count`` they are barred
  from online booking everywhere for ``ban_days`` days (:class:`~booking.models.BookingBan`) and told by SMS
  why and until when. A supervisor of that province (or a national supervisor, or an admin) can lift it with
  a reason; the row keeps who, when and why, and the staff audit log keeps the request.

Functions add and flush; the caller commits.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from booking.dates import ascii_digits, clock, jalali_date, persian_digits, tehran_to_utc, to_tehran, utcnow
from booking.extensions import db
from booking.i18n import local_digits
from booking.models import Appointment, BookingBan, ProvinceRules, TimeSlot
from booking.service_errors import InvalidInput, NotFound, RuleBroken
from offices.models import District, Office, Province, Role, Scope, User

ACTIVE_STATUSES = ("booked", "checked_in")


@dataclasses.dataclass(frozen=True)
class Rules:
    per_office_day: int = 2
    per_person_active: int = 3
    per_mobile_active: int = 3
    no_show_count: int = 1
    no_show_window_days: int = 30
    ban_days: int = 7
    offer_hold_minutes: int = 15


DEFAULTS = Rules()
#: The allowed range of each figure (what a supervisor may set).
LIMITS: dict[str, tuple[int, int]] = {
    "per_office_day": (1, 10), "per_person_active": (1, 20), "per_mobile_active": (1, 20),
    "no_show_count": (1, 10), "no_show_window_days": (1, 365), "ban_days": (0, 90),
    "offer_hold_minutes": (5, 120),
}
FIELDS = tuple(f.name for f in dataclasses.fields(Rules))


def _from_row(row: ProvinceRules | None) -> Rules:
    return DEFAULTS if row is None else Rules(**{name: getattr(row, name) for name in FIELDS})


def rules_for_province(province_id: int) -> Rules:
    return _from_row(db.session.get(ProvinceRules, province_id))


def rules_for_office(office: Office) -> Rules:
    """The rules of the office's province (one query)."""
    row = db.session.scalar(select(ProvinceRules).join(District, District.province_id == ProvinceRules.province_id)
                            .where(District.id == office.district_id))
    return _from_row(row)


def save_rules(province: Province, values: Mapping[str, object], user: User | None) -> Rules:
    """Set a province's rules from a form or JSON (every figure required, Persian digits accepted).

    Raises:
        InvalidInput: a figure missing, not a whole number or out of its range (``field`` names it).
    """
    parsed: dict[str, int] = {}
    for name in FIELDS:
        low, high = LIMITS[name]
        raw = ascii_digits(str(values.get(name, "") or "")).strip()
        try:
            number = int(raw)
        except ValueError:
            raise InvalidInput("rule_not_a_number", _l("Every figure must be a whole number."), field=name) from None
        if not low <= number <= high:
            raise InvalidInput("rule_out_of_range", _l("This figure must be between %(low)s and %(high)s.",
                                                       low=local_digits(low), high=local_digits(high)), field=name)
        parsed[name] = number
    row = db.session.get(ProvinceRules, province.id)
    if row is None:
        row = ProvinceRules(province_id=province.id)
        db.session.add(row)
    for name, number in parsed.items():
        setattr(row, name, number)
    row.updated_at = utcnow()
    row.updated_by = user.id if user is not None else None
    db.session.flush()
    return _from_row(row)


def may_manage_province(user: User, province_id: int | None) -> bool:
    """Admins and national supervisors manage every province; a province supervisor their own. District
    supervisors and operators manage none (the rules and bans are a province's)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role == Role.ADMIN.value:
        return True
    if user.role != Role.SUPERVISOR.value:
        return False
    if user.scope == Scope.NATION.value:
        return True
    return user.scope == Scope.PROVINCE.value and province_id is not None and user.province_id == province_id


# ---------------------------------------------------------------------------------------------- the checks

def _tehran_day_bounds(moment: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    day = to_tehran(moment).date()
    start = tehran_to_utc(dt.datetime.combine(day, dt.time()))
    return start, start + dt.timedelta(days=1)


def active_ban(national_id: str, now: dt.datetime | None = None) -> BookingBan | None:
    now = now or utcnow()
    return db.session.scalar(select(BookingBan).where(
        BookingBan.national_id == national_id, BookingBan.lifted_at.is_(None), BookingBan.until > now)
        .order_by(BookingBan.until.desc()).limit(1))


def _until_text(moment: dt.datetime) -> str:
    from booking.i18n import current_locale

    locale = current_locale()
    return f"{jalali_date(moment, locale)} {clock(moment, locale)}"


def refuse_if_banned(national_id: str, now: dt.datetime) -> None:
    ban = active_ban(national_id, now)
    if ban is not None:
        raise RuleBroken("no_show_ban", _l("Online booking is barred for you until %(until)s because of a missed "
                                           "appointment (no-show). You can still come to an office without one.",
                                           until=_until_text(ban.until)))


def check(national_id: str, mobile: str | None, office: Office, slot: TimeSlot, active: list[Appointment],
          now: dt.datetime, ignore_id: int | None = None) -> None:
    """Refuse a booking (or a move) that breaks the fair-access rules of the office's province.

    Args:
        active: the person's active appointments, the one being moved left out.
    Raises:
        RuleBroken: with a message naming the limit.
    """
    refuse_if_banned(national_id, now)
    rules = rules_for_office(office)
    if len(active) >= rules.per_person_active:
        raise RuleBroken("too_many_active",
                         _l("You already have %(n)s active appointments, the most allowed. "
                            "Cancel one to book another.", n=local_digits(rules.per_person_active)))
    day_start, day_end = _tehran_day_bounds(slot.starts_at)
    same_office_day = db.session.scalar(
        select(func.count(Appointment.id)).join(TimeSlot, Appointment.slot_id == TimeSlot.id)
        .where(Appointment.national_id == national_id, Appointment.office_id == office.id,
               Appointment.status != "cancelled", TimeSlot.starts_at >= day_start, TimeSlot.starts_at < day_end,
               *([Appointment.id != ignore_id] if ignore_id else [])))
    if same_office_day >= rules.per_office_day:
        raise RuleBroken("per_office_per_day",
                         _l("You already have %(n)s bookings at this office on that day, the most allowed "
                            "per person per office per day.", n=local_digits(rules.per_office_day)))
    if mobile:
        by_mobile = db.session.scalar(
            select(func.count(Appointment.id)).join(TimeSlot, Appointment.slot_id == TimeSlot.id)
            .where(Appointment.mobile == mobile, Appointment.status.in_(ACTIVE_STATUSES),
                   TimeSlot.starts_at > now - dt.timedelta(hours=12),
                   *([Appointment.id != ignore_id] if ignore_id else [])))
        if by_mobile >= rules.per_mobile_active:
            raise RuleBroken("too_many_for_mobile",
                             _l("This mobile number already has %(n)s active appointments, the most allowed "
                                "per mobile.", n=local_digits(rules.per_mobile_active)), field="mobile")


# ---------------------------------------------------------------------------------------------- no-show ban

def after_no_show(appointment_id: int | None, now: dt.datetime | None = None) -> BookingBan | None:
    """An appointment has just become a no-show: count the person's no-shows in the window of the office's
    province; at the limit, bar them from online booking and queue the SMS. Returns the new ban, if any.
    Safe to call twice (an active ban is not doubled)."""
    if appointment_id is None:
        return None
    now = now or utcnow()
    appointment = db.session.get(Appointment, appointment_id)
    if appointment is None or appointment.status != "no_show":
        return None
    office = db.session.get(Office, appointment.office_id)
    province_id = db.session.scalar(select(District.province_id).where(District.id == office.district_id))
    rules = rules_for_province(province_id)
    if rules.ban_days == 0 or active_ban(appointment.national_id, now) is not None:
        return None
    db.session.flush()
    missed = db.session.scalar(
        select(func.count(Appointment.id)).join(TimeSlot, Appointment.slot_id == TimeSlot.id)
        .where(Appointment.national_id == appointment.national_id, Appointment.status == "no_show",
               TimeSlot.starts_at >= now - dt.timedelta(days=rules.no_show_window_days)))
    if missed < rules.no_show_count:
        return None
    until = now + dt.timedelta(days=rules.ban_days)
    ban = BookingBan(national_id=appointment.national_id, mobile=appointment.mobile, office_id=office.id,
                     province_id=province_id, appointment_id=appointment.id, no_shows=missed, created_at=now,
                     until=until, reason=f"{missed} no-show(s) in {rules.no_show_window_days} days")
    db.session.add(ban)
    db.session.flush()
    from booking.sms import queue_sms

    slot_start = db.session.get(TimeSlot, appointment.slot_id).starts_at
    queue_sms(appointment.mobile,
              f"صف‌نما: چون در نوبت {jalali_date(slot_start, 'fa')} ساعت {clock(slot_start, 'fa')} در "
              f"{persian_digits(office.name_fa)} حاضر نشدید، نوبت‌گیری اینترنتی شما تا {jalali_date(until, 'fa')} ساعت "
              f"{clock(until, 'fa')} ممکن نیست. مراجعهٔ حضوری بدون نوبت ممکن است.",
              "no_show_ban", dedupe_key=f"ban:{ban.id}")
    return ban


def withdraw_for_appointment(appointment_id: int | None, now: dt.datetime | None = None) -> int:
    """The no-show that set a ban was undone at the counter: lift that ban (no supervisor needed)."""
    if appointment_id is None:
        return 0
    now = now or utcnow()
    bans = list(db.session.scalars(select(BookingBan).where(BookingBan.appointment_id == appointment_id,
                                                            BookingBan.lifted_at.is_(None))))
    for ban in bans:
        ban.lifted_at, ban.lift_reason = now, "no-show undone at the counter"
    db.session.flush()
    return len(bans)


def bans_in_scope(user: User, now: dt.datetime | None = None, limit: int = 200) -> list[BookingBan]:
    """The bans in force that ``user`` may lift, newest first."""
    now = now or utcnow()
    query = select(BookingBan).where(BookingBan.lifted_at.is_(None), BookingBan.until > now)
    if not (user.role == Role.ADMIN.value or user.scope == Scope.NATION.value):
        query = query.where(BookingBan.province_id == user.province_id)
    return list(db.session.scalars(query.options(joinedload(BookingBan.office))
                                   .order_by(BookingBan.created_at.desc()).limit(limit)))


def lift_ban(ban_id: int, user: User, reason: str, now: dt.datetime | None = None) -> BookingBan:
    """Lift a ban in force, with the reason (required).

    Raises:
        NotFound: no such ban in force, or one of a province the user does not manage.
        InvalidInput: no reason (at least 5 characters).
    """
    now = now or utcnow()
    ban = db.session.get(BookingBan, ban_id)
    if ban is None or ban.lifted_at is not None or ban.until <= now or not may_manage_province(user, ban.province_id):
        raise NotFound("ban_not_found", _l("There is no ban in force with this number that you may lift."))
    reason = " ".join(str(reason or "").split())
    if len(reason) < 5:
        raise InvalidInput("lift_reason_required", _l("Write why the ban is lifted (at least 5 characters)."),
                           field="reason")
    ban.lifted_at, ban.lifted_by, ban.lift_reason = now, user.id, reason[:300]
    db.session.flush()
    return ban
