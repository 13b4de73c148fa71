"""Finding offices for citizens: search with filters, live loads, and the recommendation.

The active offices' positions and services are kept in a small in-process index (NumPy arrays, rebuilt
at most every ``INDEX_TTL`` seconds) so that "near me" and the recommendation over thousands of offices
need no scan of the offices table. Live loads come from ``offices.live`` (Redis); the ranking is the
engine's :func:`queueing.recommender.recommend` on the offices' live state and the citizens already on their
way (:mod:`booking.en_route`).

Two more per-process caches, kept as long as the index, keep the recommendation free of database queries
once warm: each office's public card (:class:`OfficeCard`: what the pages and the API show of it) and its
engine parameters for the current hour. An office's public load is served from a ready JSON document in
Redis (:func:`public_load_document`).
"""
from __future__ import annotations

import datetime as dt
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from booking import en_route
from booking.dates import to_tehran, utcnow
from booking.extensions import db
from booking.ordering import persian_key
from booking.public_load import PublicLoadCache
from booking.redis_conn import get_redis
from offices.live import PUBLIC_KEY, REDIS_ERRORS, STALE_AFTER, LiveLoad, read_live_loads, today_start_utc
from offices.live import KEY as LIVE_KEY
from offices.live import TTL as LIVE_TTL
from offices.models import District, Office, OpeningHours, Province, ServiceType, office_services
from queueing.model import Wait
from queueing.recommender import EnRoute, OfficeState, Recommendation, recommend, travel_minutes

INDEX_TTL = 60.0  # seconds
CANDIDATES = 40  # nearest offices offering the service that the recommendation weighs
NEIGHBOURHOOD = 200  # nearest offices whose cards and engine parameters are loaded together on a cache miss
_EXTENSION_KEY = "safnama.office_index"
_CARDS_KEY = "safnama.office_cards"
_ROWS_KEY = "safnama.office_rows"
_PARAMS_KEY = "safnama.engine_params"
_PUBLIC_LOAD_KEY = "safnama.public_load_cache"
_CHOICES_KEY = "safnama.search_choices"


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
    id_by_code: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.id_by_code:
            self.id_by_code = dict(zip(self.codes, self.ids.tolist()))

    def position(self) -> dict[str, int]:
        """Office code -> position in the arrays."""
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


def service_offered(service: str) -> bool:
    """Whether any active office offers the service with this code."""
    return service in office_index().services


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
    ids, travel = _search(province=province, district=district, service=service, near=near, limit=limit)
    return load_offices(ids), travel


def search_cards(*, province: str | None = None, district: str | None = None, service: str | None = None,
                 near: Near | None = None, limit: int = 50) -> tuple[list[OfficeCard], dict[int, float]]:
    """As :func:`search_offices`, but the offices' cards from the process cache (no query once warm)."""
    ids, travel = _search(province=province, district=district, service=service, near=near, limit=limit)
    cards = office_cards(ids)
    return [cards[i] for i in ids if i in cards], travel


def _search(*, province: str | None, district: str | None, service: str | None, near: Near | None,
            limit: int) -> tuple[list[int], dict[int, float]]:
    """The ids of the offices matching the filters (from the index) and the travel minutes to each."""
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
    return [int(i) for i in index.ids[chosen]], travel


def load_offices(ids: list[int]) -> list[Office]:
    """Offices by id, in the order given, with what pages show loaded."""
    if not ids:
        return []
    found = {o.id: o for o in db.session.scalars(
        select(Office).where(Office.id.in_(ids))
        .options(selectinload(Office.district).selectinload(District.province), selectinload(Office.services),
                 selectinload(Office.hours)))}
    return [found[i] for i in ids if i in found]


def office_by_code(code: str, session: Any = None) -> Office | None:
    """The active office with this code, its district, province, services and hours loaded in one query."""
    return (session or db.session).execute(
        select(Office).where(Office.code == str(code), Office.is_active)
        .options(joinedload(Office.district).joinedload(District.province), joinedload(Office.services),
                 joinedload(Office.hours))).unique().scalar_one_or_none()


