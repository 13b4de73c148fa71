"""Load heatmaps for the supervisors' dashboard, drawn on the server as SVG (they work without JavaScript).

Three pictures, each with a legend, Persian (or English) labels, Jalali dates and a ``<title>`` tooltip on
every cell or dot:

* :func:`offices_by_hour` -- offices x hour of one day (today by default);
* :func:`weekday_by_hour` -- day of the week (Saturday first) x hour, for an office or a whole unit;
* :func:`load_map` -- the offices as dots on a plain equirectangular projection, coloured by their current load.

Data come from the hourly table (one grouped query each) and the live state; the drawing is plain string
building with every text escaped.
"""
from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import func, select

from booking.dates import (
    WEEKDAY_NAMES_EN,
    WEEKDAY_NAMES_FA,
    iran_weekday,
    jalali_date,
    persian_digits,
    to_tehran,
)
from booking.extensions import db
from booking.maps import MapPoint
from booking.numbers import format_number
from offices.kpis import Unit, scope_filter, today_bounds, waiting_now
from offices.models import District, Office, OfficeHourlyStats

# Sequential palette, light (little) to dark (much); colour-blind safe (ColorBrewer "OrRd").
PALETTE = ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000")
EMPTY = "#eceff3"
METRICS = ("arrivals", "wait")


class HeatmapInputError(ValueError):
    """An unknown metric; the message is safe to show."""


@dataclass
class Grid:
    """A heatmap: row and column labels, values (None: no data), row links and a tooltip per cell."""

    title: str
    rows: list[str]
    columns: list[str]
    values: list[list[float | None]]
    tooltips: list[list[str]]
    legend: str
    row_links: list[str | None] | None = None


def _num(value: float, locale: str, digits: int = 0) -> str:
    return format_number(value, locale, digits)


def _metric_label(metric: str) -> str:
    if metric == "wait":
        return _("Average wait (min)")
    return _("Arrivals per hour")


def _breaks(values: Sequence[float], fixed: Sequence[float] | None = None, digits: int = 0) -> list[float]:
    """Upper bounds of the first four colour classes (the fifth is open), from fixed steps or the data's range.

    The step is a round number (1, 2 or 5 times a power of ten) no finer than the legend shows (``digits``
    decimals), so no two bounds read the same ("1–1")."""
    if fixed is not None:
        return list(fixed)
    top = max(values, default=0.0)
    finest = 10.0 ** -digits
    if top <= 0:
        return [finest * (k + 1) for k in range(4)]
    raw = top / 5.0
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(finest, round(step, digits))
    return [round(step * (k + 1), digits) for k in range(4)]


def _colour(value: float | None, breaks: Sequence[float]) -> str:
    if value is None:
        return EMPTY
    for k, b in enumerate(breaks):
        if value < b:
            return PALETTE[k]
    return PALETTE[-1]


def _empty_picture(title: str, message: str, locale: str) -> Markup:
    """A picture with its title and a sentence where there is nothing to draw."""
    width, rtl = 640, locale == "fa"
    x = width - 8 if rtl else 8
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="heatmap heatmap-empty" role="img" viewBox="0 0 {width} 70" '
        f'width="{width}" height="70" font-family="Vazirmatn, Tahoma, sans-serif" font-size="13" '
        f'direction="{"rtl" if rtl else "ltr"}"><title>{escape(title)}</title>'
        f'<text x="{x}" y="18" font-size="14" font-weight="700" text-anchor="start">{escape(title)}</text>'
        f'<text x="{x}" y="48" fill="#5b6675" text-anchor="start">{escape(message)}</text></svg>')


