"""A whole city of offices: simulate where citizens go and how long it takes them.

:func:`simulate_city` is the test bench of the recommender: citizens set out
from their homes, choose an office by a policy, travel there and queue.  It
measures what a citizen actually spends (travel + wait) and how much the
crowds slosh around the city, for these policies:

* ``"nearest"``: everyone goes to the nearest office (what happens today);
* ``"least_wait_now"``: adopters go where travel plus the wait predicted from
  the office's *current* line (``max(0, waiting + busy - c + 1) S / c``, the
  mean of the engine's conditional wait for exponential service) is least --
  what a plain "which office is crowded now" display leads to;
* ``"safnama"``: adopters follow the first office of
  :func:`queueing.recommender.recommend`, the function behind ``/api/recommend``,
  called with what it has in production: the office readings (as old as
  ``info_delay``), the citizens it has sent and who had not arrived at the
  reading, the expected walk-ins;
* ``"safnama_remote"``: adopters take a remote ticket at the office ``"safnama"``
  would send them to when they decide to go, and wait at home: the ticket
  holds its place in the line from that moment, and they leave when the
  leave-at time (:func:`queueing.remote.call_forecast`, recomputed from
  readings as old as ``info_delay`` at most once a minute) comes, so that they
  reach the office just before their call;
* ``"clairvoyant"``: a reference that no real system can run, to tell how
  far from the best the others are: adopters go where travel plus their exact
  wait is least, counting the exact delay they would cause to the citizens
  already on their way there, computed from the counters' true free times and
  the true service times of everyone already committed (only the arrivals
  still to come are unknown to it).

Model (plain words in ``docs/citywide.md``):

* Each day citizens set out as a Poisson process over ``[0, open_minutes)``
  with rate ``arrivals_per_minute`` times an optional hourly profile; each
  starts from an origin drawn by ``origin_weight``; a share ``adoption`` use
  Safnama, the others go to their nearest office.
* Travel time: great-circle km x ``detour`` / ``speed_kmh``
  (:func:`queueing.ranking.travel_minutes`); no traffic randomness.
* Each office serves first come, first served (by arrival at the office) with
  ``counters`` counters and gamma service times (mean ``service_mean``, CV
  ``service_cv``); everyone who arrives is served; ``wait`` = service start -
  arrival at the office (the lobby wait).  Days are independent and start empty.
  With remote tickets the line is one fair line: a free counter serves the
  citizen *present* whose place is earliest (a walk-in's place is its arrival,
  a remote ticket's the arrival its holder would have had by setting out on
  joining); a remote ticket whose turn comes while its holder is not there yet
  has *missed its call*, keeps its place and is served at the next free
  counter after its holder arrives.
* The office state (waiting, busy) is read every minute; a policy deciding at
  minute ``t`` sees the reading of minute ``floor(t - info_delay)``.  The
  en-route records (Safnama's own) are live.
* ``queue_std``: per office and day, the standard deviation over the open
  minutes of the number of people present (sampled every minute), averaged
  over offices and days.

The event loop runs over citizens (a heap of arrivals at offices, a heap of
free counters per office); the office readings are kept as a per-minute
difference array, so reading the whole city costs one vector operation.

Units: minutes, rates per minute, degrees, km/h.
"""
from __future__ import annotations

import bisect
import heapq
import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .recommender import DETOUR, URBAN_SPEED_KMH, EnRoute, OfficeState, recommend, travel_minutes
from .remote import MISS_RISK, call_forecast

__all__ = ["City", "CityResult", "OfficePlan", "simulate_city", "plan_offices", "POLICIES"]

FloatArray = NDArray[np.float64]
POLICIES = ("nearest", "least_wait_now", "safnama", "safnama_remote", "clairvoyant")
#: ``safnama_remote``: how often (minutes) a citizen waiting at home gets a new leave-at time while it is not
#: yet time to leave (the live site recomputes every minute; the simulator less often, to stay fast).
RECHECK_MINUTES = 2.0
#: Offices the clairvoyant reference weighs for each citizen (the nearest ones).
CLAIRVOYANT_CANDIDATES = 12


def _place(counters: list[float], when: float, service: float) -> float:
    """Serve someone who reaches an office at ``when`` on its earliest free counter, first come first served.

    Args:
        counters: the counters' free times (a heap), updated in place.
        when: arrival at the office (minutes).
        service: minutes at the counter.

    Returns:
        When the service starts.
    """
    begin = when if counters[0] <= when else counters[0]
    heapq.heapreplace(counters, begin + service)
    return begin


