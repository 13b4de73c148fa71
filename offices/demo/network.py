"""Deterministic placement of the demo network of e-judicial services offices.

``build_network(n_offices, seed)`` places ``n_offices`` offices around the real cities of
:mod:`offices.demo.geography` and returns plain data (no database):

* **Provinces** get offices in proportion to their 2016 population (largest remainder, at least one each);
  inside a province the listed cities share them in proportion to their population (the capital gets at
  least one). Tehran city's share is spread over its 22 municipal districts by district population, each
  office jittered around its district centre (about a kilometre); elsewhere offices are jittered around the
  city centre within a radius that grows with the city.
* **Judicial districts** (حوزه قضایی): one per city that has an office, and in Tehran city one per
  municipal district. Codes are ``<province>-<nn>``: in Tehran province ``23-01`` … ``23-22`` are the
  municipal districts and ``23-23`` on the other cities; elsewhere ``nn`` is the city's rank (``01`` the capital).
* **Office codes** are the province code followed by a 4-digit serial within the province (``230017``),
  numbered in city order, so the same ``n_offices`` and ``seed`` always give the same codes.
* **Catchment**: the people an office serves: its city's (or Tehran district's) population, grossed up so
  that the province's whole population (towns and villages not listed) is covered, divided among the
  offices there. **Demand** (mean arrivals on an ordinary Sunday–Tuesday) is a base that grows with the
  size of the city (30 a day in a small town up to 125 in Tehran) times the office's relative catchment and
  a local factor, so a busy Tehran office sees 100–250 people a day and a small-town office 20–60
  whatever the total number of offices.
* **Counters** (2–8) cover the expected Saturday peak hour at about 85% utilisation; they are sized without
  the office's local factor, so some offices are busier than their counters and some are idle.
* **Services**: the core services everywhere, the specialised ones (Administrative Justice Court, Armed
  Forces Judicial Organisation, certified copies) at most offices.
* **Opening hours** (minutes after midnight, Tehran time; 0 = Saturday … 6 = Friday): Saturday–Wednesday
  07:30–14:30 or a variant (07:00–14:00, 08:00–15:00), Thursday short (07:30–12:00 or similar), Friday
  closed; about one office in ten in the large cities keeps afternoon hours (07:30–19:00).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from offices.demo.geography import (
    AREA_CODES,
    PERSIAN_DIGITS,
    PROVINCES,
    TEHRAN_DISTRICTS,
    TEHRAN_PROVINCE_CODE,
    City,
    ProvinceInfo,
)
from offices.service_catalogue import SERVICE_CATALOGUE, mean_service_minutes

DEFAULT_OFFICES = 600
BENCHMARK_OFFICES = 3000
FRIDAY = 6
THURSDAY = 5

# (Sat–Wed opens, closes, Thursday opens, closes) in minutes after midnight, and how common each is.
HOURS_VARIANTS: tuple[tuple[int, int, int, int], ...] = (
    (7 * 60 + 30, 14 * 60 + 30, 7 * 60 + 30, 12 * 60),  # the usual day
    (7 * 60, 14 * 60, 7 * 60, 11 * 60 + 30),
    (8 * 60, 15 * 60, 8 * 60, 12 * 60 + 30),
)
HOURS_VARIANT_WEIGHTS = (0.72, 0.12, 0.16)
AFTERNOON_HOURS = (7 * 60 + 30, 19 * 60, 7 * 60 + 30, 13 * 60)
AFTERNOON_SHARE = 0.10  # of offices in cities of 400,000 people or more

STREETS: tuple[tuple[str, str], ...] = (
    ("خیابان امام خمینی", "Imam Khomeini St."), ("خیابان آزادی", "Azadi St."),
    ("بلوار کشاورز", "Keshavarz Blvd."), ("خیابان انقلاب", "Enghelab St."),
    ("خیابان شریعتی", "Shariati St."), ("خیابان ولیعصر", "Valiasr St."),
    ("خیابان طالقانی", "Taleghani St."), ("خیابان مطهری", "Motahari St."),
    ("بلوار جمهوری", "Jomhouri Blvd."), ("خیابان فردوسی", "Ferdowsi St."),
    ("خیابان حافظ", "Hafez St."), ("خیابان سعدی", "Saadi St."),
    ("بلوار شهید بهشتی", "Shahid Beheshti Blvd."), ("خیابان مدرس", "Modarres St."),
    ("بلوار امام رضا", "Imam Reza Blvd."), ("خیابان شهید باهنر", "Shahid Bahonar St."),
    ("خیابان چمران", "Chamran St."), ("بلوار معلم", "Moallem Blvd."),
    ("خیابان دادگستری", "Dadgostari St."), ("میدان شهدا", "Shohada Sq."),
)
FLOORS: tuple[tuple[str, str], ...] = (
    ("همکف", "ground floor"), ("طبقه اول", "1st floor"), ("طبقه دوم", "2nd floor"),
)


@dataclass(frozen=True)
class JudicialDistrictSpec:
    """A judicial district (حوزه قضایی) of the demo network."""

    code: str
    province_code: str
    name_fa: str
    name_en: str
    city_fa: str
    city_en: str
    lat: float
    lon: float


@dataclass(frozen=True)
class OfficeSpec:
    """One office of the demo network, ready to be written to the database."""

    code: str
    province_code: str
    district_code: str
    name_fa: str
    name_en: str
    address_fa: str
    address_en: str
    phone: str
    city_fa: str
    city_en: str
    lat: float
    lon: float
    counters: int
    catchment: int  # people served
    weekday_demand: float  # mean arrivals on an ordinary Sunday–Tuesday
    services: tuple[str, ...]  # service codes offered
    opens: tuple[int, ...]  # per weekday 0 = Saturday … 6 = Friday, minutes after midnight; -1 = closed
    closes: tuple[int, ...]
    slot_minutes: int
    walkin_reserve: float
    afternoon: bool
    speed: float = 1.0  # the staff's pace: every service takes this times the catalogue's time (lognormal, σ = 0.1)


@dataclass(frozen=True)
class OfficeNetwork:
    """The whole demo network: provinces, judicial districts and offices (ordered by code)."""

    provinces: tuple[ProvinceInfo, ...]
    districts: tuple[JudicialDistrictSpec, ...]
    offices: tuple[OfficeSpec, ...]
    seed: int

    def offices_in(self, province_code: str) -> list[OfficeSpec]:
        return [o for o in self.offices if o.province_code == province_code]


def largest_remainder(total: int, weights: np.ndarray, minimum: np.ndarray | None = None) -> np.ndarray:
    """Split ``total`` whole items in proportion to ``weights``, each getting at least ``minimum``."""
    weights = np.asarray(weights, dtype=float)
    floor = np.zeros(len(weights), dtype=np.int64) if minimum is None else np.asarray(minimum, dtype=np.int64)
    if floor.sum() > total:
        raise ValueError(f"cannot give {total} items to {len(weights)} places with their minimum")
    quota = weights / weights.sum() * total
    counts = np.maximum(np.floor(quota).astype(np.int64), floor)
    while counts.sum() > total:  # minimums pushed us over: take from the largest surplus over the quota
        surplus = np.where(counts > floor, counts - quota, -np.inf)
        counts[int(np.argmax(surplus))] -= 1
    remainder = quota - counts
    for index in np.argsort(-remainder, kind="stable")[: total - counts.sum()]:
        counts[index] += 1
    return counts


def fa_digits(value: object) -> str:
    return str(value).translate(PERSIAN_DIGITS)


def _city_base_demand(population: int) -> float:
    """Mean daily arrivals at an office of a city of this size, before the office's own factors."""
    if population >= 2_000_000:
        return 125.0
    if population >= 1_000_000:
        return 95.0
    if population >= 400_000:
        return 75.0
    if population >= 150_000:
        return 58.0
    if population >= 60_000:
        return 42.0
    return 30.0


