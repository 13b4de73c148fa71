"""Where new offices and counters are needed: :func:`queueing.city.plan_offices` on a city's real offices.

What goes into the city model (:class:`queueing.city.City`) for one city (the judicial districts of a province
that share ``city_en``):

* **offices**: the city's active offices, their position and installed counters from the database; each
  office's mean service time is ``service_sum / served`` of its hourly aggregates (the city's mean, or
  12 minutes, where it served nobody);
* **demand**: the visits of the last :data:`DEMAND_DAYS` days in the hourly aggregates divided by the number of
  days the city's offices were open (days with visits), spread over the usual opening day (the median Sunday
  hours of the city's offices) with the hourly profile of those visits;
* **origins** (where citizens set out from): around each judicial district's centre, a disc of 19 points
  (the centre, 6 at half the radius, 12 at the radius), weighted by the district's population: Tehran's 22
  municipal districts from :mod:`offices.demo.geography`, elsewhere the city's census population shared among
  its districts (equal weights when the city is not listed). The radius is 2 km, or for a city with a single
  district the distance to its farthest office plus 1 km;
* **candidate sites**: the judicial districts' centres; when that gives fewer than ``new_offices + 3`` sites,
  also the points of the origin discs (a city with one district gets a ring of candidates around its centre).

Citizens go to the nearest office (the planning default of :func:`~queueing.city.plan_offices`). The plan is
simulated over ``days`` days (default 2); on the demo's Tehran (about 70 offices, 22 candidates) that is some
fifteen seconds, so it runs as an RQ job (:func:`run_plan`, which takes the id of a
:class:`~offices.models.PlanRun` row, stores the result there and is safe to run twice); the page shows the
progress estimated from the time one simulation took, then the plan.
"""
from __future__ import annotations

import datetime as dt
import logging
import math
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np
from sqlalchemy import select

from booking.dates import to_tehran, utcnow
from booking.extensions import db
from offices.models import District, Office, OfficeHourlyStats, PlanRun, Province, Role, Scope, User
from queueing.city import City, plan_offices, simulate_city

log = logging.getLogger(__name__)

DEMAND_DAYS = 28
DEFAULT_SERVICE_MINUTES = 12.0
DISTRICT_RADIUS_KM = 2.0
COUNTER_CANDIDATES = 8
LIMITS = {"new_offices": (1, 5, 3), "counters": (1, 10, 4), "days": (1, 5, 2)}  # (low, high, default)
KM_PER_DEGREE = 111.32


class PlanningError(ValueError):
    """The city cannot be planned (no offices, no visits); the message is for the page."""


@dataclass
class Site:
    """A candidate site for a new office, with its names (a district's, or "near" one)."""

    lat: float
    lon: float
    name_fa: str
    name_en: str


@dataclass
class CityInputs:
    """Everything :func:`plan_offices` gets for a city, and the offices it stands for (same order)."""

    offices: list[Office]
    city: City
    sites: list[Site]
    arrivals_per_day: float
    open_days: int
    service_means: list[float] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------ access

def city_office_ids(province_id: int, city_en: str) -> list[int]:
    """Ids of the active offices of a city."""
    return list(db.session.scalars(
        select(Office.id).join(District, District.id == Office.district_id)
        .where(District.province_id == province_id, District.city_en == city_en, Office.is_active.is_(True))))


