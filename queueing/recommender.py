"""Which office should a citizen go to now: the recommender behind ``/api/recommend``.

:func:`recommend` ranks every office of a city for a citizen standing at
``(origin_lat, origin_lon)`` by the time the visit will take them: the travel
time plus the wait *predicted for the moment they would arrive*.  The same
function is the ``"safnama"`` policy of the city simulator
(:func:`queueing.city.simulate_city`), so what the benchmark proves is what
citizens get.

Why "on arrival" and not "now": if every citizen is shown the office that is
quiet *now*, everyone goes there and it is full when they arrive (herding).
The prediction therefore counts, for each office,

* the people it had when its state was last read (``waiting + busy``; the
  reading may be ``state_age`` minutes old),
* the citizens Safnama has already sent there who arrive after that reading
  and before this citizen (in production: the "I'm going" presses and the
  bookings within the hour, held in Redis until their ETA plus the largest
  state age, see :class:`EnRoute`),
* the walk-ins it expects meanwhile (``walkin_rate`` per minute: arrivals
  that were *not* sent by Safnama),
* the citizens Safnama will send there *after* this one who live closer and
  so get there first: at the rate it has lately been sending citizens there
  (``sent_rate``), over the citizen's travel ``t``, the share ``E[(t -
  T)+] / t`` whose own travel ``T`` is short enough; ``1/4`` with ``T``
  uniform on ``[0, 2t]``, i.e. spread evenly around the citizen's own
  (``future_share``),
* and those its counters will have served by then (``counters /
  service_mean`` per minute while busy).

Model (all per office, vectorised over offices; ``H = state_age + travel``
minutes from the reading to the citizen's arrival; ``r = c / S`` departures
per minute when the ``c`` counters are busy):

* Departures the citizen must wait for on arrival (a fluid balance with
  reflection, i.e. Lindley's recursion for the fluid queue): ``Y = max_s
  [A(s, H) - r (H - s) + (X0 if s = 0)] - c + 1`` over ``s = 0`` and the ETA of
  each citizen already sent (``A(s, H)``: arrivals in ``(s, H]``, walk-ins at
  ``lambda`` over the whole span and those sent later at ``future_share x
  sent_rate`` over its last ``min(H - s, t)`` minutes; ``X0 = waiting +
  busy``).  Taking the maximum over the start points means an office
  that is idle now is not credited with service it cannot give before the
  en-route citizens get there.
* Randomness: walk-ins are Poisson (variance ``lambda H``) and the departures
  of ``c`` busy counters a superposition with squared CV ``scv_d = 1 + (cv^2 -
  1) / c`` (one counter: the service's own ``cv^2``; many: Poisson, by the
  Palm-Khintchine theorem; Whitt 1982, "Approximating a point process by a
  renewal process", Operations Research 30(1)).  ``Y`` is taken normal with
  ``sigma^2 = lambda H + future_share sent_rate t + r H scv_d`` (plus 1/4);
  the wait is ``Y+ / r``, so ``E[W] = (y Phi(y/sigma) + sigma phi(y/sigma))
  / r`` (the normal partial expectation) and ``E[W^2]`` likewise, plus the phase noise of ``Y``
  departures (``Y scv_d / r^2``).  With no reading age, nobody en route and
  exponential service this reduces to the engine's conditional wait
  (:meth:`queueing.model.OfficeModel.wait_now`, an Erlang(``m``, ``c mu``) law,
  Gross & Harris, *Fundamentals of Queueing Theory*, 4th ed., 2.3) in mean.
* Quantiles: an atom at zero ``P(Y <= 0)`` and a gamma law for the positive
  part with the matching mean and variance; the gamma quantile by the
  Wilson-Hilferty cube-root approximation (Wilson & Hilferty 1931, PNAS 17).
* Travel: great-circle (haversine) distance x ``detour`` / ``speed_kmh``.
* Score: ``travel + mean wait + p90_weight (p90 - mean)`` minutes.
* Ranking: the score plus the externality of the visit (system cost rather
  than the citizen's own, as in Wardrop's system-optimal versus user-optimal
  assignment): the citizen's service delays by about ``1 / r`` each citizen
  already sent there who arrives after them, if the counters are still busy
  then, i.e. ``P(Y + 1 > 0) x later / r``.  It only orders the offices; the
  wait shown is still the predicted wait on arrival.

Spreading (no herding among near-equal offices): the offices whose ranking
value is within ``tolerance = max(spread_minutes, spread_share x best)`` of the
best are candidates; one is drawn with probability proportional to
``exp(-(value - best) / (tolerance / 8))`` and put first (ties are shared
evenly, an office a whole tolerance worse almost never drawn, so spreading
costs little travel); the rest follow by ranking value.  A
citizen sees the drawn office first and why ("12 min away, ~8 min wait when
you arrive, 4 people already on their way").

Units: minutes, rates per minute, degrees, km/h.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from .model import Wait
from .ranking import DETOUR_FACTOR as DETOUR
from .ranking import EARTH_RADIUS_KM, URBAN_SPEED_KMH, travel_minutes

__all__ = ["EnRoute", "OfficeState", "Recommendation", "recommend", "travel_minutes", "EARTH_RADIUS_KM",
           "URBAN_SPEED_KMH", "DETOUR"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_SQRT_2PI = float(np.sqrt(2.0 * np.pi))
#: Temperature of the draw among near-equal offices, as a share of the tolerance (see :func:`recommend`).
_SPREAD_TEMPERATURE = 0.125
_Q_LEVELS = np.array([[0.5], [0.9]])


@dataclass(frozen=True)
class OfficeState:
    """The live state of a city's offices, one entry per office (arrays of equal length).

    Attributes:
        lat, lon: office position (degrees).
        counters: counters open now.
        waiting: people in line (not in service) at the last reading.
        busy: counters serving someone at the last reading.
        service_mean: mean time at the counter (minutes).
        service_cv: coefficient of variation of the time at the counter.
        walkin_rate: expected arrivals per minute over the next hour that
            were *not* sent by Safnama (the office's fitted arrival rate for
            the hour, minus the Safnama-directed share).
        state_age: minutes since the reading of ``waiting`` / ``busy``
            (scalar or per office; 0 for a live reading).
        sent_rate: citizens per minute Safnama has lately been sending to
            the office (in production: "I'm going" presses and bookings of
            the last hour / 60); some of those it sends *after* this citizen
            live closer and get there first (see :func:`recommend`).
    """

    lat: ArrayLike
    lon: ArrayLike
    counters: ArrayLike
    waiting: ArrayLike
    busy: ArrayLike
    service_mean: ArrayLike
    service_cv: ArrayLike = 1.0
    walkin_rate: ArrayLike = 0.0
    state_age: ArrayLike = 0.0
    sent_rate: ArrayLike = 0.0


@dataclass(frozen=True)
class EnRoute:
    """Citizens Safnama has sent and who had not arrived when the state was read.

    One entry per citizen.  In production these are the Redis records of
    "I'm going" presses and bookings within the hour; keep each until its ETA
    plus the largest ``state_age`` (a citizen who arrived after the reading is
    not yet in ``waiting``), so entries with a negative ``eta`` are expected.

    Attributes:
        office: index of the office (into the :class:`OfficeState` arrays).
        eta: expected arrival, minutes from now (negative: already arrived).
    """

    office: ArrayLike
    eta: ArrayLike


@dataclass(frozen=True)
class Recommendation:
    """The ranking for one citizen; per-office arrays are indexed like the input.

    Attributes:
        order: office indices to show, best first; ``order[0]`` is the office
            to go to (drawn among the near-equal best ones).
        travel: travel time to every office (minutes).
        wait: predicted wait on arrival at every office (minutes; mean, p50, p90).
        score: travel + mean wait + p90 penalty (minutes; the ranking adds
            the externality on the citizens already sent, see the module
            docstring).
        en_route: citizens already sent to each office and still on their way.
        ahead: expected people ahead of the citizen on arrival (waiting or in
            service).
        candidates: offices among which the first one was drawn.
    """

    order: IntArray
    travel: FloatArray
    wait: Wait
    score: FloatArray
    en_route: IntArray
    ahead: FloatArray
    candidates: NDArray[np.bool_] = field(repr=False)

    @property
    def office(self) -> int:
        """The office to go to (``order[0]``)."""
        return int(self.order[0])

    def reasons(self) -> list[dict[str, Any]]:
        """The parts of each shown office's one-line explanation, in ``order``.

        Returns:
            One dict per office: ``office`` (index), ``travel_minutes``,
            ``wait_minutes`` (mean on arrival), ``wait_p90_minutes``,
            ``en_route`` (people already on their way), ``ahead`` (people
            expected ahead on arrival), ``total_minutes``; minutes rounded to
            whole minutes, e.g. "12 min away, ~8 min wait when you arrive (4
            people are already on their way)".
        """
        return [{"office": int(i), "travel_minutes": int(round(float(self.travel[i]))),
                 "wait_minutes": int(round(float(self.wait.mean[i]))),
                 "wait_p90_minutes": int(round(float(self.wait.p90[i]))),
                 "en_route": int(self.en_route[i]), "ahead": int(round(float(self.ahead[i]))),
                 "total_minutes": int(round(float(self.travel[i] + self.wait.mean[i])))}
                for i in self.order]


def _gamma_quantile_wh(mean: FloatArray, var: FloatArray, q: FloatArray) -> FloatArray:
    """Gamma quantile with given mean and variance, Wilson-Hilferty approximation."""
    inv9k = var / (9.0 * mean * mean + 1e-300)
    z = special.ndtri(q)
    base = np.maximum(1.0 - inv9k + z * np.sqrt(inv9k), 0.0)
    return mean * base ** 3


def recommend(origin_lat: float, origin_lon: float, offices: OfficeState, en_route: EnRoute | None = None, *,
              k: int = 5, speed_kmh: float = URBAN_SPEED_KMH, detour: float = DETOUR,
              p90_weight: float = 0.1, spread_minutes: float = 1.0, spread_share: float = 0.05,
              spread: bool = True, future_share: float = 0.25, travel: ArrayLike | None = None,
              rng: np.random.Generator | None = None, check: bool = True,
              wait: Wait | None = None) -> Recommendation:
    """Rank a city's offices for a citizen by travel plus the wait on arrival.

    Typical call from ``/api/recommend``::

        state = OfficeState(lat=lats, lon=lons, counters=open_counters, waiting=waiting, busy=busy,
                            service_mean=service_mean, service_cv=service_cv,
                            walkin_rate=walkins_per_minute, state_age=minutes_since_reading)
        sent = EnRoute(office=office_index_of_each_record, eta=minutes_until_each_eta)
        rec = recommend(lat, lon, state, sent, k=5)
        best = rec.office                      # show first; its ETA is now + rec.travel[best]
        rec.reasons()                          # the parts of each explanation line

    After the citizen presses "I'm going", store ``(office, now +
    travel[office])`` in the en-route set (see :class:`EnRoute`).

    Args:
        origin_lat, origin_lon: where the citizen is (degrees).
        offices: the live state of the candidate offices (see :class:`OfficeState`).
        en_route: citizens already sent (see :class:`EnRoute`), or None.
        k: how many offices to return in ``order``.
        speed_kmh, detour: travel model (see :func:`travel_minutes`).
        p90_weight: weight (per minute) of the 90th percentile's excess over
            the mean in the score.
        spread_minutes, spread_share: an office is near-equal to the best
            when its score is within ``max(spread_minutes, spread_share x
            best score)`` minutes of it.
        spread: False to always put the best score first (no draw).
        future_share: the share of ``sent_rate x travel`` (the citizens
            Safnama sends to an office while this one travels) expected to
            get there first: ``E[(t - T)+] / t`` for their travel ``T``,
            ``1/4`` when ``T`` is uniform on ``[0, 2t]`` around this
            citizen's travel ``t``.
        travel: precomputed travel times (minutes) to every office, instead
            of the great-circle model.
        rng: random generator for the draw among near-equal offices (None: a
            fresh unseeded one).
        check: validate the inputs (a caller that built them itself, like
            the city simulator, may skip it).
        wait: the wait on arrival at every office (minutes), when the caller
            has a forecast of its own (the site's, over the offices' hours and
            counter timetables); the score and the wait shown use it, the
            fluid model above only the externality and ``ahead``.

    Returns:
        A :class:`Recommendation`.

    Raises:
        ValueError: mismatched array lengths, no office, or negative state.
    """
    lat = np.asarray(offices.lat, dtype=float)
    n = lat.shape[0] if lat.ndim == 1 else 0
    if n == 0:
        raise ValueError("offices must hold at least one office (1-D arrays)")
    c = np.asarray(offices.counters, dtype=float)
    x0 = np.asarray(offices.waiting, dtype=float) + np.asarray(offices.busy, dtype=float)
    s_mean = np.asarray(offices.service_mean, dtype=float)
    cv = np.asarray(offices.service_cv, dtype=float)
    lam = np.asarray(offices.walkin_rate, dtype=float)
    age = np.asarray(offices.state_age, dtype=float)
    sent_rate = np.asarray(offices.sent_rate, dtype=float)
    arrays = (c, x0, s_mean, cv, lam, age, sent_rate)
    if any(a.shape != (n,) for a in arrays):
        try:
            c, x0, s_mean, cv, lam, age, sent_rate = (np.broadcast_to(a, (n,)) for a in arrays)
        except ValueError:
            raise ValueError(f"office state arrays must have {n} entries (one per office)") from None
    if check and (min(x0.min(), lam.min(), age.min(), c.min(), sent_rate.min()) < 0 or s_mean.min() <= 0):
        raise ValueError("office state must be non-negative (and service_mean positive)")
    if travel is None:
        trav = travel_minutes(origin_lat, origin_lon, lat, np.asarray(offices.lon, dtype=float),
                              speed_kmh=speed_kmh, detour=detour)
    else:
        trav = np.asarray(travel, dtype=float)
    horizon = age + trav
    open_ = c > 0
    c_use = np.where(open_, c, 1.0)
    rate = c_use / s_mean                                     # departures per minute, all counters busy
    scv_d = 1.0 + (cv * cv - 1.0) / c_use

    # Citizens Safnama will send after this one who get there first (they live closer): sent at rate
    # sent_rate over the citizen's travel, each arriving in time if its own travel is shorter than what is
    # left; with their travel times uniform on [0, 2 trav], E[(trav - T)+] = trav / 4.
    future = future_share * sent_rate
    # Fluid balance from the reading (s = 0) ...
    y = x0 + (lam - rate) * horizon + future * trav - c_use + 1.0
    y_alone = y                                               # without the citizens already sent
    sent_now = np.zeros(n, dtype=np.int64)
    later = np.zeros(n)                                       # sent, arriving after this citizen
    if en_route is not None:
        e_off = np.asarray(en_route.office, dtype=np.int64)
        e_eta = np.asarray(en_route.eta, dtype=float)
        if e_off.size:
            if e_off.shape != e_eta.shape:
                raise ValueError("en_route.office and en_route.eta must have the same length")
            if check and (e_off.min() < 0 or e_off.max() >= n):
                raise ValueError("en_route.office holds an index outside the offices")
            sent_now = np.bincount(e_off[e_eta > 0.0], minlength=n)
            u = e_eta + age[e_off]                            # minutes after the reading
            h = horizon[e_off]
            later = np.bincount(e_off[u > h], minlength=n).astype(float)
            keep = (u > 0.0) & (u <= h)
            if keep.any():
                o, u, h = e_off[keep], u[keep], h[keep]
                y = y + np.bincount(o, minlength=n)          # everyone sent who gets there first
                # ... and from each en-route arrival (reflection): arrivals from u on, minus service since u.
                idx = np.lexsort((-u, o))
                o_s, u_s, h_s = o[idx], u[idx], h[idx]
                first = np.searchsorted(o_s, o_s, side="left")
                rank = np.arange(o_s.size) - first + 1.0      # arrivals at the same office from u on
                cand = (rank + (lam[o_s] - rate[o_s]) * (h_s - u_s) + future[o_s] * np.minimum(h_s - u_s, trav[o_s])
                        - c_use[o_s] + 1.0)
                best = np.full(n, -np.inf)
                np.maximum.at(best, o_s, cand)
                y = np.maximum(y, best)
    sigma = np.sqrt((lam + rate * scv_d) * horizon + future * trav + 0.25)

    def law(y: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        z = y / sigma
        p_pos = np.maximum(special.ndtr(z), 1e-12)            # P(Y > 0): the citizen waits
        s_phi = sigma * np.exp(-0.5 * z * z) * (1.0 / _SQRT_2PI)
        ey = y * p_pos + s_phi                                # E[Y+] (normal partial expectation)
        ey2 = (y * y + sigma * sigma) * p_pos + y * s_phi     # E[(Y+)^2]
        mean = ey / rate
        # Positive part: mean and variance (spread of Y+ plus the phase noise of the departures).
        m_pos = mean / p_pos
        v_pos = np.maximum((ey2 + ey * scv_d) / (rate * rate * p_pos) - m_pos * m_pos,
                           1e-9 + 1e-6 * m_pos * m_pos)
        q = np.minimum(np.maximum((_Q_LEVELS - 1.0 + p_pos) / p_pos, 1e-9), 1.0 - 1e-9)  # (2, n): p50, p90
        quant = np.where(q > 1e-9, _gamma_quantile_wh(m_pos, v_pos, q), 0.0)
        return mean, quant[0], quant[1], p_pos

    mean, p50, p90, _ = law(y)
    if wait is not None:
        # The caller's forecast, plus what the citizens already sent there add to it.
        alone = law(y_alone)[:3] if y is not y_alone else (mean, p50, p90)
        mean, p50, p90 = (np.broadcast_to(np.asarray(a, dtype=float), (n,)) + np.maximum(b - c, 0.0)
                          for a, b, c in zip((wait.mean, wait.p50, wait.p90), (mean, p50, p90), alone))
    closed = ~open_
    if closed.any():
        mean, p50, p90 = (np.where(closed, np.inf, a) for a in (mean, p50, p90))
    score = trav + mean + p90_weight * np.maximum(p90 - mean, 0.0)
    # Externality (system cost, not just the citizen's own): the citizen's service delays by about 1/r
    # each of the citizens already sent there who arrive after them, if the counters are still busy then
    # (P(Y + 1 > 0): the backlog including this citizen).  Ranking only; the wait shown stays the wait
    # on arrival.
    extra = np.where(open_, special.ndtr((y + 1.0) / sigma) * later / rate, 0.0)
    rank_score = score + extra
    order = np.argsort(rank_score, kind="stable")
    best_i = int(order[0])
    best = float(rank_score[best_i])
    tol = max(spread_minutes, spread_share * best)
    candidates = rank_score <= best + tol
    first = best_i
    if spread and np.isfinite(best):
        idx = np.flatnonzero(candidates)
        if idx.size > 1:
            w = np.exp(-(rank_score[idx] - best) / (_SPREAD_TEMPERATURE * tol))
            gen = rng if rng is not None else np.random.default_rng()
            cum = np.cumsum(w)
            first = int(idx[min(int(np.searchsorted(cum, gen.random() * cum[-1], side="right")), idx.size - 1)])
    k = max(1, min(int(k), n))
    rest = order[order != first][: k - 1]
    shown = np.concatenate([[first], rest]).astype(np.int64)
    ahead = np.maximum(y + c_use - 1.0, 0.0)
    return Recommendation(order=shown, travel=trav, wait=Wait(mean=mean, p50=p50, p90=p90), score=score,
                          en_route=sent_now, ahead=ahead, candidates=candidates)