def _clairvoyant_cost(arrive: float, free: list[float], on_the_way: list[tuple[float, float]],
                      own_service: float) -> float:
    """Wait plus the delay imposed on the citizens already on their way, for one citizen who would reach an
    office at ``arrive`` (minutes).

    Args:
        arrive: when the citizen would reach the office.
        free: the office's counters' free times (a heap), everyone who has arrived already placed.
        on_the_way: ``(arrival, service minutes)`` of the citizens on their way there, by arrival.
        own_service: the service time assumed for the citizen (the mean: their own is not known yet).
    """
    without = list(free)
    for when, service in on_the_way:
        if when < arrive:
            _place(without, when, service)
    wait = max(0.0, without[0] - arrive)
    with_ = list(without)
    _place(with_, arrive, own_service)
    delay = 0.0
    for when, service in on_the_way:
        if when >= arrive:
            delay += _place(with_, when, service) - _place(without, when, service)
    return wait + delay


def _arr(name: str, value: ArrayLike, n: int | None = None) -> FloatArray:
    a = np.atleast_1d(np.asarray(value, dtype=float))
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite")
    if n is not None:
        try:
            a = np.broadcast_to(a, (n,)).copy()
        except ValueError:
            raise ValueError(f"{name} must have one entry per office ({n}), got shape {a.shape}") from None
    return a


@dataclass
class City:
    """Offices, where citizens come from, and the demand.

    Attributes:
        office_lat, office_lon: office positions (degrees), one per office.
        counters: counters of each office (whole numbers >= 1).
        origin_lat, origin_lon: where citizens set out from (degrees).
        origin_weight: relative share of citizens from each origin (>= 0).
        arrivals_per_minute: city-wide rate of citizens setting out while the
            offices are open (per minute; the mean over the day when
            ``arrival_profile`` is given).
        service_mean: mean time at the counter (minutes), scalar or per office.
        service_cv: coefficient of variation of the time at the counter (one
            value for the city).
        open_minutes: minutes the doors are open each day.
        speed_kmh: door-to-door speed over the road distance (km/h).
        detour: road distance / great-circle distance.
        arrival_profile: relative intensity for each hour of the open day
            (normalised to mean 1), or None for a flat day.
    """

    office_lat: ArrayLike
    office_lon: ArrayLike
    counters: ArrayLike
    origin_lat: ArrayLike
    origin_lon: ArrayLike
    origin_weight: ArrayLike
    arrivals_per_minute: float
    service_mean: ArrayLike = 12.0
    service_cv: float = 1.0
    open_minutes: float = 480.0
    speed_kmh: float = URBAN_SPEED_KMH
    detour: float = DETOUR
    arrival_profile: ArrayLike | None = None

    def __post_init__(self) -> None:
        self.office_lat = _arr("office_lat", self.office_lat)
        n = self.office_lat.shape[0]
        self.office_lon = _arr("office_lon", self.office_lon, n)
        self.counters = _arr("counters", self.counters, n)
        if np.any(self.counters < 1) or np.any(self.counters != np.round(self.counters)):
            raise ValueError("counters must be whole numbers >= 1")
        self.origin_lat = _arr("origin_lat", self.origin_lat)
        m = self.origin_lat.shape[0]
        self.origin_lon = _arr("origin_lon", self.origin_lon, m)
        self.origin_weight = _arr("origin_weight", self.origin_weight, m)
        if np.any(self.origin_weight < 0) or self.origin_weight.sum() <= 0:
            raise ValueError("origin_weight must be non-negative with a positive sum")
        self.service_mean = _arr("service_mean", self.service_mean, n)
        if np.any(self.service_mean <= 0):
            raise ValueError("service_mean must be positive (minutes)")
        for name in ("arrivals_per_minute", "service_cv", "open_minutes", "speed_kmh", "detour"):
            v = float(getattr(self, name))
            if not math.isfinite(v) or v < 0 or (v == 0 and name in ("open_minutes", "speed_kmh", "detour")):
                raise ValueError(f"{name} must be finite and positive, got {v!r}")
            setattr(self, name, v)
        hours = int(math.ceil(self.open_minutes / 60.0))
        if self.arrival_profile is None:
            self.arrival_profile = np.ones(hours)
        else:
            prof = _arr("arrival_profile", self.arrival_profile)
            if prof.shape[0] != hours or np.any(prof < 0) or prof.sum() <= 0:
                raise ValueError(f"arrival_profile needs {hours} non-negative values (one per open hour)")
            lengths = np.minimum(60.0 * np.arange(1, hours + 1), self.open_minutes) - 60.0 * np.arange(hours)
            self.arrival_profile = prof * self.open_minutes / float(np.sum(prof * lengths))

    @property
    def n_offices(self) -> int:
        return int(self.office_lat.shape[0])  # type: ignore[union-attr]

    def travel(self) -> FloatArray:
        """Travel minutes from every origin (rows) to every office (columns)."""
        return travel_minutes(np.asarray(self.origin_lat)[:, None], np.asarray(self.origin_lon)[:, None],
                              np.asarray(self.office_lat)[None, :], np.asarray(self.office_lon)[None, :],
                              speed_kmh=self.speed_kmh, detour=self.detour)

    def with_offices(self, lat: ArrayLike, lon: ArrayLike, counters: ArrayLike,
                     service_mean: ArrayLike | None = None) -> City:
        """A copy of the city with offices added (service mean: the city's average unless given)."""
        lat, lon = np.atleast_1d(lat).astype(float), np.atleast_1d(lon).astype(float)
        sm = float(np.mean(self.service_mean)) if service_mean is None else service_mean  # type: ignore[arg-type]
        return City(np.concatenate([self.office_lat, lat]), np.concatenate([self.office_lon, lon]),  # type: ignore
                    np.concatenate([self.counters, np.broadcast_to(counters, lat.shape)]),  # type: ignore
                    self.origin_lat, self.origin_lon, self.origin_weight, self.arrivals_per_minute,
                    np.concatenate([self.service_mean, np.broadcast_to(sm, lat.shape)]),  # type: ignore
                    self.service_cv, self.open_minutes, self.speed_kmh, self.detour, self.arrival_profile)