def can_plan(user: User, province: Province, city_en: str) -> bool:
    """Admins and national supervisors plan any city, a province supervisor the cities of their province, a
    district supervisor a city only when every office of it is in their district."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role == Role.ADMIN.value or (user.role == Role.SUPERVISOR.value and user.scope == Scope.NATION.value):
        return True
    if user.role != Role.SUPERVISOR.value:
        return False
    if user.scope == Scope.PROVINCE.value:
        return user.province_id == province.id
    if user.scope == Scope.DISTRICT.value and user.district_id is not None:
        ids = city_office_ids(province.id, city_en)
        return bool(ids) and set(ids) <= set(db.session.scalars(
            select(Office.id).where(Office.district_id == user.district_id)))
    return False


def cities_in_scope(user: User) -> list[dict[str, Any]]:
    """The cities this supervisor may plan, by province, with their number of offices."""
    from offices import records

    provinces = {p.code: p for p in db.session.scalars(select(Province))}
    return [c for c in records.cities() if can_plan(user, provinces[c["province_code"]], c["city_en"])]


# ------------------------------------------------------------------------------------------------ inputs

def _disc(lat: float, lon: float, radius_km: float) -> list[tuple[float, float]]:
    """19 points: the centre, 6 at half the radius and 12 at the radius (degrees)."""
    points = [(lat, lon)]
    for ring, count in ((0.5, 6), (1.0, 12)):
        for k in range(count):
            angle = 2 * math.pi * (k + 0.5 * (ring == 1.0)) / count
            dy = ring * radius_km * math.sin(angle) / KM_PER_DEGREE
            dx = ring * radius_km * math.cos(angle) / (KM_PER_DEGREE * math.cos(math.radians(lat)))
            points.append((lat + dy, lon + dx))
    return points


def _populations(province: Province, city_en: str, districts: list[District]) -> list[float]:
    """The population behind each district centre (see the module's docstring); equal weights if unknown."""
    try:
        from offices.demo.geography import PROVINCES, TEHRAN_DISTRICTS, TEHRAN_PROVINCE_CODE
    except ImportError:  # the demo package is optional in a trimmed deployment
        return [1.0] * len(districts)
    if province.code == TEHRAN_PROVINCE_CODE and city_en == "Tehran":
        weights = []
        for d in districts:
            best = min(TEHRAN_DISTRICTS, key=lambda t: (t.lat - d.lat) ** 2 + (t.lon - d.lon) ** 2)
            close = (best.lat - d.lat) ** 2 + (best.lon - d.lon) ** 2 < 0.01 ** 2
            weights.append(float(best.population) if close else 0.0)
        if sum(weights) > 0:
            mean = sum(w for w in weights if w > 0) / sum(1 for w in weights if w > 0)
            return [w or mean for w in weights]
    for info in PROVINCES:
        if info.code == province.code:
            for known in info.cities:
                if known.name_en == city_en:
                    return [known.population / len(districts)] * len(districts)
    return [1.0] * len(districts)


def _open_minutes(offices: list[Office]) -> tuple[float, int]:
    """The median Sunday opening (minutes) of the offices and the median opening hour (Tehran)."""
    spans, starts = [], []
    for office in offices:
        for h in office.hours:
            if h.weekday == 1:
                spans.append((h.closes.hour * 60 + h.closes.minute) - (h.opens.hour * 60 + h.opens.minute))
                starts.append(h.opens.hour)
    if not spans:
        return 420.0, 7
    return float(statistics.median(spans)), int(statistics.median(starts))


def city_inputs(province: Province, city_en: str, new_offices: int, now: dt.datetime | None = None) -> CityInputs:
    """The city model and candidate sites for ``plan_offices`` from the database (one grouped query for demand).

    Raises:
        PlanningError: the city has no active offices or no visits in the last :data:`DEMAND_DAYS` days.
    """
    offices = list(db.session.scalars(
        select(Office).join(District, District.id == Office.district_id)
        .where(District.province_id == province.id, District.city_en == city_en, Office.is_active.is_(True))
        .order_by(Office.code)))
    if not offices:
        raise PlanningError("no_offices")
    now = now or utcnow()
    since = now - dt.timedelta(days=DEMAND_DAYS)
    s = OfficeHourlyStats
    rows = db.session.execute(
        select(s.office_id, s.hour_start, s.arrivals, s.served, s.service_sum)
        .where(s.office_id.in_([o.id for o in offices]), s.hour_start >= since, s.hour_start < now)).all()
    arrivals = sum(r.arrivals for r in rows)
    if arrivals == 0:
        raise PlanningError("no_visits")
    open_minutes, first_hour = _open_minutes(offices)
    hours = int(math.ceil(open_minutes / 60.0))
    profile = np.zeros(hours)
    days: set[dt.date] = set()
    served: dict[int, float] = {}
    service: dict[int, float] = {}
    for r in rows:
        local = to_tehran(r.hour_start)
        if r.arrivals:
            days.add(local.date())
        k = local.hour - first_hour
        if 0 <= k < hours:
            profile[k] += r.arrivals
        served[r.office_id] = served.get(r.office_id, 0.0) + r.served
        service[r.office_id] = service.get(r.office_id, 0.0) + r.service_sum
    total_served = sum(served.values())
    city_mean = sum(service.values()) / total_served if total_served else DEFAULT_SERVICE_MINUTES
    means = [service[o.id] / served[o.id] if served.get(o.id) else city_mean for o in offices]
    per_day = arrivals / max(1, len(days))

    districts = sorted({o.district for o in offices}, key=lambda d: d.code)
    weights = _populations(province, city_en, districts)
    radius = DISTRICT_RADIUS_KM
    if len(districts) == 1:
        d = districts[0]
        far = max(_km(d.lat, d.lon, o.lat, o.lon) for o in offices)
        radius = max(DISTRICT_RADIUS_KM, far + 1.0)
    o_lat, o_lon, o_w = [], [], []
    for d, w in zip(districts, weights):
        for lat, lon in _disc(d.lat, d.lon, radius):
            o_lat.append(lat)
            o_lon.append(lon)
            o_w.append(w / 19.0)
    sites = [Site(d.lat, d.lon, d.name_fa, d.name_en) for d in districts]
    if len(sites) < new_offices + 3:
        for d in districts:
            for lat, lon in _disc(d.lat, d.lon, radius)[1:]:
                sites.append(Site(lat, lon, f"نزدیک {d.name_fa}", f"Near {d.name_en}"))
    city = City([o.lat for o in offices], [o.lon for o in offices], [o.counters for o in offices],
                o_lat, o_lon, o_w, arrivals_per_minute=per_day / open_minutes, service_mean=means,
                service_cv=1.0, open_minutes=open_minutes,
                arrival_profile=profile if profile.sum() > 0 else None)
    return CityInputs(offices=offices, city=city, sites=sites, arrivals_per_day=per_day, open_days=len(days),
                      service_means=means)


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dy = (lat2 - lat1) * KM_PER_DEGREE
    dx = (lon2 - lon1) * KM_PER_DEGREE * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(dx, dy)


# ------------------------------------------------------------------------------------------------ runs

def clean_params(raw: dict[str, Any]) -> dict[str, int]:
    """Whole-number parameters within :data:`LIMITS` (defaults for missing ones).

    Raises:
        PlanningError: a value is not a whole number or out of range (code ``bad_<name>``).
    """
    from booking.dates import ascii_digits

    out: dict[str, int] = {}
    for name, (low, high, default) in LIMITS.items():
        value = raw.get(name)
        if value in (None, ""):
            out[name] = default
            continue
        try:
            number = int(ascii_digits(str(value)).strip())
        except ValueError:
            raise PlanningError(f"bad_{name}") from None
        if not low <= number <= high:
            raise PlanningError(f"bad_{name}")
        out[name] = number
    return out


def request_plan(province: Province, city_en: str, user: User | None, params: dict[str, int]) -> PlanRun:
    """A queued run for the city (adds and flushes; the caller commits, then :func:`enqueue_plan`)."""
    if not city_office_ids(province.id, city_en):
        raise PlanningError("no_offices")
    run = PlanRun(province_id=province.id, city_en=city_en, requested_by_id=user.id if user else None,
                  params=dict(params), status="queued", progress=0.0, error="")
    db.session.add(run)
    db.session.flush()
    return run


def enqueue_plan(run_id: int) -> None:
    """Put the run on the RQ queue (once per run: the job id names the run)."""
    from booking.redis_conn import get_queue

    get_queue().enqueue(run_plan, run_id, job_id=f"plan-{run_id}", job_timeout=900, result_ttl=3600,
                        failure_ttl=24 * 3600)


def latest_run(province: Province, city_en: str) -> Optional[PlanRun]:
    """The most recent run for the city, or None."""
    return db.session.scalar(select(PlanRun).where(PlanRun.province_id == province.id, PlanRun.city_en == city_en)
                             .order_by(PlanRun.created_at.desc(), PlanRun.id.desc()).limit(1))


def progress(run: PlanRun, now: dt.datetime | None = None) -> float:
    """How far a run has got (0..1): estimated from the time since it started while it runs."""
    if run.status == "done":
        return 1.0
    if run.status != "running" or run.started_at is None or not run.estimated_seconds:
        return float(run.progress or 0.0)
    elapsed = ((now or utcnow()) - run.started_at).total_seconds()
    return max(float(run.progress or 0.0), min(0.95, 0.05 + 0.9 * elapsed / run.estimated_seconds))


def run_plan(run_id: int) -> Optional[dict[str, Any]]:
    """RQ job: simulate the plan of a :class:`PlanRun` and store the result in it; safe to run twice (a run
    that is already done is left as it is). Returns the result."""
    from booking.job_context import job_context

    with job_context():
        run = db.session.get(PlanRun, run_id)
        if run is None:
            log.warning("plan run %s does not exist", run_id)
            return None
        if run.status == "done":
            return run.result
        run.status, run.started_at, run.progress, run.error = "running", utcnow(), 0.02, ""
        db.session.commit()
        try:
            result = compute_plan(run.province, run.city_en, run.params, on_estimate=lambda s: _estimated(run, s))
        except PlanningError as error:
            run.status, run.error, run.finished_at = "failed", str(error), utcnow()
            db.session.commit()
            return None
        except Exception as error:  # recorded for the page; RQ keeps the traceback
            db.session.rollback()
            run.status, run.error, run.finished_at = "failed", f"error: {type(error).__name__}", utcnow()
            db.session.commit()
            raise
        run.result, run.status, run.progress, run.finished_at = result, "done", 1.0, utcnow()
        db.session.commit()
        return result


def _estimated(run: PlanRun, seconds: float) -> None:
    run.estimated_seconds, run.progress = seconds, 0.05
    db.session.commit()


def compute_plan(province: Province, city_en: str, params: dict[str, Any], on_estimate=None) -> dict[str, Any]:
    """Run :func:`plan_offices` for the city and return a JSON-ready result (minutes, per-day counts).

    Args:
        params: ``new_offices``, ``counters`` (of each new office) and ``days`` (simulated days per evaluation).
        on_estimate: called with the estimated seconds of the whole plan, once one simulation has been timed.
    """
    p = clean_params(params)
    inputs = city_inputs(province, city_en, p["new_offices"])
    n_sites = len(inputs.sites)
    new_offices = min(p["new_offices"], n_sites)
    started = time.perf_counter()
    base = simulate_city(inputs.city, policy="nearest", adoption=0.0, days=p["days"], seed=0)
    one = time.perf_counter() - started
    runs = 2 + sum(n_sites - k for k in range(new_offices)) + COUNTER_CANDIDATES
    if on_estimate is not None:
        on_estimate(one * runs * 2.0)  # later trials simulate more offices; measured about 2x on Tehran
    plan = plan_offices(inputs.city, [s.lat for s in inputs.sites], [s.lon for s in inputs.sites],
                        new_offices=new_offices, counters=p["counters"], days=p["days"], seed=0,
                        counter_candidates=COUNTER_CANDIDATES)
    offices = inputs.offices

    def num(x: float) -> Optional[float]:
        return None if x is None or not math.isfinite(float(x)) else round(float(x), 2)

    return {
        "params": p,
        "seconds": round(time.perf_counter() - started, 1),
        "inputs": {"arrivals_per_day": round(inputs.arrivals_per_day, 1), "open_days": inputs.open_days,
                   "open_minutes": inputs.city.open_minutes, "origins": int(np.size(inputs.city.origin_lat)),
                   "demand_days": DEMAND_DAYS,
                   "service_mean": round(float(np.mean(inputs.service_means)), 1)},
        "baseline": {"mean_total": num(plan.mean_total[0]), "p90_total": num(plan.p90_total[0]),
                     "mean_wait": num(base.mean_wait), "mean_travel": num(base.mean_travel)},
        "offices": [{"code": o.code, "name_fa": o.name_fa, "name_en": o.name_en, "lat": o.lat, "lon": o.lon,
                     "counters": o.counters, "served_per_day": num(base.office_served[i]),
                     "mean_wait": num(base.office_mean_wait[i])} for i, o in enumerate(offices)],
        "sites": [{"lat": s.lat, "lon": s.lon, "name_fa": s.name_fa, "name_en": s.name_en,
                   "mean_drop": num(plan.candidate_mean_drop[j]), "p90_drop": num(plan.candidate_p90_drop[j])}
                  for j, s in enumerate(inputs.sites)],
        "chosen": [{"site": int(j), "rank": k + 1,
                    "mean_total": num(plan.mean_total[k + 1]), "p90_total": num(plan.p90_total[k + 1]),
                    "mean_drop": num(plan.mean_total[k] - plan.mean_total[k + 1]),
                    "p90_drop": num(plan.p90_total[k] - plan.p90_total[k + 1])}
                   for k, j in enumerate(plan.chosen)],
        "counters": [{"office": offices[i].code, "name_fa": offices[i].name_fa, "name_en": offices[i].name_en,
                      "counters": offices[i].counters, "mean_drop": num(drop)}
                     for i, drop in zip(plan.counter_offices, plan.counter_mean_drop)],
    }


__all__ = ["CityInputs", "PlanningError", "LIMITS", "can_plan", "cities_in_scope", "city_inputs", "clean_params",
           "compute_plan", "enqueue_plan", "latest_run", "progress", "request_plan", "run_plan"]
