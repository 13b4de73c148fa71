"""Reading the office directory: provinces, districts and offices, for pages and the API."""
from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from booking.extensions import db
from booking.ordering import persian_key
from offices.models import District, Office, Province


@dataclass(frozen=True)
class ProvinceCard:
    """What the home page shows of a province (a snapshot of its row)."""

    code: str
    name_fa: str
    name_en: str
    capital_fa: str
    capital_en: str


@dataclass(frozen=True)
class ProvinceSummary:
    province: ProvinceCard
    offices: int
    counters: int


SUMMARIES_TTL = 60.0  # seconds, as the office index (booking.finder.INDEX_TTL)
_SUMMARIES_KEY = "safnama.province_summaries"


def province_summaries() -> list[ProvinceSummary]:
    """Every province with its number of active offices and counters, most offices first; kept in the
    process for ``OFFICE_INDEX_TTL`` seconds like the office index (one query on a miss)."""
    app = current_app._get_current_object()
    kept = app.extensions.get(_SUMMARIES_KEY)
    if kept is not None and time.monotonic() - kept[0] <= app.config.get("OFFICE_INDEX_TTL", SUMMARIES_TTL):
        return kept[1]
    rows = db.session.execute(
        select(Province.code, Province.name_fa, Province.name_en, Province.capital_fa, Province.capital_en,
               func.count(Office.id), func.coalesce(func.sum(Office.counters), 0))
        .outerjoin(District, District.province_id == Province.id)
        .outerjoin(Office, (Office.district_id == District.id) & Office.is_active)
        .group_by(Province.id)
    ).all()
    rows = sorted(rows, key=lambda row: (-row[5], persian_key(row[1])))
    summaries = [ProvinceSummary(ProvinceCard(*row[:5]), row[5], int(row[6])) for row in rows]
    app.extensions[_SUMMARIES_KEY] = (time.monotonic(), summaries)
    return summaries


def province_by_code(code: str) -> Province | None:
    return db.session.scalar(select(Province).where(Province.code == code))


def offices_in_province(province: Province) -> list[Office]:
    offices = db.session.scalars(
        select(Office)
        .join(District)
        .where(District.province_id == province.id, Office.is_active)
        .options(selectinload(Office.district))
    )
    return sorted(offices, key=lambda o: (persian_key(o.district.name_fa), persian_key(o.name_fa), o.code))
