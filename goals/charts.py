"""A goal's chart over time, as server-rendered SVG: the same charting choice as screening.

Pure: a goal and its check-ins in, markup out, no queries and no JavaScript. A coaching goal has
one panel, the metric's value, with its baseline and target drawn as reference lines; a therapy
goal has two panels sharing one time axis, times practised and the 0–10 rating. The geometry
and the drawing helpers (time axis, markers, dates in the viewer's zone) are screening's, so the
two charts look alike. Only SVG presentation attributes: the Content-Security-Policy forbids
style attributes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe

from goals.models import CheckIn, Goal
from screening.charts import (
    _NO_MOMENT,
    AXIS_HEIGHT,
    PANEL_GAP,
    PANEL_TITLE,
    PLOT_HEIGHT,
    PLOT_LEFT,
    PLOT_RIGHT,
    PLOT_WIDTH,
    _date_ticks,
    _line_and_markers,
    _svg_open,
    _time_axis,
    _x_for,
)

PRIMARY = "#1e5b58"
ACCENT = "#8b5a2b"
BASELINE_COLOUR = "#4b5763"
TARGET_COLOUR = "#2a6438"
MIN_COUNT_SCALE = 5  # the practice panel shows at least 0–5 so one or two practices look small


@dataclass(frozen=True)
class Series:
    code: str
    title: str
    unit: str
    colour: str
    dash: str  # stroke-dasharray; "" for a solid line
    marker: str  # circle, square or diamond


@dataclass(frozen=True)
class Reference:
    """A horizontal line across a panel: the baseline or the target."""

    code: str
    label: str
    value: float
    colour: str
    dash: str


@dataclass(frozen=True)
class Point:
    when: datetime
    value: float
    x: float
    y: float


@dataclass(frozen=True)
class Panel:
    series: Series
    top: float
    low: float  # the value at the bottom edge
    high: float  # the value at the top edge
    points: tuple[Point, ...] = ()
    references: tuple[Reference, ...] = ()

    @property
    def bottom(self) -> float:
        return self.top + PLOT_HEIGHT

    def y_for(self, value: float) -> float:
        return round(self.bottom - (value - self.low) / (self.high - self.low) * PLOT_HEIGHT, 1)


@dataclass(frozen=True)
class GoalChart:
    panels: tuple[Panel, ...]
    height: float
    svg: SafeString  # empty when there is nothing to draw

    @property
    def is_empty(self) -> bool:
        return not any(panel.points for panel in self.panels)


def number(value: Decimal | float | int) -> str:
    """12.50 → "12.5", 10.00 → "10"."""
    text = f"{Decimal(str(value)).normalize():f}"
    return "0" if text == "-0" else text


def _scale(values: Sequence[float]) -> tuple[float, float]:
    """A value range that holds every value with a little room above and below."""
    low, high = min(values), max(values)
    if low == high:
        return low - 1, high + 1
    pad = (high - low) * 0.1
    return low - pad, high + pad


def goal_chart(goal: Goal, check_ins: Iterable[CheckIn], *, zone: tzinfo) -> GoalChart:
    """The chart of a goal's check-ins (any order). Dates on the axis and in the tooltips are in
    ``zone``, the viewer's time zone."""
    check_ins = sorted(check_ins, key=lambda check_in: check_in.at)
    if goal.is_coaching:
        unit = f" {goal.unit}" if goal.unit else ""
        series: tuple[Series, ...] = (
            Series("value", goal.metric or "Value", unit, PRIMARY, "", "circle"),)
        values = [[(c.at, float(c.value)) for c in check_ins if c.value is not None]]
        references = tuple(
            Reference(code, label, float(value), colour, dash)
            for code, label, value, colour, dash in (
                ("baseline", "Baseline", goal.baseline, BASELINE_COLOUR, "6 4"),
                ("target", "Target", goal.target, TARGET_COLOUR, "3 3"))
            if value is not None)
        low, high = _scale([v for _, v in values[0]] + [r.value for r in references] or [0])
        scales = [(low, high, references)]
    else:
        series = (
            Series("practice", "Times practised", "", PRIMARY, "", "circle"),
            Series("rating", "How it is going (0–10)", "", ACCENT, "7 4", "square"),
        )
        values = [
            [(c.at, float(c.practice_count)) for c in check_ins if c.practice_count is not None],
            [(c.at, float(c.rating)) for c in check_ins if c.rating is not None],
        ]
        top_count = max([v for _, v in values[0]] + [MIN_COUNT_SCALE])
        scales = [(0.0, float(math.ceil(top_count)), ()), (0.0, 10.0, ())]

    moments = [when for pairs in values for when, _ in pairs]
    # Without a moment there is no point to place: start and end are then never read.
    start, end = (min(moments), max(moments)) if moments else (_NO_MOMENT, _NO_MOMENT)
    panels = []
    for index, (one, pairs, (low, high, references)) in enumerate(
            zip(series, values, scales, strict=True)):
        top = PANEL_TITLE + index * (PANEL_TITLE + PLOT_HEIGHT + PANEL_GAP)
        panel = Panel(one, top, low, high, (), references)
        points = tuple(Point(when, value, _x_for(when, start, end), panel.y_for(value))
                       for when, value in pairs)
        panels.append(Panel(one, top, low, high, points, references))
    height = panels[-1].bottom + AXIS_HEIGHT
    chart = GoalChart(tuple(panels), height, SafeString(""))
    if chart.is_empty:
        return chart
    return GoalChart(chart.panels, height, _svg(goal, chart, start, end, zone))


