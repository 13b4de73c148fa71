"""Ranking offices for a citizen: travel time plus predicted wait.

Score of office ``i`` (minutes)::

    score_i = travel_i + wait_mean_i + p90_weight * (wait_p90_i - wait_mean_i)

* ``travel_i``: great-circle (haversine) distance from the citizen
  (R. W. Sinnott, "Virtues of the haversine", *Sky and Telescope* 68(2), 1984,
  p. 159; mean Earth radius 6371.0088 km, IUGG) times a detour (circuity)
  factor, divided by an urban door-to-door speed.  Defaults: detour factor
  1.3, a city grid's road-network circuity (Ballou, Rahardja &
  Sakai, "Selected country circuity factors for road travel distance
  estimation", *Transportation Research A* 36, 2002, report 1.2-1.6); speed
  20 km/h, a door-to-door average for Tehran's congested traffic.  Both are
  parameters.
* ``wait_*``: the wait predicted for the moment the citizen would arrive
  (ideally :meth:`queueing.OfficeModel.wait_at` at ``travel_i`` minutes ahead).
* The 90th-percentile term penalises offices whose wait is uncertain: with
  ``p90_weight = 0.5`` a wait of ~10 min that may reach 40 scores as 25.

Units: degrees for coordinates, minutes for times, km/h for speed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .model import Wait

__all__ = [
    "DETOUR_FACTOR",
    "EARTH_RADIUS_KM",
    "URBAN_SPEED_KMH",
    "Explanation",
    "Ranking",
    "haversine_km",
    "rank_offices",
    "travel_minutes",
]

EARTH_RADIUS_KM = 6371.0088
URBAN_SPEED_KMH = 20.0
DETOUR_FACTOR = 1.3
P90_WEIGHT = 0.5


def haversine_km(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> NDArray[np.float64]:
    """Great-circle distance (km) by the haversine formula (Sinnott 1984).

    ``d = 2 R asin(sqrt(sin^2(dphi/2) + cos phi1 cos phi2 sin^2(dlambda/2)))``.

    Args:
        lat1: latitude of the first point(s), degrees.
        lon1: longitude of the first point(s), degrees.
        lat2: latitude of the second point(s), degrees.
        lon2: longitude of the second point(s), degrees.

    Returns:
        Distance in kilometres, broadcast over the inputs.
    """
    p1, l1, p2, l2 = (np.radians(np.asarray(v, dtype=float)) for v in (lat1, lon1, lat2, lon2))
    h = np.sin((p2 - p1) / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def travel_minutes(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike, *,
                   speed_kmh: float = URBAN_SPEED_KMH, detour: float = DETOUR_FACTOR) -> NDArray[np.float64]:
    """Travel time (minutes): haversine distance x detour factor / urban speed.

    Args:
        lat1: origin latitude(s), degrees.
        lon1: origin longitude(s), degrees.
        lat2: destination latitude(s), degrees.
        lon2: destination longitude(s), degrees.
        speed_kmh: door-to-door speed, km/h (default 20).
        detour: road distance over great-circle distance (default 1.3).

    Returns:
        Minutes, broadcast over the inputs.
    """
    return haversine_km(lat1, lon1, lat2, lon2) * (detour * 60.0 / speed_kmh)


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why the best office is suggested, as numbers (translated by the web layer).

    Attributes:
        office: index of the suggested office.
        travel_min: its travel time, whole minutes.
        wait_min: its predicted mean wait, whole minutes.
        nearest_office: index of the nearest office (by travel time).
        nearest_travel_min: travel time to the nearest office, whole minutes.
        nearest_wait_min: predicted mean wait at the nearest office, whole minutes.
        is_nearest: True when the suggested office is the nearest one.
    """

    office: int
    travel_min: int
    wait_min: int
    nearest_office: int
    nearest_travel_min: int
    nearest_wait_min: int
    is_nearest: bool

    def text(self) -> str:
        """English rendering, e.g. ``"9 min away, ~6 min wait; the nearest office has ~40 min"``."""
        head = f"{self.travel_min} min away, ~{self.wait_min} min wait"
        if self.is_nearest:
            return head + "; this is the nearest office"
        return head + f"; the nearest office has ~{self.nearest_wait_min} min"


