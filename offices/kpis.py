"""Court-administration KPIs for the supervisors' dashboard, from office to nation.

Every figure of a period comes from the pre-aggregated tables -- today's hours from
:class:`offices.models.OfficeHourlyStats` (filled from the tickets by the hourly aggregation job), whole past
days from its daily roll-up :class:`offices.models.OfficeDailyStats` (made here, on first use of a finished
day) -- in two grouped queries per page, whatever the number of offices; the "now" figures (people waiting, booked citizens still to come today, days to the first free
slot, open complaints) come from a few more grouped queries and the live state, again never one query per
office.

Definitions (all waits in minutes, lead times in days):

* backlog = people waiting now + booked appointments still to come today;
* average wait = ``sum(wait_sum) / sum(served)``; maximum wait = ``max(wait_max)``;
* booking lead time = days from now to an office's first free slot, averaged over the offices of a unit
  (maximum: the worst office);
* no-show rate = ``no_shows / arrivals`` (tickets called whose holder did not come to the counter);
* abandonment rate = ``left_unserved / arrivals``;
* counter utilisation = ``sum(service_sum) / sum(counter_minutes)`` (busy share of open counter time);
* satisfaction = ``sum(rating_sum) / sum(ratings)`` (1–5).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, delete, func, insert, literal, select
from sqlalchemy.exc import IntegrityError

from booking.dates import TEHRAN, tehran_to_utc, to_tehran, utcnow
from booking.extensions import db
from booking.ordering import persian_key
from offices.models import (
    Complaint,
    ComplaintStatus,
    DailyRollup,
    District,
    Office,
    OfficeDailyStats,
    OfficeHourlyStats,
    Province,
    TicketOutcome,
)

LEVELS = ("nation", "province", "district", "office")
CHILD_LEVEL = {"nation": "province", "province": "district", "district": "office", "office": None}
PERIODS = {"today": 1, "7": 7, "30": 30}


@dataclass(frozen=True)
class Kpi:
    """One KPI column: its key, label, number format and whether a higher value is worse."""

    key: str
    label: Any
    digits: int  # decimals shown
    percent: bool = False
    higher_is_worse: bool = True


KPIS: tuple[Kpi, ...] = (
    Kpi("backlog", _l("Backlog now"), 0),
    Kpi("waiting", _l("Waiting now"), 0),
    Kpi("booked_to_come", _l("Booked still to come today"), 0),
    Kpi("avg_wait", _l("Average wait (min)"), 1),
    Kpi("max_wait", _l("Maximum wait (min)"), 0),
    Kpi("avg_lead", _l("Average booking lead (days)"), 1),
    Kpi("max_lead", _l("Maximum booking lead (days)"), 1),
    Kpi("arrivals", _l("Arrivals"), 0, higher_is_worse=False),
    Kpi("served", _l("Served"), 0, higher_is_worse=False),
    Kpi("no_show_rate", _l("No-show rate"), 1, percent=True),
    Kpi("abandonment_rate", _l("Abandonment rate"), 1, percent=True),
    Kpi("utilisation", _l("Counter utilisation"), 0, percent=True),
    Kpi("satisfaction", _l("Average satisfaction (1–5)"), 2, higher_is_worse=False),
    Kpi("open_complaints", _l("Open complaints"), 0),
)
KPI_BY_KEY = {k.key: k for k in KPIS}
SORT_KEYS = ("name",) + tuple(KPI_BY_KEY)

_SUMS = ("arrivals", "booked_arrivals", "served", "left_unserved", "no_shows", "wait_sum", "waits_over_15",
         "service_sum", "counter_minutes", "rating_sum", "ratings")


class KpiInputError(ValueError):
    """A period, sort key or unit code that the dashboard does not know; the message is safe to show."""


@dataclass
class Totals:
    """Summed figures of one unit (office, district, province, nation) for a period, plus its "now" figures."""

    arrivals: float = 0
    booked_arrivals: float = 0
    served: float = 0
    left_unserved: float = 0
    no_shows: float = 0
    wait_sum: float = 0.0
    wait_max: float = 0.0
    waits_over_15: float = 0
    service_sum: float = 0.0
    counter_minutes: float = 0.0
    rating_sum: float = 0
    ratings: float = 0
    waiting: int = 0
    booked_to_come: int = 0
    lead_days: list[float] = field(default_factory=list)
    open_complaints: int = 0
    offices: int = 0

    def add(self, other: Totals) -> None:
        """Fold another unit's figures into this one (sums, and the maximum of the maxima)."""
        # spelled out: this runs once per office on the national pages
        self.arrivals += other.arrivals
        self.booked_arrivals += other.booked_arrivals
        self.served += other.served
        self.left_unserved += other.left_unserved
        self.no_shows += other.no_shows
        self.wait_sum += other.wait_sum
        self.waits_over_15 += other.waits_over_15
        self.service_sum += other.service_sum
        self.counter_minutes += other.counter_minutes
        self.rating_sum += other.rating_sum
        self.ratings += other.ratings
        self.wait_max = max(self.wait_max, other.wait_max)
        self.waiting += other.waiting
        self.booked_to_come += other.booked_to_come
        self.lead_days.extend(other.lead_days)
        self.open_complaints += other.open_complaints
        self.offices += other.offices

    def values(self) -> dict[str, float | None]:
        """The KPIs; None where a ratio has no denominator (shown as a dash)."""
        def ratio(num: float, den: float) -> float | None:
            return num / den if den else None

        return {
            "backlog": self.waiting + self.booked_to_come,
            "waiting": self.waiting,
            "booked_to_come": self.booked_to_come,
            "avg_wait": ratio(self.wait_sum, self.served),
            "max_wait": self.wait_max if self.served else None,
            "avg_lead": ratio(sum(self.lead_days), len(self.lead_days)),
            "max_lead": max(self.lead_days) if self.lead_days else None,
            "arrivals": self.arrivals,
            "served": self.served,
            "no_show_rate": ratio(self.no_shows, self.arrivals),
            "abandonment_rate": ratio(self.left_unserved, self.arrivals),
            "utilisation": ratio(self.service_sum, self.counter_minutes),
            "satisfaction": ratio(self.rating_sum, self.ratings),
            "open_complaints": self.open_complaints,
        }


