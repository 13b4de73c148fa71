"""The queueing engine's parameters for offices: read them as one vectorised model, refit them from the log.

:func:`office_models` builds one :class:`queueing.OfficeModel` over many offices (arrays, one entry per
office) from their :class:`~offices.models.OfficeEstimate` rows, with defaults from the services' typical
durations for an office that has none yet. :func:`refit_office` fits an office's parameters on its recent
tickets and counter shifts (:func:`queueing.fit_office`) and stores them.

Units: minutes, arrivals per hour.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import func, select

from booking.dates import iran_weekday, tehran_to_utc, to_tehran, utcnow
from booking.extensions import db
from offices.models import (CounterShift, Office, OfficeEstimate, OpeningHours, QueueTicket, ServiceType,
                            TicketOutcome, office_services)
from queueing import OfficeModel, Visit, fit_office

DEFAULT_SERVICE_MINUTES = 12.0
DEFAULT_SERVICE_CV = 0.7
# Stand-in for "nobody seen leaving" in a vectorised model (minutes; abandonment then is negligible).
NO_ABANDONMENT_PATIENCE = 1e5
REFIT_DAYS = 28
#: Minutes between the moments of the first hour after opening at which the counters open are counted.
RAMP_STEP = 5
#: An office whose parameters are older than this (or missing) is refitted by the minute job's catch-up.
STALE_AFTER = dt.timedelta(days=2)


@dataclass(frozen=True)
class EstimateAges:
    """How old the active offices' engine parameters are (hours; None when no office has any)."""

    offices: int
    fitted: int
    stale: int
    oldest_hours: float | None
    newest_hours: float | None

    @property
    def missing(self) -> int:
        return self.offices - self.fitted

    def as_json(self) -> dict:
        rounded = (lambda h: None if h is None else round(h, 1))
        return {"offices": self.offices, "fitted": self.fitted, "missing": self.missing, "stale": self.stale,
                "oldest_hours": rounded(self.oldest_hours), "newest_hours": rounded(self.newest_hours)}


def estimate_ages(now: dt.datetime | None = None) -> EstimateAges:
    """The age of the active offices' parameters, in one query."""
    now = now or utcnow()
    offices, fitted, stale, oldest, newest = db.session.execute(
        select(func.count(Office.id), func.count(OfficeEstimate.office_id),
               func.count(OfficeEstimate.office_id).filter(OfficeEstimate.fitted_at < now - STALE_AFTER),
               func.min(OfficeEstimate.fitted_at), func.max(OfficeEstimate.fitted_at))
        .select_from(Office).outerjoin(OfficeEstimate, OfficeEstimate.office_id == Office.id)
        .where(Office.is_active.is_(True))).one()
    hours = (lambda moment: None if moment is None else (now - _aware(moment)).total_seconds() / 3600.0)
    return EstimateAges(int(offices), int(fitted), int(stale), hours(oldest), hours(newest))


def fitted_at(office_id: int) -> dt.datetime | None:
    """When the office's parameters were last fitted (None: never)."""
    return db.session.scalar(select(OfficeEstimate.fitted_at).where(OfficeEstimate.office_id == office_id))


def _aware(moment: dt.datetime) -> dt.datetime:
    """Aggregates bypass the column type on SQLite: a naive value there is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.timezone.utc)


def stale_office_ids(limit: int, now: dt.datetime | None = None, skip: Sequence[int] = ()) -> list[int]:
    """Active offices whose parameters are missing or older than :data:`STALE_AFTER`, the oldest first
    (missing first), leaving out ``skip``."""
    now = now or utcnow()
    return list(db.session.scalars(
        select(Office.id).outerjoin(OfficeEstimate, OfficeEstimate.office_id == Office.id)
        .where(Office.is_active.is_(True), Office.id.not_in(list(skip)),
               (OfficeEstimate.office_id.is_(None)) | (OfficeEstimate.fitted_at < now - STALE_AFTER))
        .order_by(OfficeEstimate.fitted_at.is_not(None), OfficeEstimate.fitted_at, Office.id).limit(limit)))


def _default_service_means(office_ids: Sequence[int]) -> dict[int, float]:
    """Mean typical duration (minutes) of each office's services."""
    rows = db.session.execute(
        select(office_services.c.office_id, func.avg(ServiceType.typical_minutes))
        .join(ServiceType, ServiceType.id == office_services.c.service_type_id)
        .where(office_services.c.office_id.in_(office_ids))
        .group_by(office_services.c.office_id))
    return {office_id: float(mean) for office_id, mean in rows if mean}


