"""Finding offices for citizens: search with filters, live loads, and the recommendation.

The active offices' positions and services are kept in a small in-process index (NumPy arrays, rebuilt
at most every ``INDEX_TTL`` seconds) so that "near me" and the recommendation over thousands of offices
need no scan of the offices table. Live loads come from ``offices.live`` (Redis); the ranking is the
engine's :func:`queueing.recommend.recommend` on the offices' live state.
"""
from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from booking.dates import to_tehran, utcnow
from booking.extensions import db
from offices.live import LiveLoad, read_live_loads
from offices.models import District, Office, Province, ServiceType, office_services
from queueing.recommend import OfficeState, Recommendation, recommend, travel_minutes

INDEX_TTL = 60.0  # seconds
CANDIDATES = 40  # nearest offices offering the service that the recommendation weighs
_EXTENSION_KEY = "safnama.office_index"


@dataclass
class OfficeIndex:
    """Active offices as arrays: ids, codes, positions, province and district codes, services offered."""

    ids: np.ndarray
    codes: list[str]
    lat: np.ndarray
    lon: np.ndarray
    province: np.ndarray
    district: np.ndarray
    services: dict[str, np.ndarray]  # service code -> boolean mask over the offices
    built_at: float = field(default_factory=time.monotonic)

    def position(self) -> dict[str, int]:
        return {code: i for i, code in enumerate(self.codes)}


def _build_index() -> OfficeIndex:
    rows = db.session.execute(
        select(Office.id, Office.code, Office.lat, Office.lon, Province.code, District.code)
        .join(District, Office.district_id == District.id).join(Province, District.province_id == Province.id)
        .where(Office.is_active).order_by(Office.id)).all()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    where = {office_id: i for i, office_id in enumerate(ids.tolist())}
    services: dict[str, np.ndarray] = {}
    for office_id, service_code in db.session.execute(
            select(office_services.c.office_id, ServiceType.code)
            .join(ServiceType, ServiceType.id == office_services.c.service_type_id)):
        if office_id in where:
            services.setdefault(service_code, np.zeros(len(rows), dtype=bool))[where[office_id]] = True
    return OfficeIndex(ids=ids, codes=[r[1] for r in rows], lat=np.array([r[2] for r in rows], dtype=float),
                       lon=np.array([r[3] for r in rows], dtype=float),
                       province=np.array([r[4] for r in rows], dtype=object),
                       district=np.array([r[5] for r in rows], dtype=object), services=services)


_index_lock = threading.Lock()


def office_index(refresh: bool = False) -> OfficeIndex:
    """The application's office index, rebuilt when older than ``INDEX_TTL`` (or when asked)."""
    app = current_app._get_current_object()
    index: OfficeIndex | None = app.extensions.get(_EXTENSION_KEY)
    ttl = app.config.get("OFFICE_INDEX_TTL", INDEX_TTL)
    if refresh or index is None or time.monotonic() - index.built_at > ttl:
        with _index_lock:
            index = _build_index()
            app.extensions[_EXTENSION_KEY] = index
    return index


@dataclass(frozen=True)
class Near:
    """A point a citizen searches from (degrees)."""

    lat: float
    lon: float


def search_offices(*, province: str | None = None, district: str | None = None, service: str | None = None,
                   near: Near | None = None, limit: int = 50) -> tuple[list[Office], dict[int, float]]:
    """Active offices matching the filters; nearest first when ``near`` is given.

    Returns:
        ``(offices, travel)``: the offices (with district, province and services loaded) and, when ``near``
        is given, the travel time to each in minutes by office id.
    """
    index = office_index()
    mask = np.ones(index.ids.size, dtype=bool)
    if province:
        mask &= index.province == province
    if district:
        mask &= index.district == district
    if service:
        mask &= index.services.get(service, np.zeros(index.ids.size, dtype=bool))
    chosen = np.flatnonzero(mask)
    travel: dict[int, float] = {}
    if near is not None and chosen.size:
        minutes = travel_minutes(near.lat, near.lon, index.lat[chosen], index.lon[chosen])
        order = np.argsort(minutes, kind="stable")[:limit]
        chosen = chosen[order]
        travel = {int(index.ids[i]): float(m) for i, m in zip(chosen, minutes[order])}
    else:
        chosen = chosen[:limit]
    ids = [int(i) for i in index.ids[chosen]]
    return load_offices(ids), travel


def load_offices(ids: list[int]) -> list[Office]:
    """Offices by id, in the order given, with what pages show loaded."""
    if not ids:
        return []
    found = {o.id: o for o in db.session.scalars(
        select(Office).where(Office.id.in_(ids))
        .options(selectinload(Office.district).selectinload(District.province), selectinload(Office.services),
                 selectinload(Office.hours)))}
    return [found[i] for i in ids if i in found]