@dataclass(frozen=True)
class CityResult:
    """What citizens spent, over all simulated days (minutes).

    Attributes:
        mean_total, p90_total: travel + wait, mean and 90th percentile.
        mean_wait, p90_wait, mean_travel: the parts.
        share_wait_over_60: share of citizens who waited more than an hour.
        queue_std: mean over offices and days of the standard deviation of
            the number of people present, sampled every open minute.
        served: citizens served.
        app_mean_total, others_mean_total: mean total of adopters and of the
            others (NaN when there are none).
        mean_lobby_wait, p90_lobby_wait: time in the office before service
            (everyone; the same as ``mean_wait`` and ``p90_wait``, since time
            at home counts as free).
        app_mean_lobby_wait, app_p90_lobby_wait, others_mean_lobby_wait: the
            same for adopters and for the others (NaN when there are none).
        share_missed_call: share of adopters who reached the office after
            their call (0 for policies without remote tickets).
        counter_idle_share: share of the open counters' time (counters x open
            minutes) in which nobody was being served.
        office_served: citizens served per office and day (mean).
        office_mean_wait: mean wait per office (NaN where nobody came).
    """

    policy: str
    adoption: float
    info_delay: float
    days: int
    mean_total: float
    p90_total: float
    mean_wait: float
    p90_wait: float
    mean_travel: float
    share_wait_over_60: float
    queue_std: float
    served: int
    app_mean_total: float
    others_mean_total: float
    mean_lobby_wait: float
    p90_lobby_wait: float
    app_mean_lobby_wait: float
    app_p90_lobby_wait: float
    others_mean_lobby_wait: float
    share_missed_call: float
    counter_idle_share: float
    office_served: FloatArray = field(repr=False)
    office_mean_wait: FloatArray = field(repr=False)


def _mean(x: FloatArray) -> float:
    return float(np.mean(x)) if x.size else float("nan")


def _p90(x: FloatArray) -> float:
    return float(np.quantile(x, 0.9)) if x.size else float("nan")


def _busy_while_open(start: FloatArray, service: FloatArray, open_minutes: float) -> float:
    """Counter-minutes spent serving within the open minutes."""
    return float(np.sum(np.clip(np.minimum(start + service, open_minutes) - start, 0.0, None)))



@dataclass
class _Day:
    """One simulated day's citizens, in the order they set out (times in minutes from the opening)."""

    office: NDArray[np.intp]
    travel: FloatArray
    arrive: FloatArray
    start: FloatArray
    service: FloatArray
    missed: NDArray[np.bool_]
    present: FloatArray    # people present at each office (columns) at each minute (rows)


