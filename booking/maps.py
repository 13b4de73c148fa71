"""The street map behind the map pictures (Leaflet, served from ``static/vendor/leaflet``), and directions.

Each map on the site is first drawn on the server as an SVG of dots on a latitude/longitude box, which works
with no network and no JavaScript. ``static/js/map.js`` puts a Leaflet street map over it when tiles can be
loaded from ``MAP_TILE_URL``, and goes back to the drawing when they cannot (offline, a blocked tile server).
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from markupsafe import Markup

#: The default tiles: OpenStreetMap's, which ask for their attribution to be shown.
DEFAULT_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_ATTRIBUTION = "© OpenStreetMap"


class MapConfigError(ValueError):
    """``MAP_TILE_URL`` is not a tile address."""


def tile_url(raw: str | None) -> str:
    """``MAP_TILE_URL`` as configured: the default when unset, empty when ``none`` (the drawing only)."""
    text = (raw if raw is not None else DEFAULT_TILE_URL).strip()
    if text.lower() in ("", "none", "off"):
        return ""
    parts = urlsplit(text.replace("{", "").replace("}", ""))
    if parts.scheme not in ("http", "https") or not parts.netloc or not all(k in text for k in ("{z}", "{x}", "{y}")):
        raise MapConfigError(f"MAP_TILE_URL must be an http(s) tile address with {{z}}, {{x}} and {{y}}, "
                             f"e.g. {DEFAULT_TILE_URL}, or none; not {text!r}")
    return text


def tile_origin(url: str) -> str:
    """The scheme and host tiles come from (for the Content-Security-Policy), or empty."""
    if not url:
        return ""
    parts = urlsplit(url.replace("{s}", "a").replace("{z}", "0").replace("{x}", "0").replace("{y}", "0"))
    host = parts.netloc
    if "{s}" in url:  # subdomains a, b, c: allow the parent domain's subdomains
        host = "*." + host.split(".", 1)[1] if "." in host else host
    return f"{parts.scheme}://{host}"


@dataclass(frozen=True)
class MapPoint:
    """An office (or the citizen) on a map: position, label, link and load level."""

    lat: float
    lon: float
    label: str
    href: str | None = None
    level: str = "unknown"
    colour: str | None = None  # a fill of its own (the supervisors' map colours by waiting per counter)
    radius: float | None = None  # pixels (default 8)


def street_map(drawing: Markup, points: Sequence[MapPoint], *, tiles: str, attribution: str, title: str,
               offline: str, here: tuple[float, float] | None = None, picks_place: bool = False,
               legend: Markup | None = None) -> Markup:
    """The drawing inside a container that ``map.js`` turns into a street map when ``tiles`` load
    (``offline``: the note shown when they do not; ``picks_place``: a tap on the map searches from there)."""
    if not drawing:
        return drawing
    data = {"points": [{"lat": p.lat, "lon": p.lon, "label": p.label, "href": p.href, "level": p.level,
                        "colour": p.colour, "radius": p.radius} for p in points],
            "here": list(here) if here else None}
    return Markup(
        '<div class="street-map" data-tiles="{tiles}" data-attribution="{attribution}" data-title="{title}" '
        'data-offline="{offline}" data-map="{data}"{pick}>{drawing}{legend}</div>').format(
        tiles=tiles, attribution=attribution, title=title, offline=offline,
        data=json.dumps(data, ensure_ascii=False), pick=Markup(' data-picks-place="1"') if picks_place else "",
        drawing=drawing, legend=legend or "")


@dataclass(frozen=True)
class Directions:
    """Links that open the office in the map apps Iranians use, for directions from where they are."""

    neshan: str
    balad: str
    google: str
    geo: str


def directions(lat: float, lon: float, label: str) -> Directions:
    """Directions to ``(lat, lon)`` in Neshan, Balad and Google Maps, and a ``geo:`` link for the phone's app."""
    at = f"{lat:.6f},{lon:.6f}"
    return Directions(
        neshan=f"https://neshan.org/maps/@{at},17z,0p",
        balad=f"https://balad.ir/location?latitude={lat:.6f}&longitude={lon:.6f}&zoom=17",
        google=f"https://www.google.com/maps/dir/?api=1&destination={at}",
        geo=f"geo:{at}?q={at}({quote(label)})")


__all__ = ["DEFAULT_ATTRIBUTION", "DEFAULT_TILE_URL", "Directions", "MapConfigError", "MapPoint", "directions",
           "street_map", "tile_origin", "tile_url"]
