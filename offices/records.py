"""Each office's public record ("which office is faster") and the league table of a city's offices.

The record covers the last :data:`RECORD_DAYS` *complete* Tehran days (today is left out, so the figures stay
the same all day and can be cached). For an office, and for its city as a whole:

* **visits**: queue tickets that arrived in the period (``sum(arrivals)`` of the hourly aggregates);
* **median and 90th-percentile wait** (minutes): ``started_at - arrived_at`` (at least 0) of the visits that
  were served, linear interpolation between order statistics (PostgreSQL's ``percentile_cont``, NumPy's
  default); percentiles cannot be added up from hourly sums, so they come from the tickets in one grouped
  query (``percentile_cont`` with ``ROLLUP`` on PostgreSQL, the waits fetched as numbers and split with NumPy
  on SQLite);
* **booked on time**: of the booked citizens who came (a ticket linked to an appointment, not a no-show),
  the share whose service started at most :data:`ON_TIME_MINUTES` after the start of their slot;
* **no-show share**: ``no_shows / arrivals`` from the aggregates (called and did not come to the counter),
  the same definition as the supervisors' dashboard;
* **satisfaction**: ``rating_sum / ratings`` (1–5) from the aggregates.

Figures are published only for an office (or city) with at least :data:`MIN_VISITS` visits in the period;
below that the record says there are not enough visits yet. The league table ranks the city's offices that
have enough visits by median wait (then 90th percentile, then code).

A city is the set of judicial districts of one province with the same ``city_en``. The computed figures of a
city are cached in Redis for :data:`CACHE_SECONDS` under a key that names the period's last day.
"""
from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import asdict, dataclass
from typing import Any, Optional, Sequence

import numpy as np
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import contains_eager
from sqlalchemy.sql.elements import ColumnElement

from booking.dates import tehran_to_utc, to_tehran, utcnow
from booking.extensions import db
from booking.models import Appointment, TimeSlot
from booking.ordering import persian_key
from offices.models import (
    District,
    Office,
    OfficeHourlyStats,
    Province,
    QueueTicket,
    TicketOutcome,
)

RECORD_DAYS = 30
MIN_VISITS = 50
ON_TIME_MINUTES = 15.0
CACHE_SECONDS = 3600
CACHE_PREFIX = "safnama:records:v1"


@dataclass(frozen=True)
class Period:
    """The complete Tehran days ``first_day .. last_day`` and their UTC bounds ``[start, end)``."""

    first_day: dt.date
    last_day: dt.date
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class Figures:
    """An office's (or a city's) figures for the period; None where there is nothing to divide by.

    Waits in minutes; shares between 0 and 1; satisfaction 1–5.
    """

    visits: int
    served: int
    wait_p50: Optional[float]
    wait_p90: Optional[float]
    booked_came: int
    booked_on_time: Optional[float]
    no_shows: int
    no_show_share: Optional[float]
    ratings: int
    satisfaction: Optional[float]

    @property
    def enough(self) -> bool:
        """Whether there are enough visits to publish the figures."""
        return self.visits >= MIN_VISITS

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, rounded (waits to 0.1 minute, shares to 0.001, satisfaction to 0.01)."""
        def r(value: Optional[float], digits: int) -> Optional[float]:
            return None if value is None else round(value, digits)

        return {"visits": self.visits, "served": self.served, "wait_p50": r(self.wait_p50, 1),
                "wait_p90": r(self.wait_p90, 1), "booked_came": self.booked_came,
                "booked_on_time": r(self.booked_on_time, 3), "no_shows": self.no_shows,
                "no_show_share": r(self.no_show_share, 3), "ratings": self.ratings,
                "satisfaction": r(self.satisfaction, 2), "enough_visits": self.enough}


@dataclass(frozen=True)
class CityKey:
    """A city: a province and the English name its districts share (``District.city_en``)."""

    province_code: str
    city_en: str


@dataclass(frozen=True)
class LeagueRow:
    """One office in the league table: its rank (None when it has too few visits) and figures."""

    rank: Optional[int]
    office: Office
    figures: Figures


@dataclass(frozen=True)
class League:
    """A city's offices ranked by median wait, and the city's own figures."""

    city: CityKey
    city_fa: str
    province: Province
    period: Period
    city_figures: Figures
    rows: list[LeagueRow]  # ranked offices first, then those with too few visits (by code)

    @property
    def ranked(self) -> int:
        return sum(1 for row in self.rows if row.rank is not None)


@dataclass(frozen=True)
class OfficeRecord:
    """One office's public record: its figures, its city's, and its place in the city's league."""

    office: Office
    league: League
    figures: Figures

    @property
    def rank(self) -> Optional[int]:
        return next((row.rank for row in self.league.rows if row.office.id == self.office.id), None)