def office_models(office_ids: Sequence[int], at: dt.datetime | None = None) -> tuple[OfficeModel, dict[int, int]]:
    """One engine model over many offices, and where each office is in its arrays.

    Args:
        office_ids: the offices, in the order of the model's arrays.
        at: the moment (UTC) whose hour picks the walk-in arrival rate; default now.

    Returns:
        ``(model, index)``: ``model`` with parameters of shape ``(len(office_ids),)`` (counters: the
        counters installed), ``index[office_id]`` the office's position.
    """
    ids = list(office_ids)
    if not ids:
        raise ValueError("office_models needs at least one office")
    index = {office_id: i for i, office_id in enumerate(ids)}
    local = to_tehran(at or utcnow())
    weekday, hour = iran_weekday(local.date()), local.hour
    counters = dict(db.session.execute(select(Office.id, Office.counters).where(Office.id.in_(ids))).all())
    estimates = {e.office_id: e for e in db.session.scalars(select(OfficeEstimate)
                                                             .where(OfficeEstimate.office_id.in_(ids)))}
    defaults = _default_service_means([i for i in ids if i not in estimates])
    n = len(ids)
    service_mean = np.full(n, DEFAULT_SERVICE_MINUTES)
    service_cv = np.full(n, DEFAULT_SERVICE_CV)
    patience = np.full(n, NO_ABANDONMENT_PATIENCE)
    patience_sigma = np.full(n, np.nan)
    arrivals = np.zeros(n)
    no_show = np.full(n, 0.1)
    installed = np.ones(n)
    for office_id, i in index.items():
        installed[i] = max(1, counters.get(office_id, 1))
        estimate = estimates.get(office_id)
        if estimate is None:
            service_mean[i] = defaults.get(office_id, DEFAULT_SERVICE_MINUTES)
            continue
        service_mean[i] = max(estimate.service_mean, 0.5)
        service_cv[i] = max(estimate.service_cv, 0.0)
        if estimate.patience_mean:
            patience[i] = max(estimate.patience_mean, 1.0)
            patience_sigma[i] = estimate.patience_sigma or np.nan
        no_show[i] = min(max(estimate.no_show, 0.0), 1.0)
        try:
            arrivals[i] = float(estimate.arrivals_per_hour[weekday][hour])
        except (IndexError, TypeError, KeyError):
            arrivals[i] = 0.0
    model = OfficeModel(counters=installed, service_mean=service_mean, service_cv=service_cv,
                        arrivals_per_hour=arrivals[:, None], patience_mean=patience,
                        patience_sigma=patience_sigma, no_show=no_show)
    return model, index


def _day_start_utc(day: dt.date) -> dt.datetime:
    return tehran_to_utc(dt.datetime.combine(day, dt.time(0, 0)))


def refit_office(office_id: int, *, days: int = REFIT_DAYS, now: dt.datetime | None = None) -> OfficeEstimate | None:
    """Refit an office's engine parameters on its last ``days`` days of tickets and counter shifts.

    Minutes are counted from local midnight of the first day (day ``d`` opens at minute ``1440 d``), so that
    the fitted weekly profile is indexed by the hour of the day in Tehran. Adds or updates the office's
    :class:`OfficeEstimate` and flushes; returns None (and changes nothing) when the log has nobody served.
    """
    now = now or utcnow()
    first_day = to_tehran(now).date() - dt.timedelta(days=days)
    origin = _day_start_utc(first_day)
    end = _day_start_utc(to_tehran(now).date())
    tickets = db.session.execute(
        select(QueueTicket.arrived_at, QueueTicket.started_at, QueueTicket.ended_at, QueueTicket.outcome,
               QueueTicket.kind, ServiceType.code)
        .join(ServiceType, ServiceType.id == QueueTicket.service_type_id)
        .where(QueueTicket.office_id == office_id, QueueTicket.arrived_at >= origin, QueueTicket.arrived_at < end)
        .order_by(QueueTicket.arrived_at)).all()

    def minute(moment: dt.datetime) -> float:
        return (moment - origin).total_seconds() / 60.0

    log = OfficeLog()
    for arrived, started, ended, outcome, kind, code in tickets:
        log.add(minute(arrived), minute(started) if started is not None else None,
                minute(ended) if ended is not None else None, outcome, kind == "booked", code)
    shifts = db.session.execute(
        select(CounterShift.opened_at, CounterShift.closed_at)
        .where(CounterShift.office_id == office_id, CounterShift.opened_at >= origin, CounterShift.opened_at < end)
        .order_by(CounterShift.opened_at)).all()
    log.shifts = [(minute(o), minute(c) if c is not None else minute(o) + 60.0) for o, c in shifts]
    return store_fit(office_id, first_day, log, now)


@dataclass
class OfficeLog:
    """An office's recent log in minutes from local midnight of its first day: visits (served or left), the
    booked citizens and how many of them did not come, and the counters' open spans."""

    visits: list[Visit] = field(default_factory=list)
    booked: int = 0
    booked_no_show: int = 0
    shifts: list[tuple[float, float]] = field(default_factory=list)

    def add(self, arrived: float, started: float | None, ended: float | None, outcome: str, booked: bool,
            code: str | None) -> None:
        """One ticket (minutes; ``outcome`` a :class:`TicketOutcome` value)."""
        if booked:
            self.booked += 1
            self.booked_no_show += outcome == TicketOutcome.NO_SHOW.value
        if outcome == TicketOutcome.SERVED.value and started is not None and ended is not None:
            start = max(started, arrived)
            self.visits.append(Visit(arrived, start, max(ended, start), code))
        elif outcome == TicketOutcome.LEFT.value:
            self.visits.append(Visit(arrived, None, None, code))