def _remote_day(city: City, dep: FloatArray, origin: NDArray[np.intp], app: NDArray[np.bool_],
                unit: FloatArray, travel: FloatArray, walkin: FloatArray, info_delay: float,
                draws: np.random.Generator, opts: dict[str, object], miss_risk: float) -> _Day:
    """One day of the ``"safnama_remote"`` policy: an event loop over arrivals at offices, free counters and
    the adopters' leave checks, with one fair line per office (see the module docstring).

    Args:
        dep: when each citizen decides to go (sorted).
        origin: each citizen's origin.
        app: who uses Safnama (and takes a remote ticket).
        unit: each citizen's time at the counter in units of the office's mean.
        travel: travel minutes, origins x offices.
        walkin: expected walk-ins per minute, open hours x offices.
        info_delay: age of the readings the recommender and the leave-at times use (minutes).
        draws: the recommender's random stream.
        opts: keyword arguments for :func:`queueing.recommender.recommend`.
        miss_risk: the accepted chance of reaching the office after the call (:func:`call_forecast`).
    """
    n, m = city.n_offices, dep.size
    lat, lon = np.asarray(city.office_lat), np.asarray(city.office_lon)
    counters = np.asarray(city.counters)
    s_mean = np.asarray(city.service_mean)
    cv = float(city.service_cv)
    cv_arr = np.full(n, cv)
    hours = walkin.shape[0]
    grid = int(math.ceil(float(city.open_minutes))) + 1
    nearest = np.argmin(travel, axis=1)
    office = nearest[origin].copy()
    trav = travel[origin, office]
    arrive = np.full(m, np.inf)
    start = np.full(m, np.nan)
    key = np.full(m, np.inf)            # place in the line: joining time (remote) or arrival (walk-in)
    missed = np.zeros(m, dtype=bool)
    joined = np.full(m, np.nan)          # when a remote ticket was taken
    diff = np.zeros((grid + 1, n))       # changes of the people present (lobby + counters)
    wdiff = np.zeros((grid + 1, n))      # ... of the people waiting in the lobby
    ldiff = np.zeros((grid + 1, n))      # ... of the tickets in line, present or not
    rows = {name: np.zeros((grid, n)) for name in ("present", "lobby", "line")}
    done = [-1]
    idle = [int(c) for c in counters]
    present: list[list[tuple[float, int]]] = [[] for _ in range(n)]   # heaps by place in the line
    absent: list[list[tuple[float, int]]] = [[] for _ in range(n)]    # remote tickets not (yet) there
    line_keys: list[list[float]] = [[] for _ in range(n)]             # places of everyone in line, sorted
    starts: list[list[float]] = [[] for _ in range(n)]                # service starts, in time order
    events: list[tuple[float, int, int, int]] = []                    # (time, kind, citizen or office, seq)
    arrive_event, free_event, check_event = 0, 1, 2
    seq = [0]

    def push(when: float, kind: int, who: int) -> None:
        seq[0] += 1
        heapq.heappush(events, (when, kind, seq[0], who))

    def mark(array: FloatArray, when: float, o: int, step: float) -> None:
        array[min(math.ceil(when), grid), o] += step

    def advance(to_row: int) -> None:
        if to_row > done[0]:
            a, b = done[0] + 1, to_row + 1
            for name, d in (("present", diff), ("lobby", wdiff), ("line", ldiff)):
                base = rows[name][done[0]] if done[0] >= 0 else 0.0
                rows[name][a:b] = base + np.cumsum(d[a:b], axis=0)
            done[0] = to_row

    def reading(now: float) -> int:
        advance(min(int(math.floor(now)), grid - 1))
        return min(max(int(math.floor(now - info_delay)), 0), grid - 1)

    def serve(o: int, now: float) -> None:
        while idle[o] > 0 and present[o]:
            place, j = heapq.heappop(present[o])
            idle[o] -= 1
            start[j] = now
            end = now + float(unit[j] * s_mean[o])
            push(end, free_event, o)
            del line_keys[o][bisect.bisect_left(line_keys[o], place)]
            starts[o].append(now)
            for array, step in ((wdiff, -1.0), (ldiff, -1.0)):
                mark(array, now, o, step)
            mark(diff, end, o, -1.0)
            while absent[o] and absent[o][0][0] < place:   # their turn came while they were not there
                _, r = heapq.heappop(absent[o])
                if not np.isfinite(arrive[r]):
                    missed[r] = True

    def forecast(i: int, now: float) -> tuple[int, float, float]:
        """The reading citizen ``i``'s ticket sees now (its minute), and from there the call time's early
        quantile and the latest departure."""
        o = int(office[i])
        ms = reading(now)
        # Its place among the tickets in line now, plus those called since the reading (the line then).
        ahead = bisect.bisect_left(line_keys[o], key[i]) + len(starts[o]) - bisect.bisect_right(starts[o], ms)
        busy = rows["present"][ms, o] - rows["lobby"][ms, o]
        call = call_forecast(ahead, busy, counters[o], s_mean[o], cv, trav[i], miss_risk)
        return ms, float(call.early), max(now, ms + float(call.leave_in))

    def set_out(i: int, now: float) -> None:
        push(now + float(trav[i]), arrive_event, i)

    def run_until(t: float) -> None:
        while events and events[0][0] <= t:
            when, kind, _, who = heapq.heappop(events)
            if kind == free_event:
                idle[who] += 1
                serve(who, when)
            elif kind == check_event:
                later = forecast(who, when)[2]
                if missed[who] or later < when + 1.0:   # leave now (a live page looks again each minute)
                    set_out(who, when)
                else:
                    push(min(later, when + RECHECK_MINUTES), check_event, who)
            else:
                o = int(office[who])
                arrive[who] = when
                if not app[who]:
                    key[who] = when
                    bisect.insort(line_keys[o], when)
                    mark(ldiff, when, o, 1.0)
                mark(diff, when, o, 1.0)
                mark(wdiff, when, o, 1.0)
                heapq.heappush(present[o], (float(key[who]), who))
                serve(o, when)

    remote: list[int] = []            # remote tickets, in joining order
    sent_hour = np.zeros(n)           # ... of them, taken in the last hour, per office
    lo = lo_hour = 0
    max_travel = float(travel.max())
    for i in range(m):
        t = float(dep[i])
        run_until(t)
        if not app[i]:
            set_out(i, t)
            continue
        ms = reading(t)
        while lo_hour < len(remote) and joined[remote[lo_hour]] <= t - 60.0:
            sent_hour[office[remote[lo_hour]]] -= 1.0
            lo_hour += 1
        # Tickets taken after the reading are not in it: the recommender sees them as Safnama's own records,
        # due when their place comes (kept a while after, like the en-route records).
        while lo < len(remote) and joined[remote[lo]] < ms - max_travel - 1.0:
            lo += 1
        newer = np.array([r for r in remote[lo:] if joined[r] > ms], dtype=int)
        busy = rows["present"][ms] - rows["lobby"][ms]
        o_i = int(origin[i])
        state = OfficeState(lat=lat, lon=lon, counters=counters, waiting=rows["line"][ms], busy=busy,
                            service_mean=s_mean, service_cv=cv_arr, state_age=np.full(n, t - ms),
                            walkin_rate=walkin[min(int(t // 60.0), hours - 1)], sent_rate=sent_hour / 60.0)
        rec = recommend(float(np.asarray(city.origin_lat)[o_i]), float(np.asarray(city.origin_lon)[o_i]), state,
                        EnRoute(office=office[newer], eta=key[newer] - t), travel=travel[o_i], rng=draws,
                        check=False, **opts)  # type: ignore[arg-type]
        o = rec.office
        office[i], trav[i] = o, travel[o_i, o]
        # The ticket holds the place its holder would have by setting out now: nobody who is there is
        # overtaken by someone who could not have been.
        joined[i], key[i] = t, t + float(trav[i])
        remote.append(i)
        sent_hour[o] += 1.0
        bisect.insort(line_keys[o], float(key[i]))
        heapq.heappush(absent[o], (float(key[i]), i))
        mark(ldiff, t, o, 1.0)
        push(forecast(i, t)[2], check_event, i)
    run_until(math.inf)
    advance(grid - 1)
    return _Day(office=office, travel=trav, arrive=arrive, start=start, service=unit * s_mean[office], missed=missed,
                present=rows["present"])


def simulate_city(city: City, policy: str = "safnama", adoption: float = 1.0, info_delay: float = 0.0,
                  days: int = 10, seed: int | None = None, *, recommend_options: dict[str, object] | None = None,
                  miss_risk: float = MISS_RISK) -> CityResult:
    """Simulate ``days`` independent days of the city under a policy.

    Args:
        city: the :class:`City`.
        policy: ``"nearest"``, ``"least_wait_now"``, ``"safnama"`` or the reference ``"clairvoyant"``
            (see the module docstring; it sees the true state whatever ``info_delay``).
        adoption: share of citizens who use Safnama (in [0, 1]); the others
            go to their nearest office.
        info_delay: age (minutes) of the office readings the policies see.
        days: number of days.
        seed: seed of the random generator.
        recommend_options: keyword arguments passed to
            :func:`queueing.recommender.recommend` (e.g. ``p90_weight``).
        miss_risk: ``"safnama_remote"``: the chance of reaching the office
            after the call that a leave-at time accepts (:func:`call_forecast`).

    Returns:
        A :class:`CityResult`.

    Raises:
        ValueError: unknown policy, adoption outside [0, 1], negative delay or days < 1.
    """
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {POLICIES}, got {policy!r}")
    if not 0.0 <= adoption <= 1.0:
        raise ValueError(f"adoption must be in [0, 1], got {adoption!r}")
    if not (math.isfinite(info_delay) and info_delay >= 0):
        raise ValueError(f"info_delay must be non-negative minutes, got {info_delay!r}")
    if days < 1:
        raise ValueError("days must be at least 1")
    opts = dict(recommend_options or {})
    # Citizens (when, from where, who adopts, service times) and the recommender's draws come from separate
    # streams, so every policy meets the same citizens on the same days (common random numbers).
    rng, draws = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    n = city.n_offices
    lat = np.asarray(city.office_lat)
    lon = np.asarray(city.office_lon)
    counters = np.asarray(city.counters)
    c_int = counters.astype(int)
    s_mean = np.asarray(city.service_mean)
    cv = float(city.service_cv)
    open_min = float(city.open_minutes)
    prof = np.asarray(city.arrival_profile)
    hours = prof.shape[0]
    weights = np.asarray(city.origin_weight) / np.sum(city.origin_weight)
    travel = city.travel()
    nearest = np.argmin(travel, axis=1)
    max_travel = float(travel.max())
    catch = np.bincount(nearest, weights=weights, minlength=n)
    # Walk-ins expected per minute at each office in each hour: the non-adopters of its catchment.
    walkin = (1.0 - adoption) * city.arrivals_per_minute * prof[:, None] * catch[None, :]
    lengths = np.minimum(60.0 * np.arange(1, hours + 1), open_min) - 60.0 * np.arange(hours)
    grid = int(math.ceil(open_min)) + 1                      # minutes 0 .. ceil(open)
    age_arr = np.empty(n)
    cv_arr = np.full(n, cv)
    smart = policy != "nearest" and adoption > 0.0

    def _collect(day: _Day) -> None:
        nonlocal served_by, wait_sum, busy_minutes
        q_std.append(float(np.mean(np.std(day.present[: int(math.ceil(open_min))], axis=0))))
        w = day.start - day.arrive
        totals.append(day.travel + w)
        waits.append(w)
        travels.append(day.travel)
        missed_all.append(day.missed)
        busy_minutes += _busy_while_open(day.start, day.service, open_min)
        served_by = served_by + np.bincount(day.office, minlength=n)
        wait_sum = wait_sum + np.bincount(day.office, weights=w, minlength=n)
    shape_k = 1.0 / (cv * cv) if cv > 0 else 0.0

    totals, waits, travels, is_app, missed_all = [], [], [], [], []
    q_std = []
    busy_minutes = 0.0
    served_by = np.zeros(n)
    wait_sum = np.zeros(n)
    for _ in range(days):
        counts = rng.poisson(city.arrivals_per_minute * prof * lengths)
        hour_of = np.repeat(np.arange(hours), counts)
        dep = np.sort(60.0 * hour_of + rng.random(hour_of.size) * lengths[hour_of])
        m = dep.size
        origin = rng.choice(weights.size, size=m, p=weights)
        app = rng.random(m) < adoption
        is_app.append(app)
        unit = rng.gamma(shape_k, 1.0 / shape_k, size=m) if cv > 0 else np.ones(m)
        if policy == "safnama_remote":
            day = _remote_day(city, dep, origin, app, unit, travel, walkin, info_delay, draws, opts, miss_risk)
            _collect(day)
            continue
        office = nearest[origin].copy()
        trav = travel[origin, office]
        arrive = dep + trav
        start = np.empty(m)
        diff = np.zeros((grid + 1, n))                       # per-minute changes of (waiting + busy)
        wdiff = np.zeros((grid + 1, n))                      # ... of waiting
        rows_n = np.zeros((grid, n))                         # people present at each minute
        rows_w = np.zeros((grid, n))                         # people waiting at each minute
        done_row = -1
        free: list[list[float]] = [[0.0] * int(c) for c in c_int]
        events: list[tuple[float, int]] = []
        sent = np.zeros(m, dtype=bool)                       # sent by Safnama (en-route records)
        sent_hour = np.zeros(n)                              # ... of them, sent in the last hour, per office
        lo = lo_hour = 0

        def serve(a: float, i: int) -> None:
            o = int(office[i])
            s = _place(free[o], a, unit[i] * s_mean[o])
            e = s + unit[i] * s_mean[o]
            start[i] = s
            ia, is_, ie = min(math.ceil(a), grid), min(math.ceil(s), grid), min(math.ceil(e), grid)
            diff[ia, o] += 1.0
            diff[ie, o] -= 1.0
            wdiff[ia, o] += 1.0
            wdiff[is_, o] -= 1.0

        def advance(to_row: int) -> int:
            nonlocal done_row
            if to_row > done_row:
                a, b = done_row + 1, to_row + 1
                base_n = rows_n[done_row] if done_row >= 0 else 0.0
                base_w = rows_w[done_row] if done_row >= 0 else 0.0
                rows_n[a:b] = base_n + np.cumsum(diff[a:b], axis=0)
                rows_w[a:b] = base_w + np.cumsum(wdiff[a:b], axis=0)
                done_row = to_row
            return done_row

        for i in range(m):
            t = dep[i]
            while events and events[0][0] <= t:
                a, j = heapq.heappop(events)
                serve(a, j)
            if smart and app[i]:
                ms = max(int(math.floor(t - info_delay)), 0)
                advance(min(int(math.floor(t)), grid - 1))
                present = rows_n[ms]
                waiting = rows_w[ms]
                busy = present - waiting
                age = t - ms
                o_i = int(origin[i])
                if policy == "clairvoyant":
                    on_the_way: dict[int, list[tuple[float, float]]] = {}
                    for when, j in sorted(events):
                        o_j = int(office[j])
                        on_the_way.setdefault(o_j, []).append((when, float(unit[j] * s_mean[o_j])))
                    near_o = np.argsort(travel[o_i], kind="stable")[:CLAIRVOYANT_CANDIDATES]
                    costs = [travel[o_i, o] + _clairvoyant_cost(t + travel[o_i, o], free[o],
                                                                on_the_way.get(int(o), []), float(s_mean[o]))
                             for o in near_o]
                    choice = int(near_o[int(np.argmin(costs))])
                elif policy == "least_wait_now":
                    wait_now = np.maximum(present - counters + 1.0, 0.0) * s_mean / counters
                    choice = int(np.argmin(travel[o_i] + wait_now))
                else:
                    while lo < i and dep[lo] < ms - max_travel - 1.0:
                        lo += 1
                    while lo_hour < i and dep[lo_hour] <= t - 60.0:
                        if sent[lo_hour]:
                            sent_hour[office[lo_hour]] -= 1.0
                        lo_hour += 1
                    window = slice(lo, i)
                    mask = sent[window] & (arrive[window] > ms)
                    age_arr.fill(age)
                    state = OfficeState(lat=lat, lon=lon, counters=counters, waiting=waiting, busy=busy,
                                        service_mean=s_mean, service_cv=cv_arr,
                                        walkin_rate=walkin[min(int(t // 60.0), hours - 1)], state_age=age_arr,
                                        sent_rate=sent_hour / 60.0)
                    rec = recommend(float(city.origin_lat[o_i]), float(city.origin_lon[o_i]), state,  # type: ignore
                                    EnRoute(office=office[window][mask], eta=arrive[window][mask] - t),
                                    travel=travel[o_i], rng=draws, check=False, **opts)  # type: ignore[arg-type]
                    choice = rec.office
                    sent[i] = True
                    sent_hour[choice] += 1.0
                office[i] = choice
                trav[i] = travel[o_i, choice]
                arrive[i] = t + trav[i]
            heapq.heappush(events, (float(arrive[i]), i))
        while events:
            a, j = heapq.heappop(events)
            serve(a, j)
        advance(grid - 1)
        _collect(_Day(office=office, travel=trav, arrive=arrive, start=start, service=unit * s_mean[office],
                      missed=np.zeros(m, dtype=bool), present=rows_n))

    total = np.concatenate(totals)
    wait = np.concatenate(waits)
    app_all = np.concatenate(is_app)
    missed = np.concatenate(missed_all)
    with np.errstate(invalid="ignore", divide="ignore"):
        office_wait = wait_sum / served_by
    return CityResult(
        policy=policy, adoption=float(adoption), info_delay=float(info_delay), days=int(days),
        mean_total=_mean(total), p90_total=float(np.quantile(total, 0.9)) if total.size else float("nan"),
        mean_wait=_mean(wait), p90_wait=float(np.quantile(wait, 0.9)) if wait.size else float("nan"),
        mean_travel=_mean(np.concatenate(travels)), share_wait_over_60=_mean((wait > 60.0).astype(float)),
        queue_std=float(np.mean(q_std)), served=int(total.size),
        app_mean_total=_mean(total[app_all]), others_mean_total=_mean(total[~app_all]),
        mean_lobby_wait=_mean(wait), p90_lobby_wait=_p90(wait), app_mean_lobby_wait=_mean(wait[app_all]),
        app_p90_lobby_wait=_p90(wait[app_all]), others_mean_lobby_wait=_mean(wait[~app_all]),
        share_missed_call=_mean(missed[app_all].astype(float)) if policy == "safnama_remote" else 0.0,
        counter_idle_share=1.0 - busy_minutes / (float(np.sum(counters)) * open_min * days),
        office_served=served_by / days, office_mean_wait=office_wait)


@dataclass(frozen=True)
class OfficePlan:
    """Where to open offices and add counters (figures in minutes).

    Attributes:
        chosen: indices (into the candidate arrays) of the new offices, in the
            order the greedy search picked them.
        mean_total, p90_total: the city's mean and P90 total time after each
            pick (index 0: today, without new offices).
        candidate_mean_drop: for every candidate, the drop in mean total time
            if it alone were opened (the first greedy round).
        candidate_p90_drop: likewise for the P90 total time.
        counter_offices: existing offices (indices) that most need one more
            counter, best first (evaluated after the new offices).
        counter_mean_drop: the drop in mean total time from one more counter
            at each of ``counter_offices``.
    """

    chosen: list[int]
    mean_total: list[float]
    p90_total: list[float]
    candidate_mean_drop: FloatArray
    candidate_p90_drop: FloatArray
    counter_offices: list[int]
    counter_mean_drop: list[float]


def plan_offices(city: City, candidate_lat: ArrayLike, candidate_lon: ArrayLike, new_offices: int = 3,
                 counters: int = 4, *, policy: str = "nearest", adoption: float = 0.0, days: int = 3,
                 seed: int = 0, counter_candidates: int = 8) -> OfficePlan:
    """Choose where new offices cut citizens' mean total time most, greedily, by simulation.

    Each round tries every remaining candidate site (an office of ``counters``
    counters with the city's average service time) with :func:`simulate_city`
    on the same random days (common random numbers, so differences are not
    noise) and keeps the one with the lowest mean total time.  Then, with the
    chosen offices in place, the ``counter_candidates`` existing offices with
    the most waiting (served per day x mean wait) are each simulated with one
    more counter, and ranked by the drop in mean total time.

    Args:
        city: today's city.
        candidate_lat, candidate_lon: candidate sites (degrees), e.g. district centres.
        new_offices: how many offices to place.
        counters: counters of each new office.
        policy, adoption: how citizens choose (default: everyone goes to the nearest).
        days: simulated days per evaluation.
        seed: seed shared by every evaluation.
        counter_candidates: how many existing offices to try one more counter at.

    Returns:
        An :class:`OfficePlan`.

    Raises:
        ValueError: mismatched candidate arrays or fewer candidates than ``new_offices``.
    """
    c_lat, c_lon = np.atleast_1d(np.asarray(candidate_lat, dtype=float)), np.atleast_1d(
        np.asarray(candidate_lon, dtype=float))
    if c_lat.shape != c_lon.shape or c_lat.ndim != 1:
        raise ValueError("candidate_lat and candidate_lon must be 1-D arrays of the same length")
    if new_offices > c_lat.size:
        raise ValueError(f"only {c_lat.size} candidates for {new_offices} new offices")

    def run(c: City) -> CityResult:
        return simulate_city(c, policy=policy, adoption=adoption, days=days, seed=seed)

    base = run(city)
    chosen: list[int] = []
    means, p90s = [base.mean_total], [base.p90_total]
    current = city
    first_mean = np.full(c_lat.size, np.nan)
    first_p90 = np.full(c_lat.size, np.nan)
    for step in range(new_offices):
        best, best_r = -1, None
        for j in range(c_lat.size):
            if j in chosen:
                continue
            r = run(current.with_offices(c_lat[j], c_lon[j], counters))
            if step == 0:
                first_mean[j] = base.mean_total - r.mean_total
                first_p90[j] = base.p90_total - r.p90_total
            if best_r is None or r.mean_total < best_r.mean_total:
                best, best_r = j, r
        assert best_r is not None
        chosen.append(best)
        means.append(best_r.mean_total)
        p90s.append(best_r.p90_total)
        current = current.with_offices(c_lat[best], c_lon[best], counters)
    last = run(current)
    load = np.nan_to_num(last.office_served * last.office_mean_wait)[: city.n_offices]
    tried = [int(i) for i in np.argsort(-load)[: max(0, counter_candidates)]]
    drops = []
    for i in tried:
        more = np.asarray(current.counters).copy()
        more[i] += 1
        c2 = City(current.office_lat, current.office_lon, more, current.origin_lat, current.origin_lon,
                  current.origin_weight, current.arrivals_per_minute, current.service_mean, current.service_cv,
                  current.open_minutes, current.speed_kmh, current.detour, current.arrival_profile)
        drops.append(last.mean_total - run(c2).mean_total)
    order = np.argsort(-np.asarray(drops)) if drops else np.array([], dtype=int)
    return OfficePlan(chosen=chosen, mean_total=means, p90_total=p90s, candidate_mean_drop=first_mean,
                      candidate_p90_drop=first_p90, counter_offices=[tried[k] for k in order],
                      counter_mean_drop=[float(drops[k]) for k in order])