def _describe(panels: Sequence[Panel]) -> str:
    parts = []
    for panel in panels:
        title, unit = panel.series.title, panel.series.unit
        values = [number(point.value) for point in panel.points]
        if not values:
            parts.append(f"{title}: no check-ins.")
            continue
        lowest = number(min(point.value for point in panel.points))
        highest = number(max(point.value for point in panel.points))
        text = (f"{title}: {len(values)} check-in{'s' if len(values) != 1 else ''}, from "
                f"{values[0]}{unit} to {values[-1]}{unit} (lowest {lowest}{unit}, highest "
                f"{highest}{unit})")
        for reference in panel.references:
            text += f"; {reference.label.lower()} {number(reference.value)}{unit}"
        parts.append(text + ".")
    return " ".join(parts) + " Every value is listed in the check-ins below."


def _svg(goal: Goal, chart: GoalChart, start: datetime, end: datetime,
         zone: tzinfo) -> SafeString:
    with_year = start.astimezone(zone).year != end.astimezone(zone).year or end == start
    title = (f"{goal.metric or 'Value'} over time" if goal.is_coaching
             else "Practice and how it is going, over time")
    out = _svg_open(id_prefix="goal-chart", height=chart.height, title=title,
                    description=_describe(chart.panels))
    ticks, labels = _date_ticks(start, end, zone, with_year=with_year)
    for panel in chart.panels:
        series = panel.series
        out.append(f'<g class="chart__panel" data-series="{series.code}">')
        out.append(f'<text x="{PLOT_LEFT}" y="{panel.top - 9}" font-weight="600" '
                   f'fill="#1d2630">{escape(series.title)}'
                   + (f' <tspan font-weight="400" fill="#4b5763">({escape(series.unit.strip())})'
                      f'</tspan>' if series.unit else "") + "</text>")
        out.append(f'<rect x="{PLOT_LEFT}" y="{panel.top}" width="{PLOT_WIDTH}" '
                   f'height="{PLOT_HEIGHT}" fill="#ffffff" stroke="#d8d2c8"/>')
        for when in ticks:
            x = _x_for(when, start, end)
            out.append(f'<line x1="{x}" y1="{panel.top}" x2="{x}" y2="{panel.bottom}" '
                       f'stroke="#efece6"/>')
        for value in (panel.low, panel.high):
            out.append(f'<text x="{PLOT_LEFT - 6}" y="{panel.y_for(value) + 4}" '
                       f'text-anchor="end" fill="#4b5763">{number(round(value, 1))}</text>')
        for reference in panel.references:
            y = panel.y_for(reference.value)
            out.append(f'<line class="chart__{reference.code}" x1="{PLOT_LEFT}" y1="{y}" '
                       f'x2="{PLOT_RIGHT}" y2="{y}" stroke="{reference.colour}" '
                       f'stroke-width="1.5" stroke-dasharray="{reference.dash}"/>')
            out.append(f'<text x="{PLOT_RIGHT - 4}" y="{y - 4}" text-anchor="end" '
                       f'fill="{reference.colour}">{reference.label} '
                       f'{escape(number(reference.value))}</text>')
        if not panel.points:
            out.append(f'<text x="{PLOT_LEFT + PLOT_WIDTH / 2}" y="{panel.top + PLOT_HEIGHT / 2}" '
                       f'text-anchor="middle" fill="#4b5763">No check-ins yet</text>')
        out.extend(_line_and_markers(panel.points, series, zone,
                                     shown=lambda v, unit=series.unit: f"{number(v)}{unit}"))
        out.append("</g>")
    out.extend(_time_axis(ticks, labels, start, end, axis_y=chart.panels[-1].bottom))
    out.append("</svg>")
    # Every interpolated string above is a number, a constant or escaped.
    return mark_safe("".join(out))  # noqa: S308