def office_by_code(code: str) -> Office | None:
    return db.session.scalar(select(Office).where(Office.code == str(code), Office.is_active))


def live_loads(office_ids: list[int]) -> dict[int, LiveLoad]:
    """The live load of each office (Redis; computed from the database when missing)."""
    return read_live_loads(office_ids)


@dataclass(frozen=True)
class Suggestion:
    """One recommended office and why, in minutes."""

    office: Office
    travel_min: float
    wait_mean: float
    wait_p50: float
    wait_p90: float
    en_route: int
    load: LiveLoad | None
    is_nearest: bool

    @property
    def total_min(self) -> float:
        return self.travel_min + self.wait_mean


@dataclass(frozen=True)
class RecommendationResult:
    suggestions: list[Suggestion]
    nearest: Suggestion | None
    at: dt.datetime


def _office_state(ids: list[int], lat: np.ndarray, lon: np.ndarray,
                  at: dt.datetime) -> tuple[OfficeState, dict[int, LiveLoad]]:
    """The engine's view of the offices: live line and counters, service times and walk-in rates."""
    from offices.estimates import office_models

    model, where = office_models(ids, at=at)
    loads = read_live_loads(ids)
    n = len(ids)
    counters = np.empty(n)
    waiting = np.zeros(n)
    busy = np.zeros(n)
    age = np.zeros(n)
    installed = np.asarray(model.timetable_counts[..., 0], dtype=float).reshape(-1)
    for k, office_id in enumerate(ids):
        load = loads.get(office_id)
        if load is not None:
            waiting[k], busy[k] = load.waiting, load.in_service
            counters[k] = load.counters_open or installed[where[office_id]]
            age[k] = max(0.0, (at - load.updated_at).total_seconds() / 60.0)
        else:
            counters[k] = installed[where[office_id]]
    order = [where[i] for i in ids]
    state = OfficeState(
        lat=lat, lon=lon, counters=np.maximum(counters, 1.0), waiting=waiting,
        busy=np.minimum(busy, np.maximum(counters, 1.0)),
        service_mean=np.broadcast_to(model.service_mean, (n,))[order],
        service_cv=np.broadcast_to(model.service_cv, (n,))[order],
        walkin_rate=np.asarray(model.arrivals_per_hour[..., 0], dtype=float).reshape(-1)[order] / 60.0,
        state_age=age)
    return state, loads


def recommend_offices(lat: float, lon: float, service: str | None = None, at: dt.datetime | None = None,
                      k: int = 5, spread: bool = True) -> RecommendationResult:
    """The ``k`` best offices for a citizen at ``(lat, lon)``: travel plus the wait predicted on arrival.

    Only the ``CANDIDATES`` nearest offices offering the service are weighed (a farther office cannot win
    on travel plus wait in a city; it keeps the answer fast over thousands of offices).
    """
    at = at or utcnow()
    index = office_index()
    mask = index.services.get(service, np.zeros(index.ids.size, dtype=bool)) if service else \
        np.ones(index.ids.size, dtype=bool)
    chosen = np.flatnonzero(mask)
    if chosen.size == 0:
        return RecommendationResult([], None, at)
    minutes = travel_minutes(lat, lon, index.lat[chosen], index.lon[chosen])
    near = chosen[np.argsort(minutes, kind="stable")[:CANDIDATES]]
    ids = [int(i) for i in index.ids[near]]
    state, loads = _office_state(ids, index.lat[near], index.lon[near], at)
    rec: Recommendation = recommend(lat, lon, state, None, k=min(k, len(ids)), spread=spread)
    nearest_k = int(np.argmin(rec.travel))
    picks = [int(i) for i in rec.order[:k]]
    offices = {o.id: o for o in load_offices(sorted({ids[i] for i in picks + [nearest_k]}))}

    def suggestion(i: int) -> Suggestion:
        return Suggestion(office=offices[ids[i]], travel_min=float(rec.travel[i]),
                          wait_mean=float(np.asarray(rec.wait.mean)[i]), wait_p50=float(np.asarray(rec.wait.p50)[i]),
                          wait_p90=float(np.asarray(rec.wait.p90)[i]), en_route=int(rec.en_route[i]),
                          load=loads.get(ids[i]), is_nearest=i == nearest_k)

    return RecommendationResult([suggestion(i) for i in picks], suggestion(nearest_k), at)


def local_day(moment: dt.datetime) -> dt.date:
    return to_tehran(moment).date()