def office_for_page(code: str) -> Office | None:
    """:func:`office_by_code` for a page that only reads the office: its rows are kept in the process as long
    as the office's card (``OFFICE_INDEX_TTL`` seconds), loaded apart from the request's session, and the kept
    copy is merged into the session without SQL. Forms that change something load the office afresh."""
    cache, ttl = _app_cache(_ROWS_KEY)
    now = time.monotonic()
    entry = cache.get(code)
    if entry is None or now - entry[0] > ttl:
        with Session(db.engine) as session:  # closed without a commit: every attribute stays loaded
            office = office_by_code(code, session)
        if office is None:  # not kept: only offices that exist are (any code may be asked)
            cache.pop(code, None)
            return None
        entry = cache[code] = (now, office)
    return db.session.merge(entry[1], load=False)


@dataclass(frozen=True)
class Place:
    """A province, judicial district or service as the search form lists it (a snapshot of its row)."""

    code: str
    name_fa: str
    name_en: str
    city_fa: str = ""
    city_en: str = ""
    lat: float = 0.0
    lon: float = 0.0
    province: str = ""


@dataclass(frozen=True)
class SearchChoices:
    """What the search form offers: provinces and districts (by Persian name), services (by letter)."""

    provinces: tuple[Place, ...]
    services: tuple[Place, ...]
    districts: tuple[Place, ...]
    built_at: float = field(default_factory=time.monotonic)

    def district(self, code: str) -> Place | None:
        return next((d for d in self.districts if d.code == code), None)

    def districts_of(self, province: str | None, limit: int = 200) -> list[Place]:
        """The districts of a province, or Tehran's when none is chosen."""
        if not province:
            tehran = {p.code for p in self.provinces if p.name_en == "Tehran"}
            return [d for d in self.districts if d.province in tehran][:limit]
        return [d for d in self.districts if d.province == province][:limit]


def consistent_place(choices: SearchChoices, province: str | None, district: str | None) -> tuple[str | None, str | None]:
    """The province and district a search form asks for, made consistent: a known district decides the
    province (so a province with another province's district never mixes the two); unknown codes are dropped."""
    found = choices.district(district) if district else None
    if found is not None:
        return found.province, found.code
    if province and not any(p.code == province for p in choices.provinces):
        province = None
    return province or None, None


def search_choices() -> SearchChoices:
    """The search form's lists, kept in the process like the office index (three queries on a miss)."""
    app = current_app._get_current_object()
    kept: SearchChoices | None = app.extensions.get(_CHOICES_KEY)
    if kept is None or time.monotonic() - kept.built_at > app.config.get("OFFICE_INDEX_TTL", INDEX_TTL):
        # In Persian order (booking.ordering), numbers inside names by value: districts 1, 2, … 10, not 1, 10, 2.
        provinces = tuple(sorted((Place(*row) for row in db.session.execute(
            select(Province.code, Province.name_fa, Province.name_en))), key=lambda p: persian_key(p.name_fa)))
        services = tuple(Place(*row) for row in db.session.execute(
            select(ServiceType.code, ServiceType.name_fa, ServiceType.name_en).order_by(ServiceType.letter)))
        districts = tuple(sorted((Place(*row) for row in db.session.execute(
            select(District.code, District.name_fa, District.name_en, District.city_fa, District.city_en,
                   District.lat, District.lon, Province.code)
            .join(Province, District.province_id == Province.id))), key=lambda d: persian_key(d.name_fa)))
        kept = app.extensions[_CHOICES_KEY] = SearchChoices(provinces, services, districts)
    return kept


def live_loads(office_ids: list[int]) -> dict[int, LiveLoad]:
    """The live load of each office (Redis; computed from the database when missing)."""
    return read_live_loads(office_ids)