def render_grid(grid: Grid, locale: str, *, label_width: int = 210, cell_w: int = 34, cell_h: int = 22,
                breaks: Sequence[float] | None = None, digits: int = 0) -> Markup:
    """Draw a :class:`Grid` as an inline SVG; in Persian the row labels are on the right and hours run right to left."""
    rtl = locale == "fa"
    n_rows, n_cols = len(grid.rows), len(grid.columns)
    top = 46
    width = max(640, label_width + n_cols * cell_w + 16)
    grid_bottom = top + n_rows * cell_h
    height = grid_bottom + 70
    flat = [v for row in grid.values for v in row if v is not None]
    steps = _breaks(flat, breaks, digits)

    def x_of(col: int) -> float:
        return (width - label_width - (col + 1) * cell_w) if rtl else (label_width + col * cell_w)

    role = "group" if grid.row_links and any(grid.row_links) else "img"  # an image holds no links
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="heatmap" role="{role}" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" font-family="Vazirmatn, Tahoma, sans-serif" font-size="12" '
           f'direction="{"rtl" if rtl else "ltr"}">',
           f"<title>{escape(grid.title)}</title>",
           f'<text x="{width - 8 if rtl else 8}" y="18" font-size="14" font-weight="700" '
           f'text-anchor="start">{escape(grid.title)}</text>']
    for c, label in enumerate(grid.columns):
        out.append(f'<text x="{x_of(c) + cell_w / 2:.1f}" y="{top - 8}" text-anchor="middle" fill="#5b6675">'
                   f"{escape(label)}</text>")
    for r, label in enumerate(grid.rows):
        y = top + r * cell_h
        short = short_office_name(label)
        short = short if len(short) <= 30 else short[:29] + "…"
        lx = width - 8 if rtl else 8
        anchor = "start"  # the reading side: the svg carries the page's direction
        text = (f'<text x="{lx}" y="{y + cell_h * 0.68:.1f}" text-anchor="{anchor}"><title>{escape(label)}</title>'
                f"{escape(short)}</text>")
        link = grid.row_links[r] if grid.row_links else None
        out.append(f'<a href="{escape(link)}">{text}</a>' if link else text)
        for c in range(n_cols):
            value = grid.values[r][c]
            out.append(f'<rect x="{x_of(c) + 1:.1f}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" rx="3" '
                       f'fill="{_colour(value, steps)}"><title>{escape(grid.tooltips[r][c])}</title></rect>')
    # legend
    ly = grid_bottom + 22
    out.append(f'<text x="{width - 8 if rtl else 8}" y="{ly + 12}" text-anchor="start" '
               f'fill="#5b6675">{escape(grid.legend)}</text>')
    labels = [f"< {_num(steps[0], locale, digits)}"]
    labels += [f"{_num(steps[k - 1], locale, digits)}–{_num(steps[k], locale, digits)}" for k in range(1, 4)]
    labels += [f"≥ {_num(steps[3], locale, digits)}", _("no data")]
    colours = list(PALETTE) + [EMPTY]
    box = 86
    for k, (label, colour) in enumerate(zip(labels, colours)):
        sx = (width - 8 - k * box - 18) if rtl else (8 + k * box)
        tx = sx - 4 if rtl else sx + 22  # text-anchor start: on the reading side of the swatch
        out.append(f'<rect x="{sx}" y="{ly + 22}" width="18" height="14" rx="2" fill="{colour}" stroke="#c8ced8"/>')
        out.append(f'<text x="{tx}" y="{ly + 33}" fill="#333" text-anchor="start">{escape(label)}</text>')
    out.append("</svg>")
    return Markup("".join(out))


# The words every office's name starts with; a heatmap row shows what follows (the full name is its tooltip).
_GENERIC_PREFIXES = ("دفتر خدمات الکترونیک قضایی", "E-Judicial Services Office", "E-judicial office")


def short_office_name(name: str) -> str:
    """``دفتر خدمات الکترونیک قضایی کد ۱۷۰۰۱۵ دوگنبدان`` → ``کد ۱۷۰۰۱۵ دوگنبدان``."""
    for prefix in _GENERIC_PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix) + 1:
            return name[len(prefix):].strip(" ,،")
    return name


def _hour_label(hour: int, locale: str) -> str:
    return persian_digits(f"{hour:02d}") if locale == "fa" else f"{hour:02d}"


def _hour_range(hours: Sequence[int]) -> list[int]:
    lo = min([7, *hours])
    hi = max([15, *hours])
    return list(range(lo, hi + 1))


def _check_metric(metric: str) -> None:
    if metric not in METRICS:
        raise HeatmapInputError(f"unknown metric {metric!r}")