# ------------------------------------------------------------------------------------------------ the period

def record_period(now: dt.datetime | None = None, days: int = RECORD_DAYS) -> Period:
    """The last ``days`` complete Tehran days before ``now`` (default: the current time)."""
    today = to_tehran(now or utcnow()).date()
    first, last = today - dt.timedelta(days=days), today - dt.timedelta(days=1)
    return Period(first, last, tehran_to_utc(dt.datetime.combine(first, dt.time())),
                  tehran_to_utc(dt.datetime.combine(today, dt.time())))


# ------------------------------------------------------------------------------------------------ cities

def city_of(office: Office) -> CityKey:
    """The city an office is in."""
    return CityKey(office.district.province.code, office.district.city_en)


def city_offices(city: CityKey) -> list[Office]:
    """The active offices of a city, by code, with their districts (empty when there is no such city)."""
    query = (select(Office).join(District, District.id == Office.district_id)
             .join(Province, Province.id == District.province_id)
             .where(Province.code == city.province_code, District.city_en == city.city_en,
                    Office.is_active.is_(True))
             .options(contains_eager(Office.district))
             .order_by(Office.code))
    return list(db.session.scalars(query).unique())


def cities(province_code: str | None = None) -> list[dict[str, Any]]:
    """Every city with active offices (optionally of one province): province, names and number of offices."""
    query = (select(Province.code, Province.name_fa, Province.name_en, District.city_fa, District.city_en,
                    func.count(Office.id))
             .join(District, District.province_id == Province.id)
             .join(Office, Office.district_id == District.id)
             .where(Office.is_active.is_(True))
             .group_by(Province.code, Province.name_fa, Province.name_en, District.city_fa, District.city_en)
             )
    if province_code:
        query = query.where(Province.code == province_code)
    rows = sorted(db.session.execute(query), key=lambda r: (persian_key(r[1]), -r[5], persian_key(r[3])))
    return [{"province_code": p, "province_fa": pfa, "province_en": pen, "city_fa": cfa, "city_en": cen,
             "offices": int(n)} for p, pfa, pen, cfa, cen, n in rows]


# ------------------------------------------------------------------------------------------------ computing

def _minutes_between(earlier: Any, later: Any) -> ColumnElement[float]:
    """SQL for the minutes from ``earlier`` to ``later`` (two timestamp columns) on either backend."""
    if db.engine.dialect.name == "postgresql":
        return func.extract("epoch", later - earlier) / 60.0
    return (func.julianday(later) - func.julianday(earlier)) * 1440.0


def _wait_percentiles(office_ids: Sequence[int], period: Period) -> tuple[dict[int, tuple[float, float]],
                                                                           Optional[tuple[float, float]]]:
    """Median and P90 wait of the served visits, per office and over all of them (None: nobody served)."""
    wait = _minutes_between(QueueTicket.arrived_at, QueueTicket.started_at)
    served = and_(QueueTicket.office_id.in_(office_ids), QueueTicket.arrived_at >= period.start,
                  QueueTicket.arrived_at < period.end, QueueTicket.outcome == TicketOutcome.SERVED.value,
                  QueueTicket.started_at.is_not(None))
    per_office: dict[int, tuple[float, float]] = {}
    overall: Optional[tuple[float, float]] = None
    if db.engine.dialect.name == "postgresql":
        clamped = func.greatest(wait, 0.0)
        p50 = func.percentile_cont(0.5).within_group(clamped)
        p90 = func.percentile_cont(0.9).within_group(clamped)
        rows = db.session.execute(select(QueueTicket.office_id, p50, p90).where(served)
                                  .group_by(func.rollup(QueueTicket.office_id)))
        for office_id, a, b in rows:
            if a is None:
                continue
            if office_id is None:
                overall = (float(a), float(b))
            else:
                per_office[int(office_id)] = (float(a), float(b))
        return per_office, overall
    rows = db.session.execute(select(QueueTicket.office_id, wait).where(served)).all()
    if not rows:
        return per_office, overall
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    waits = np.maximum(np.fromiter((r[1] for r in rows), dtype=float, count=len(rows)), 0.0)
    order = np.argsort(ids, kind="stable")
    ids, waits = ids[order], waits[order]
    bounds = np.flatnonzero(np.diff(ids)) + 1
    for chunk_ids, chunk in zip(np.split(ids, bounds), np.split(waits, bounds)):
        a, b = np.quantile(chunk, [0.5, 0.9])
        per_office[int(chunk_ids[0])] = (float(a), float(b))
    a, b = np.quantile(waits, [0.5, 0.9])
    return per_office, (float(a), float(b))