@dataclass
class Unit:
    """A place in the hierarchy: its level, id, public code and names."""

    level: str
    id: int | None
    code: str
    name_fa: str
    name_en: str
    parent: Unit | None = None

    def name(self, locale: str) -> str:
        return self.name_fa if locale == "fa" else self.name_en

    def trail(self) -> list[Unit]:
        """The units from the nation down to this one."""
        out: list[Unit] = []
        unit: Unit | None = self
        while unit is not None:
            out.append(unit)
            unit = unit.parent
        return out[::-1]


@dataclass
class Row:
    """One table row: a child unit and its KPI values."""

    unit: Unit
    values: dict[str, float | None]
    offices: int


@dataclass
class KpiPage:
    """Everything one dashboard page shows: the unit's totals and one row per child unit."""

    unit: Unit
    period: str
    start: dt.datetime
    end: dt.datetime
    total: dict[str, float | None]
    rows: list[Row]
    child_level: str | None
    offices: int

    def sorted_rows(self, key: str, descending: bool) -> list[Row]:
        """Rows sorted by a KPI (empty values last, whatever the direction) or by name."""
        return sort_rows(self.rows, key, descending)

    def extremes(self, key: str, n: int = 5) -> tuple[list[Row], list[Row]]:
        """The ``n`` rows with the highest and the ``n`` with the lowest value of a KPI (empty values left out)."""
        known = [r for r in self.rows if r.values.get(key) is not None]
        known.sort(key=lambda r: (r.values[key], r.unit.code))
        return known[::-1][:n], known[:n]


