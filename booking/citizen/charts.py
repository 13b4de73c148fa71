"""Small server-side SVG drawings for citizens' pages: the day's predicted wait and the office map."""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from booking.maps import MapPoint


@dataclass(frozen=True)
class Bar:
    label: str  # e.g. the slot's time, already localised
    value: float  # minutes
    current: bool = False


def wait_chart(bars: Sequence[Bar], title: str, unit: str, width: int = 360, height: int = 160,
               number: Callable[[float], str] = lambda v: f"{v:.0f}") -> Markup:
    """A bar chart of predicted waits (minutes) through the day, with a text equivalent for screen readers.

    The top of the scale (at least 10 minutes, a multiple of 5) is written on it, so that a quiet day's low
    bars read as short waits rather than as an empty chart; ``number`` writes a figure for the reader
    (:func:`booking.numbers.format_number` in their language)."""
    if not bars:
        return Markup("")
    top = max(10.0, 5.0 * math.ceil(max(b.value for b in bars) * 1.1 / 5.0))
    left, bottom, chart_h = 8, 22, height - 34
    step = (width - 2 * left) / len(bars)
    parts = [f'<svg class="wait-chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg">', f"<title>{escape(title)}</title>",
             f'<line x1="{left}" x2="{width - left}" y1="{height - bottom - chart_h}" y2="{height - bottom - chart_h}" '
             f'class="grid"/>',
             f'<text x="{left}" y="{height - bottom - chart_h - 3}" class="scale">{escape(number(top))} '
             f'{escape(unit)}</text>']
    for i, bar in enumerate(bars):
        h = chart_h * min(bar.value, top) / top
        x = left + i * step
        css = "bar now" if bar.current else "bar"
        parts.append(f'<rect class="{css}" x="{x + 1:.1f}" y="{height - bottom - h:.1f}" width="{max(step - 2, 1):.1f}" '
                     f'height="{h:.1f}"><title>{escape(bar.label)}: {escape(number(bar.value))} {escape(unit)}'
                     '</title></rect>')
        if i % max(1, len(bars) // 6) == 0:
            parts.append(f'<text x="{x + step / 2:.1f}" y="{height - 6}" class="tick">{escape(bar.label)}</text>')
    parts.append(f'<line x1="{left}" x2="{width - left}" y1="{height - bottom}" y2="{height - bottom}" class="axis"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def office_map(points: Sequence[MapPoint], title: str, here: tuple[float, float] | None = None,
               width: int = 360, height: int = 260) -> Markup:
    """A self-drawn map of offices (no tiles): points on a lat/lon box; a click on it picks a place (JS)."""
    lats = [p.lat for p in points] + ([here[0]] if here else [])
    lons = [p.lon for p in points] + ([here[1]] if here else [])
    if not lats:
        return Markup("")
    south, north = min(lats) - 0.01, max(lats) + 0.01
    west, east = min(lons) - 0.01, max(lons) + 0.01

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return (10 + (lon - west) / (east - west) * (width - 20), 10 + (north - lat) / (north - south) * (height - 20))

    parts = [f'<svg class="office-map" viewBox="0 0 {width} {height}" role="group" aria-label="{escape(title)}" '
             f'data-south="{south}" data-north="{north}" data-west="{west}" data-east="{east}" '
             f'data-width="{width}" data-height="{height}" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>", f'<rect class="map-bg" width="{width}" height="{height}" rx="8"/>']
    for p in points:
        x, y = xy(p.lat, p.lon)
        dot = f'<circle class="dot level-{escape(p.level)}" cx="{x:.1f}" cy="{y:.1f}" r="6"><title>{escape(p.label)}</title></circle>'
        parts.append(f'<a href="{escape(p.href)}">{dot}</a>' if p.href else dot)
    if here:
        x, y = xy(*here)
        parts.append(f'<circle class="here" cx="{x:.1f}" cy="{y:.1f}" r="7"/>')
    parts.append("</svg>")
    return Markup("".join(parts))