PEAK_HOUR_SHARE = 0.17  # share of a day's arrivals in the busiest hour (see offices.demo.history)


def counters_for(weekday_demand: float) -> int:
    """Counters installed: enough for the Saturday peak hour at about 85% utilisation, from 2 to 8."""
    peak_erlangs = weekday_demand * 1.2 * PEAK_HOUR_SHARE * mean_service_minutes() / 60.0
    return int(np.clip(math.ceil(peak_erlangs / 0.85), 2, 8))


@dataclass
class _Site:
    """Where offices go: a city, or one of Tehran's municipal districts."""

    district: JudicialDistrictSpec
    city: City
    population: int  # of the city or the Tehran district
    lat: float
    lon: float
    jitter_km: float
    area_fa: str = ""
    area_en: str = ""


def _sites(province: ProvinceInfo) -> list[_Site]:
    sites: list[_Site] = []
    for rank, city in enumerate(province.cities):
        if province.code == TEHRAN_PROVINCE_CODE and rank == 0:
            for d in TEHRAN_DISTRICTS:
                district = JudicialDistrictSpec(
                    code=f"{province.code}-{d.number:02d}", province_code=province.code,
                    name_fa=f"حوزه قضایی {d.name_fa} تهران", name_en=f"Tehran {d.name_en} judicial district",
                    city_fa=city.name_fa, city_en=city.name_en, lat=d.lat, lon=d.lon)
                sites.append(_Site(district, city, d.population, d.lat, d.lon, 1.1, d.name_fa, d.name_en))
            continue
        number = rank + (len(TEHRAN_DISTRICTS) if province.code == TEHRAN_PROVINCE_CODE else 1)
        district = JudicialDistrictSpec(
            code=f"{province.code}-{number:02d}", province_code=province.code,
            name_fa=f"حوزه قضایی شهرستان {city.name_fa}", name_en=f"{city.name_en} judicial district",
            city_fa=city.name_fa, city_en=city.name_en, lat=city.lat, lon=city.lon)
        sites.append(_Site(district, city, city.population, city.lat, city.lon,
                           0.5 + 2.0 * math.sqrt(city.population / 1e6)))
    return sites