def _booked_on_time(office_ids: Sequence[int], period: Period) -> dict[int, tuple[int, int]]:
    """Per office: booked citizens who came, and how many of them were served within the slot's grace."""
    late = _minutes_between(TimeSlot.starts_at, QueueTicket.started_at)
    on_time = case((and_(QueueTicket.outcome == TicketOutcome.SERVED.value, QueueTicket.started_at.is_not(None),
                         late <= ON_TIME_MINUTES), 1), else_=0)
    query = (select(QueueTicket.office_id, func.count(), func.sum(on_time))
             .join(Appointment, Appointment.id == QueueTicket.appointment_id)
             .join(TimeSlot, TimeSlot.id == Appointment.slot_id)
             .where(QueueTicket.office_id.in_(office_ids), QueueTicket.arrived_at >= period.start,
                    QueueTicket.arrived_at < period.end, QueueTicket.outcome != TicketOutcome.NO_SHOW.value)
             .group_by(QueueTicket.office_id))
    return {int(o): (int(n), int(k or 0)) for o, n, k in db.session.execute(query)}


def _sums(office_ids: Sequence[int], period: Period) -> dict[int, tuple[int, int, int, int, int]]:
    """Per office, from the hourly aggregates: arrivals, served, no-shows, rating sum, ratings."""
    s = OfficeHourlyStats
    query = (select(s.office_id, func.sum(s.arrivals), func.sum(s.served), func.sum(s.no_shows),
                    func.sum(s.rating_sum), func.sum(s.ratings))
             .where(s.office_id.in_(office_ids), s.hour_start >= period.start, s.hour_start < period.end)
             .group_by(s.office_id))
    return {int(row[0]): tuple(int(v or 0) for v in row[1:]) for row in db.session.execute(query)}  # type: ignore


def _ratio(num: float, den: float) -> Optional[float]:
    return num / den if den else None


def _figures(sums: tuple[int, int, int, int, int], waits: Optional[tuple[float, float]],
             booked: tuple[int, int]) -> Figures:
    arrivals, served, no_shows, rating_sum, ratings = sums
    came, on_time = booked
    return Figures(visits=arrivals, served=served, wait_p50=waits[0] if waits else None,
                   wait_p90=waits[1] if waits else None, booked_came=came,
                   booked_on_time=_ratio(on_time, came), no_shows=no_shows,
                   no_show_share=_ratio(no_shows, arrivals), ratings=ratings,
                   satisfaction=_ratio(rating_sum, ratings))


def compute_figures(office_ids: Sequence[int], period: Period) -> tuple[dict[int, Figures], Figures]:
    """The figures of each office and of all of them together, for ``period`` (three grouped queries)."""
    ids = list(office_ids)
    if not ids:
        return {}, _figures((0, 0, 0, 0, 0), None, (0, 0))
    sums = _sums(ids, period)
    per_office_waits, overall_waits = _wait_percentiles(ids, period)
    booked = _booked_on_time(ids, period)
    zero = (0, 0, 0, 0, 0)
    figures = {i: _figures(sums.get(i, zero), per_office_waits.get(i), booked.get(i, (0, 0))) for i in ids}
    total = tuple(sum(v[k] for v in sums.values()) for k in range(5))
    booked_total = (sum(v[0] for v in booked.values()), sum(v[1] for v in booked.values()))
    return figures, _figures(total, overall_waits, booked_total)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------ cached

def _cache_key(city: CityKey, period: Period) -> str:
    return f"{CACHE_PREFIX}:{city.province_code}:{city.city_en}:{period.last_day.isoformat()}"