def public_load_document(code: str) -> bytes | None:
    """The JSON document ``GET /api/offices/<code>/load`` answers (``LiveLoad.as_dict``), or None for an
    unknown or inactive office.

    The document :mod:`offices.live` writes with each live load, as kept by the process
    (:mod:`booking.public_load`, exact through Redis announcements; config ``PUBLIC_LOAD_CACHE``, on unless
    testing) or read with one Redis ``GET``; only ``stale`` is decided here, from the reading's time. Missing
    (or Redis away), or written on an earlier day, it is computed as for the pages.
    """
    office_id = office_index().id_by_code.get(code)
    if office_id is None:
        return None
    cache = _public_load_cache()
    raw = cache.get(office_id, lambda: _read_public_load(office_id)) if cache is not None else \
        _read_public_load(office_id)
    if raw is not None:
        stamp, _, document = raw.partition(b"|")
        if float(stamp) >= today_start_utc().timestamp():  # else another day's line: made again below
            if time.time() - float(stamp) > STALE_AFTER:
                document = document.replace(b'"stale":false', b'"stale":true', 1)
            return document
    load = read_live_loads([office_id])[office_id]
    if not load.stale:  # a load kept by an older writer: add its document
        try:
            get_redis().set(PUBLIC_KEY.format(office_id), load.public_document(), ex=LIVE_TTL)
        except REDIS_ERRORS:
            pass
    return json.dumps(load.as_dict(), sort_keys=True, separators=(",", ":")).encode()


def _read_public_load(office_id: int) -> bytes | None:
    try:
        return get_redis().get(PUBLIC_KEY.format(office_id))
    except REDIS_ERRORS:
        return None


def _public_load_cache() -> PublicLoadCache | None:
    """The application's :class:`PublicLoadCache`, or None when ``PUBLIC_LOAD_CACHE`` is off."""
    app = current_app._get_current_object()
    if not app.config.get("PUBLIC_LOAD_CACHE", not app.testing):
        return None
    cache = app.extensions.get(_PUBLIC_LOAD_KEY)
    if cache is None:
        with _index_lock:
            cache = app.extensions.get(_PUBLIC_LOAD_KEY)
            if cache is None:
                cache = app.extensions[_PUBLIC_LOAD_KEY] = PublicLoadCache(get_redis())
    return cache


def stop_public_load_cache(app: Flask) -> None:
    """Stop the application's :class:`PublicLoadCache` listener, if it has one (before Redis goes away)."""
    cache = app.extensions.get(_PUBLIC_LOAD_KEY)
    if cache is not None:
        cache.stop()


@dataclass(frozen=True)
class OfficeCard:
    """What the pages and the API show of an office (a snapshot of its row, kept in the process).

    Attributes mirror :class:`offices.models.Office` where pages use them (``code``, ``name_fa``, ``lat``…).
    """

    id: int
    code: str
    name_fa: str
    name_en: str
    address_fa: str
    address_en: str
    lat: float
    lon: float
    province: str
    district: str
    city_fa: str
    city_en: str
    counters: int
    slot_minutes: int
    services: tuple[dict[str, Any], ...]
    hours: tuple[dict[str, Any], ...]
    phone: str = ""

    @classmethod
    def of(cls, office: Office) -> OfficeCard:
        district = office.district
        return cls(id=office.id, code=office.code, name_fa=office.name_fa, name_en=office.name_en,
                   address_fa=office.address_fa, address_en=office.address_en, lat=office.lat, lon=office.lon,
                   province=district.province.code, district=district.code, city_fa=district.city_fa,
                   city_en=district.city_en, counters=office.counters, slot_minutes=office.slot_minutes,
                   services=tuple({"code": s.code, "name_fa": s.name_fa, "name_en": s.name_en,
                                   "typical_minutes": s.typical_minutes} for s in office.services),
                   hours=tuple({"weekday": h.weekday, "opens": h.opens.strftime("%H:%M"),
                                "closes": h.closes.strftime("%H:%M")} for h in office.hours),
                   phone=office.phone or "")

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_fa

    def as_json(self) -> dict[str, Any]:
        """The API's office fields (``OfficeSchema``) but ``travel_minutes`` and ``load``."""
        return {"code": self.code, "name_fa": self.name_fa, "name_en": self.name_en,
                "address_fa": self.address_fa, "address_en": self.address_en, "lat": self.lat, "lon": self.lon,
                "province": self.province, "district": self.district, "city_fa": self.city_fa,
                "city_en": self.city_en, "counters": self.counters, "slot_minutes": self.slot_minutes,
                "phone": self.phone, "services": [dict(s) for s in self.services],
                "hours": [dict(h) for h in self.hours]}


