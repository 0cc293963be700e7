"""The clinician's chart of PHQ-9, GAD-7 and WHO-5 over time, as server-rendered SVG.

Pure: responses in, markup out, no queries and no JavaScript. Three stacked panels share one
time axis; each has its own scale and its threshold line (10 for PHQ-9 and GAD-7, 50 % for
WHO-5). Behind the firewall (a coaching-only clinician) the PHQ-9 and GAD-7 panels are left out
altogether rather than drawn empty. The series differ by marker shape and dash pattern as well
as colour, so they read in greyscale and to people who do not see the colours. Only SVG
presentation attributes are used: the Content-Security-Policy forbids style attributes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from html import escape

from django.utils.safestring import SafeString, mark_safe

from screening.instruments.who5 import REVIEW_PERCENT
from screening.models import InstrumentCode, ScreeningResponse
from screening.routing import MEASURE_THRESHOLD

WIDTH = 720
MARGIN_LEFT = 48
MARGIN_RIGHT = 24
PANEL_TITLE = 26  # room above each plot for its title
PLOT_HEIGHT = 110
PANEL_GAP = 18
AXIS_HEIGHT = 34  # date labels under the last panel
PLOT_LEFT = MARGIN_LEFT
PLOT_RIGHT = WIDTH - MARGIN_RIGHT
# The time range of a chart without a single moment (never read: it has no point to place).
_NO_MOMENT = datetime.min.replace(tzinfo=UTC)
PLOT_WIDTH = PLOT_RIGHT - PLOT_LEFT
MAX_TIME_TICKS = 5


@dataclass(frozen=True)
class Series:
    code: str
    title: str
    maximum: int
    threshold: int
    unit: str  # "" or "%"
    colour: str
    dash: str  # stroke-dasharray; "" for a solid line
    marker: str  # circle, square or diamond


SERIES: tuple[Series, ...] = (
    Series("phq9", "PHQ-9 total", 27, MEASURE_THRESHOLD, "", "#1e5b58", "", "circle"),
    Series("gad7", "GAD-7 total", 21, MEASURE_THRESHOLD, "", "#8b5a2b", "7 4", "square"),
    Series("who5", "WHO-5 well-being", 100, REVIEW_PERCENT, "%", "#1f4f7a", "2 3", "diamond"),
)


@dataclass(frozen=True)
class Point:
    when: datetime
    value: int
    x: float
    y: float


@dataclass(frozen=True)
class Panel:
    series: Series
    top: float  # y of the plot's top edge (value = maximum)
    points: tuple[Point, ...]

    @property
    def bottom(self) -> float:
        return self.top + PLOT_HEIGHT

    def y_for(self, value: float) -> float:
        return round(self.bottom - value / self.series.maximum * PLOT_HEIGHT, 1)


@dataclass(frozen=True)
class Chart:
    panels: tuple[Panel, ...]
    height: float
    svg: SafeString  # empty when there is nothing to draw

    @property
    def is_empty(self) -> bool:
        return not any(panel.points for panel in self.panels)


def _value(response: ScreeningResponse) -> int | None:
    if response.instrument == "who5":
        return response.percent
    return response.total


def _x_for(when: datetime, start: datetime, end: datetime) -> float:
    if end == start:
        return round(PLOT_LEFT + PLOT_WIDTH / 2, 1)
    return round(PLOT_LEFT + (when - start) / (end - start) * PLOT_WIDTH, 1)


def screening_chart(responses: Iterable[ScreeningResponse], *, zone: tzinfo,
                    client_name: str = "", leave_out: Collection[str] = ()) -> Chart:
    """The chart of these responses (any order, any instruments: others are ignored). Dates on
    the axis and in the tooltips are in ``zone``, the viewer's time zone. The series of the
    instruments in ``leave_out`` have no panel, no title and no mention in the description."""
    shown = tuple(series for series in SERIES if series.code not in leave_out)
    by_series: dict[str, list[tuple[datetime, int]]] = {series.code: [] for series in shown}
    for response in responses:
        value = _value(response)
        if response.instrument in by_series and value is not None:
            by_series[response.instrument].append((response.submitted_at, value))
    moments = [when for values in by_series.values() for when, _ in values]
    # Without a moment there is no point to place: start and end are then never read.
    start, end = (min(moments), max(moments)) if moments else (_NO_MOMENT, _NO_MOMENT)

    panels = []
    for index, series in enumerate(shown):
        top = PANEL_TITLE + index * (PANEL_TITLE + PLOT_HEIGHT + PANEL_GAP)
        panel = Panel(series, top, ())
        points = tuple(
            Point(when, value, _x_for(when, start, end), panel.y_for(value))
            for when, value in sorted(by_series[series.code], key=lambda pair: pair[0])
        )
        panels.append(Panel(series, top, points))
    height = panels[-1].bottom + AXIS_HEIGHT if panels else 0
    chart = Chart(tuple(panels), height, SafeString(""))
    if chart.is_empty:
        return chart
    svg = _svg(chart, start, end, zone, client_name)
    return Chart(chart.panels, height, svg)


def _date(when: datetime, zone: tzinfo, with_year: bool) -> str:
    local = when.astimezone(zone)
    return f"{local.day} {local:%b %Y}" if with_year else f"{local.day} {local:%b}"


def _time_ticks(start: datetime, end: datetime) -> list[datetime]:
    if end == start:
        return [start]
    steps = MAX_TIME_TICKS - 1
    return [start + (end - start) * k / steps for k in range(steps + 1)]


def _marker(shape: str, x: float, y: float, colour: str, label: str) -> str:
    title = f"<title>{escape(label)}</title>"
    if shape == "square":
        return (f'<rect x="{x - 4}" y="{y - 4}" width="8" height="8" fill="{colour}">'
                f"{title}</rect>")
    if shape == "diamond":
        return (f'<polygon points="{x},{y - 5.5} {x + 5.5},{y} {x},{y + 5.5} {x - 5.5},{y}" '
                f'fill="#ffffff" stroke="{colour}" stroke-width="2">{title}</polygon>')
    return f'<circle cx="{x}" cy="{y}" r="4.5" fill="{colour}">{title}</circle>'


def _describe(panels: Sequence[Panel]) -> str:
    parts = []
    for panel in panels:
        unit = panel.series.unit
        if not panel.points:
            parts.append(f"{panel.series.title}: no answers.")
            continue
        values = [point.value for point in panel.points]
        parts.append(
            f"{panel.series.title}: {len(values)} answer{'s' if len(values) != 1 else ''}, "
            f"from {values[0]}{unit} to {values[-1]}{unit} (lowest {min(values)}{unit}, "
            f"highest {max(values)}{unit}; threshold {panel.series.threshold}{unit})."
        )
    return " ".join(parts) + " Every value is listed in the table of responses."


def _svg_open(*, id_prefix: str, height: float, title: str, description: str) -> list[str]:
    """The <svg> element with its accessible title and description (shared with goals)."""
    return [
        f'<svg class="chart__svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} '
        f'{height}" role="img" aria-labelledby="{id_prefix}-title {id_prefix}-desc" '
        f'font-size="12" font-family="system-ui, sans-serif">',
        f'<title id="{id_prefix}-title">{escape(title)}</title>',
        f'<desc id="{id_prefix}-desc">{escape(description)}</desc>',
    ]


def _date_ticks(start: datetime, end: datetime, zone: tzinfo, *,
                with_year: bool) -> tuple[list[datetime], list[str]]:
    """Time-axis ticks and their labels. Points a few hours apart would repeat one date on
    every tick: each date is labelled once."""
    ticks, labels = [], []
    for when in _time_ticks(start, end):
        label = _date(when, zone, with_year)
        if label not in labels:
            ticks.append(when)
            labels.append(label)
    return ticks, labels


def _line_and_markers(points, series, zone: tzinfo, *, shown) -> list[str]:
    """A series' line (when it has two points or more) and a labelled marker on each point
    (shared with the goals chart). ``shown`` formats a value for the marker's label."""
    out = []
    if len(points) > 1:
        path = " ".join(f"{point.x},{point.y}" for point in points)
        dash = f' stroke-dasharray="{series.dash}"' if series.dash else ""
        out.append(f'<polyline points="{path}" fill="none" stroke="{series.colour}" '
                   f'stroke-width="2.5" stroke-linejoin="round"{dash}/>')
    for point in points:
        label = (f"{series.title} {shown(point.value)} on "
                 f"{_date(point.when, zone, with_year=True)}")
        out.append(_marker(series.marker, point.x, point.y, series.colour, label))
    return out


