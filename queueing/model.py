"""An office as a queue: wait now, wait later, steady state.

:class:`OfficeModel` holds the parameters of one office or of many offices at
once (NumPy arrays, broadcast), and answers three questions:

* :meth:`OfficeModel.wait_now` -- the wait of a citizen who joins now, given
  the people waiting and the counters busy (see :mod:`queueing.phases`), with
  the counters timetable applied to the rest of the wait by a time change;
* :meth:`OfficeModel.wait_at` -- the wait of a citizen who arrives later,
  from the transient law of the number of people in the office (a
  birth-death chain with time-varying rates, solved by uniformisation);
* :meth:`OfficeModel.steady` -- Erlang C / Erlang A figures.

Units: times in minutes, minute of the day counted from the opening, rates per
minute unless a name says per hour.

Sources:
    * Uniformisation (randomisation) of a continuous-time Markov chain:
      W. K. Grassmann, "Transient solutions in Markovian queueing systems",
      Computers & Operations Research 4(1), 1977, pp. 47-53; A. Jensen 1953.
    * Time change of a non-homogeneous departure process (operational time
      ``int c(s) ds``): the standard time change of a non-homogeneous Poisson
      process, e.g. S. M. Ross, *Stochastic Processes*, 2nd ed., section 2.4.
    * Mixture moments and the atom at zero: law of total expectation and
      variance; the positive part is matched by a gamma law (Whitt 1983).
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special, stats
from scipy.linalg import lapack

from .erlang import SteadyState, steady_state
from .patience import abandon_rate
from .phases import (
    first_departure_moments,
    gamma_partial_mean,
    gamma_quantile,
    mixture_wait_moments,
    positive_wait_moments,
    state_wait_moments,
)

__all__ = ["OfficeModel", "Timetable", "Wait"]

FloatArray = NDArray[np.float64]
Timetable = Sequence[tuple[float, float, int]]

# Stand-in for "no counter open" in the time change (counters per minute);
# small enough that a closed period is crossed almost instantly in
# operational time, large enough to avoid overflow.
_CLOSED = 1e-6
# Padding for timetables of different lengths (minutes; beyond any day).
_FAR = 1e7
# Largest state space of a forecast, and the probability the top 5% of the
# states may hold before the space is doubled.
_MAX_STATES = 5000
_TOP_MASS = 1e-7
# The longest wait over which a lognormal patience's hazard is averaged (minutes).
_PATIENCE_LONGEST = 600.0
# The least abandonment rate used for a lognormal patience (per minute): Erlang A loses precision below 1e-8.
_RATE_FLOOR = 1e-6
# State-space allowance for offices without abandonment, whose laws reach
# further up (fewer of them need the doubled space of a second solve).
_HEADROOM = 1.25
# Probabilities below this are set to 0 after each step of a forecast
# (subnormal numbers would slow every later operation on them).
_FLUSH = 1e-250
# Points per time step at which rates and counters are averaged.
_SUBSAMPLES = 6
# Probability mass left out of each uniformisation step's Poisson sum.
_UNIF_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Wait:
    """A predicted wait (minutes), arrays broadcast over offices / horizons.

    Attributes:
        mean: expected wait.
        p50: median wait.
        p90: 90th percentile of the wait.
        p_wait: the chance of waiting at all (every counter busy on arrival), when the method gives it
            (:meth:`OfficeModel.wait_at`); else None.
    """

    mean: FloatArray
    p50: FloatArray
    p90: FloatArray
    p_wait: FloatArray | None = None


def _as_float(name: str, value: ArrayLike, *, positive: bool = False, allow_zero: bool = True) -> FloatArray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number or an array of numbers, got {value!r}") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or infinity)")
    if positive and np.any(arr <= 0):
        raise ValueError(f"{name} must be positive")
    if not allow_zero and np.any(arr <= 0):
        raise ValueError(f"{name} must be positive")
    if np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative")
    return arr


def _is_timetable(counters: object) -> bool:
    if isinstance(counters, np.ndarray):
        return False
    if isinstance(counters, (list, tuple)) and counters and isinstance(counters[0], (list, tuple)):
        return len(counters[0]) == 3 and not isinstance(counters[0][0], (list, tuple))
    return False


def _timetable_arrays(table: Timetable, name: str = "counters") -> tuple[FloatArray, FloatArray]:
    rows = list(table)
    if not rows:
        raise ValueError(f"{name} timetable is empty")
    starts = []
    counts = []
    prev_to = -np.inf
    for k, row in enumerate(rows):
        try:
            lo, hi, n = (float(row[0]), float(row[1]), float(row[2]))
        except (TypeError, ValueError, IndexError):
            raise ValueError(f"{name} timetable row {k} must be (from_minute, to_minute, count), got {row!r}") from None
        if not (np.isfinite(lo) and np.isfinite(hi) and np.isfinite(n)):
            raise ValueError(f"{name} timetable row {k} must be finite, got {row!r}")
        if n < 0 or n != round(n):
            raise ValueError(f"{name} timetable row {k}: count must be a non-negative whole number, got {row[2]!r}")
        if not lo < hi:
            raise ValueError(f"{name} timetable row {k}: from_minute {lo} must be before to_minute {hi}")
        if lo < prev_to:
            raise ValueError(f"{name} timetable must be sorted and not overlapping: row {k} starts at {lo} "
                             f"before the previous row ends at {prev_to}")
        prev_to = hi
        starts.append(lo)
        counts.append(n)
    return np.asarray(starts), np.asarray(counts)


class OfficeModel:
    """Queueing model of one office, or of many offices at once.

    Every parameter may be a scalar or an array over offices (shapes
    broadcast); the "office shape" is the broadcast shape of the per-office
    parameters.

    Args:
        counters: open counters -- a whole number (or array of them), or a
            daily timetable ``[(from_minute, to_minute, open_counters), ...]``
            in minutes from the opening, or a list of such timetables (one per
            office).  Timetable semantics follow the simulator: the count of
            the last interval started carries on through gaps and after the
            last interval; before the first interval no counter is open.
        service_mean: mean service time (minutes), positive.
        service_cv: coefficient of variation of the service time (>= 0; 1 is
            exponential).
        arrivals_per_hour: walk-ins per hour -- a scalar, one value per hour of
            the open day (shape ``(H,)``), or one profile per office
            (``office_shape + (H,)``).
        patience_mean: mean patience (minutes), or None when nobody leaves
            unserved (per office: ``inf``).
        patience_sigma: None (or ``nan`` per office) for an exponential
            patience; else the log-scale standard deviation of a lognormal
            patience of mean ``patience_mean``.  The lines then give up at the
            lognormal's average hazard over the wait ahead
            (:func:`queueing.patience.abandon_rate`): the wait the citizen
            faces in :meth:`wait_now`; in :meth:`wait_at`, the longest wait
            ahead over its horizons (the current line, the fluid path and the
            steady line at each step's rates).
        open_minutes: minutes the doors are open for walk-ins each day
            (default ``60 H`` for a profile of ``H`` hours, else 480).
        no_show: probability that a booked citizen does not come (for
            :meth:`wait_at`).
        booking_jitter: standard deviation (minutes) of a booked citizen's
            arrival around the slot time (for :meth:`wait_at`).
    """

    def __init__(self, counters: int | ArrayLike | Timetable | Sequence[Timetable], service_mean: ArrayLike,
                 service_cv: ArrayLike = 1.0, arrivals_per_hour: ArrayLike = 0.0,
                 patience_mean: ArrayLike | None = None, *, patience_sigma: ArrayLike | None = None,
                 open_minutes: float | None = None, no_show: ArrayLike = 0.0, booking_jitter: float = 5.0) -> None:
        self.service_mean = _as_float("service_mean", service_mean, positive=True)
        self.service_cv = _as_float("service_cv", service_cv)
        if patience_mean is None:
            self.patience_mean: FloatArray | None = None
            self.abandon_rate = np.zeros(())
        else:
            pm = np.asarray(patience_mean, dtype=float)
            if np.any(np.isnan(pm)) or np.any(pm <= 0):
                raise ValueError("patience_mean must be positive (minutes; infinity = nobody leaves) or None")
            self.patience_mean = pm
            self.abandon_rate = 1.0 / pm
        self.patience_sigma: FloatArray | None = None
        if patience_sigma is not None and patience_mean is not None:
            ps = np.asarray(patience_sigma, dtype=float)
            if np.any(ps <= 0) or np.any(np.isinf(ps)):
                raise ValueError("patience_sigma must be positive and finite (nan: exponential) or None")
            if np.any(np.isfinite(ps)):
                self.patience_sigma = ps
        rates = _as_float("arrivals_per_hour", arrivals_per_hour)
        if rates.ndim == 0:
            rates = rates[None]
            default_open = 480.0
        else:
            default_open = 60.0 * rates.shape[-1]
        self.arrivals_per_hour = rates
        self.open_minutes = float(default_open if open_minutes is None else open_minutes)
        if not np.isfinite(self.open_minutes) or self.open_minutes <= 0:
            raise ValueError(f"open_minutes must be positive, got {open_minutes!r}")
        self.no_show = _as_float("no_show", no_show)
        if np.any(self.no_show > 1):
            raise ValueError("no_show must be a probability in [0, 1]")
        self.booking_jitter = float(booking_jitter)
        if not np.isfinite(self.booking_jitter) or self.booking_jitter < 0:
            raise ValueError("booking_jitter must be non-negative (minutes)")

        if _is_timetable(counters):
            starts, counts = _timetable_arrays(counters)  # type: ignore[arg-type]
            self.timetable_starts, self.timetable_counts = starts, counts
        elif (isinstance(counters, (list, tuple)) and counters and _is_timetable(counters[0])):
            tables = [_timetable_arrays(t) for t in counters]  # type: ignore[arg-type, union-attr]
            width = max(s.size for s, _ in tables)
            starts = np.full((len(tables), width), _FAR)
            counts = np.empty((len(tables), width))
            for i, (s, n) in enumerate(tables):
                starts[i, :s.size] = s
                counts[i, :s.size] = n
                counts[i, s.size:] = n[-1]
            self.timetable_starts, self.timetable_counts = starts, counts
        else:
            c = _as_float("counters", counters)  # type: ignore[arg-type]
            if np.any(c != np.round(c)):
                raise ValueError("counters must be whole numbers")
            self.timetable_starts = np.zeros(c.shape + (1,))
            self.timetable_counts = c[..., None]
        self.office_shape: tuple[int, ...] = np.broadcast_shapes(
            self.service_mean.shape, self.service_cv.shape, self.abandon_rate.shape,
            () if self.patience_sigma is None else self.patience_sigma.shape,
            self.arrivals_per_hour.shape[:-1], self.timetable_counts.shape[:-1], self.no_show.shape)
        #: estimation summary set by :func:`queueing.estimate.fit_office` (else None)
        self.fit: object | None = None
        self.constant_counters = bool(np.all(self.timetable_counts == self.timetable_counts[..., :1]))

    # ------------------------------------------------------------------ helpers
    def abandon_rate_over(self, horizon: ArrayLike) -> FloatArray:
        """Abandonment rate per waiting citizen (per minute) for waits of about ``horizon`` minutes: ``1 / mean``
        for an exponential patience, the lognormal's average hazard over ``horizon`` otherwise
        (:func:`queueing.patience.abandon_rate`); broadcast with the office shape."""
        if self.patience_sigma is None:
            return np.broadcast_to(self.abandon_rate, np.broadcast_shapes(np.shape(horizon), self.abandon_rate.shape))
        return abandon_rate(self.patience_mean, self.patience_sigma, horizon)

    def counters_at(self, minute: ArrayLike, horizon_axis: bool = False) -> FloatArray:
        """Open counters at a minute of the day (from the opening).

        Args:
            minute: minute(s) of the day, broadcast against the office shape.
            horizon_axis: True when ``minute`` has a trailing axis (horizons)
                after the office axes.

        Returns:
            The open counters (0 before the first timetable interval).
        """
        t = np.asarray(minute, dtype=float)
        starts, counts = self.timetable_starts, self.timetable_counts
        if horizon_axis:
            starts, counts = starts[..., None, :], counts[..., None, :]
        if starts.shape[-1] == 1:
            got = counts[..., 0] * (t >= starts[..., 0])
            return np.broadcast_to(got, np.broadcast_shapes(t.shape, got.shape)).astype(float)
        idx = np.sum(starts <= t[..., None], axis=-1) - 1
        shape = np.broadcast_shapes(idx.shape, counts.shape[:-1])
        counts_b = np.broadcast_to(counts, shape + counts.shape[-1:])
        got = np.take_along_axis(counts_b, np.broadcast_to(np.maximum(idx, 0), shape)[..., None], axis=-1)[..., 0]
        return np.where(idx >= 0, got, 0.0)

    def arrival_rate_at(self, minute: ArrayLike, horizon_axis: bool = False) -> FloatArray:
        """Walk-in arrival rate (per minute) at a minute of the day.

        Args:
            minute: minute(s) of the day from the opening.
            horizon_axis: True when ``minute`` has a trailing axis after the
                office axes.

        Returns:
            ``arrivals_per_hour[hour] / 60`` while the doors are open, else 0.
        """
        t = np.asarray(minute, dtype=float)
        prof = self.arrivals_per_hour
        if horizon_axis:
            prof = prof[..., None, :]
        hours = prof.shape[-1]
        if hours == 1:
            rate = prof[..., 0]
            return np.where((t >= 0) & (t < self.open_minutes), rate, 0.0) / 60.0
        h = np.clip(np.floor(t / 60.0), 0, hours - 1).astype(int)
        shape = np.broadcast_shapes(h.shape, prof.shape[:-1])
        got = np.take_along_axis(np.broadcast_to(prof, shape + (hours,)),
                                 np.broadcast_to(h, shape)[..., None], axis=-1)[..., 0]
        return np.where((t >= 0) & (t < self.open_minutes), got, 0.0) / 60.0

    def _reference_counters(self, now: FloatArray, c_now: FloatArray, horizon_axis: bool = False) -> FloatArray:
        """Counters used for the phase moments: open now, else the next positive count."""
        if np.all(c_now > 0):
            return c_now
        starts, counts = self.timetable_starts, self.timetable_counts
        if horizon_axis:
            starts, counts = starts[..., None, :], counts[..., None, :]
        future = (starts > now[..., None]) & (counts > 0)
        big = np.where(future, starts, np.inf)
        nxt = np.argmin(big, axis=-1)
        shape = np.broadcast_shapes(nxt.shape, counts.shape[:-1])
        cand = np.take_along_axis(np.broadcast_to(counts, shape + counts.shape[-1:]),
                                  np.broadcast_to(nxt, shape)[..., None], axis=-1)[..., 0]
        has = np.any(future, axis=-1)
        return np.where(c_now > 0, c_now, np.where(has, cand, 0.0))

    def _time_change(self, now: FloatArray, c_ref: FloatArray, mean: FloatArray, var: FloatArray,
                     probs: Sequence[ArrayLike], horizon_axis: bool = False
                     ) -> tuple[FloatArray, list[FloatArray]]:
        """Map a gamma wait in operational time (``c_ref`` counters) to real time.

        Operational time ``tau(t) = int_0^t c(now + s) / c_ref ds`` is piecewise
        linear; its inverse ``t(x) = sum_k slope_k clip(x - x_k, 0, x_{k+1} - x_k)``
        gives the real-time quantiles exactly and the mean through the gamma
        partial expectations ``E[(X - x_k)^+]``.

        Args:
            now: minute of the day at which the wait starts.
            c_ref: counters the operational wait was computed with.
            mean: the gamma wait's mean in operational time.
            var: its variance.
            probs: probabilities (scalars or arrays) of the wanted quantiles.
            horizon_axis: True when the inputs carry a trailing horizon axis
                after the office axes.

        Returns:
            ``(mean, [quantiles])`` in real minutes.
        """
        starts = np.concatenate([np.full(self.timetable_starts.shape[:-1] + (1,), -_FAR),
                                 self.timetable_starts], axis=-1)
        counts = np.concatenate([np.zeros(self.timetable_counts.shape[:-1] + (1,)), self.timetable_counts], axis=-1)
        if horizon_axis:
            starts = starts[..., None, :]
            counts = counts[..., None, :]
        off = np.maximum(starts - now[..., None], 0.0)            # piece starts, real minutes from now
        dur = np.diff(off, axis=-1)                               # the last piece runs on forever
        speed = np.maximum(counts, _CLOSED) / np.maximum(c_ref, _CLOSED)[..., None]
        x_start = np.concatenate([np.zeros(dur.shape[:-1] + (1,)), np.cumsum(dur * speed[..., :-1], axis=-1)],
                                 axis=-1)
        width = np.concatenate([np.diff(x_start, axis=-1), np.full(x_start.shape[:-1] + (1,), np.inf)], axis=-1)
        live = np.concatenate([dur > 0, np.ones(dur.shape[:-1] + (1,), bool)], axis=-1)
        slope = np.where(live, 1.0 / speed, 0.0)
        m, v = np.broadcast_arrays(mean[..., None], var[..., None], x_start)[:2]
        # E[(X - x)^+] is 0 to double precision beyond mean + 40 sd, and
        # mean - x below the lower end: only the pieces in between need the
        # incomplete gamma function.  A piece ends where the next starts
        # (x_start[k] + width[k] = x_start[k + 1]; the last runs on forever),
        # so E[(X - x)^+] is needed once per piece start.
        far = m + 40.0 * np.sqrt(v)
        pm_start = np.zeros(x_start.shape)
        inner = (x_start > 0) & (x_start < far)
        pm_start[inner] = gamma_partial_mean(m[inner], v[inner], x_start[inner])
        pm_start = np.where(x_start <= 0, m - x_start, pm_start)
        pm_end = np.concatenate([pm_start[..., 1:], np.zeros(pm_start.shape[:-1] + (1,))], axis=-1)
        real_mean = np.sum(slope * (pm_start - pm_end), axis=-1)
        quants = []
        for q in probs:
            xq = gamma_quantile(mean, var, q)[..., None]
            quants.append(np.sum(slope * np.clip(xq - x_start, 0.0, width), axis=-1))
        return real_mean, quants

    # ------------------------------------------------------------------ wait now
    def wait_now(self, waiting: ArrayLike, busy: ArrayLike, *, now: ArrayLike | None = None,
                 open_counters: ArrayLike | None = None, served: bool = True) -> Wait:
        """Wait (minutes) of a citizen who joins the line now.

        The citizen needs ``m = waiting + busy - c + 1`` departures (no wait if
        ``m <= 0``); the wait's mean and variance come from
        :func:`queueing.phases.positive_wait_moments`, its quantiles from the
        matching gamma law, and, when ``now`` is given and the counters change
        later in the day, from the time change of :meth:`_time_change`.

        Args:
            waiting: people in line ahead (not counting those in service), >= 0.
            busy: counters busy serving, >= 0.
            now: minute of the day (from the opening); needed for the counters
                timetable.  None: counters stay as they are now.
            open_counters: counters open now; defaults to the timetable's
                count at ``now`` (or at minute 0).
            served: if True (default), the wait of those who end up served (with
                abandonment this is shorter than the virtual wait, since the
                ones who would have waited longest tend to give up); False gives
                the virtual wait of a citizen who never leaves.

        Returns:
            A :class:`Wait` broadcast over the inputs and the office shape.

        Raises:
            ValueError: negative or non-finite state, or no counter open now or
                later while someone would have to wait.
        """
        n = _as_float("waiting", waiting)
        b = _as_float("busy", busy)
        t_now = np.zeros(()) if now is None else np.asarray(now, dtype=float)
        if not np.all(np.isfinite(t_now)):
            raise ValueError("now must be finite (minutes from the opening)")
        c_now = self.counters_at(t_now) if open_counters is None else _as_float("open_counters", open_counters)
        c_ref = self._reference_counters(t_now, c_now) if now is not None else c_now
        departures = n + b - c_now + 1.0
        waits = departures >= 1.0
        if np.any(waits & (c_ref <= 0)):
            raise ValueError("no counter is open now or later today while people are waiting: "
                             "the wait is unbounded (zero counters)")
        shape = np.broadcast_shapes(departures.shape, c_ref.shape, self.office_shape)
        waits = np.broadcast_to(waits, shape)
        mean_w = np.zeros(shape)
        p50 = np.zeros(shape)
        p90 = np.zeros(shape)
        if not np.any(waits):
            return Wait(mean=mean_w, p50=p50, p90=p90)
        # Work only on the citizens who wait (compressed arrays).
        pick = lambda a: np.broadcast_to(a, shape)[waits]
        c_use = pick(np.where(c_ref > 0, c_ref, 1.0))
        m_w, mu_w = pick(departures), pick(1.0 / self.service_mean)
        # The citizen's wait with nobody leaving is about departures / (c mu): those ahead have waited up to it.
        theta_w = pick(self.abandon_rate) if self.patience_sigma is None else \
            abandon_rate(pick(self.patience_mean), pick(self.patience_sigma), m_w / (c_use * mu_w))
        mean, var = positive_wait_moments(m_w, c_use, mu_w, pick(self.service_cv), theta_w, served=served)
        if now is not None and not self.constant_counters:
            kt = self.timetable_starts.shape[-1]
            sub = _SubTimetable(np.broadcast_to(self.timetable_starts, shape + (kt,))[waits],
                                np.broadcast_to(self.timetable_counts, shape + (kt,))[waits])
            mw, (q50, q90) = OfficeModel._time_change(sub, pick(t_now), c_use, mean, var,  # type: ignore[arg-type]
                                                      (0.5, 0.9))
        else:
            mw, q50, q90 = mean, gamma_quantile(mean, var, 0.5), gamma_quantile(mean, var, 0.9)
        mean_w[waits] = mw
        p50[waits] = q50
        p90[waits] = q90
        return Wait(mean=mean_w, p50=p50, p90=p90)

    # ------------------------------------------------------------------ steady state
    def steady(self, arrivals_per_minute: ArrayLike, counters: ArrayLike | None = None) -> SteadyState:
        """Steady-state figures: Erlang C, or Erlang A when ``patience_mean`` is set (with a lognormal
        patience, at its average hazard over the mean wait of those who wait, found by bisection).

        Args:
            arrivals_per_minute: arrival rate ``lambda`` per minute (>= 0).
            counters: counters open; default the timetable's largest count.

        Returns:
            A :class:`queueing.erlang.SteadyState` (utilisation, P(wait > 0),
            mean wait in minutes, P(abandon), unstable flag: load >= 1 without
            abandonment).

        Raises:
            ValueError: negative or non-finite rates, or zero counters.
        """
        lam = _as_float("arrivals_per_minute", arrivals_per_minute)
        c = np.max(self.timetable_counts, axis=-1) if counters is None else _as_float("counters", counters)
        if np.any(c < 1):
            raise ValueError("a steady state needs at least one open counter")
        mu = 1.0 / self.service_mean
        if self.patience_mean is None:
            return steady_state(c, lam, mu, None)
        if self.patience_sigma is None:
            return steady_state(c, lam, mu, self.abandon_rate)
        # A lognormal patience gives up at its average hazard over the mean wait of those who wait, which the
        # rate itself sets: the fixed point, by bisection (the wait falls as the rate rises).
        c, lam, mu, mean, sigma = np.broadcast_arrays(c, lam, mu, self.patience_mean, self.patience_sigma)

        def hazard_at(theta: FloatArray) -> FloatArray:
            st = steady_state(c, lam, mu, theta)
            with np.errstate(divide="ignore", invalid="ignore"):
                waited = np.where(st.p_wait > 0, st.mean_wait / np.maximum(st.p_wait, 1e-12), 0.0)
            return abandon_rate(mean, sigma, np.minimum(np.nan_to_num(waited, posinf=_PATIENCE_LONGEST),
                                                        _PATIENCE_LONGEST))

        theta = _bisect_rate(hazard_at, mean, sigma)
        lognormal = np.isfinite(sigma) & np.isfinite(mean)
        theta = np.where(lognormal, theta, np.where(np.isfinite(mean), 1.0 / mean, 0.0))
        return steady_state(c, lam, 1.0 / self.service_mean, theta)

    # ------------------------------------------------------------------ wait later
    def _abandon_rate_ahead(self, n0: FloatArray, t_now: FloatArray, shape: tuple[int, ...], mu: FloatArray,
                            theta: FloatArray, step_rates: list[tuple[FloatArray, FloatArray]],
                            steps: list[tuple[float, float]]) -> FloatArray:
        """Abandonment rate per office (flat) for the offices with a lognormal patience over the horizons of
        :meth:`wait_at` (the others keep ``theta``): the average hazard over the longest wait ahead, the largest of
        the current line's ``(N - c + 1) / (c mu)``, the fluid path's ``(x - c)^+ / (c mu)`` and, step by step,
        the mean wait of those who wait in a steady line at the step's rates, ``1 / (c mu - lambda)`` (exact for
        M/M/c), at most ``1 / sqrt(c mu theta)``, the scale of a critically loaded line whose citizens give up
        (Garnett, Mandelbaum & Reiman 2002): the lines that chance builds where the fluid path has none.  The
        rate is the one that gives itself back (:func:`_bisect_rate`: a higher rate shortens the line, which
        lowers the rate, so plain rounds would swing)."""
        flat = n0.size
        sigma_all = np.broadcast_to(self.patience_sigma, shape).reshape(flat)
        mean_all = np.broadcast_to(self.patience_mean, shape).reshape(flat)
        sel = np.flatnonzero(np.isfinite(sigma_all) & np.isfinite(mean_all))
        theta = np.array(theta, dtype=float)
        if sel.size == 0:
            return theta
        mean, sigma, mu_s, n_s = mean_all[sel], sigma_all[sel], mu[sel], n0[sel]
        c_now = np.broadcast_to(self.counters_at(t_now.reshape(shape)), shape).reshape(flat)[sel]
        now_wait = np.maximum(n_s - c_now + 1.0, 0.0) / (np.maximum(c_now, 1.0) * mu_s)
        # Steps on a 15-minute lattice are enough for the steady lines (the first steps are finer).
        lattice = [i for i, (t0, _dt) in enumerate(steps) if i == 0 or int(t0 // 15) != int(steps[i - 1][0] // 15)]
        lam_s = np.stack([step_rates[i][0][sel] for i in lattice]) if steps else np.zeros((0, sel.size))
        cmu_s = np.round(np.stack([step_rates[i][1][sel] for i in lattice])) * mu_s if steps else lam_s

        path = [(lam[sel], c[sel], dt) for (lam, c), (_, dt) in zip(step_rates, steps)]

        def hazard_at(th: FloatArray) -> FloatArray:
            x = n_s.astype(float).copy()
            longest = now_wait.copy()
            for lam, c, dt in path:
                x = np.maximum(x + dt * (lam - np.minimum(x, c) * mu_s - np.maximum(x - c, 0) * th), 0.0)
                longest = np.maximum(longest, np.maximum(x - c, 0.0) / (np.maximum(c, 1.0) * mu_s))
            if lam_s.size:
                with np.errstate(divide="ignore", invalid="ignore"):
                    critical = 1.0 / np.sqrt(cmu_s * th)
                    steady = np.where(cmu_s > lam_s, np.minimum(1.0 / (cmu_s - lam_s), critical), critical)
                steady = np.where((cmu_s > 0) & (lam_s > 0), steady, 0.0)
                longest = np.maximum(longest, steady.max(axis=0))
            return abandon_rate(mean, sigma, np.minimum(longest, _PATIENCE_LONGEST))

        th = _bisect_rate(hazard_at, mean, sigma)
        theta[sel] = th
        return theta

    @staticmethod
    def _parse_booked(booked: object, office_shape: tuple[int, ...]) -> tuple[FloatArray, FloatArray] | None:
        if booked is None:
            return None
        if isinstance(booked, np.ndarray) and booked.ndim >= 1 and booked.dtype != object and (
                booked.ndim != 2 or booked.shape[-1] != 2):
            per_minute = _as_float("booked", booked)
            slots = np.arange(per_minute.shape[-1], dtype=float) + 0.5
            return np.broadcast_to(slots, per_minute.shape), per_minute
        pairs = list(booked)  # type: ignore[call-overload]
        if not pairs:
            return None
        arr = _as_float("booked", np.asarray(pairs, dtype=float).reshape(-1, 2)) if all(
            np.ndim(p) == 1 and len(p) == 2 for p in pairs) else None
        if arr is None:
            raise ValueError("booked must be a list of (minute_ahead, count) pairs or an array of "
                             "booked appointments per minute ahead")
        return arr[:, 0], arr[:, 1]

    def wait_at(self, minutes_ahead: ArrayLike, waiting: ArrayLike, busy: ArrayLike, *,
                now: ArrayLike = 0.0, booked: object = None, served: bool = True,
                step: float = 15.0, method: str = "ode") -> Wait:
        """Wait of a citizen arriving ``minutes_ahead`` from now, from the current state.

        The number of people in the office, ``N`` (waiting + in service), is a
        birth-death chain with birth rate ``lambda(t)`` (walk-ins of the hour
        plus booked arrivals) and death rate ``min(N, c(t)) mu + (N - c(t))^+ theta``,
        started at ``N = waiting + busy``.  Its law (the Kolmogorov forward
        equations ``p' = p Q(t)``) is advanced over steps of at most ``step``
        minutes with rates averaged over each step, on a state space
        truncated (reflecting) above the fluid peak plus the smaller of a
        geometric tail allowance and two standard deviations (times 1.25
        without abandonment), doubled for the offices whose top states come
        to hold more than 1e-7 of the probability, either by the L-stable
        second-order TR-BDF2 scheme (``method="ode"``, default: Bank et al.
        1985, Hosea & Shampine 1996; both stages share one tridiagonal matrix,
        factored once per step and solved by the Thomas algorithm vectorised
        over all the offices at once, see :func:`_trbdf2_laws`, or by LAPACK
        for a few offices) or exactly for the frozen rates by
        uniformisation (``method="uniformisation"``: Grassmann 1977; cost grows
        with the largest total rate, so it serves as the reference).  A
        citizen arriving at ``t`` sees ``N`` with that law (PASTA); the wait
        given ``N`` is that of :meth:`wait_now`, and the forecast is the
        mixture: an atom at zero ``P(N < c(t))`` plus a gamma-matched positive
        part, time-changed by the counters timetable.

        Booked appointments: ``booked`` is either a list of
        ``(minute_ahead, count)`` pairs (the same for every office) or an array
        ``office_shape + (T,)`` of appointments per minute ahead; each turns up
        with probability ``1 - no_show`` around its slot (normal, standard
        deviation ``booking_jitter``), added to the arrival rate.

        Args:
            minutes_ahead: horizon(s) in minutes (>= 0), scalar or 1-D.
            waiting: people in line now, >= 0 (office shape).
            busy: counters busy now, >= 0 (office shape).
            now: minute of the day (from the opening) of the current state.
            booked: booked appointments ahead (see above), or None.
            served: as in :meth:`wait_now`.
            step: longest time step (minutes).
            method: ``"ode"`` (TR-BDF2) or ``"uniformisation"``.

        Returns:
            A :class:`Wait` of shape ``office_shape + horizons_shape``.

        Raises:
            ValueError: on negative or non-finite input or unsorted horizons.
        """
        if method not in ("ode", "uniformisation"):
            raise ValueError('method must be "ode" or "uniformisation"')
        if not np.isfinite(step) or step <= 0:
            raise ValueError("step must be a positive number of minutes")
        horizons = _as_float("minutes_ahead", minutes_ahead)
        scalar_h = horizons.ndim == 0
        horizons = np.atleast_1d(horizons)
        if horizons.ndim != 1:
            raise ValueError("minutes_ahead must be a scalar or a 1-D array")
        if np.any(np.diff(horizons) < 0):
            raise ValueError("minutes_ahead must be sorted in increasing order")
        n0 = _as_float("waiting", waiting)
        b0 = _as_float("busy", busy)
        t_now = np.asarray(now, dtype=float)
        if not np.all(np.isfinite(t_now)):
            raise ValueError("now must be finite (minutes from the opening)")
        shape = np.broadcast_shapes(n0.shape, b0.shape, t_now.shape, self.office_shape)
        flat = int(np.prod(shape)) if shape else 1
        N0 = np.broadcast_to(n0 + b0, shape).reshape(flat)
        t_now_f = np.broadcast_to(t_now, shape).reshape(flat)
        mu = np.broadcast_to(1.0 / self.service_mean, shape).reshape(flat)
        theta = np.broadcast_to(self.abandon_rate, shape).reshape(flat)
        cv = np.broadcast_to(self.service_cv, shape).reshape(flat)
        book = self._parse_booked(booked, shape)
        if book is not None:
            slots, counts = book
            if slots.ndim > 1:
                slots = np.broadcast_to(slots, shape + slots.shape[-1:]).reshape(flat, -1)
                counts = np.broadcast_to(counts, shape + counts.shape[-1:]).reshape(flat, -1)
            book = (slots, counts)
        no_show = np.broadcast_to(self.no_show, shape).reshape(flat)

        sub = (np.arange(_SUBSAMPLES) + 0.5) / _SUBSAMPLES

        def rates_over(t_ahead: FloatArray, dt: FloatArray) -> tuple[FloatArray, FloatArray]:
            # Averages over each step (sampled at its sub-interval midpoints), so that a change of rate or of
            # counters inside a step is accounted for; every step at once, shape (flat, steps).
            n = t_ahead.size
            pts = (t_now_f[:, None, None] + t_ahead[None, :, None]) + dt[None, :, None] * sub
            pts = pts.reshape(shape + (n * _SUBSAMPLES,))
            lam = np.broadcast_to(self.arrival_rate_at(pts, True), shape + (n * _SUBSAMPLES,))
            lam = lam.reshape(flat, n, _SUBSAMPLES).mean(axis=-1)
            c = np.broadcast_to(self.counters_at(pts, True), shape + (n * _SUBSAMPLES,))
            c = c.reshape(flat, n, _SUBSAMPLES).mean(axis=-1)
            if book is not None:
                j = max(self.booking_jitter, 1e-9)
                s, k = book
                if s.ndim == 1:  # the same bookings for every office: (steps, bookings)
                    mass = special.ndtr(((t_ahead + dt)[:, None] - s) / j) - special.ndtr((t_ahead[:, None] - s) / j)
                    booked_rate = np.sum(k * mass, axis=-1)[None, :]
                else:  # (flat, steps, bookings)
                    s3, k3 = s[:, None, :], k[:, None, :]
                    mass = (special.ndtr(((t_ahead + dt)[None, :, None] - s3) / j)
                            - special.ndtr((t_ahead[None, :, None] - s3) / j))
                    booked_rate = np.sum(k3 * mass, axis=-1)
                lam = lam + (1.0 - no_show)[:, None] * booked_rate / dt[None, :]
            return lam, c

        # Time grid: every horizon, steps of at most `step` minutes, finer at
        # first while the law spreads out from the known current state.
        t_end = float(horizons[-1])
        early = np.concatenate([np.arange(0.0, 20.0, min(step, 2.5)), np.arange(20.0, 60.0, min(step, 5.0))])
        grid = np.unique(np.concatenate([[0.0], horizons, early[early < t_end], np.arange(0.0, t_end, step)]))
        steps = [(float(t0), float(t1 - t0)) for t0, t1 in itertools.pairwise(grid)]
        lam_all, c_all = rates_over(grid[:-1], np.diff(grid)) if steps else (None, None)
        step_rates = [(lam_all[:, i], c_all[:, i]) for i in range(len(steps))]
        if self.patience_sigma is not None:
            theta = self._abandon_rate_ahead(N0, t_now_f, shape, mu, theta, step_rates, steps)
        # Truncation from a fluid bound on N, office by office.
        # Truncation: the fluid path's peak plus the stochastic excess above it,
        # the smaller of a geometric tail (ratio rho, to 1e-3) and two standard
        # deviations of the events up to the horizon; checked afterwards (the
        # top 5% of the states must hold less than _TOP_MASS at every step).
        x = N0.astype(float).copy()
        peak = x.copy()
        rho_max = np.zeros(flat)
        events = np.zeros(flat)
        for (lam, c), (_, dt) in zip(step_rates, steps):
            x = np.maximum(x + dt * (lam - np.minimum(x, c) * mu - np.maximum(x - c, 0) * theta), 0.0)
            peak = np.maximum(peak, x)
            rho_max = np.maximum(rho_max, lam / np.maximum(c * mu + np.maximum(x - c, 0) * theta, 1e-12))
            events += dt * (lam + c * mu)
        with np.errstate(divide="ignore"):
            geometric = np.where(rho_max < 1.0, np.log(1e-3) / np.log(np.minimum(rho_max, 1.0 - 1e-12)), np.inf)
        excess = np.minimum(geometric, 2.0 * np.sqrt(events + 1.0))
        # Service variability: without abandonment the line is carried in units
        # of kappa = (1 + cv^2)/2 people (see the docstring).
        kappa = np.where(theta > 0, 1.0, np.maximum((1.0 + cv**2) / 2.0, 0.05))
        c_now = np.broadcast_to(self.counters_at(t_now_f.reshape(shape)), shape).reshape(flat)
        start = np.where(N0 > c_now, c_now + (N0 - c_now) / kappa, N0)
        need = np.ceil(peak + excess + 10.0) / np.minimum(kappa, 1.0) * np.where(theta > 0, 1.0, _HEADROOM)
        need = np.minimum(need, float(_MAX_STATES)) + 1.0
        need = np.maximum(need, np.ceil(start) + 2.0).astype(int)

        # Counters at each horizon, and the counters the wait moments use.
        H = len(horizons)
        t_arr_o = np.moveaxis((t_now_f[None, :] + horizons[:, None]).reshape((H,) + shape), 0, -1)
        c_arr_o = np.broadcast_to(self.counters_at(t_arr_o, True), shape + (H,))
        c_ref_o = np.broadcast_to(self._reference_counters(t_arr_o, c_arr_o, True), shape + (H,))
        c_arr = c_arr_o.reshape(flat, H).T                                   # (H, flat)
        c_use = np.where(c_ref_o > 0, c_ref_o, 1.0).reshape(flat, H).T

        # With method="uniformisation", offices grouped by abandonment and
        # state-space size (a few groups, each vectorised over its offices);
        # with "ode", all at once (_trbdf2_laws).  Offices whose top states end
        # up holding more than _TOP_MASS of probability at some step are solved
        # again with twice the states.
        p_pos = np.empty((H, flat))
        m1 = np.empty((H, flat))
        m2 = np.empty((H, flat))

        def run(g: NDArray[np.intp], K: int) -> NDArray[np.bool_]:
            states = np.arange(K, dtype=float)
            # Laws kept as (states, offices): each sweep of the solver is then contiguous.
            p = np.zeros((K, g.size))
            lo_state = np.floor(start[g]).astype(int)
            frac = start[g] - lo_state
            p[lo_state, np.arange(g.size)] = 1.0 - frac
            p[np.minimum(lo_state + 1, K - 1), np.arange(g.size)] += frac
            out_p = np.empty((H, g.size, K))
            hi = 0
            while hi < H and horizons[hi] <= 0.0:
                out_p[hi] = p.T
                hi += 1
            col = states[:, None]
            top = max(1, K // 20)
            spill = np.zeros(g.size, dtype=bool)
            for (lam, c), (t0, dt) in zip(step_rates, steps):
                birth = np.empty((K, g.size))
                birth[:-1] = lam[None, g]
                birth[-1] = 0.0
                death = np.minimum(col, c[None, g]) * mu[None, g] + np.maximum(col - c[None, g], 0.0) * theta[None, g]
                if np.any(kappa[g] != 1.0):
                    birth = np.where(col >= c[None, g], birth / kappa[None, g], birth)
                    death = np.where(col > c[None, g], death / kappa[None, g], death)
                if method == "uniformisation":
                    p = np.ascontiguousarray(_uniformisation_step(p.T, birth.T, death.T, dt).T)
                else:
                    p = _trbdf2_step(p, birth, death, dt)
                spill |= p[K - top:].sum(axis=0) > _TOP_MASS
                while hi < H and horizons[hi] <= t0 + dt + 1e-9:
                    out_p[hi] = p.T
                    hi += 1
            # Wait of an arrival at each horizon: mixture over N (states that
            # never hold more than 1e-13 of probability are left out).
            held = np.flatnonzero(np.max(out_p, axis=(0, 1)) > 1e-13)
            k_eff = int(held[-1]) + 1 if held.size else 1
            p_pos[:, g], m1[:, g], m2[:, g] = mixture_wait_moments(
                out_p[..., :k_eff], c_arr[:, g], c_use[:, g], mu[None, g], cv[None, g], theta[None, g], served=served,
                queue_unit=kappa[None, g])
            return spill & (K < _MAX_STATES)

        if method == "uniformisation":
            order = np.lexsort((need, theta > 0))
            for g in np.array_split(order, int(min(8, flat))):
                if g.size == 0:
                    continue
                K = int(need[g].max())
                while g.size:
                    spill = run(g, K)
                    g, K = g[spill], min(2 * K, _MAX_STATES)
        else:
            # TR-BDF2 for every office at once (see _trbdf2_laws); offices
            # whose top states come to hold more than _TOP_MASS are solved
            # again with twice the states.
            lam_steps = np.stack([lam for lam, _ in step_rates])
            c_steps = np.stack([c for _, c in step_rates])
            emit_after: list[list[int]] = [[] for _ in range(len(steps) + 1)]
            hi = 0
            while hi < H and horizons[hi] <= 0.0:
                emit_after[0].append(hi)
                hi += 1
            for s_i, (t0, dt) in enumerate(steps):
                while hi < H and horizons[hi] <= t0 + dt + 1e-9:
                    emit_after[s_i + 1].append(hi)
                    hi += 1

            f1_h, g1_h = first_departure_moments(np.maximum(np.round(c_use), 1.0), cv[None, :])
            tables: dict[tuple[int, int, int], _AbandonTables] = {}

            def emit(hs: Sequence[int], o: NDArray[np.intp], law: FloatArray) -> None:
                ab = theta[o] > 0
                for kind in (False, True):
                    sel = np.flatnonzero(ab == kind)
                    if sel.size == 0:
                        continue
                    oo, lw = (o, law) if sel.size == o.size else (o[sel], law[:, sel])
                    if kind:
                        key = (int(oo[0]), oo.size, lw.shape[0])
                        if key not in tables:
                            tables[key] = _AbandonTables(lw.shape[0], c_use[:, oo], c_arr[:, oo], mu[oo], cv[oo],
                                                         theta[oo], served)
                        for h in hs:
                            p_pos[h, oo], m1[h, oo], m2[h, oo] = tables[key].moments(lw, h)
                    else:
                        for h in hs:
                            p_pos[h, oo], m1[h, oo], m2[h, oo] = _law_wait_moments(
                                lw, c_arr[h, oo], c_use[h, oo], mu[oo], cv[oo], kappa[oo], f1_h[h, oo], g1_h[h, oo])

            g = np.arange(flat)
            sizes = need.astype(np.intp)
            while g.size:
                solver = _trbdf2_laws_few if g.size <= _FEW_OFFICES else _trbdf2_laws
                spill, used = solver(start[g], sizes[g], mu[g], theta[g], kappa[g], lam_steps[:, g], c_steps[:, g],
                                     steps, emit_after, lambda hs, o, law, g=g: emit(hs, g[o], law))
                again = spill & (used < _MAX_STATES)
                g = g[again]
                sizes[g] = np.minimum(2 * used[again], _MAX_STATES)

        safe = np.maximum(p_pos, 1e-300)
        var = np.maximum(m2 - m1**2, 1e-9 * m1**2 + 1e-12)
        m1 = np.maximum(m1, 1e-9)
        p0 = 1.0 - p_pos
        q50 = np.clip((0.5 - p0) / safe, 1e-12, 1 - 1e-12)
        q90 = np.clip((0.9 - p0) / safe, 1e-12, 1 - 1e-12)
        to_shape = lambda a: np.moveaxis(a.reshape((H,) + shape), 0, -1)
        m1o, varo, c_useo = to_shape(m1), to_shape(var), to_shape(c_use)
        if self.constant_counters:
            mean_pos = m1o
            x50 = gamma_quantile(m1o, varo, to_shape(q50))
            x90 = gamma_quantile(m1o, varo, to_shape(q90))
        else:
            mean_pos, (x50, x90) = self._time_change(t_arr_o, c_useo, m1o, varo, (to_shape(q50), to_shape(q90)),
                                                     horizon_axis=True)
        p0o, pposo = to_shape(p0), to_shape(p_pos)
        mean = pposo * mean_pos
        p50 = np.where(p0o >= 0.5, 0.0, x50)
        p90 = np.where(p0o >= 0.9, 0.0, x90)
        if scalar_h:
            mean, p50, p90, pposo = mean[..., 0], p50[..., 0], p90[..., 0], pposo[..., 0]
        return Wait(mean=mean, p50=p50, p90=p90, p_wait=pposo)


_GROUP_RATIO = 0.8


def _bisect_rate(hazard_at: Callable[[FloatArray], FloatArray], mean: FloatArray, sigma: FloatArray,
                 iterations: int = 24) -> FloatArray:
    """The abandonment rate ``theta`` with ``theta = hazard_at(theta)``, element by element: the average hazard
    of a lognormal patience over a wait that ``theta`` itself shortens. ``hazard_at`` falls as ``theta`` rises,
    so ``theta - hazard_at(theta)`` rises and has one root, found by bisection on ``log theta`` between the
    hazard's smallest and largest average over 1 to :data:`_PATIENCE_LONGEST` minutes (plain rounds of
    ``theta = hazard_at(theta)`` swing between a long line and a short one)."""
    grid = np.geomspace(1.0, _PATIENCE_LONGEST, 25)
    rates = abandon_rate(np.asarray(mean)[..., None], np.asarray(sigma)[..., None], grid)
    lo = np.log(np.maximum(rates.min(axis=-1), _RATE_FLOOR))
    hi = np.log(np.maximum(rates.max(axis=-1), _RATE_FLOOR))
    for _ in range(iterations):
        mid = (lo + hi) / 2.0
        above = np.exp(mid) > hazard_at(np.exp(mid))
        hi, lo = np.where(above, mid, hi), np.where(above, lo, mid)
    return np.exp((lo + hi) / 2.0)


def _size_groups(sizes: NDArray[np.intp], abandon: NDArray[np.bool_]) -> list[tuple[NDArray[np.intp], int]]:
    """Offices in groups of similar state-space size, each with or without abandonment.

    Within a kind, offices sorted by size (largest first) are cut wherever the
    size falls below ``_GROUP_RATIO`` of the group's largest, so that padding
    every office to its group's size costs at most 25 % more states.  The
    groups are returned largest first.

    Returns:
        ``(positions, K)`` per group: positions into ``sizes`` and the group's size.
    """
    groups = []
    for kind in (False, True):
        sel = np.flatnonzero(abandon == kind)
        if sel.size == 0:
            continue
        sel = sel[np.argsort(-sizes[sel], kind="stable")]
        ks = sizes[sel]
        lo = 0
        while lo < sel.size:
            k0 = int(ks[lo])
            hi = lo + int(np.count_nonzero(ks[lo:] >= _GROUP_RATIO * k0))
            groups.append((sel[lo:hi], k0))
            lo = hi
    groups.sort(key=lambda gk: -gk[1])
    return groups


def _trbdf2_laws(start: FloatArray, sizes: NDArray[np.intp], mu: FloatArray, theta: FloatArray,
                 kappa: FloatArray, lam_steps: FloatArray, c_steps: FloatArray, steps: Sequence[tuple[float, float]],
                 emit_after: Sequence[Sequence[int]],
                 emit: Callable[[Sequence[int], NDArray[np.intp], FloatArray], None]
                 ) -> tuple[NDArray[np.bool_], NDArray[np.intp]]:
    """Advance the laws of ``N`` of many offices at once with TR-BDF2 (see :func:`_trbdf2_step`).

    All offices share one array of states x offices.  Offices are grouped by
    state-space size (:func:`_size_groups`), each group padded to its largest
    size, and the groups placed side by side, largest first, so that state
    ``n`` is used by a prefix of the columns (a staircase).  Each sweep of the
    Thomas algorithm (sequential over the states) is then one vectorised
    operation per state over every office that has it, and every other
    operation runs over the staircase's horizontal bands (rows between two
    group sizes, a prefix of the columns): long contiguous rows, no padding.

    With ``M = I - (gamma dt / 2) A`` the trapezoidal stage is
    ``(I + (gamma dt / 2) A) p = 2 M^{-1} p - p`` (as ``I + kA = 2I - M``), so
    each step factors ``M`` once and solves twice.  The Thomas recurrences
    are written with positive quantities only:
    ``e_n = diag_n - k^2 b_{n-1} d_n / e_{n-1}``,
    ``y_n = r_n / e_n + (k b_{n-1} / e_n) y_{n-1}`` and
    ``x_n = y_n + (k d_{n+1} / e_n) x_{n+1}`` (``M`` is a column diagonally
    dominant M-matrix: no pivoting, no cancellation).

    Args:
        start: initial state (fractional: split between the two states around it).
        sizes: state-space size of each office.
        mu, theta, kappa: service rate, abandonment rate, queue unit per office.
        lam_steps, c_steps: ``(steps, offices)`` arrival rate and counters of each step.
        steps: ``(t0, dt)`` of each step.
        emit_after: the indices of the horizons reached at the start
            (``emit_after[0]``) and after each step (``emit_after[s + 1]``).
        emit: called as ``emit(horizons, offices, law)`` for each group, with
            ``law`` of shape ``(K, len(offices))``.

    Returns:
        ``(spill, used)``: the offices whose top 5 % of states came to hold
        more than ``_TOP_MASS``, and the state-space size each was solved with.
    """
    n = sizes.size
    groups = _size_groups(sizes, theta > 0)
    cols = np.concatenate([pos for pos, _ in groups])
    bounds = np.cumsum([0] + [pos.size for pos, _ in groups])
    g_sizes = [k for _, k in groups] + [0]
    k_max = g_sizes[0]
    act = np.array([int(bounds[sum(k > r for k in g_sizes)]) for r in range(k_max)])
    mu_c, th_c, ka_c = mu[cols], theta[cols], kappa[cols]
    P = np.zeros((k_max, n))
    B, D, E, INV, LU, A, CP, Y, T = (np.zeros((k_max, n)) for _ in range(9))
    # Initial law: the (fractional) start split between its two neighbouring states.
    used = np.repeat(np.array(g_sizes[:-1]), np.diff(bounds))
    st = np.minimum(start[cols], used - 1.0)
    lo = np.floor(st).astype(int)
    frac = st - lo
    j = np.arange(n)
    P[lo, j] = 1.0 - frac
    P[np.minimum(lo + 1, used - 1), j] += frac
    # Bands: rows [r0, r1) used by the first a columns.
    bands = []
    for gi in range(len(groups)):
        r0, r1, a = g_sizes[gi + 1], g_sizes[gi], int(bounds[gi + 1])
        if r1 <= r0:
            continue
        state = np.arange(r0, r1, dtype=float)[:, None]
        bands.append((r0, r1, a, state))
    # Per step size: k n mu and k n theta on each band (B and D hold k b and k d).
    scaled: dict[float, list[tuple[FloatArray, FloatArray]]] = {}
    last_rows = [(k - 1, int(bounds[gi]), int(bounds[gi + 1])) for gi, k in enumerate(g_sizes[:-1])]
    # Row views for the sequential sweeps.
    fwd = [(E[r, :a], E[r - 1, :a], LU[r, :a], T[r, :a], A[r, :a], Y[r, :a], Y[r - 1, :a], P[r, :a], P[r - 1, :a])
           for r, a in zip(range(1, k_max), act[1:])]
    bwd = [(CP[r, :a], Y[r, :a], Y[r + 1, :a], P[r, :a], P[r + 1, :a], T[r, :a])
           for r, a in zip(range(k_max - 2, -1, -1), act[1:][::-1])]
    spill = np.zeros(n, dtype=bool)
    total = np.empty(n)
    mul, add, sub, div = np.multiply, np.add, np.subtract, np.divide

    def out(hs: Sequence[int]) -> None:
        if hs:
            for gi, (_, K) in enumerate(groups):
                c0, c1 = int(bounds[gi]), int(bounds[gi + 1])
                emit(hs, cols[c0:c1], P[:K, c0:c1])

    out(emit_after[0])
    g = _GAMMA
    c_a = 2.0 / (g * (2.0 - g))                   # BDF2 stage: M x = c_a z - c_b p
    c_b = 1.0 / (g * (2.0 - g)) + (1.0 - g) ** 2 / (g * (2.0 - g))
    for s, (_, dt) in enumerate(steps):
        k = _GAMMA * dt / 2.0
        if k not in scaled:
            scaled[k] = [(k * state * mu_c[:a], k * state * th_c[:a]) for _, _, a, state in bands]
        c = c_steps[s][cols]
        lam = k * lam_steps[s][cols]
        lam_hi = lam / ka_c                       # births with everyone busy, in queue units
        d_hi = k * c * (mu_c / ka_c - th_c)       # deaths above c: c mu / kappa + (n - c) theta
        for (r0, r1, a, state), (s_mu, s_th) in zip(bands, scaled[k]):
            b, d, e = B[r0:r1, :a], D[r0:r1, :a], E[r0:r1, :a]
            np.copyto(b, lam[:a])
            np.copyto(b, lam_hi[:a], where=state >= c[:a])
            np.add(s_th, d_hi[:a], out=d)
            np.copyto(d, s_mu, where=state <= c[:a])
            np.add(b, d, out=e)
            e += 1.0
        for r, c0, c1 in last_rows:               # reflecting top state: no birth
            B[r, c0:c1] = 0.0
        for r0, r1, a, *_ in bands:
            q0 = max(r0, 1)
            np.multiply(B[q0 - 1:r1 - 1, :a], D[q0:r1, :a], out=LU[q0:r1, :a])
        for e_r, e_p, lu_r, t_r, *_ in fwd:
            div(lu_r, e_p, out=t_r)
            sub(e_r, t_r, out=e_r)
        for r0, r1, a, *_ in bands:
            inv = INV[r0:r1, :a]
            np.divide(1.0, E[r0:r1, :a], out=inv)
            q1 = min(r1, k_max - 1)
            if q1 > r0:
                np.multiply(D[r0 + 1:q1 + 1, :a], inv[:q1 - r0], out=CP[r0:q1, :a])
            q0 = max(r0, 1)
            np.multiply(B[q0 - 1:r1 - 1, :a], inv[q0 - r0:], out=A[q0:r1, :a])
            np.multiply(P[r0:r1, :a], inv, out=Y[r0:r1, :a])
        # z = M^{-1} p (in Y).
        for _, _, _, t_r, a_r, y_r, y_p, _, _ in fwd:
            mul(a_r, y_p, out=t_r)
            add(y_r, t_r, out=y_r)
        for cp_r, y_r, y_n, _, _, t_r in bwd:
            mul(cp_r, y_n, out=t_r)
            add(y_r, t_r, out=y_r)
        # BDF2 right-hand side c_a z - c_b p (divided by c_b: the law is
        # normalised below), scaled by 1/e, solved in place in P.
        for r0, r1, a, *_ in bands:
            p, t = P[r0:r1, :a], T[r0:r1, :a]
            np.multiply(Y[r0:r1, :a], c_a / c_b, out=t)
            np.subtract(t, p, out=p)
            p *= INV[r0:r1, :a]
        for _, _, _, t_r, a_r, _, _, p_r, p_p in fwd:
            mul(a_r, p_p, out=t_r)
            add(p_r, t_r, out=p_r)
        for cp_r, _, _, p_r, p_n, t_r in bwd:
            mul(cp_r, p_n, out=t_r)
            add(p_r, t_r, out=p_r)
        total[:] = 0.0
        for r0, r1, a, *_ in bands:
            p = P[r0:r1, :a]
            np.copyto(p, 0.0, where=p < _FLUSH)      # also the negative round-off
            total[:a] += p.sum(axis=0)
        for r0, r1, a, *_ in bands:
            P[r0:r1, :a] /= total[:a]
        for r, c0, c1 in last_rows:
            top = max(1, (r + 1) // 20)
            spill[c0:c1] |= P[r + 1 - top:r + 1, c0:c1].sum(axis=0) > _TOP_MASS
        out(emit_after[s + 1])
    res = np.zeros(n, dtype=bool)
    res[cols] = spill
    used_out = np.empty(n, dtype=np.intp)
    used_out[cols] = used
    return res, used_out


# Below this many offices the forecast's linear solves go to LAPACK (one
# block-tridiagonal system for all of them) instead of the staircase sweeps,
# whose cost is per state whatever the number of offices.
_FEW_OFFICES = 64


def _trbdf2_laws_few(start: FloatArray, sizes: NDArray[np.intp], mu: FloatArray, theta: FloatArray,
                     kappa: FloatArray, lam_steps: FloatArray, c_steps: FloatArray,
                     steps: Sequence[tuple[float, float]], emit_after: Sequence[Sequence[int]],
                     emit: Callable[[Sequence[int], NDArray[np.intp], FloatArray], None]
                     ) -> tuple[NDArray[np.bool_], NDArray[np.intp]]:
    """:func:`_trbdf2_laws` for a few offices: LAPACK ``gttrf``/``gttrs`` on one system.

    The offices' matrices ``M`` (each padded to the largest size) are the
    diagonal blocks of one tridiagonal matrix (zero couplings between
    blocks), factored once per step and solved twice, as in
    :func:`_trbdf2_laws`, whose arguments and result this function shares.
    """
    n = sizes.size
    K = int(sizes.max())
    state = np.arange(K, dtype=float)[None, :]
    P = np.zeros((n, K))
    st = np.minimum(start, K - 1.0)
    lo = np.floor(st).astype(int)
    frac = st - lo
    j = np.arange(n)
    P[j, lo] = 1.0 - frac
    P[j, np.minimum(lo + 1, K - 1)] += frac
    offices = np.arange(n)
    if emit_after[0]:
        emit(emit_after[0], offices, P.T)
    mu_c, th_c, ka_c = mu[:, None], theta[:, None], kappa[:, None]
    g = _GAMMA
    c_a = 2.0 / (g * (2.0 - g))
    c_b = 1.0 / (g * (2.0 - g)) + (1.0 - g) ** 2 / (g * (2.0 - g))
    spill = np.zeros(n, dtype=bool)
    top = max(1, K // 20)
    low = np.zeros((n, K))
    up = np.zeros((n, K))
    for s, (_, dt) in enumerate(steps):
        k = _GAMMA * dt / 2.0
        lam, c = lam_steps[s][:, None], c_steps[s][:, None]
        b = np.where(state >= c, lam / ka_c, lam)
        b[:, -1] = 0.0
        d = np.where(state <= c, state * mu_c, state * th_c + c * (mu_c / ka_c - th_c))
        diag = (1.0 + k * (b + d)).ravel()
        low[:, :-1] = -k * b[:, :-1]            # M[n+1, n]; zero between offices
        up[:, :-1] = -k * d[:, 1:]              # M[n, n+1]
        dl, dd, du, du2, ipiv, _ = lapack.dgttrf(low.ravel()[:-1], diag, up.ravel()[:-1])
        z, _ = lapack.dgttrs(dl, dd, du, du2, ipiv, P.reshape(-1, 1))
        x, _ = lapack.dgttrs(dl, dd, du, du2, ipiv, c_a * z - c_b * P.reshape(-1, 1))
        P = x.reshape(n, K)
        P[P < _FLUSH] = 0.0
        P /= P.sum(axis=1, keepdims=True)
        spill |= P[:, K - top:].sum(axis=1) > _TOP_MASS
        if emit_after[s + 1]:
            emit(emit_after[s + 1], offices, P.T)
    return spill, np.full(n, K, dtype=np.intp)


def _law_wait_moments(law: FloatArray, open_counters: FloatArray, counters: FloatArray, mu: FloatArray,
                      cv: FloatArray, kappa: FloatArray, f1: FloatArray, g1: FloatArray
                      ) -> tuple[FloatArray, FloatArray, FloatArray]:
    """:func:`queueing.phases.mixture_wait_moments` without abandonment, for laws kept as states x offices.

    The same sums, ``z = sum_{N >= o} L``, ``s_j = u^j sum_{N >= o} L (N - o)^j``
    and their parts over ``o <= N < o + ceil(c/u)``, arranged for speed: over
    the first ``R`` states (those below ``o + ceil(c/u)`` for some office)
    with masks, and over the states from ``R`` on by one matrix product with
    the powers of ``N - R`` (all terms positive: no cancellation).

    Args:
        law: ``(K, offices)`` probabilities of ``N = 0 .. K-1``.
        open_counters, counters, mu, cv: per office, as in
            :func:`queueing.phases.mixture_wait_moments`.
        kappa: people per state above the open counters (the queue unit).
        f1, g1: :func:`queueing.phases.first_departure_moments` at
            ``(max(round(counters), 1), cv)``.

    Returns:
        ``(p_wait, mean, second_moment)`` per office.
    """
    K = law.shape[0]
    co = np.clip(open_counters, 0, K).astype(np.intp)
    cap = np.maximum(counters, 1.0)
    u = kappa
    upto = np.minimum(co + np.ceil(cap / u - 1e-12).astype(np.intp), K)
    R = int(upto.max()) if upto.size else 0
    n_lo = np.arange(R, dtype=float)[:, None]
    dk = n_lo - co                                              # N - open, first R states
    w = np.where(dk >= 0.0, law[:R], 0.0)
    wd = w * dk
    z = w.sum(axis=0)
    s1 = wd.sum(axis=0)
    s2 = (wd * dk).sum(axis=0)
    wt = np.where(n_lo < upto, wd, 0.0)
    t1 = wt.sum(axis=0)
    t2 = (wt * dk).sum(axis=0)
    if R < K:
        nn = np.arange(K - R, dtype=float)
        q0, q1, q2 = np.stack([np.ones(K - R), nn, nn * nn]) @ law[R:]
        delta = R - co                                          # N - open = (N - R) + delta >= 0
        z = z + q0
        s1 = s1 + q1 + delta * q0
        s2 = s2 + q2 + 2.0 * delta * q1 + delta * delta * q0
    s1, s2, t1, t2 = s1 * u, s2 * u**2, t1 * u, t2 * u**2
    rate = counters * mu
    var1 = g1 - f1**2
    cv2 = cv**2
    sum_mean = (f1 * z + s1) / rate
    sum_mean_sq = (f1**2 * z + 2.0 * f1 * s1 + s2) / rate**2
    sum_var = (var1 * z + cv2 * s1 + (1.0 - cv2) * (t1 - t2 / cap)) / rate**2
    tiny = z < 1e-10
    safe = np.where(tiny, 1.0, z)
    p_wait = np.where(tiny, 0.0, z)
    mean = np.where(tiny, f1 / rate, sum_mean / safe)
    second = np.where(tiny, (var1 + f1**2) / rate**2, np.maximum((sum_var + sum_mean_sq) / safe, 0.0))
    return p_wait, mean, second


class _AbandonTables:
    """Per-state tables for the wait moments of offices with abandonment.

    :func:`queueing.phases.mixture_wait_moments` (abandonment case) weights
    the law of ``N`` by the indicator of waiting (``N >= open``) and, for the
    served, by ``c mu / (c mu + (N - open + 1) theta)``, and averages the
    per-state moments of :func:`queueing.phases.state_wait_moments`.  These
    depend on the horizon only through the counters at the arrival, which
    take a few values over a day, so they are computed once per office and
    distinct pair (counters, open counters) over the horizons.
    """

    def __init__(self, K: int, counters: FloatArray, open_counters: FloatArray, mu: FloatArray, cv: FloatArray,
                 theta: FloatArray, served: bool) -> None:
        H, m = counters.shape
        office = np.broadcast_to(np.arange(m, dtype=float), (H, m))
        keys = np.stack([office, counters, open_counters], axis=-1).reshape(-1, 3)
        combos, inverse = np.unique(keys, axis=0, return_inverse=True)
        self.index = inverse.reshape(H, m)
        j = combos[:, 0].astype(np.intp)
        c, o = combos[:, 1], combos[:, 2]
        mean_n, var_n = state_wait_moments(K, c, mu[j], cv[j], theta[j], served=served, open_counters=o)
        k = np.arange(K, dtype=float) - o[:, None]
        wait = k >= 0.0
        if served:
            rate = (c * mu[j])[:, None]
            self.weight = np.where(wait, rate / (rate + (np.maximum(k, 0.0) + 1.0) * theta[j][:, None]), 0.0)
        else:
            self.weight = wait.astype(float)
        self.wait = wait.astype(float)
        self.mean = mean_n
        self.second = var_n + mean_n**2
        self.served = served

    def moments(self, law: FloatArray, h: int) -> tuple[FloatArray, FloatArray, FloatArray]:
        """``(p_wait, mean, second_moment)`` per office for the law ``(K, offices)`` at horizon ``h``."""
        idx = self.index[h]
        lt = law.T
        w = lt * self.weight[idx]
        if self.served:
            total = lt.sum(axis=1) - (lt * self.wait[idx]).sum(axis=1) + w.sum(axis=1)
            w /= np.maximum(total, 1e-300)[:, None]
        z = w.sum(axis=1)
        safe = np.maximum(z, 1e-300)
        return z, (w * self.mean[idx]).sum(axis=1) / safe, (w * self.second[idx]).sum(axis=1) / safe


class _SubTimetable:
    """Timetable arrays of a selection of offices, for :meth:`OfficeModel._time_change`."""

    def __init__(self, starts: FloatArray, counts: FloatArray) -> None:
        self.timetable_starts = starts
        self.timetable_counts = counts


def _uniformisation_step(p: FloatArray, birth: FloatArray, death: FloatArray, dt: float) -> FloatArray:
    """Advance state laws ``p`` (offices x states) by ``dt`` minutes, exactly, by uniformisation.

    ``p(dt) = sum_j Pois(j; L dt) p P^j`` with ``P = I + Q / L`` and ``L`` the
    largest total rate of each office (Grassmann 1977); the Poisson sum is cut
    where less than ``1e-9`` of its mass is left.
    """
    unif = np.max(birth + death, axis=1) + 1e-12
    b_l = birth / unif[:, None]
    d_l = death / unif[:, None]
    stay = 1.0 - b_l - d_l
    lt = unif * dt
    terms = int(stats.poisson.ppf(1.0 - _UNIF_EPS, float(np.max(lt)))) + 2
    j = np.arange(terms)
    weights = np.exp(j[None, :] * np.log(np.maximum(lt[:, None], 1e-300)) - lt[:, None]
                     - special.gammaln(j[None, :] + 1.0))
    v = p
    acc = weights[:, :1] * v
    for r in range(1, terms):
        nv = v * stay
        nv[:, 1:] += v[:, :-1] * b_l[:, :-1]
        nv[:, :-1] += v[:, 1:] * d_l[:, 1:]
        v = nv
        acc += weights[:, r:r + 1] * v
    return acc / np.sum(acc, axis=1, keepdims=True)


_GAMMA = 2.0 - np.sqrt(2.0)


def _trbdf2_step(P: FloatArray, b: FloatArray, d: FloatArray, dt: float) -> FloatArray:
    """Advance state laws ``P`` (states x offices) by ``dt`` minutes with TR-BDF2.

    Forward equations ``p' = A p`` with ``A`` tridiagonal (``A[n, n-1] = b_{n-1}``,
    ``A[n, n] = -(b_n + d_n)``, ``A[n, n+1] = d_{n+1}``), ``b`` and ``d`` the
    birth and death rates (states x offices).  With ``gamma = 2 - sqrt(2)``
    both stages solve with ``M = I - (gamma dt / 2) A``: a trapezoidal stage to
    ``gamma dt`` then a BDF2 stage to ``dt`` (Bank, Coughran, Fichtner, Grosse,
    Rose & Smith 1985; Hosea & Shampine 1996).  ``M`` is an M-matrix, so the
    Thomas algorithm needs no pivoting.
    """
    k = _GAMMA * dt / 2.0
    K = P.shape[0]
    out_rate = b + d
    diag = 1.0 + k * out_rate
    lower = np.zeros_like(b)            # M[n, n-1]
    lower[1:] = -k * b[:-1]
    upper = np.zeros_like(d)            # M[n, n+1]
    upper[:-1] = -k * d[1:]
    # Thomas factorisation (denominators and the modified upper diagonal).
    cprime = np.empty_like(diag)
    inv_denom = np.empty_like(diag)
    inv_denom[0] = 1.0 / diag[0]
    cprime[0] = upper[0] * inv_denom[0]
    for n in range(1, K):
        inv_denom[n] = 1.0 / (diag[n] - lower[n] * cprime[n - 1])
        cprime[n] = upper[n] * inv_denom[n]

    def solve(rhs: FloatArray) -> FloatArray:
        y = rhs
        y[0] *= inv_denom[0]
        for n in range(1, K):
            y[n] -= lower[n] * y[n - 1]
            y[n] *= inv_denom[n]
        for n in range(K - 2, -1, -1):
            y[n] -= cprime[n] * y[n + 1]
        return y

    # Trapezoidal stage: (I + k A) P.
    rhs = P - k * out_rate * P
    rhs[1:] += k * b[:-1] * P[:-1]
    rhs[:-1] += k * d[1:] * P[1:]
    stage = solve(rhs)
    g = _GAMMA
    rhs = stage * (1.0 / (g * (2.0 - g))) - ((1.0 - g) ** 2 / (g * (2.0 - g))) * P
    new = np.maximum(solve(rhs), 0.0)
    new /= np.sum(new, axis=0, keepdims=True)
    return new