def _cached_figures(city: CityKey, office_ids: list[int], period: Period) -> tuple[dict[int, Figures], Figures]:
    from booking.redis_conn import get_redis

    redis = get_redis()
    key = _cache_key(city, period)
    raw = redis.get(key)
    if raw is not None:
        data = json.loads(raw)
        if sorted(int(k) for k in data["offices"]) == sorted(office_ids):
            return ({int(k): Figures(**v) for k, v in data["offices"].items()}, Figures(**data["city"]))
    figures, total = compute_figures(office_ids, period)
    redis.set(key, json.dumps({"offices": {str(k): asdict(v) for k, v in figures.items()}, "city": asdict(total)}),
              ex=CACHE_SECONDS)
    return figures, total


def _sort_key(row: tuple[Office, Figures]) -> tuple[float, float, str]:
    office, f = row
    return (f.wait_p50 if f.wait_p50 is not None else math.inf,
            f.wait_p90 if f.wait_p90 is not None else math.inf, office.code)


def city_league(city: CityKey, now: dt.datetime | None = None, *, cached: bool = True) -> Optional[League]:
    """The league table of a city's offices by median wait for the record period; None if no such city.

    Offices with fewer than :data:`MIN_VISITS` visits (or nobody served) get no rank and come last.
    """
    offices = city_offices(city)
    if not offices:
        return None
    period = record_period(now)
    ids = [o.id for o in offices]
    figures, total = (_cached_figures(city, ids, period) if cached else compute_figures(ids, period))
    pairs = [(o, figures[o.id]) for o in offices]
    ranked = sorted(((o, f) for o, f in pairs if f.enough and f.wait_p50 is not None), key=_sort_key)
    rest = [(o, f) for o, f in pairs if not (f.enough and f.wait_p50 is not None)]
    rows = [LeagueRow(k + 1, o, f) for k, (o, f) in enumerate(ranked)] + [LeagueRow(None, o, f) for o, f in rest]
    district = offices[0].district
    return League(city=city, city_fa=district.city_fa, province=district.province, period=period,
                  city_figures=total, rows=rows)


def office_record(office: Office, now: dt.datetime | None = None, *, cached: bool = True) -> OfficeRecord:
    """An office's public record with its city's figures and league table for the record period."""
    league = city_league(city_of(office), now, cached=cached)
    assert league is not None  # the office itself is in its city
    mine = next((row.figures for row in league.rows if row.office.id == office.id), None)
    if mine is None:  # an inactive office: not in the league, but its own figures are still public
        mine = compute_figures([office.id], league.period)[0][office.id]
    return OfficeRecord(office=office, league=league, figures=mine)


def office_by_code(code: str) -> Optional[Office]:
    """The office with this public code, or None."""
    return db.session.scalar(select(Office).where(Office.code == code))


def record_json(record: OfficeRecord) -> dict[str, Any]:
    """The record as the API answers it (figures withheld below :data:`MIN_VISITS` visits)."""
    league = record.league

    def public(f: Figures) -> dict[str, Any]:
        data = f.as_dict()
        if not f.enough:
            data = {"visits": f.visits, "enough_visits": False}
        return data

    return {
        "office": record.office.code, "name_fa": record.office.name_fa, "name_en": record.office.name_en,
        "period": {"first_day": league.period.first_day.isoformat(), "last_day": league.period.last_day.isoformat(),
                   "days": RECORD_DAYS},
        "min_visits": MIN_VISITS,
        "figures": public(record.figures),
        "city": {"province": league.city.province_code, "city_en": league.city.city_en, "city_fa": league.city_fa,
                 "offices": len(league.rows), "figures": public(league.city_figures)},
        "rank": record.rank, "ranked_offices": league.ranked,
        "league": [{"rank": row.rank, "office": row.office.code, "name_fa": row.office.name_fa,
                    "name_en": row.office.name_en, "visits": row.figures.visits,
                    "wait_p50": None if row.rank is None else round(row.figures.wait_p50, 1),  # type: ignore[arg-type]
                    "wait_p90": None if row.rank is None else round(row.figures.wait_p90, 1)}  # type: ignore[arg-type]
                   for row in league.rows],
    }


__all__ = ["CityKey", "Figures", "League", "LeagueRow", "MIN_VISITS", "OfficeRecord", "Period", "RECORD_DAYS",
           "cities", "city_league", "city_of", "city_offices", "compute_figures", "office_by_code", "office_record",
           "record_json", "record_period"]