def _time_axis(ticks, labels, start: datetime, end: datetime, *, axis_y: float) -> list[str]:
    """The date ticks and labels under the last panel (shared with the goals chart)."""
    out = []
    for when, label in zip(ticks, labels, strict=True):
        x = _x_for(when, start, end)
        anchor = {float(PLOT_LEFT): "start", float(PLOT_RIGHT): "end"}.get(x, "middle")
        out.append(f'<line x1="{x}" y1="{axis_y}" x2="{x}" y2="{axis_y + 5}" stroke="#7a8590"/>')
        out.append(f'<text x="{x}" y="{axis_y + 20}" text-anchor="{anchor}" fill="#4b5763">'
                   f"{escape(label)}</text>")
    return out


def _svg(chart: Chart, start: datetime, end: datetime, zone: tzinfo,
         client_name: str) -> SafeString:
    with_year = start.astimezone(zone).year != end.astimezone(zone).year or end == start
    names = [InstrumentCode(panel.series.code).label for panel in chart.panels]
    listed = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]
    title = f"{listed} over time" + (f" for {client_name}" if client_name else "")
    out = _svg_open(id_prefix="chart", height=chart.height, title=title,
                    description=_describe(chart.panels))
    ticks, labels = _date_ticks(start, end, zone, with_year=with_year)
    for panel in chart.panels:
        series = panel.series
        unit = series.unit
        out.append(f'<g class="chart__panel" data-series="{series.code}">')
        out.append(f'<text x="{PLOT_LEFT}" y="{panel.top - 9}" font-weight="600" '
                   f'fill="#1d2630">{escape(series.title)} '
                   f'<tspan font-weight="400" fill="#4b5763">(0–{series.maximum}{unit}, '
                   f'threshold {series.threshold}{unit})</tspan></text>')
        out.append(f'<rect x="{PLOT_LEFT}" y="{panel.top}" width="{PLOT_WIDTH}" '
                   f'height="{PLOT_HEIGHT}" fill="#ffffff" stroke="#d8d2c8"/>')
        for when in ticks:
            x = _x_for(when, start, end)
            out.append(f'<line x1="{x}" y1="{panel.top}" x2="{x}" y2="{panel.bottom}" '
                       f'stroke="#efece6"/>')
        for value in (0, series.threshold, series.maximum):
            y = panel.y_for(value)
            out.append(f'<text x="{PLOT_LEFT - 6}" y="{y + 4}" text-anchor="end" '
                       f'fill="#4b5763">{value}{unit}</text>')
        threshold_y = panel.y_for(series.threshold)
        out.append(f'<line class="chart__threshold" x1="{PLOT_LEFT}" y1="{threshold_y}" '
                   f'x2="{PLOT_RIGHT}" y2="{threshold_y}" stroke="#a12a2a" stroke-width="1" '
                   f'stroke-dasharray="3 3"/>')
        if not panel.points:
            out.append(f'<text x="{PLOT_LEFT + PLOT_WIDTH / 2}" y="{panel.top + PLOT_HEIGHT / 2}" '
                       f'text-anchor="middle" fill="#4b5763">No answers yet</text>')
        out.extend(_line_and_markers(panel.points, series, zone,
                                     shown=lambda v, unit=unit: f"{v}{unit}"))
        out.append("</g>")
    out.extend(_time_axis(ticks, labels, start, end, axis_y=chart.panels[-1].bottom))
    out.append("</svg>")
    # Every interpolated string above is a number, a constant or escaped.
    return mark_safe("".join(out))  # noqa: S308