@dataclass(frozen=True, slots=True)
class Ranking:
    """Offices ranked for one citizen; arrays in the offices' original order.

    Attributes:
        order: office indices, best (lowest score) first.
        travel_min: travel time to each office (minutes).
        wait_mean: predicted mean wait on arrival (minutes).
        wait_p90: predicted 90th-percentile wait on arrival (minutes).
        score: ``travel + wait_mean + p90_weight * (wait_p90 - wait_mean)`` (minutes).
        explanation: the explanation of the best office.
    """

    order: NDArray[np.intp]
    travel_min: NDArray[np.float64]
    wait_mean: NDArray[np.float64]
    wait_p90: NDArray[np.float64]
    score: NDArray[np.float64]
    explanation: Explanation

    @property
    def best(self) -> int:
        """Index of the best office."""
        return int(self.order[0])


def _whole(x: float) -> int:
    return int(max(0, round(float(x))))


def rank_offices(origin_lat: float, origin_lon: float, lats: ArrayLike, lons: ArrayLike,
                 waits: Wait | ArrayLike, *, speed_kmh: float = URBAN_SPEED_KMH, detour: float = DETOUR_FACTOR,
                 p90_weight: float = P90_WEIGHT, top: int | None = None) -> Ranking:
    """Rank offices by travel time plus predicted wait on arrival.

    Args:
        origin_lat: the citizen's latitude, degrees.
        origin_lon: the citizen's longitude, degrees.
        lats: office latitudes, degrees, shape ``(n,)``.
        lons: office longitudes, degrees, shape ``(n,)``.
        waits: a :class:`Wait` over the offices (the wait predicted on
            arrival), or an array of mean waits (then the p90 term is 0).
        speed_kmh: urban door-to-door speed (km/h).
        detour: road-over-great-circle factor.
        p90_weight: weight of the 90th percentile's excess over the mean.
        top: if given, ``order`` holds only the best ``top`` offices
            (partial sort, faster for many offices).

    Returns:
        A :class:`Ranking`.

    Raises:
        ValueError: mismatched shapes, no office, non-finite or negative input.
    """
    lat = np.asarray(lats, dtype=float)
    lon = np.asarray(lons, dtype=float)
    if lat.ndim != 1 or lat.shape != lon.shape or lat.size == 0:
        raise ValueError("lats and lons must be 1-D arrays of the same, non-zero length")
    if isinstance(waits, Wait):
        mean = np.broadcast_to(np.asarray(waits.mean, dtype=float), lat.shape)
        p90 = np.broadcast_to(np.asarray(waits.p90, dtype=float), lat.shape)
    else:
        mean = np.broadcast_to(np.asarray(waits, dtype=float), lat.shape)
        p90 = mean
    values = (origin_lat, origin_lon, speed_kmh, detour, p90_weight)
    if not (np.all(np.isfinite(lat)) and np.all(np.isfinite(lon)) and np.all(np.isfinite(mean))
            and np.all(np.isfinite(p90)) and np.all(np.isfinite(values))):
        raise ValueError("coordinates, waits and parameters must be finite (no NaN or infinity)")
    if np.any(mean < 0) or np.any(p90 < 0):
        raise ValueError("waits must be non-negative (minutes)")
    if speed_kmh <= 0 or detour < 1 or p90_weight < 0:
        raise ValueError("speed_kmh must be positive, detour >= 1 and p90_weight >= 0")
    travel = travel_minutes(origin_lat, origin_lon, lat, lon, speed_kmh=speed_kmh, detour=detour)
    score = travel + mean + p90_weight * np.maximum(p90 - mean, 0.0)
    if top is not None and 0 < top < score.size:
        part = np.argpartition(score, top - 1)[:top]
        order = part[np.argsort(score[part], kind="stable")]
    else:
        order = np.argsort(score, kind="stable")
    best = int(order[0])
    nearest = int(np.argmin(travel))
    expl = Explanation(office=best, travel_min=_whole(travel[best]), wait_min=_whole(mean[best]),
                       nearest_office=nearest, nearest_travel_min=_whole(travel[nearest]),
                       nearest_wait_min=_whole(mean[nearest]), is_nearest=best == nearest)
    return Ranking(order=order, travel_min=travel, wait_mean=np.asarray(mean), wait_p90=np.asarray(p90),
                   score=score, explanation=expl)