def _app_cache(key: str) -> tuple[dict, float]:
    """A per-application dict kept in ``app.extensions`` and the time (seconds) its entries are kept."""
    app = current_app._get_current_object()
    return app.extensions.setdefault(key, {}), float(app.config.get("OFFICE_INDEX_TTL", INDEX_TTL))


def _load_cards(ids: list[int]) -> list[OfficeCard]:
    """Offices' cards from the database: three plain queries (no ORM objects)."""
    services: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for office_id, code, name_fa, name_en, minutes in db.session.execute(
            select(office_services.c.office_id, ServiceType.code, ServiceType.name_fa, ServiceType.name_en,
                   ServiceType.typical_minutes)
            .join(ServiceType, ServiceType.id == office_services.c.service_type_id)
            .where(office_services.c.office_id.in_(ids)).order_by(ServiceType.letter)):
        services[office_id].append({"code": code, "name_fa": name_fa, "name_en": name_en,
                                    "typical_minutes": minutes})
    hours: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for office_id, weekday, opens, closes in db.session.execute(
            select(OpeningHours.office_id, OpeningHours.weekday, OpeningHours.opens, OpeningHours.closes)
            .where(OpeningHours.office_id.in_(ids)).order_by(OpeningHours.weekday)):
        hours[office_id].append({"weekday": weekday, "opens": opens.strftime("%H:%M"),
                                 "closes": closes.strftime("%H:%M")})
    rows = db.session.execute(
        select(Office.id, Office.code, Office.name_fa, Office.name_en, Office.address_fa, Office.address_en,
               Office.lat, Office.lon, Province.code, District.code, District.city_fa, District.city_en,
               Office.counters, Office.slot_minutes, Office.phone)
        .join(District, Office.district_id == District.id).join(Province, District.province_id == Province.id)
        .where(Office.id.in_(ids)))
    return [OfficeCard(*row[:14], services=tuple(services[row[0]]), hours=tuple(hours[row[0]]), phone=row[14] or "")
            for row in rows]


def office_cards(ids: list[int], prefetch: list[int] | None = None) -> dict[int, OfficeCard]:
    """Offices' cards by id, from the process cache; when one is missing (or old), those of ``prefetch``
    that are missing too are loaded with it (the candidates of a recommendation, likely shown next)."""
    cache, ttl = _app_cache(_CARDS_KEY)
    now = time.monotonic()

    def kept(office_id: int) -> OfficeCard | None:
        entry = cache.get(office_id)
        return entry[1] if entry is not None and now - entry[0] <= ttl else None

    found = {i: card for i in ids if (card := kept(i)) is not None}
    if len(found) < len(set(ids)):
        wanted = list(dict.fromkeys([i for i in ids if i not in found] +
                                    [i for i in prefetch or () if kept(i) is None]))
        for card in _load_cards(wanted):
            cache[card.id] = (now, card)
            if card.id in ids:
                found[card.id] = card
    return found


@dataclass(frozen=True)
class _EngineParams:
    """An office's engine parameters for one local hour: counters installed, service time, walk-ins."""

    installed: float
    service_mean: float
    service_cv: float
    arrivals_per_hour: float


def _engine_params(ids: list[int], at: dt.datetime, prefetch: list[int] | None = None) -> list[_EngineParams]:
    """Each office's engine parameters for the hour of ``at``, cached in the process like the index; when one
    is missing (or old), those of ``prefetch`` that are missing too are loaded with it."""
    from offices.estimates import office_models

    cache, ttl = _app_cache(_PARAMS_KEY)
    local = to_tehran(at)
    hour = (local.date(), local.hour)
    now = time.monotonic()

    def fresh(office_id: int) -> bool:
        kept = cache.get(office_id)
        return kept is not None and kept[1] == hour and now - kept[0] <= ttl

    missing = [i for i in ids if not fresh(i)]
    if missing:
        missing = list(dict.fromkeys(missing + [i for i in prefetch or () if not fresh(i)]))
        model, where = office_models(missing, at=at)
        n = len(missing)
        installed = np.broadcast_to(np.asarray(model.timetable_counts[..., 0], dtype=float).reshape(-1), (n,))
        mean = np.broadcast_to(model.service_mean, (n,))
        cv = np.broadcast_to(model.service_cv, (n,))
        walkins = np.broadcast_to(np.asarray(model.arrivals_per_hour[..., 0], dtype=float).reshape(-1), (n,))
        for office_id in missing:
            k = where[office_id]
            cache[office_id] = (now, hour, _EngineParams(float(installed[k]), float(mean[k]), float(cv[k]),
                                                         float(walkins[k])))
    return [cache[i][2] for i in ids]