def offices_by_hour(unit: Unit, day: dt.date, locale: str, metric: str = "arrivals", *,
                    link: Callable[[str], str] | None = None, limit: int = 40) -> Markup:
    """Offices x hour of ``day`` (Tehran) for the offices under ``unit``: arrivals or the average wait.

    Only the ``limit`` busiest offices of the day are drawn (a province can have hundreds), and only offices
    with a visit that day; with none, a sentence says so.
    """
    _check_metric(metric)
    start, end = today_bounds(to_utc_noon(day))
    s = OfficeHourlyStats
    query = (select(s.office_id, s.hour_start, s.arrivals, s.served, s.wait_sum)
             .join(Office, Office.id == s.office_id).join(District, District.id == Office.district_id)
             .where(s.hour_start >= start, s.hour_start < end, *scope_filter(unit)))
    cells: dict[int, dict[int, tuple[float, float, float]]] = defaultdict(dict)
    for office_id, hour_start, arrivals, served, wait_sum in db.session.execute(query):
        cells[office_id][to_tehran(hour_start).hour] = (arrivals or 0, served or 0, wait_sum or 0.0)
    names = {r[0]: (r[1], r[2], r[3]) for r in db.session.execute(
        select(Office.id, Office.code, Office.name_fa, Office.name_en)
        .join(District, District.id == Office.district_id).where(Office.is_active.is_(True), *scope_filter(unit)))}
    busiest = sorted((oid for oid in names if cells.get(oid)),
                     key=lambda oid: (-sum(v[0] for v in cells[oid].values()), names[oid][0]))[:limit]
    title = _("%(metric)s by office and hour, %(day)s", metric=_metric_label(metric),
              day=jalali_date(day, locale, with_weekday=True))
    if not busiest:
        return _empty_picture(title, _("No office here recorded a visit on that day."), locale)
    hours = _hour_range([h for oid in busiest for h in cells.get(oid, {})])
    rows, values, tips, links = [], [], [], []
    for oid in busiest:
        code, name_fa, name_en = names[oid]
        name = name_fa if locale == "fa" else name_en
        rows.append(name)
        links.append(link(code) if link else None)
        row_v, row_t = [], []
        for h in hours:
            arrivals, served, wait_sum = cells.get(oid, {}).get(h, (0, 0, 0.0))
            v: float | None
            if metric == "wait":
                v = wait_sum / served if served else None
            else:
                v = float(arrivals) if h in cells.get(oid, {}) else None
            row_v.append(v)
            row_t.append(_("%(office)s, %(hour)s:00 — arrivals %(arrivals)s, served %(served)s, average wait %(wait)s min",
                           office=name, hour=_hour_label(h, locale), arrivals=_num(arrivals, locale),
                           served=_num(served, locale), wait=_num(wait_sum / served, locale, 1) if served else "—"))
        values.append(row_v)
        tips.append(row_t)
    grid = Grid(title, rows, [_hour_label(h, locale) for h in hours], values, tips, _metric_label(metric), links)
    return render_grid(grid, locale, breaks=[5, 10, 20, 40] if metric == "wait" else None,
                       digits=0)


def to_utc_noon(day: dt.date) -> dt.datetime:
    """Noon of a Tehran day, in UTC (a moment safely inside that day)."""
    from booking.dates import tehran_to_utc

    return tehran_to_utc(dt.datetime.combine(day, dt.time(12)))


