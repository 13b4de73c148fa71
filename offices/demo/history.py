"""Synthetic queue history for the demo network: a documented arrival model, simulated fast with NumPy.

The arrival model
=================

For every office and every day of the window on which the office is open (not a Friday, not a public
holiday, not one of the office's own rare closures):

**How many people come.** The office's mean demand on an ordinary Sunday–Tuesday
(:attr:`OfficeSpec.weekday_demand`, proportional to its catchment, see :mod:`offices.demo.network`) is
multiplied by the day-of-week factor (:data:`WEEKDAY_FACTOR`: Saturday, the first working day, is the busiest;
Thursday is a short day), by 1.2 on the first working day after a public holiday (the backlog), by a daily
lognormal factor (σ = 0.08) and by the share of the day's intensity that falls inside the office's opening
hours. The count is Poisson with that mean.

**When they come.** Arrival times follow the intraday intensity :data:`HOURLY_PROFILE` (piecewise linear
through half-hourly knots, Tehran time): a morning peak from 09:00 to 10:30 about 1.6 times the day's
average, tailing off after noon, a low evening for the offices with afternoon hours. Tickets are issued
from opening time until 20 minutes before closing.

**Booked and walk-in.** A share ``0.4 x (1 - walkin_reserve)`` of visits (about 28%) are booked. A booked
citizen's slot (``slot_minutes``, 15) is drawn from a flattened profile (bookings spread over the day because
slots fill up) and they check in around it (normal, mean 5 minutes early, σ 5 minutes). 12% of bookings are
**no-shows**: their ticket enters the line at the slot time, is called once, nobody comes, and the counter
moves on after a minute (outcome ``no_show``, ``started_at`` and ``ended_at`` empty).

**What they want and how long it takes.** The service is drawn from the catalogue shares
(:data:`offices.service_catalogue.SERVICE_CATALOGUE`, ``demand_share``) among the services the office offers;
the time at the counter is lognormal with the service's mean (``typical_minutes``) and CV (``service_cv``),
times the office's own pace (:attr:`~offices.demo.network.OfficeSpec.speed`, lognormal, σ = 0.1, drawn once
with the network: the same staff every day). Walking to the counter after the call takes 20–60 s.

**Patience.** Walk-ins give up after a lognormal patience (median 45 minutes, σ = 0.6), booked citizens after
a median of 90 minutes (σ = 0.5): if their wait would exceed it they leave before being called
(outcome ``left``, ``ended_at`` = the moment they left, no counter).

**Counters (the timetable).** Of an office's counters, the first half open at opening time (0–6 minutes
late), the others during the first hour (15–60 minutes after opening); each counter other than the first
stays shut for the day with probability 0.08 (staff absent). In offices of 4 or more counters the last
quarter close at 12:30–13:30, after the peak; in offices with afternoon hours the second half close at 14:30.
Counters open until closing time stay until the last person inside has been served.
Each counter opened is a :class:`~offices.models.CounterShift` (opened, closed).

**Discipline.** One first-come-first-served line per office; a caller goes to the counter that becomes free
first (among those open). Booked citizens join the same line at check-in (the live system gives them
priority; the history does not).

**Feedback.** 12% of citizens served leave a rating 1–5, lower when they waited longer (mean
``4.5 - 0.03 x wait in minutes``, normal noise σ 0.8, rounded and clipped), some with a short comment.

**Closures.** The real Iranian public holidays in the window are closures for every office
(:data:`LUNAR_HOLIDAYS`, the expected dates; :data:`SOLAR_HOLIDAYS` by the Jalali calendar); 0.3% of office-days
are closures of one office (repairs, network outage).

The simulation
==============

All office-days are simulated in lockstep: step ``k`` serves the ``k``-th arrival of every office-day at once,
with a ``(office-days x 8)`` array of counter free times, so the Python loop runs over the largest number of
arrivals in a day (a few hundred), never over visits. With first come, first served and the earliest free
counter, a citizen's wait depends only on those ahead of them, so the lockstep order is exact, and so is the
patience rule (someone who leaves does not occupy a counter).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import jdatetime
import numpy as np

from booking.dates import TEHRAN, iran_weekday, to_tehran, utcnow
from offices.demo.network import OfficeNetwork
from offices.service_catalogue import SERVICE_CATALOGUE

MAX_COUNTERS = 8
# Day-of-week intensity, 0 = Saturday … 5 = Thursday (Friday: closed).
WEEKDAY_FACTOR = np.array([1.25, 1.08, 1.0, 0.98, 0.9, 0.85, 0.0])
AFTER_HOLIDAY_FACTOR = 1.2
DAILY_SIGMA = 0.08
# Intraday intensity knots: (minutes after midnight, relative intensity); linear in between, ~0 outside.
HOURLY_PROFILE: tuple[tuple[int, float], ...] = (
    (6 * 60 + 45, 0.05), (7 * 60, 0.25), (7 * 60 + 30, 0.6), (8 * 60, 1.05), (8 * 60 + 30, 1.4),
    (9 * 60, 1.6), (9 * 60 + 30, 1.65), (10 * 60, 1.6), (10 * 60 + 30, 1.45), (11 * 60, 1.25),
    (11 * 60 + 30, 1.05), (12 * 60, 0.9), (12 * 60 + 30, 0.75), (13 * 60, 0.62), (13 * 60 + 30, 0.52),
    (14 * 60, 0.44), (15 * 60, 0.38), (16 * 60, 0.4), (17 * 60, 0.36), (18 * 60, 0.26), (19 * 60, 0.12),
    (19 * 60 + 30, 0.05),
)
LAST_TICKET_BEFORE_CLOSE = 20.0  # minutes
STANDARD_DAY = (7 * 60 + 30, 14 * 60 + 30)
BOOKED_SHARE_OF_BOOKABLE = 0.4
BOOKED_EARLY_MEAN, BOOKED_EARLY_SD = 5.0, 5.0
NO_SHOW_RATE = 0.12
NO_SHOW_GRACE = 1.0  # minutes a counter waits for a called no-show
WALKIN_PATIENCE_MEDIAN, WALKIN_PATIENCE_SIGMA = 45.0, 0.6
BOOKED_PATIENCE_MEDIAN, BOOKED_PATIENCE_SIGMA = 90.0, 0.5
COUNTER_ABSENCE = 0.08
OFFICE_CLOSURE_RATE = 0.003
FEEDBACK_RATE = 0.12

OUTCOME_SERVED, OUTCOME_NO_SHOW, OUTCOME_LEFT = 0, 1, 2
OUTCOMES = ("served", "no_show", "left")

FEEDBACK_COMMENTS: tuple[tuple[int, str], ...] = (
    (5, "برخورد کارمندان بسیار محترمانه بود، سپاس."),
    (5, "کارم سریع انجام شد."),
    (4, "خوب بود ولی کمی منتظر ماندم."),
    (3, "صف شلوغ بود."),
    (2, "زمان انتظار خیلی طولانی بود."),
    (2, "باجه‌ها همه باز نبودند."),
    (1, "بیش از یک ساعت منتظر ماندم."),
    (1, "نوبت اینترنتی رعایت نشد."),
)

# Expected dates of the lunar (Hijri) public holidays, as in the official calendar (±1 day with the moon).
LUNAR_HOLIDAYS: tuple[tuple[dt.date, str, str], ...] = (
    (dt.date(2025, 3, 31), "عید سعید فطر", "Eid al-Fitr"),
    (dt.date(2025, 4, 1), "تعطیل به مناسبت عید سعید فطر", "Eid al-Fitr holiday"),
    (dt.date(2025, 4, 24), "شهادت امام جعفر صادق (ع)", "Martyrdom of Imam Sadiq"),
    (dt.date(2025, 6, 6), "عید سعید قربان", "Eid al-Adha"),
    (dt.date(2025, 6, 14), "عید سعید غدیر خم", "Eid al-Ghadir"),
    (dt.date(2025, 7, 5), "تاسوعای حسینی", "Tasua"),
    (dt.date(2025, 7, 6), "عاشورای حسینی", "Ashura"),
    (dt.date(2025, 8, 14), "اربعین حسینی", "Arbaeen"),
    (dt.date(2025, 8, 22), "رحلت رسول اکرم (ص) و شهادت امام حسن مجتبی (ع)",
     "Demise of the Prophet and martyrdom of Imam Hassan"),
    (dt.date(2025, 8, 24), "شهادت امام رضا (ع)", "Martyrdom of Imam Reza"),
    (dt.date(2025, 9, 1), "شهادت امام حسن عسکری (ع)", "Martyrdom of Imam Hassan Askari"),
    (dt.date(2025, 9, 10), "میلاد رسول اکرم (ص) و امام جعفر صادق (ع)", "Birthday of the Prophet and Imam Sadiq"),
    (dt.date(2025, 11, 24), "شهادت حضرت فاطمه زهرا (س)", "Martyrdom of Fatima"),
    (dt.date(2026, 1, 3), "ولادت امام علی (ع)", "Birthday of Imam Ali"),
    (dt.date(2026, 1, 17), "مبعث رسول اکرم (ص)", "Mab'ath"),
    (dt.date(2026, 2, 3), "ولادت حضرت قائم (عج)", "Mid-Sha'ban"),
    (dt.date(2026, 3, 11), "شهادت امام علی (ع)", "Martyrdom of Imam Ali"),
    (dt.date(2026, 3, 20), "عید سعید فطر", "Eid al-Fitr"),
    (dt.date(2026, 4, 13), "شهادت امام جعفر صادق (ع)", "Martyrdom of Imam Sadiq"),
    (dt.date(2026, 5, 27), "عید سعید قربان", "Eid al-Adha"),
    (dt.date(2026, 6, 4), "عید سعید غدیر خم", "Eid al-Ghadir"),
    (dt.date(2026, 6, 24), "تاسوعای حسینی", "Tasua"),
    (dt.date(2026, 6, 25), "عاشورای حسینی", "Ashura"),
    (dt.date(2026, 8, 3), "اربعین حسینی", "Arbaeen"),
    (dt.date(2026, 8, 11), "رحلت رسول اکرم (ص) و شهادت امام حسن مجتبی (ع)",
     "Demise of the Prophet and martyrdom of Imam Hassan"),
    (dt.date(2026, 8, 13), "شهادت امام رضا (ع)", "Martyrdom of Imam Reza"),
    (dt.date(2026, 8, 21), "شهادت امام حسن عسکری (ع)", "Martyrdom of Imam Hassan Askari"),
    (dt.date(2026, 8, 30), "میلاد رسول اکرم (ص) و امام جعفر صادق (ع)", "Birthday of the Prophet and Imam Sadiq"),
    (dt.date(2026, 11, 14), "شهادت حضرت فاطمه زهرا (س)", "Martyrdom of Fatima"),
    (dt.date(2026, 12, 23), "ولادت امام علی (ع)", "Birthday of Imam Ali"),
    (dt.date(2027, 1, 6), "مبعث رسول اکرم (ص)", "Mab'ath"),
    (dt.date(2027, 1, 24), "ولادت حضرت قائم (عج)", "Mid-Sha'ban"),
    (dt.date(2027, 3, 1), "شهادت امام علی (ع)", "Martyrdom of Imam Ali"),
    (dt.date(2027, 3, 10), "عید سعید فطر", "Eid al-Fitr"),
)
# Solar (Jalali) public holidays: (month, day, Persian, English).
SOLAR_HOLIDAYS: tuple[tuple[int, int, str, str], ...] = (
    (1, 1, "عید نوروز", "Nowruz"), (1, 2, "عید نوروز", "Nowruz"), (1, 3, "عید نوروز", "Nowruz"),
    (1, 4, "عید نوروز", "Nowruz"), (1, 12, "روز جمهوری اسلامی", "Islamic Republic Day"),
    (1, 13, "روز طبیعت", "Nature Day (Sizdah Bedar)"),
    (3, 14, "رحلت امام خمینی", "Death of Imam Khomeini"), (3, 15, "قیام ۱۵ خرداد", "15 Khordad uprising"),
    (11, 22, "پیروزی انقلاب اسلامی", "Revolution Day"),
    (12, 29, "روز ملی شدن صنعت نفت", "Oil Nationalisation Day"),
)
OFFICE_CLOSURE_REASONS: tuple[tuple[str, str], ...] = (
    ("تعمیرات دفتر", "Office repairs"),
    ("قطعی شبکه و سامانه", "Network and system outage"),
    ("دوره آموزشی کارکنان", "Staff training day"),
)


@dataclass(frozen=True)
class Holiday:
    day: dt.date
    reason_fa: str
    reason_en: str


def public_holidays(first: dt.date, last: dt.date) -> list[Holiday]:
    """The public holidays from ``first`` to ``last`` inclusive, in date order (one entry per day)."""
    found: dict[dt.date, Holiday] = {}
    for day, fa, en in LUNAR_HOLIDAYS:
        if first <= day <= last:
            found.setdefault(day, Holiday(day, fa, en))
    for jyear in range(jdatetime.date.fromgregorian(date=first).year,
                       jdatetime.date.fromgregorian(date=last).year + 1):
        for month, mday, fa, en in SOLAR_HOLIDAYS:
            if month == 12 and mday == 30 and not jdatetime.date(jyear, 1, 1).isleap():
                continue
            day = jdatetime.date(jyear, month, mday).togregorian()
            if first <= day <= last:
                found.setdefault(day, Holiday(day, fa, en))
    return [found[d] for d in sorted(found)]


def tehran_today() -> dt.date:
    return to_tehran(utcnow()).date()


@dataclass
class History:
    """The generated history, as column arrays. Times are Unix seconds (UTC); ``-1`` means empty.

    Tickets are ordered by office, day and arrival; ``office`` indexes ``network.offices`` and ``service``
    indexes the service catalogue.
    """

    days: list[dt.date]
    holidays: list[Holiday]
    office_closures: list[tuple[int, dt.date, str, str]]
    office_days: int
    t_office: np.ndarray
    t_service: np.ndarray
    t_booked: np.ndarray
    t_seq: np.ndarray
    t_arrived: np.ndarray
    t_called: np.ndarray
    t_started: np.ndarray
    t_ended: np.ndarray
    t_counter: np.ndarray  # 1-based; 0 = none
    t_outcome: np.ndarray
    t_slot: np.ndarray  # a booked visit's slot start (Unix seconds); -1 for walk-ins
    s_office: np.ndarray
    s_counter: np.ndarray
    s_opened: np.ndarray
    s_closed: np.ndarray
    f_ticket: np.ndarray
    f_rating: np.ndarray
    f_comment: np.ndarray  # index into FEEDBACK_COMMENTS, -1 = none
    f_created: np.ndarray
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def tickets(self) -> int:
        return len(self.t_office)


def _profile_cumulative() -> tuple[np.ndarray, np.ndarray]:
    """Cumulative intraday intensity on a minute grid (strictly increasing), and the grid."""
    grid = np.arange(0, 24 * 60 + 1, dtype=np.float64)
    knots_t = np.array([t for t, _ in HOURLY_PROFILE], dtype=float)
    knots_v = np.array([v for _, v in HOURLY_PROFILE], dtype=float)
    density = np.interp(grid, knots_t, knots_v, left=0.0, right=0.0) + 1e-6
    cumulative = np.concatenate([[0.0], np.cumsum((density[1:] + density[:-1]) / 2)])
    return grid, cumulative


def day_midnight_utc(day: dt.date) -> int:
    """Unix seconds of local midnight in Tehran on ``day``."""
    return int(dt.datetime.combine(day, dt.time(0), tzinfo=TEHRAN).timestamp())


def generate_history(network: OfficeNetwork, days: int = 60, seed: int = 1405, end_day: dt.date | None = None,
                     on_step: Callable[[int, int], None] | None = None) -> History:
    """Simulate ``days`` days ending ``end_day`` (default: yesterday in Tehran) for every office of ``network``.

    ``on_step(done, total)`` is called as the lockstep simulation advances (for a progress bar).
    """
    rng = np.random.default_rng([seed, 0x415])
    end_day = end_day or tehran_today() - dt.timedelta(days=1)
    dates = [end_day - dt.timedelta(days=days - 1 - i) for i in range(days)]
    holidays = public_holidays(dates[0], dates[-1]) if dates else []
    holiday_days = {h.day for h in holidays}
    offices = network.offices
    n_off, n_days = len(offices), len(dates)
    n_services = len(SERVICE_CATALOGUE)

    weekday = np.array([iran_weekday(d) for d in dates], dtype=np.int64)
    is_holiday = np.array([d in holiday_days for d in dates], dtype=bool)
    after_holiday = np.zeros(n_days, dtype=bool)  # first working day after a holiday that was not a Friday
    for i, d in enumerate(dates):
        back = d - dt.timedelta(days=1)
        while iran_weekday(back) == 6:
            back -= dt.timedelta(days=1)
        after_holiday[i] = back in holiday_days and not is_holiday[i]
    midnight = np.array([day_midnight_utc(d) for d in dates], dtype=np.int64)

    opens = np.array([o.opens for o in offices], dtype=np.float64)
    closes = np.array([o.closes for o in offices], dtype=np.float64)
    demand = np.array([o.weekday_demand for o in offices])
    counters = np.array([o.counters for o in offices], dtype=np.int64)
    afternoon = np.array([o.afternoon for o in offices], dtype=bool)
    booked_share = BOOKED_SHARE_OF_BOOKABLE * (1.0 - np.array([o.walkin_reserve for o in offices]))
    slot_minutes = np.array([o.slot_minutes for o in offices], dtype=np.float64)
    speed = np.array([o.speed for o in offices])
    codes = [s.code for s in SERVICE_CATALOGUE]
    offered = np.zeros((n_off, n_services))
    for i, office in enumerate(offices):
        for code in office.services:
            offered[i, codes.index(code)] = 1.0
    mix = offered * np.array([s.demand_share for s in SERVICE_CATALOGUE])
    mix_cum = np.cumsum(mix / mix.sum(axis=1, keepdims=True), axis=1)
    mix_cum[:, -1] = 1.0
    global_cum = (np.arange(n_off)[:, None] + mix_cum).ravel()

    # --- office-days ---
    od_office = np.repeat(np.arange(n_off), n_days)
    od_day = np.tile(np.arange(n_days), n_off)
    od_wd = weekday[od_day]
    open_ok = (opens[od_office, od_wd] >= 0) & ~is_holiday[od_day]
    shut = open_ok & (rng.random(len(od_office)) < OFFICE_CLOSURE_RATE)
    office_closures = []
    for i in np.flatnonzero(shut):
        reason = OFFICE_CLOSURE_REASONS[int(rng.integers(len(OFFICE_CLOSURE_REASONS)))]
        office_closures.append((int(od_office[i]), dates[od_day[i]], reason[0], reason[1]))
    keep = open_ok & ~shut
    od_office, od_day, od_wd = od_office[keep], od_day[keep], od_wd[keep]
    n_od = len(od_office)
    od_open = opens[od_office, od_wd]
    od_close = closes[od_office, od_wd]
    od_last = od_close - LAST_TICKET_BEFORE_CLOSE

    grid, cum = _profile_cumulative()
    flat_cum = np.concatenate([[0.0], np.cumsum(np.sqrt(np.diff(cum)))])  # flattened profile for bookings
    standard_mass = np.interp(STANDARD_DAY[1] - LAST_TICKET_BEFORE_CLOSE, grid, cum) - np.interp(
        STANDARD_DAY[0], grid, cum)
    mass = np.interp(od_last, grid, cum) - np.interp(od_open, grid, cum)
    expected = (demand[od_office] * WEEKDAY_FACTOR[od_wd] * mass / standard_mass
                * np.where(after_holiday[od_day], AFTER_HOLIDAY_FACTOR, 1.0)
                * rng.lognormal(0.0, DAILY_SIGMA, n_od))
    n_arrivals = rng.poisson(expected)
    n = int(n_arrivals.sum())

    # --- visits ---
    t_od = np.repeat(np.arange(n_od), n_arrivals)
    t_office = od_office[t_od]
    booked = rng.random(n) < booked_share[t_office]
    no_show = booked & (rng.random(n) < NO_SHOW_RATE)
    lo, hi = od_open[t_od], od_last[t_od]
    walk_target = np.interp(lo, grid, cum) + rng.random(n) * (np.interp(hi, grid, cum) - np.interp(lo, grid, cum))
    arrival = np.interp(walk_target, cum, grid)
    slot_len = slot_minutes[t_office]
    slot_hi = od_close[t_od] - slot_len
    slot_target = np.interp(lo, grid, flat_cum) + rng.random(n) * (
        np.interp(slot_hi, grid, flat_cum) - np.interp(lo, grid, flat_cum))
    slot = lo + np.floor((np.interp(slot_target, flat_cum, grid) - lo) / slot_len) * slot_len
    check_in = slot - rng.normal(BOOKED_EARLY_MEAN, BOOKED_EARLY_SD, n)
    check_in = np.clip(check_in, lo, od_close[t_od] - 5.0)
    arrival = np.where(booked, np.where(no_show, slot, check_in), arrival)
    arrival = np.round(arrival * 60.0) / 60.0  # whole seconds

    service = (np.searchsorted(global_cum, t_office + rng.random(n), side="right")
               - t_office * n_services).astype(np.int16)
    service = np.minimum(service, n_services - 1)
    means = np.array([s.typical_minutes for s in SERVICE_CATALOGUE])
    cvs = np.array([s.service_cv for s in SERVICE_CATALOGUE])
    sig2 = np.log1p(cvs ** 2)
    mu = np.log(means) - sig2 / 2
    duration = np.exp(mu[service] + np.sqrt(sig2)[service] * rng.standard_normal(n)) * speed[t_office]
    duration = np.round(np.maximum(duration, 1.0) * 60.0) / 60.0
    walk = np.round(rng.uniform(20.0, 60.0, n)) / 60.0
    patience = np.where(booked,
                        BOOKED_PATIENCE_MEDIAN * rng.lognormal(0.0, BOOKED_PATIENCE_SIGMA, n),
                        WALKIN_PATIENCE_MEDIAN * rng.lognormal(0.0, WALKIN_PATIENCE_SIGMA, n))
    patience[no_show] = np.inf
    busy_for = np.where(no_show, NO_SHOW_GRACE, walk + duration)

    order = np.argsort(t_od * 2000.0 + arrival, kind="stable")
    t_od, t_office, booked, no_show, arrival, service = (t_od[order], t_office[order], booked[order],
                                                         no_show[order], arrival[order], service[order])
    slot = slot[order]
    duration, walk, patience, busy_for = duration[order], walk[order], patience[order], busy_for[order]
    starts = np.concatenate([[0], np.cumsum(n_arrivals)[:-1]]).astype(np.int64)

    # --- counter timetable ---
    c_of = counters[od_office]
    j = np.arange(MAX_COUNTERS)[None, :]
    first_wave = (c_of + 1) // 2
    thursday = od_wd == 5
    late = np.where(j < first_wave[:, None], rng.uniform(0.0, 6.0, (n_od, MAX_COUNTERS)),
                    np.where(thursday[:, None], rng.uniform(10.0, 30.0, (n_od, MAX_COUNTERS)),
                             rng.uniform(15.0, 60.0, (n_od, MAX_COUNTERS))))
    counter_open = np.round((od_open[:, None] + late) * 60.0) / 60.0
    installed = j < c_of[:, None]
    absent = (j > 0) & (rng.random((n_od, MAX_COUNTERS)) < COUNTER_ABSENCE)
    working = installed & ~absent
    early = (c_of[:, None] >= 4) & ~thursday[:, None] & ~afternoon[od_office][:, None] & (
        j >= c_of[:, None] - np.maximum(1, c_of[:, None] // 4))
    half_day = afternoon[od_office][:, None] & (j >= first_wave[:, None]) & ~thursday[:, None]
    limit = np.full((n_od, MAX_COUNTERS), np.inf)
    limit[early] = np.round(rng.uniform(12 * 60 + 30, 13 * 60 + 30, int(early.sum())))
    limit[half_day] = 14 * 60 + 30
    limit[~working] = -np.inf
    free = np.where(working, counter_open, np.inf)

    # --- lockstep simulation over the k-th arrival of every office-day ---
    by_size = np.argsort(-n_arrivals, kind="stable")
    s_free, s_limit, s_starts = free[by_size], limit[by_size], starts[by_size]
    sizes = n_arrivals[by_size]
    called = np.full(n, np.nan)
    counter_no = np.zeros(n, dtype=np.int8)
    left = np.zeros(n, dtype=bool)
    k_max = int(sizes[0]) if n_od else 0
    active_counts = np.searchsorted(-sizes, -np.arange(k_max), side="left")
    for k in range(k_max):
        m = int(active_counts[k])
        ti = s_starts[:m] + k
        a = arrival[ti]
        start = np.maximum(s_free[:m], a[:, None])
        start[start >= s_limit[:m]] = np.inf
        chosen = start.argmin(axis=1)
        rows = np.arange(m)
        begin = start[rows, chosen]
        gone = begin - a > patience[ti]
        stay = ~gone
        s_free[rows[stay], chosen[stay]] = begin[stay] + busy_for[ti[stay]]
        called[ti[stay]] = begin[stay]
        counter_no[ti[stay]] = chosen[stay] + 1
        left[ti[gone]] = True
        if on_step is not None and (k % 10 == 0 or k == k_max - 1):
            on_step(k + 1, k_max)
    free[by_size] = s_free

    outcome = np.where(left, OUTCOME_LEFT, np.where(no_show, OUTCOME_NO_SHOW, OUTCOME_SERVED)).astype(np.int8)
    served = outcome == OUTCOME_SERVED
    started = np.where(served, called + walk, np.nan)
    ended = np.where(served, started + duration, np.where(left, arrival + patience, np.nan))

    base = midnight[od_day][t_od]

    def to_epoch(minutes: np.ndarray) -> np.ndarray:
        seconds = np.round(np.nan_to_num(minutes, nan=-1.0) * 60.0).astype(np.int64)
        return np.where(np.isnan(minutes), -1, base + seconds)

    # ticket numbers: per office-day and service, in arrival order
    key = t_od.astype(np.int64) * n_services + service
    by_key = np.argsort(key, kind="stable")
    sorted_key = key[by_key]
    group_start = np.flatnonzero(np.concatenate([[True], sorted_key[1:] != sorted_key[:-1]]))
    group_len = np.diff(np.concatenate([group_start, [n]]))
    seq = np.empty(n, dtype=np.int32)
    seq[by_key] = np.arange(n) - np.repeat(group_start, group_len) + 1

    # counter shifts
    sh_od, sh_j = np.nonzero(working)
    sh_open = counter_open[sh_od, sh_j]
    target = np.where(np.isfinite(limit[sh_od, sh_j]), limit[sh_od, sh_j], od_close[sh_od])
    sh_close = np.maximum(np.maximum(target, free[sh_od, sh_j]), sh_open + 1.0)
    sh_base = midnight[od_day][sh_od]
    s_opened = sh_base + np.round(sh_open * 60.0).astype(np.int64)
    s_closed = sh_base + np.round(sh_close * 60.0).astype(np.int64)

    # feedback
    wait = called - arrival
    respond = served & (rng.random(n) < FEEDBACK_RATE)
    f_ticket = np.flatnonzero(respond)
    f_wait = wait[f_ticket]
    rating = np.clip(np.round(4.5 - 0.03 * f_wait + rng.normal(0.0, 0.8, len(f_ticket))), 1, 5).astype(np.int8)
    comment_pick = rng.random(len(f_ticket))
    comment_ratings = np.array([r for r, _ in FEEDBACK_COMMENTS])
    f_comment = np.full(len(f_ticket), -1, dtype=np.int16)
    with_comment = comment_pick < np.where(rating <= 2, 0.35, 0.08)
    for r in range(1, 6):
        choices = np.flatnonzero(comment_ratings == r)
        if len(choices) == 0:
            choices = np.flatnonzero(np.abs(comment_ratings - r) == np.min(np.abs(comment_ratings - r)))
        sel = with_comment & (rating == r)
        f_comment[sel] = choices[rng.integers(0, len(choices), int(sel.sum()))]
    f_created = to_epoch(ended)[f_ticket] + rng.integers(60, 3 * 3600, len(f_ticket))

    stats = {
        "office_days": float(n_od),
        "tickets": float(n),
        "served_share": float(served.mean()) if n else 0.0,
        "left_share": float(left.mean()) if n else 0.0,
        "no_show_share_of_booked": float(no_show.sum() / max(1, booked.sum())),
        "mean_wait_served": float(np.nanmean(np.where(served, wait, np.nan))) if served.any() else 0.0,
        "mean_per_office_day": float(n / max(1, n_od)),
    }
    return History(
        days=dates, holidays=holidays, office_closures=office_closures, office_days=n_od,
        t_office=t_office.astype(np.int32), t_service=service, t_booked=booked, t_seq=seq,
        t_arrived=to_epoch(arrival), t_called=to_epoch(called), t_started=to_epoch(started),
        t_ended=to_epoch(ended), t_counter=counter_no, t_outcome=outcome,
        t_slot=np.where(booked, to_epoch(slot), -1),
        s_office=od_office[sh_od].astype(np.int32), s_counter=(sh_j + 1).astype(np.int8),
        s_opened=s_opened, s_closed=s_closed,
        f_ticket=f_ticket.astype(np.int64), f_rating=rating, f_comment=f_comment, f_created=f_created,
        stats=stats)