@dataclass(frozen=True)
class Suggestion:
    """One recommended office and why, in minutes."""

    office: OfficeCard
    travel_min: float
    wait_mean: float
    wait_p50: float
    wait_p90: float
    en_route: int
    load: LiveLoad | None
    is_nearest: bool
    opens_at: dt.datetime | None = None  # the office is closed when the citizen would arrive: its next opening
    no_counter_open: bool = False  # open, but no counter is open yet (the wait uses the counters expected)
    counters: int = 0  # counters expected on arrival

    @property
    def total_min(self) -> float:
        return self.travel_min + self.wait_mean

    @property
    def is_open(self) -> bool:
        """Whether the office is open when the citizen would arrive."""
        return self.opens_at is None


@dataclass(frozen=True)
class RecommendationResult:
    suggestions: list[Suggestion]
    nearest: Suggestion | None
    at: dt.datetime
    next_opening: bool = False  # no office offering the service is open then: the suggestions are for openings
    loads: dict[int, LiveLoad] = field(default_factory=dict)  # the live loads read of the offices weighed


#: Reads each office's live load, the records of the citizens on their way and those sent in the last hour in
#: one command (``KEYS``: live keys, record keys, sent keys, office by office; ``ARGV``: the score bounds of
#: :func:`booking.en_route.read_bounds`): a pipeline of two commands per office costs more to write and read.
_LIVE_AND_EN_ROUTE_SCRIPT = """
local n = #KEYS / 3
local loads, rows, counts = {}, {}, {}
for i = 1, n do
  loads[i] = redis.call('GET', KEYS[i])
  rows[i] = redis.call('ZRANGEBYSCORE', KEYS[n + i], ARGV[1], '+inf', 'WITHSCORES')
  counts[i] = redis.call('ZCOUNT', KEYS[2 * n + i], ARGV[2], '+inf')
end
return {loads, rows, counts}
"""
_scripts: dict[int, Any] = {}


def _live_and_en_route_script() -> Any:
    """The script above, registered with the application's Redis client (``EVALSHA``, loaded when missing)."""
    client = get_redis()
    script = _scripts.get(id(client))
    if script is None or script.registered_client is not client:
        script = _scripts[id(client)] = client.register_script(_LIVE_AND_EN_ROUTE_SCRIPT)
    return script


#: Seconds a web process reuses its reading of the same offices' live loads and citizens on their way, for the
#: same second (config ``LIVE_READING_TTL``; 0 turns it off, as in tests unless set): at a morning peak many
#: citizens nearby ask about the same forty offices within a second.
LIVE_READING_TTL = 1.0
LIVE_READINGS_MAX = 512
_readings: dict[tuple, tuple[float, dict[int, LiveLoad], en_route.EnRouteReading]] = {}


def _live_and_en_route(ids: list[int], at: dt.datetime) -> tuple[dict[int, LiveLoad], en_route.EnRouteReading]:
    """The offices' live loads and the records of the citizens Safnama sent there, read in one Redis command
    (or the reading of the same offices for the same second, kept ``LIVE_READING_TTL`` seconds); loads missing
    from Redis (or all, with Redis away) come from :func:`read_live_loads`."""
    if not ids:
        return {}, en_route.EnRouteReading({}, {})
    app = current_app._get_current_object()
    ttl = float(app.config.get("LIVE_READING_TTL", 0.0 if app.testing else LIVE_READING_TTL))
    if ttl <= 0:
        return _read_live_and_en_route(ids, at)
    key = (id(app), tuple(ids), int(at.timestamp()))
    clock = time.monotonic()
    kept = _readings.get(key)
    if kept is not None and clock - kept[0] < ttl:
        return kept[1], kept[2]
    loads, reading = _read_live_and_en_route(ids, at)
    if len(_readings) >= LIVE_READINGS_MAX:
        _readings.clear()
    _readings[key] = (clock, loads, reading)
    return loads, reading