def sort_rows(rows: list[Row], key: str, descending: bool) -> list[Row]:
    if key not in SORT_KEYS:
        raise KpiInputError(f"unknown sort key {key!r}")
    if key == "name":
        return sorted(rows, key=lambda r: (persian_key(r.unit.name_fa), r.unit.code), reverse=descending)
    known = [r for r in rows if r.values.get(key) is not None]
    empty = [r for r in rows if r.values.get(key) is None]
    known.sort(key=lambda r: (r.values[key], r.unit.code), reverse=descending)
    return known + sorted(empty, key=lambda r: r.unit.code)


# ---------------------------------------------------------------- periods and units

def period_bounds(period: str, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """``today`` / ``7`` / ``30`` → [Tehran midnight of the first day, now) in UTC.

    Raises:
        KpiInputError: an unknown period.
    """
    if period not in PERIODS:
        raise KpiInputError(f"unknown period {period!r}")
    now = now or utcnow()
    first = to_tehran(now).date() - dt.timedelta(days=PERIODS[period] - 1)
    return tehran_to_utc(dt.datetime.combine(first, dt.time())), now


def today_bounds(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Tehran midnight to midnight of ``now``'s day, in UTC."""
    day = to_tehran(now).date()
    start = tehran_to_utc(dt.datetime.combine(day, dt.time()))
    return start, tehran_to_utc(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))


NATION = Unit("nation", None, "IR", "ایران", "Iran")


def find_unit(level: str, code: str | None) -> Unit:
    """The unit of a level with this public code (the nation needs no code).

    Raises:
        KpiInputError: unknown level or code.
    """
    if level == "nation":
        return NATION
    if level == "province":
        p = db.session.scalar(select(Province).where(Province.code == code))
        if p is None:
            raise KpiInputError(f"no province with code {code!r}")
        return Unit("province", p.id, p.code, p.name_fa, p.name_en, NATION)
    if level == "district":
        d = db.session.scalar(select(District).where(District.code == code))
        if d is None:
            raise KpiInputError(f"no district with code {code!r}")
        p = d.province
        return Unit("district", d.id, d.code, d.name_fa, d.name_en,
                    Unit("province", p.id, p.code, p.name_fa, p.name_en, NATION))
    if level == "office":
        o = db.session.scalar(select(Office).where(Office.code == code))
        if o is None:
            raise KpiInputError(f"no office with code {code!r}")
        d = o.district
        p = d.province
        return Unit("office", o.id, o.code, o.name_fa, o.name_en,
                    Unit("district", d.id, d.code, d.name_fa, d.name_en,
                         Unit("province", p.id, p.code, p.name_fa, p.name_en, NATION)))
    raise KpiInputError(f"unknown level {level!r}")


def scope_filter(unit: Unit) -> list[Any]:
    if unit.level == "province":
        return [District.province_id == unit.id]
    if unit.level == "district":
        return [Office.district_id == unit.id]
    if unit.level == "office":
        return [Office.id == unit.id]
    return []


def _child_column(level: str | None):
    return {"province": District.province_id, "district": Office.district_id, "office": Office.id,
            None: Office.id}[level]


def _children(unit: Unit, child: str | None) -> dict[int, Unit]:
    """The child units of ``unit`` (the unit itself when it has none), by id."""
    if child == "province":
        rows = db.session.execute(select(Province.id, Province.code, Province.name_fa, Province.name_en)).all()
    elif child == "district":
        rows = db.session.execute(select(District.id, District.code, District.name_fa, District.name_en)
                                  .where(District.province_id == unit.id)).all()
    elif child == "office":
        rows = db.session.execute(select(Office.id, Office.code, Office.name_fa, Office.name_en)
                                  .where(Office.district_id == unit.id)).all()
    else:
        return {unit.id: unit}  # type: ignore[dict-item]
    return {r[0]: Unit(child, r[0], r[1], r[2], r[3], unit) for r in rows}


# ---------------------------------------------------------------- the grouped queries

def office_map(unit: Unit) -> dict[int, tuple[int, int]]:
    """Office id → (district id, province id) for the active offices under ``unit``."""
    query = (select(Office.id, Office.district_id, District.province_id)
             .join(District, Office.district_id == District.id)
             .where(Office.is_active.is_(True), *scope_filter(unit)))
    return {r[0]: (r[1], r[2]) for r in db.session.execute(query)}


def _grouped(table: Any, key_level: str | None, unit: Unit, *where: Any) -> dict[int, Totals]:
    key = _child_column(key_level).label("key")
    columns = [func.sum(getattr(table, name)) for name in _SUMS] + [func.max(table.wait_max)]
    query = (select(key, *columns)
             .select_from(table)
             .join(Office, Office.id == table.office_id)
             .join(District, District.id == Office.district_id)
             .where(*where, *scope_filter(unit))
             .group_by(key))
    out: dict[int, Totals] = {}
    for row in db.session.execute(query):
        t = Totals(**{name: float(v or 0) for name, v in zip(_SUMS, row[1:-1])})
        t.wait_max = float(row[-1] or 0)
        out[row[0]] = t
    return out


def period_sums(unit: Unit, child: str | None, start: dt.datetime, end: dt.datetime) -> dict[int, Totals]:
    """The period's sums for each child unit of ``unit``: whole past days from the daily roll-up, today's
    hours from the hourly table -- two grouped queries whatever the number of offices.

    ``start`` must be a Tehran midnight (as :func:`period_bounds` gives).
    """
    today_start, _ = today_bounds(end)
    out = _grouped(OfficeHourlyStats, child, unit, OfficeHourlyStats.hour_start >= max(start, today_start),
                   OfficeHourlyStats.hour_start < end)
    if start < today_start:
        first = to_tehran(start).date()
        last = to_tehran(today_start).date() - dt.timedelta(days=1)
        ensure_rolled_up(first, last, end)
        daily = _grouped(OfficeDailyStats, child, unit, OfficeDailyStats.day >= first, OfficeDailyStats.day <= last)
        for key, totals in daily.items():
            if key in out:
                out[key].add(totals)
            else:
                out[key] = totals
    return out


# A day's roll-up counts as final when it was made this long after the day ended (late hourly
# aggregations of the day's last hours are then in); earlier roll-ups are redone on the next request.
ROLLUP_SETTLE = dt.timedelta(hours=2)


def rollup_days(days: Iterable[dt.date]) -> int:
    """(Re)compute :class:`OfficeDailyStats` of these Tehran days from the hourly table; returns the rows written.

    Idempotent; call it after re-aggregating a past day's hours. Adds and flushes; the caller commits.
    """
    s = OfficeHourlyStats
    written = 0
    now = utcnow()
    for day in sorted(set(days)):
        start = tehran_to_utc(dt.datetime.combine(day, dt.time()))
        end = tehran_to_utc(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
        db.session.execute(delete(OfficeDailyStats).where(OfficeDailyStats.day == day))
        rows = (select(s.office_id, literal(day, Date), *[func.sum(getattr(s, n)) for n in _SUMS], func.max(s.wait_max))
                .where(s.hour_start >= start, s.hour_start < end).group_by(s.office_id))
        result = db.session.execute(insert(OfficeDailyStats).from_select(["office_id", "day", *_SUMS, "wait_max"], rows))
        written += max(0, result.rowcount or 0)
        marker = db.session.get(DailyRollup, day)
        if marker is None:
            db.session.add(DailyRollup(day=day, rolled_at=now))
        else:
            marker.rolled_at = now
    db.session.flush()
    return written


def ensure_rolled_up(first: dt.date, last: dt.date, now: dt.datetime) -> None:
    """Roll up the days of ``[first, last]`` that have no final roll-up yet (a savepoint: when two requests do
    it at once, the loser keeps the winner's rows)."""
    if last < first:
        return
    rolled = dict(db.session.execute(select(DailyRollup.day, DailyRollup.rolled_at)
                                     .where(DailyRollup.day >= first, DailyRollup.day <= last)).all())
    missing = []
    day = first
    while day <= last:
        end = tehran_to_utc(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
        at = rolled.get(day)
        if at is None or (at < end + ROLLUP_SETTLE and now >= end + ROLLUP_SETTLE):
            missing.append(day)
        day += dt.timedelta(days=1)
    if not missing:
        return
    try:
        with db.session.begin_nested():
            rollup_days(missing)
    except IntegrityError:
        pass


def waiting_now(office_ids: Iterable[int]) -> dict[int, int]:
    """People waiting now in each office, from the live state (Redis), or the tickets when it is not available."""
    ids = list(office_ids)
    try:
        from offices.live import read_live_loads
    except ImportError:
        read_live_loads = None  # type: ignore[assignment]
    if read_live_loads is not None:
        return {oid: int(load.waiting) for oid, load in read_live_loads(ids).items()}
    from offices.models import QueueTicket

    start, _ = today_bounds(utcnow())
    rows = db.session.execute(select(QueueTicket.office_id, func.count())
                              .where(QueueTicket.outcome == TicketOutcome.WAITING.value,
                                     QueueTicket.arrived_at >= start)
                              .group_by(QueueTicket.office_id))
    wanted = set(ids)
    return {r[0]: int(r[1]) for r in rows if r[0] in wanted}


def booked_to_come(unit: Unit, now: dt.datetime) -> dict[int, int]:
    """Booked appointments whose slot is still to come today, per office."""
    from booking.models import Appointment, TimeSlot

    _, midnight = today_bounds(now)
    query = (select(TimeSlot.office_id, func.count(Appointment.id))
             .join(TimeSlot, TimeSlot.id == Appointment.slot_id)
             .join(Office, Office.id == TimeSlot.office_id)
             .join(District, District.id == Office.district_id)
             .where(Appointment.status == "booked", TimeSlot.starts_at >= now, TimeSlot.starts_at < midnight,
                    *scope_filter(unit))
             .group_by(TimeSlot.office_id))
    return {r[0]: int(r[1]) for r in db.session.execute(query)}


def lead_days(unit: Unit, now: dt.datetime) -> dict[int, float]:
    """Days from ``now`` to each office's first free slot (offices with no free slot are left out).

    One statement: per office a correlated ``min`` that the ``(office_id, starts_at)`` index answers by
    reading that office's slots from ``now`` up to the first free one, instead of scanning every future slot.
    """
    from booking.models import TimeSlot

    first_free = (select(func.min(TimeSlot.starts_at))
                  .where(TimeSlot.office_id == Office.id, TimeSlot.starts_at >= now,
                         TimeSlot.booked < TimeSlot.capacity)
                  .correlate(Office).scalar_subquery())
    query = (select(Office.id, first_free)
             .join(District, District.id == Office.district_id)
             .where(Office.is_active.is_(True), *scope_filter(unit)))
    out = {}
    for office_id, first in db.session.execute(query):
        if first is None:
            continue
        if isinstance(first, str):  # SQLite returns the aggregate as text, bypassing the column type
            first = dt.datetime.fromisoformat(first)
        if first.tzinfo is None:
            first = first.replace(tzinfo=dt.UTC)
        out[office_id] = max(0.0, (first - now).total_seconds() / 86400.0)
    return out


def open_complaints(unit: Unit) -> dict[int, int]:
    """Complaints not yet resolved, per office."""
    query = (select(Complaint.office_id, func.count())
             .join(Office, Office.id == Complaint.office_id)
             .join(District, District.id == Office.district_id)
             .where(Complaint.status != ComplaintStatus.RESOLVED.value, *scope_filter(unit))
             .group_by(Complaint.office_id))
    return {r[0]: int(r[1]) for r in db.session.execute(query)}


# ---------------------------------------------------------------- the page

def kpi_page(unit: Unit, period: str, now: dt.datetime | None = None, *, by_office: bool = False) -> KpiPage:
    """The KPIs of ``unit`` for a period and one row per child unit (or per office with ``by_office``).

    Args:
        unit: from :func:`find_unit`.
        period: ``today``, ``7`` or ``30`` (days, today included).
        now: the moment of the "now" figures (default: the current time).
        by_office: rows per office under ``unit`` instead of per child unit (for top/bottom offices).

    Raises:
        KpiInputError: an unknown period.
    """
    now = now or utcnow()
    start, end = period_bounds(period, now)
    child = "office" if by_office and unit.level != "office" else CHILD_LEVEL[unit.level]
    offices = office_map(unit)
    sums = period_sums(unit, child, start, end)

    def child_of(office_id: int) -> int:
        district_id, province_id = offices[office_id]
        return {"province": province_id, "district": district_id, "office": office_id, None: office_id}[child]

    per_child: dict[int, Totals] = {}

    def bucket(office_id: int) -> Totals | None:
        if office_id not in offices:
            return None
        return per_child.setdefault(child_of(office_id), Totals())

    for key, totals in sums.items():
        key = key if child else unit.id  # type: ignore[assignment]
        known = per_child.get(key)
        if known is None:
            per_child[key] = totals
        else:
            known.add(totals)
    for office_id in offices:
        bucket(office_id).offices += 1  # type: ignore[union-attr]
    # The now-figures, per office.
    for office_id, n in waiting_now(offices).items():
        if (b := bucket(office_id)) is not None:
            b.waiting += n
    for office_id, n in booked_to_come(unit, now).items():
        if (b := bucket(office_id)) is not None:
            b.booked_to_come += n
    for office_id, days in lead_days(unit, now).items():
        if (b := bucket(office_id)) is not None:
            b.lead_days.append(days)
    for office_id, n in open_complaints(unit).items():
        if (b := bucket(office_id)) is not None:
            b.open_complaints += n

    total = Totals()
    for t in per_child.values():
        total.add(t)
    rows: list[Row] = []
    if child is not None:
        units = _children(unit, child) if not by_office else _offices_under(unit)
        for uid, u in units.items():
            t = per_child.get(uid, Totals())
            rows.append(Row(u, t.values(), t.offices))
    return KpiPage(unit=unit, period=period, start=start, end=end, total=total.values(), rows=rows,
                   child_level=child, offices=total.offices)


def _offices_under(unit: Unit) -> dict[int, Unit]:
    query = (select(Office.id, Office.code, Office.name_fa, Office.name_en)
             .join(District, District.id == Office.district_id)
             .where(Office.is_active.is_(True), *scope_filter(unit)))
    return {r[0]: Unit("office", r[0], r[1], r[2], r[3], unit) for r in db.session.execute(query)}


def format_value(key: str, value: float | None, locale: str = "en") -> str:
    """A KPI value as text in ``locale`` (:func:`booking.numbers.format_number`): a dash when empty, a percentage
    for rates, else the KPI's decimals."""
    from booking.numbers import format_number

    if value is None:
        return "—"
    kpi = KPI_BY_KEY[key]
    if kpi.percent:
        return format_number(value * 100, locale, kpi.digits) + ("٪" if locale == "fa" else "%")
    return format_number(value, locale, kpi.digits)


__all__ = [
    "KPIS",
    "KPI_BY_KEY",
    "LEVELS",
    "PERIODS",
    "SORT_KEYS",
    "TEHRAN",
    "KpiInputError",
    "KpiPage",
    "Row",
    "Totals",
    "Unit",
    "find_unit",
    "format_value",
    "kpi_page",
    "period_bounds",
    "sort_rows",
]