def demo_phone(province_code: str, office_code: str) -> str:
    """A landline for a demo office, from its code (no random draw, so the network's other draws are unchanged):
    the province's area code and eight digits, e.g. ``021-88412345``."""
    local = (int(office_code) * 2_654_435_761) % 10**6
    return f"{AREA_CODES.get(province_code, '021')}-{'88' if province_code == '23' else '32'}{local:06d}"


def build_network(n_offices: int = DEFAULT_OFFICES, seed: int = 1405) -> OfficeNetwork:
    """Place ``n_offices`` offices (at least 31, one per province) deterministically from ``seed``."""
    if n_offices < len(PROVINCES):
        raise ValueError(f"at least {len(PROVINCES)} offices are needed (one per province), not {n_offices}")
    rng = np.random.default_rng([seed, 0x0FF1CE])
    per_province = largest_remainder(n_offices, np.array([p.population for p in PROVINCES]),
                                     np.ones(len(PROVINCES), dtype=np.int64))
    catchments: list[float] = []
    placed: list[tuple[ProvinceInfo, _Site, int]] = []  # (province, site, serial)
    districts: list[JudicialDistrictSpec] = []
    for province, count in zip(PROVINCES, per_province):
        sites = _sites(province)
        listed = sum(c.population for c in province.cities)
        gross_up = province.population / listed  # towns and villages not listed are served by these cities
        minimum = np.zeros(len(sites), dtype=np.int64)
        if province.code != TEHRAN_PROVINCE_CODE:
            minimum[0] = 1  # the capital always has an office
        else:
            minimum[int(np.argmax([s.population for s in sites]))] = 1
        per_site = largest_remainder(int(count), np.array([s.population for s in sites]), minimum)
        serial = 0
        for site, k in zip(sites, per_site):
            if k == 0:
                continue
            districts.append(site.district)
            for _ in range(int(k)):
                serial += 1
                placed.append((province, site, serial))
                catchments.append(site.population * gross_up / k)
    catchment = np.array(catchments)
    median_catchment = float(np.median(catchment))

    n = len(placed)
    local = rng.lognormal(0.0, 0.2, n)
    jitter = rng.standard_normal((n, 2))
    variant = rng.choice(len(HOURS_VARIANTS), size=n, p=HOURS_VARIANT_WEIGHTS)
    afternoon_draw = rng.random(n)
    service_draw = rng.random((n, len(SERVICE_CATALOGUE)))
    street = rng.integers(0, len(STREETS), n)
    alley = rng.integers(1, 40, n)
    plate = rng.integers(1, 300, n)
    floor = rng.integers(0, len(FLOORS), n)
    reserve = rng.choice([0.2, 0.3, 0.3, 0.3, 0.4], size=n)
    # A stream of its own, so that the rest of the network is drawn as before the pace was the office's.
    speed = np.random.default_rng([seed, 0x5BEED]).lognormal(0.0, 0.1, n)

    offices: list[OfficeSpec] = []
    for i, (province, site, serial) in enumerate(placed):
        code = f"{province.code}{serial:04d}"
        city = site.city
        km = site.jitter_km
        lat = site.lat + jitter[i, 0] * km / 111.0
        lon = site.lon + jitter[i, 1] * km / (111.0 * math.cos(math.radians(site.lat)))
        relative = float(np.clip((catchment[i] / median_catchment) ** 0.3, 0.7, 1.5))
        demand = float(np.clip(_city_base_demand(city.population) * relative * local[i], 15.0, 230.0))
        counters = counters_for(demand / local[i])  # sized for the expected demand, not the office's own
        afternoon = city.population >= 400_000 and afternoon_draw[i] < AFTERNOON_SHARE
        wk_open, wk_close, th_open, th_close = AFTERNOON_HOURS if afternoon else HOURS_VARIANTS[variant[i]]
        opens = tuple([wk_open] * 5 + [th_open, -1])
        closes = tuple([wk_close] * 5 + [th_close, -1])
        offered_factor = 1.0 if counters > 2 else 0.8  # the smallest offices drop some specialised services
        services = tuple(s.code for j, s in enumerate(SERVICE_CATALOGUE)
                         if s.offered_share >= 1.0 or service_draw[i, j] < s.offered_share * offered_factor)
        where_fa = f"{city.name_fa}، {site.area_fa}" if site.area_fa else city.name_fa
        where_en = f"{site.area_en}, {city.name_en}" if site.area_en else city.name_en
        street_fa, street_en = STREETS[street[i]]
        floor_fa, floor_en = FLOORS[floor[i]]
        offices.append(OfficeSpec(
            code=code, province_code=province.code, district_code=site.district.code,
            name_fa=f"دفتر خدمات الکترونیک قضایی کد {fa_digits(code)} {city.name_fa}",
            name_en=f"E-Judicial Services Office {code}, {city.name_en}",
            address_fa=(f"{where_fa}، {street_fa}، کوچه {fa_digits(alley[i])}، پلاک {fa_digits(plate[i])}، "
                        f"{floor_fa}"),
            address_en=f"No. {plate[i]}, Alley {alley[i]}, {street_en}, {where_en} ({floor_en})",
            phone=demo_phone(province.code, code),
            city_fa=city.name_fa, city_en=city.name_en, lat=round(float(lat), 6), lon=round(float(lon), 6),
            counters=counters, catchment=round(catchment[i]), weekday_demand=round(demand, 2),
            services=services, opens=opens, closes=closes, slot_minutes=15,
            walkin_reserve=float(reserve[i]), afternoon=bool(afternoon), speed=round(float(speed[i]), 4)))
    offices.sort(key=lambda o: o.code)
    districts.sort(key=lambda d: d.code)
    return OfficeNetwork(provinces=PROVINCES, districts=tuple(districts), offices=tuple(offices), seed=seed)
