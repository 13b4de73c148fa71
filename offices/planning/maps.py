"""The plan on a map: existing offices, candidate sites coloured by the drop in mean total time if opened
alone, the chosen sites numbered in the order picked, and the offices that most need a counter ringed.

An equirectangular SVG (east on the right whatever the page's direction), drawn on the server; every mark has
a ``<title>`` for a tooltip and for screen readers.
"""
from __future__ import annotations

import math
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup, escape

from booking.maps import MapPoint
from booking.numbers import format_number

DROP_COLOURS = ("#d9dde3", "#c6e4c4", "#8fcb8b", "#4fa35a", "#1f6f3a")  # no drop … large drop
OFFICE_COLOUR = "#0f5e9c"
CHOSEN_COLOUR = "#c2410c"


def _num(value: float | None, locale: str, digits: int = 1) -> str:
    if value is None:
        return "—"
    return format_number(value, locale, digits)


def _drop_colour(drop: float | None, top: float) -> str:
    if drop is None or drop <= 0 or top <= 0:
        return DROP_COLOURS[0]
    return DROP_COLOURS[min(4, 1 + int(3.999 * drop / top))]


def plan_map(result: dict[str, Any], locale: str, *, width: int = 860) -> Markup:
    """The plan of :func:`offices.planning.service.compute_plan` as an SVG map."""
    offices, sites = result["offices"], result["sites"]
    chosen = {c["site"]: c for c in result["chosen"]}
    needy = {c["office"]: k + 1 for k, c in enumerate(result["counters"][:3])}
    lats = [o["lat"] for o in offices] + [s["lat"] for s in sites]
    lons = [o["lon"] for o in offices] + [s["lon"] for s in sites]
    pad = 0.01 + 0.06 * max(max(lats) - min(lats), max(lons) - min(lons))
    lat0, lat1, lon0, lon1 = min(lats) - pad, max(lats) + pad, min(lons) - pad, max(lons) + pad
    kx = math.cos(math.radians((lat0 + lat1) / 2))
    span_x, span_y = (lon1 - lon0) * kx, lat1 - lat0
    margin, legend_h = 10, 72
    inner_w = width - 2 * margin
    inner_h = max(260.0, min(620.0, inner_w * span_y / span_x))
    scale = min(inner_w / span_x, inner_h / span_y)
    used_w, used_h = span_x * scale, span_y * scale
    off_x, off_y = margin + (inner_w - used_w) / 2, margin + (inner_h - used_h) / 2
    height = int(inner_h + 2 * margin + legend_h)
    rtl = locale == "fa"

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return off_x + (lon - lon0) * kx * scale, off_y + (lat1 - lat) * scale

    title = _("Candidate sites for new offices and the offices of the city")
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="planmap" role="img" viewBox="0 0 {width} {height}" '
           f'font-family="Vazirmatn, Tahoma, sans-serif" font-size="12" direction="{"rtl" if rtl else "ltr"}">',
           f"<title>{escape(title)}</title>",
           f'<rect x="0" y="0" width="{width}" height="{inner_h + 2 * margin:.0f}" fill="#f6f8fb" stroke="#dde3ea"/>']
    top = max([s["mean_drop"] or 0 for s in sites] + [0])
    name = "name_fa" if rtl else "name_en"
    for j, s in enumerate(sites):
        if j in chosen:
            continue
        x, y = xy(s["lat"], s["lon"])
        tip = _("%(site)s: mean total time −%(mean)s min, 90th percentile −%(p90)s min if opened alone",
                site=s[name], mean=_num(s["mean_drop"], locale), p90=_num(s["p90_drop"], locale))
        out.append(f'<rect class="site" x="{x - 6:.1f}" y="{y - 6:.1f}" width="12" height="12" rx="2" '
                   f'fill="{_drop_colour(s["mean_drop"], top)}" stroke="#5b6675" stroke-width="0.8">'
                   f"<title>{escape(tip)}</title></rect>")
    for o in offices:
        x, y = xy(o["lat"], o["lon"])
        r = 3 + min(4.0, 0.6 * o["counters"])
        tip = _("%(office)s: %(counters)s counters, %(served)s citizens a day, mean wait %(wait)s min",
                office=o[name], counters=_num(o["counters"], locale, 0), served=_num(o["served_per_day"], locale, 0),
                wait=_num(o["mean_wait"], locale))
        ring = ""
        if o["code"] in needy:
            ring = (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r + 4:.1f}" fill="none" stroke="#b3261e" '
                    f'stroke-width="2"/>')
        out.append(f'<g class="office" data-office="{escape(o["code"])}">{ring}<circle cx="{x:.1f}" cy="{y:.1f}" '
                   f'r="{r:.1f}" fill="{OFFICE_COLOUR}" fill-opacity="0.75" stroke="#fff" stroke-width="0.8">'
                   f"<title>{escape(tip)}</title></circle></g>")
    for j, c in chosen.items():
        s = sites[j]
        x, y = xy(s["lat"], s["lon"])
        tip = _("New office %(rank)s at %(site)s: mean total time −%(mean)s min, 90th percentile −%(p90)s min",
                rank=_num(c["rank"], locale, 0), site=s[name], mean=_num(c["mean_drop"], locale),
                p90=_num(c["p90_drop"], locale))
        out.append(f'<g class="chosen" data-rank="{c["rank"]}"><title>{escape(tip)}</title>'
                   f'<rect x="{x - 11:.1f}" y="{y - 11:.1f}" width="22" height="22" rx="4" fill="{CHOSEN_COLOUR}" '
                   f'stroke="#fff" stroke-width="1.5"/>'
                   f'<text x="{x:.1f}" y="{y + 4.5:.1f}" text-anchor="middle" fill="#fff" font-weight="700" '
                   f'font-size="13">{_num(c["rank"], locale, 0)}</text></g>')
    # legend: two rows of two, from the reading side
    ly0 = inner_h + 2 * margin + 20
    items = [("chosen", _("New office (order chosen)")), ("site", _("Candidate site: greener saves more")),
             ("office", _("Existing office (size: counters)")), ("ring", _("Needs one more counter"))]
    step = (width - 20) / 2
    for k, (kind, label) in enumerate(items):
        ly = ly0 + 24 * (k // 2)
        cx = (width - 16 - (k % 2) * step) if rtl else (16 + (k % 2) * step)
        tx = cx - 14 if rtl else cx + 14
        if kind == "chosen":
            out.append(f'<rect x="{cx - 8}" y="{ly - 8}" width="16" height="16" rx="3" fill="{CHOSEN_COLOUR}"/>')
        elif kind == "site":
            out.append(f'<rect x="{cx - 6}" y="{ly - 6}" width="12" height="12" rx="2" fill="{DROP_COLOURS[3]}" '
                       f'stroke="#5b6675" stroke-width="0.8"/>')
        elif kind == "office":
            out.append(f'<circle cx="{cx}" cy="{ly}" r="6" fill="{OFFICE_COLOUR}" fill-opacity="0.75"/>')
        else:
            out.append(f'<circle cx="{cx}" cy="{ly}" r="7" fill="none" stroke="#b3261e" stroke-width="2"/>')
        out.append(f'<text x="{tx:.0f}" y="{ly + 4}" fill="#333">{escape(label)}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def plan_points(result: dict[str, Any], locale: str) -> list[MapPoint]:
    """The plan's marks for the street map: candidate sites (coloured by the drop), existing offices (sized by
    counters, those needing a counter ringed in red) and the chosen sites (large, in the order chosen)."""
    offices, sites = result["offices"], result["sites"]
    chosen = {c["site"]: c for c in result["chosen"]}
    needy = {c["office"] for c in result["counters"][:3]}
    top = max([s["mean_drop"] or 0 for s in sites] + [0])
    name = "name_fa" if locale == "fa" else "name_en"
    points = [MapPoint(s["lat"], s["lon"], _("%(site)s: mean total time −%(mean)s min, 90th percentile −%(p90)s min "
                                               "if opened alone", site=s[name], mean=_num(s["mean_drop"], locale),
                                               p90=_num(s["p90_drop"], locale)),
                       colour=_drop_colour(s["mean_drop"], top), radius=6)
              for j, s in enumerate(sites) if j not in chosen]
    points += [MapPoint(o["lat"], o["lon"], _("%(office)s: %(counters)s counters, %(served)s citizens a day, mean wait "
                                               "%(wait)s min", office=o[name], counters=_num(o["counters"], locale, 0),
                                               served=_num(o["served_per_day"], locale, 0),
                                               wait=_num(o["mean_wait"], locale)),
                        colour="#b3261e" if o["code"] in needy else OFFICE_COLOUR,
                        radius=3 + min(4.0, 0.6 * o["counters"]))
               for o in offices]
    points += [MapPoint(sites[j]["lat"], sites[j]["lon"],
                        _("New office %(rank)s at %(site)s: mean total time −%(mean)s min, 90th percentile −%(p90)s min",
                          rank=_num(c["rank"], locale, 0), site=sites[j][name], mean=_num(c["mean_drop"], locale),
                          p90=_num(c["p90_drop"], locale)), colour=CHOSEN_COLOUR, radius=11)
               for j, c in chosen.items()]
    return points


def plan_legend() -> Markup:
    """The street map's legend (the drawing has its own)."""
    items = [("chosen", _("New office (order chosen)")), ("site", _("Candidate site: greener saves more")),
             ("office", _("Existing office (size: counters)")), ("ring", _("Needs one more counter"))]
    return Markup('<div class="map-legend"><ul>{}</ul></div>').format(Markup("").join(
        Markup('<li><span class="swatch swatch-{}"></span>{}</li>').format(kind, label) for kind, label in items))
