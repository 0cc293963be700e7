"""One measure over time, as server-rendered SVG: the clinician's (with the caseness line, the
band of no reliable change around the first answer, and their event notes) and the client's
(their own scores, nothing more: no threshold, no severity, rule 3).

Pure: points in, markup out. Built on the screening chart's pieces (screening.charts), so the
two read alike; presentation attributes only (the Content-Security-Policy forbids styles).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from html import escape

from django.utils.safestring import SafeString, mark_safe

from screening.charts import (
    AXIS_HEIGHT,
    PANEL_TITLE,
    PLOT_HEIGHT,
    PLOT_LEFT,
    PLOT_RIGHT,
    PLOT_WIDTH,
    SERIES,
    Panel,
    Point,
    Series,
    _date_ticks,
    _line_and_markers,
    _svg_open,
    _time_axis,
    _x_for,
)
from screening.outcomes import Rules

_STYLE = {series.code: series for series in SERIES}
PCL5_SERIES = Series("pcl5", "PCL-5 total", 80, 33, "", "#5b3a7a", "5 3", "square")


def series_for(rules: Rules, *, title: str) -> Series:
    base = _STYLE.get(rules.code, PCL5_SERIES)
    return Series(rules.code, title, rules.maximum, rules.caseness, base.unit, base.colour,
                  base.dash, base.marker)


@dataclass(frozen=True)
class EventMark:
    on: date
    text: str


def measure_chart(values: Sequence[tuple[datetime, int]], *, rules: Rules, title: str,
                  zone: tzinfo, events: Sequence[EventMark] = (), for_client: bool = False,
                  description: str = "") -> SafeString:
    """The chart of one measure (``values`` oldest first, on the instrument's scale); empty
    markup when there is nothing to draw. The first value is the baseline."""
    if not values:
        return SafeString("")
    series = series_for(rules, title=title)
    moments = [when for when, _ in values]
    marks = [] if for_client else [
        (datetime.combine(event.on, time(12), tzinfo=zone), event) for event in events]
    start = min(moments + [when for when, _ in marks])
    end = max(moments + [when for when, _ in marks])
    top = PANEL_TITLE
    panel = Panel(series, top, ())
    points = tuple(Point(when, value, _x_for(when, start, end), panel.y_for(value))
                   for when, value in values)
    height = panel.bottom + AXIS_HEIGHT
    unit = series.unit
    out = _svg_open(id_prefix=f"chart-{rules.code}", height=height, title=title,
                    description=description or _describe(values, rules, for_client))
    with_year = start.astimezone(zone).year != end.astimezone(zone).year or end == start
    ticks, labels = _date_ticks(start, end, zone, with_year=with_year)
    out.append(f'<g class="chart__panel" data-series="{rules.code}">')
    out.append(f'<rect x="{PLOT_LEFT}" y="{top}" width="{PLOT_WIDTH}" height="{PLOT_HEIGHT}" '
               f'fill="#ffffff" stroke="#d8d2c8"/>')
    if not for_client:
        baseline = values[0][1]
        low = max(rules.minimum, baseline - rules.reliable_change + 1)
        high = min(rules.maximum, baseline + rules.reliable_change - 1)
        band_top, band_bottom = panel.y_for(high), panel.y_for(low)
        out.append(f'<rect class="chart__band" x="{PLOT_LEFT}" y="{band_top}" '
                   f'width="{PLOT_WIDTH}" height="{round(band_bottom - band_top, 1)}" '
                   f'fill="#e8eef3"><title>No reliable change from the first answer '
                   f'({low}–{high}{unit})</title></rect>')
    for value in (rules.minimum, rules.maximum) if for_client else (
            rules.minimum, rules.caseness, rules.maximum):
        y = panel.y_for(value)
        out.append(f'<text x="{PLOT_LEFT - 6}" y="{y + 4}" text-anchor="end" '
                   f'fill="#4b5763">{value}{unit}</text>')
    if not for_client:
        y = panel.y_for(rules.caseness)
        out.append(f'<line class="chart__threshold" x1="{PLOT_LEFT}" y1="{y}" x2="{PLOT_RIGHT}" '
                   f'y2="{y}" stroke="#a12a2a" stroke-width="1" stroke-dasharray="3 3">'
                   f'<title>Caseness {rules.caseness}{unit}</title></line>')
        for when, event in marks:
            x = _x_for(when, start, end)
            out.append(f'<line class="chart__event" x1="{x}" y1="{top}" x2="{x}" '
                       f'y2="{panel.bottom}" stroke="#6b5b2a" stroke-width="1.5" '
                       f'stroke-dasharray="1 3"><title>{escape(event.text)} '
                       f'({event.on:%d %b %Y})</title></line>')
    out.extend(_line_and_markers(points, series, zone, shown=lambda v: f"{v}{unit}"))
    out.append("</g>")
    out.extend(_time_axis(ticks, labels, start, end, axis_y=panel.bottom))
    out.append("</svg>")
    # Every interpolated string above is a number, a constant or escaped.
    return mark_safe("".join(out))  # noqa: S308


def _describe(values: Sequence[tuple[datetime, int]], rules: Rules, for_client: bool) -> str:
    numbers = [value for _, value in values]
    unit = "%" if rules.code == "who5" else ""
    text = (f"{len(numbers)} answer{'s' if len(numbers) != 1 else ''}, from {numbers[0]}{unit} "
            f"to {numbers[-1]}{unit}.")
    if not for_client:
        text += (f" Caseness {rules.caseness}{unit}; a change of {rules.reliable_change} points "
                 "or more from the first answer is reliable.")
    return text