def _read_live_and_en_route(ids: list[int], at: dt.datetime) -> tuple[dict[int, LiveLoad], en_route.EnRouteReading]:
    try:
        raws, rows, counts = _live_and_en_route_script()(
            keys=[LIVE_KEY.format(i) for i in ids] + en_route.record_keys(ids), args=en_route.read_bounds(at))
    except REDIS_ERRORS:
        return read_live_loads(ids), en_route.EnRouteReading({}, {})
    loads = {office_id: LiveLoad.from_json(raw) for office_id, raw in zip(ids, raws) if raw is not None}
    if len(loads) < len(ids):
        loads.update(read_live_loads([i for i in ids if i not in loads]))
    return loads, en_route.reading_from_rows(ids, rows, counts)


def _office_state(ids: list[int], lat: np.ndarray, lon: np.ndarray, at: dt.datetime,
                  loads: dict[int, LiveLoad], reading: en_route.EnRouteReading,
                  prefetch: list[int] | None = None) -> OfficeState:
    """The engine's view of the offices: live line and counters, service times, the rate of citizens Safnama
    is sending there and the walk-ins beside them (the fitted arrival rate less Safnama's own)."""
    params = _engine_params(ids, at, prefetch)
    n = len(ids)
    counters = np.empty(n)
    waiting = np.zeros(n)
    busy = np.zeros(n)
    age = np.zeros(n)
    for k, office_id in enumerate(ids):
        load = loads.get(office_id)
        installed = params[k].installed
        if load is not None:
            waiting[k], busy[k] = load.waiting, load.in_service
            counters[k] = load.counters_open or installed
            age[k] = max(0.0, (at - load.updated_at).total_seconds() / 60.0)
        else:
            counters[k] = installed
    sent_rate = np.array([reading.sent_rate(office_id) for office_id in ids])
    arrivals = np.array([p.arrivals_per_hour for p in params]) / 60.0
    state = OfficeState(
        lat=lat, lon=lon, counters=np.maximum(counters, 1.0), waiting=waiting,
        busy=np.minimum(busy, np.maximum(counters, 1.0)),
        service_mean=np.array([p.service_mean for p in params]),
        service_cv=np.array([p.service_cv for p in params]),
        walkin_rate=np.maximum(arrivals - sent_rate, 0.0), state_age=age, sent_rate=sent_rate)
    return state


def _en_route(ids: list[int], at: dt.datetime, reading: en_route.EnRouteReading) -> EnRoute:
    """The citizens on their way to the offices, as the engine takes them (office index, ETA minutes from
    ``at``; negative for those already there but perhaps not yet in the office's reading)."""
    etas = reading.etas
    offices = [k for k, office_id in enumerate(ids) for _ in etas.get(office_id, ())]
    minutes = [(eta - at.timestamp()) / 60.0 for office_id in ids for eta in etas.get(office_id, ())]
    return EnRoute(office=np.array(offices, dtype=np.int64), eta=np.array(minutes, dtype=float))


