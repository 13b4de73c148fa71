"""Reading the office directory: provinces, districts and offices, for pages and the API."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from booking.extensions import db
from offices.models import District, Office, Province


@dataclass(frozen=True)
class ProvinceSummary:
    province: Province
    offices: int
    counters: int


def province_summaries() -> list[ProvinceSummary]:
    """Every province with its number of active offices and counters, most offices first."""
    rows = db.session.execute(
        select(Province, func.count(Office.id), func.coalesce(func.sum(Office.counters), 0))
        .outerjoin(District, District.province_id == Province.id)
        .outerjoin(Office, (Office.district_id == District.id) & Office.is_active)
        .group_by(Province.id)
        .order_by(func.count(Office.id).desc(), Province.name_fa)
    ).all()
    return [ProvinceSummary(p, n, int(c)) for p, n, c in rows]


def province_by_code(code: str) -> Province | None:
    return db.session.scalar(select(Province).where(Province.code == code))


def offices_in_province(province: Province) -> list[Office]:
    return list(db.session.scalars(
        select(Office)
        .join(District)
        .where(District.province_id == province.id, Office.is_active)
        .options(selectinload(Office.district))
        .order_by(District.name_fa, Office.code)
    ))