def weekday_by_hour(unit: Unit, last_day: dt.date, days: int, locale: str, metric: str = "arrivals") -> Markup:
    """Day of the week x hour over the ``days`` days up to ``last_day`` for the offices under ``unit``.

    Arrivals are the mean per office-day (so a district and an office read on the same scale); the wait
    is the average over those served in that weekday's hour.
    """
    _check_metric(metric)
    first = last_day - dt.timedelta(days=days - 1)
    start, _end = today_bounds(to_utc_noon(first))
    _start, end = today_bounds(to_utc_noon(last_day))
    s = OfficeHourlyStats
    query = (select(s.hour_start, func.sum(s.arrivals), func.sum(s.served), func.sum(s.wait_sum),
                    func.count(s.office_id))
             .join(Office, Office.id == s.office_id).join(District, District.id == Office.district_id)
             .where(s.hour_start >= start, s.hour_start < end, *scope_filter(unit))
             .group_by(s.hour_start))
    acc: dict[tuple[int, int], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    for hour_start, arrivals, served, wait_sum, n in db.session.execute(query):
        if isinstance(hour_start, str):
            hour_start = dt.datetime.fromisoformat(hour_start)
        local = to_tehran(hour_start)
        a = acc[(iran_weekday(local.date()), local.hour)]
        a[0] += arrivals or 0
        a[1] += served or 0
        a[2] += wait_sum or 0.0
        a[3] += n or 0
    hours = _hour_range([h for (_w, h) in acc])
    names = WEEKDAY_NAMES_FA if locale == "fa" else WEEKDAY_NAMES_EN
    values, tips = [], []
    for w in range(7):
        row_v, row_t = [], []
        for h in hours:
            arrivals, served, wait_sum, n = acc.get((w, h), (0.0, 0.0, 0.0, 0.0))
            if metric == "wait":
                v = wait_sum / served if served else None
            else:
                v = arrivals / n if n else None
            row_v.append(v)
            row_t.append(_("%(day)s %(hour)s:00 — %(arrivals)s arrivals per office, average wait %(wait)s min",
                           day=names[w], hour=_hour_label(h, locale),
                           arrivals=_num(arrivals / n, locale, 1) if n else "—",
                           wait=_num(wait_sum / served, locale, 1) if served else "—"))
        values.append(row_v)
        tips.append(row_t)
    title = _("%(metric)s by day of the week and hour, %(first)s to %(last)s — %(unit)s",
              metric=_metric_label(metric), first=jalali_date(first, locale), last=jalali_date(last_day, locale),
              unit=unit.name(locale))
    grid = Grid(title, list(names), [_hour_label(h, locale) for h in hours], values, tips, _metric_label(metric))
    return render_grid(grid, locale, label_width=90, breaks=[5, 10, 20, 40] if metric == "wait" else None,
                       digits=0 if metric == "wait" else 1)


# People waiting per installed counter: the classes of the map.
LOAD_BREAKS = (1.0, 3.0, 6.0, 10.0)


def load_map(unit: Unit, locale: str, *, link: Callable[[str], str] | None = None, width: int = 900) -> Markup:
    """The offices under ``unit`` as dots on an equirectangular projection, coloured by people waiting per counter."""
    return load_map_and_points(unit, locale, link=link, width=width)[0]


def load_legend(locale: str) -> Markup:
    """The load map's colour classes (people waiting per counter) as HTML, for the street map drawn over it."""
    labels = [f"< {_num(LOAD_BREAKS[0], locale)}"]
    labels += [f"{_num(LOAD_BREAKS[k - 1], locale)}–{_num(LOAD_BREAKS[k], locale)}" for k in range(1, 4)]
    labels += [f"≥ {_num(LOAD_BREAKS[3], locale)}"]
    items = Markup("").join(Markup('<li><span class="swatch swatch-{}"></span>{}</li>').format(k, label)
                            for k, label in enumerate(labels))
    return Markup('<div class="map-legend"><span>{}</span><ul>{}</ul></div>').format(
        _("People waiting per counter"), items)


def load_map_and_points(unit: Unit, locale: str, *, link: Callable[[str], str] | None = None,
                        width: int = 900) -> tuple[Markup, list[MapPoint]]:
    """:func:`load_map`, and its dots as :class:`booking.maps.MapPoint` (colour, tooltip, link) for the street map."""
    dots: list[MapPoint] = []
    query = (select(Office.id, Office.code, Office.name_fa, Office.name_en, Office.lat, Office.lon, Office.counters,
                    District.city_fa, District.city_en)
             .join(District, District.id == Office.district_id)
             .where(Office.is_active.is_(True), *scope_filter(unit)))
    offices = db.session.execute(query).all()
    waiting = waiting_now([o[0] for o in offices])
    title = _("Offices coloured by their load now — %(unit)s", unit=unit.name(locale))
    if not offices:
        nothing = _("No offices")
        return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" class="loadmap" viewBox="0 0 {width} 60" '
                      f'width="{width}" height="60" direction="{"rtl" if locale == "fa" else "ltr"}"><title>{escape(title)}</title>'
                      f'<text x="{width - 10 if locale == "fa" else 10}" y="30">{escape(nothing)}</text></svg>'), dots
    lats = [o.lat for o in offices]
    lons = [o.lon for o in offices]
    pad = 0.05 + 0.05 * max(max(lats) - min(lats), max(lons) - min(lons))
    lat0, lat1, lon0, lon1 = min(lats) - pad, max(lats) + pad, min(lons) - pad, max(lons) + pad
    kx = math.cos(math.radians((lat0 + lat1) / 2))
    span_x, span_y = (lon1 - lon0) * kx, (lat1 - lat0)
    margin, legend_h, title_h = 12, 50, 30
    inner_w = width - 2 * margin
    inner_h = max(200, min(560, inner_w * span_y / span_x)) if span_x > 0 else 400
    scale = min(inner_w / span_x if span_x else 1e9, inner_h / span_y if span_y else 1e9)
    height = int(inner_h + 2 * margin + legend_h + title_h)

    def project(lat: float, lon: float) -> tuple[float, float]:
        x = margin + (lon - lon0) * kx * scale
        # east stays on the right: a map is not mirrored in a right-to-left page
        y = title_h + margin + (lat1 - lat) * scale
        return x, y

    rtl = locale == "fa"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="loadmap" role="group" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" font-family="Vazirmatn, Tahoma, sans-serif" font-size="12" '
           f'direction="{"rtl" if rtl else "ltr"}">',
           f"<title>{escape(title)}</title>",
           f'<rect x="0" y="{title_h}" width="{width}" height="{inner_h + 2 * margin:.0f}" fill="#f6f8fb" '
           f'stroke="#dde3ea"/>',
           f'<text x="{width - 8 if rtl else 8}" y="20" font-size="14" font-weight="700" '
           f'text-anchor="start">{escape(title)}</text>']
    radius = 3.5 if len(offices) > 300 else 6
    cities: dict[str, list[tuple[float, float]]] = defaultdict(list)
    order = sorted(offices, key=lambda o: waiting.get(o[0], 0) / max(1, o.counters))  # worst drawn on top
    for o in order:
        x, y = project(o.lat, o.lon)
        per_counter = waiting.get(o.id, 0) / max(1, o.counters)
        name = o.name_fa if locale == "fa" else o.name_en
        city = o.city_fa if locale == "fa" else o.city_en
        cities[city].append((x, y))
        tip = _("%(office)s (%(city)s): %(waiting)s waiting, %(counters)s counters", office=name, city=city,
                waiting=_num(waiting.get(o.id, 0), locale), counters=_num(o.counters, locale))
        dot = (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="{_colour(per_counter, LOAD_BREAKS)}" '
               f'stroke="#5b6675" stroke-width="0.6"><title>{escape(tip)}</title></circle>')
        out.append(f'<a href="{escape(link(o.code))}">{dot}</a>' if link else dot)
        dots.append(MapPoint(o.lat, o.lon, tip, link(o.code) if link else None,
                               colour=_colour(per_counter, LOAD_BREAKS)))
    biggest = sorted(cities.items(), key=lambda kv: -len(kv[1]))[:20]
    for city, points in biggest:
        cx = sum(p[0] for p in points) / len(points)
        cy = min(p[1] for p in points) - radius - 3
        out.append(f'<text x="{cx:.1f}" y="{max(title_h + 12, cy):.1f}" text-anchor="middle" fill="#1f2a37" '
                   f'stroke="#fff" stroke-width="3" paint-order="stroke">{escape(city)}</text>')
    ly = height - legend_h + 14
    legend = _("People waiting per counter")
    out.append(f'<text x="{width - 8 if rtl else 8}" y="{ly}" text-anchor="start" '
               f'fill="#5b6675">{escape(legend)}</text>')
    labels = [f"< {_num(LOAD_BREAKS[0], locale)}"]
    labels += [f"{_num(LOAD_BREAKS[k - 1], locale)}–{_num(LOAD_BREAKS[k], locale)}" for k in range(1, 4)]
    labels += [f"≥ {_num(LOAD_BREAKS[3], locale)}"]
    for k, (label, colour) in enumerate(zip(labels, PALETTE)):
        cx = (width - 16 - k * 90) if rtl else (16 + k * 90)
        tx = cx - 12 if rtl else cx + 12
        out.append(f'<circle cx="{cx}" cy="{ly + 18}" r="6" fill="{colour}" stroke="#5b6675" stroke-width="0.6"/>')
        out.append(f'<text x="{tx}" y="{ly + 22}" fill="#333" text-anchor="start">{escape(label)}</text>')
    out.append("</svg>")
    return Markup("".join(out)), dots