def recommend_offices(lat: float, lon: float, service: str | None = None, at: dt.datetime | None = None,
                      k: int = 5, spread: bool = True) -> RecommendationResult:
    """The ``k`` best offices for a citizen at ``(lat, lon)``: travel plus the wait predicted on arrival
    (:func:`offices.forecast.forecast_waits` at the arrival moment), counting the citizens already on their
    way to each in the ranking.

    An office closed when the citizen would arrive is never suggested for that moment. Asked about now
    (``at`` None) when none of the candidates is open, the suggestions are the offices' next openings, each
    with the wait predicted at its opening (``Suggestion.opens_at``, ``next_opening``).

    Only the ``CANDIDATES`` nearest offices offering the service are weighed (a farther office cannot win
    on travel plus wait in a city; it keeps the answer fast over thousands of offices). Once the process
    caches are warm (office cards, engine parameters and forecast profiles: loaded ``NEIGHBOURHOOD``
    offices at a time), the answer needs one database query (the slots booked) and two Redis round trips.
    """
    from offices.forecast import forecast_waits, office_profiles

    asked_now = at is None
    now = utcnow()
    at = at or now
    index = office_index()
    mask = index.services.get(service, np.zeros(index.ids.size, dtype=bool)) if service else \
        np.ones(index.ids.size, dtype=bool)
    chosen = np.flatnonzero(mask)
    if chosen.size == 0:
        return RecommendationResult([], None, at)
    minutes = travel_minutes(lat, lon, index.lat[chosen], index.lon[chosen])
    if chosen.size > NEIGHBOURHOOD:
        wide = np.argpartition(minutes, NEIGHBOURHOOD - 1)[:NEIGHBOURHOOD]
        chosen, minutes = chosen[wide], minutes[wide]
    neighbourhood = [int(i) for i in index.ids[chosen]]
    if chosen.size > CANDIDATES:
        part = np.argpartition(minutes, CANDIDATES - 1)[:CANDIDATES]
        near = chosen[part[np.argsort(minutes[part], kind="stable")]]
    else:
        near = chosen[np.argsort(minutes, kind="stable")]
    ids = [int(i) for i in index.ids[near]]
    office_profiles(neighbourhood, now)  # warm the forecast's cache for the neighbourhood at once
    loads, reading = _live_and_en_route(ids, now)
    travel = travel_minutes(lat, lon, index.lat[near], index.lon[near])
    answers = forecast_waits([(office_id, at + dt.timedelta(minutes=float(t))) for office_id, t in zip(ids, travel)],
                             now=now, loads=loads)
    is_open = np.array([a is not None and a.is_open for a in answers])
    next_opening = False
    if is_open.any():
        keep = np.flatnonzero(is_open)
    elif asked_now:
        keep = np.flatnonzero([a is not None and a.opens_at is not None for a in answers])
        next_opening = True
    else:
        keep = np.zeros(0, dtype=np.int64)
    if keep.size == 0:
        return RecommendationResult([], None, at, next_opening, loads)
    ids = [ids[i] for i in keep]
    near = near[keep]
    answers = [answers[i] for i in keep]
    # What the visit costs but the wait (minutes): the travel, plus the time until the opening when closed,
    # counted from the earliest opening (the hours every office is shut alike are no cost of choosing one,
    # and would widen the recommender's near-equal tolerance, a share of the best score, to hours).
    until = np.array([0.0 if a.is_open else max(0.0, (a.at - at).total_seconds() / 60.0) for a in answers])
    reach = np.array([float(travel[i]) for i in keep]) + until - until.min()
    state = _office_state(ids, index.lat[near], index.lon[near], at, loads, reading, prefetch=neighbourhood)
    state = OfficeState(**{**state.__dict__, "counters": np.array([float(max(a.counters, 1)) for a in answers])})
    wait = Wait(mean=np.array([a.mean for a in answers]), p50=np.array([a.p50 for a in answers]),
                p90=np.array([a.p90 for a in answers]))
    rec: Recommendation = recommend(lat, lon, state, _en_route(ids, at, reading), k=min(k, len(ids)),
                                    spread=spread, travel=reach, wait=wait)
    nearest_k = int(np.argmin(travel[keep]))
    picks = [int(i) for i in rec.order[:k]]
    cards = office_cards(sorted({ids[i] for i in picks + [nearest_k]}), prefetch=neighbourhood)

    def suggestion(i: int) -> Suggestion:
        a = answers[i]
        return Suggestion(office=cards[ids[i]], travel_min=float(travel[keep[i]]),
                          wait_mean=float(rec.wait.mean[i]), wait_p50=float(rec.wait.p50[i]),
                          wait_p90=float(rec.wait.p90[i]), en_route=int(rec.en_route[i]), load=loads.get(ids[i]),
                          is_nearest=i == nearest_k, opens_at=a.opens_at, no_counter_open=a.no_counter_open,
                          counters=a.counters)

    nearest = suggestion(nearest_k) if ids[nearest_k] in cards else None
    return RecommendationResult([suggestion(i) for i in picks if ids[i] in cards], nearest, at, next_opening,
                                loads)


def local_day(moment: dt.datetime) -> dt.date:
    return to_tehran(moment).date()