def opening_ramp(shifts: Sequence[tuple[float, float]], first_day: dt.date,
                 opens: dict[int, int]) -> list[list[float] | None]:
    """Counters open in each :data:`RAMP_STEP` minutes of the first hour after opening, by weekday (Saturday
    first): the mean over the days of that weekday on which a counter opened, of the number open on average over
    that step (a counter opened half a minute after the doors counts almost fully in the first step). A weekday
    the office is closed or never worked is None.

    ``shifts`` are (open, close) in minutes from local midnight of ``first_day`` (day ``d`` starts at minute
    ``1440 d``); ``opens`` the opening minute of the day by weekday."""
    if not shifts:
        return [None] * 7
    span = np.asarray(shifts, dtype=float)
    marks = np.arange(0, 60, RAMP_STEP, dtype=float)
    sums = np.zeros((7, marks.size))
    worked = np.zeros(7)
    for d in np.unique(np.floor(span[:, 0] / 1440.0)).astype(int):
        weekday = iran_weekday(first_day + dt.timedelta(days=int(d)))
        if weekday not in opens:
            continue
        lo = 1440.0 * d + opens[weekday] + marks
        hi = lo + RAMP_STEP
        overlap = np.minimum(span[:, 1][None, :], hi[:, None]) - np.maximum(span[:, 0][None, :], lo[:, None])
        sums[weekday] += np.clip(overlap, 0.0, RAMP_STEP).sum(axis=1) / RAMP_STEP
        worked[weekday] += 1
    return [(sums[w] / worked[w]).round(2).tolist() if worked[w] else None for w in range(7)]


def store_fit(office_id: int, first_day: dt.date, log: OfficeLog, now: dt.datetime) -> OfficeEstimate | None:
    """Fit the engine's parameters on an office's log (:func:`queueing.fit_office`) and store them as its
    :class:`OfficeEstimate` (added or updated, flushed); None, changing nothing, when nobody was served."""
    visits = log.visits
    if not any(v.start is not None for v in visits):
        return None
    counters = _open_counter_intervals(log.shifts)
    if not counters:
        office_counters = db.session.get(Office, office_id).counters
        first, last = visits[0].arrive, max((v.end or v.arrive) for v in visits)
        counters = [(first, max(last, first + 1.0), office_counters)]
    model = fit_office(visits, counters)
    summary = model.fit
    weekly = np.zeros((7, 24))
    profile = np.asarray(summary.weekly_arrivals_per_hour)
    # Day d of the log is weekday d % 7 counted from first_day; rotate to Saturday-first weekdays.
    for log_weekday in range(7):
        weekly[(iran_weekday(first_day) + log_weekday) % 7, :profile.shape[1]] = profile[log_weekday, :24]
    estimate = db.session.get(OfficeEstimate, office_id) or OfficeEstimate(office_id=office_id)
    estimate.fitted_at = now
    estimate.visits = len(visits)
    estimate.arrivals_per_hour = weekly.round(3).tolist()
    estimate.service_mean = float(model.service_mean)
    estimate.service_cv = float(model.service_cv)
    estimate.patience_mean = float(model.patience_mean) if model.patience_mean is not None else None
    estimate.patience_sigma = float(model.patience_sigma) if model.patience_sigma is not None else None
    estimate.no_show = log.booked_no_show / log.booked if log.booked else 0.1
    estimate.service_means = {code: round(fit.mean, 2) for code, fit in summary.service_by_type.items() if code}
    opens = {weekday: opens.hour * 60 + opens.minute for weekday, opens in db.session.execute(
        select(OpeningHours.weekday, OpeningHours.opens).where(OpeningHours.office_id == office_id))}
    estimate.opening_counters = opening_ramp(log.shifts, first_day, opens)
    db.session.add(estimate)
    db.session.flush()
    return estimate


def _open_counter_intervals(shifts: list[tuple[float, float]]) -> list[tuple[float, float, int]]:
    """Counter shifts (open, close minutes) as sorted, non-overlapping ``(from, to, open counters)``."""
    changes: dict[float, int] = defaultdict(int)
    for opened, closed in shifts:
        if closed > opened:
            changes[opened] += 1
            changes[closed] -= 1
    points = sorted(changes)
    out: list[tuple[float, float, int]] = []
    level = 0
    for a, b in zip(points, points[1:]):
        level += changes[a]
        if b > a:
            if out and out[-1][2] == level and out[-1][1] == a:
                out[-1] = (out[-1][0], b, level)
            else:
                out.append((a, b, level))
    return out


__all__ = ["office_models", "refit_office"]
