"""The goal chart is a pure function: a goal and its check-ins in, SVG out. Points, baseline and
target land where the scale says; therapy goals get two panels."""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from goals.charts import PANEL_TITLE, PLOT_HEIGHT, PLOT_LEFT, PLOT_RIGHT, goal_chart, number
from goals.models import CheckIn, Goal

ZONE = zoneinfo.ZoneInfo("America/Chicago")
T0 = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


def coaching_goal(**fields) -> Goal:
    values = {"service_line": "coaching", "title": "Run", "metric": "Distance", "unit": "km",
              "baseline": Decimal("0"), "target": Decimal("10"), "direction": "up",
              "anchor_date": date(2026, 1, 1), **fields}
    return Goal(**values)


def therapy_goal() -> Goal:
    return Goal(service_line="therapy", title="Calm", skills="Breathing",
                anchor_date=date(2026, 1, 1))


def check_in(when: datetime, **fields) -> CheckIn:
    return CheckIn(at=when, period=when.date(), **fields)


def points(svg: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"',
                                                        svg)]


def test_number():
    assert number(Decimal("12.50")) == "12.5"
    assert number(Decimal("10.00")) == "10"
    assert number(3) == "3"


def test_no_check_ins_is_empty():
    chart = goal_chart(coaching_goal(), [], zone=ZONE)
    assert chart.is_empty and chart.svg == ""
    # Check-ins without a value (a therapy one on a coaching chart) draw nothing either.
    assert goal_chart(coaching_goal(), [check_in(T0, practice_count=2)], zone=ZONE).is_empty


def test_one_point_is_centred():
    chart = goal_chart(coaching_goal(), [check_in(T0, value=Decimal("5"))], zone=ZONE)
    [panel] = chart.panels
    assert len(panel.points) == 1
    point = panel.points[0]
    assert point.x == round(PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) / 2, 1)
    # The scale holds baseline 0 and target 10 with 10 % room: -1 to 11.
    assert (panel.low, panel.high) == (-1, 11)
    assert point.y == panel.y_for(5)
    assert "<polyline" not in chart.svg  # one point, no line
    assert points(chart.svg) == [(point.x, point.y)]


def test_many_points_left_to_right_with_baseline_and_target():
    check_ins = [check_in(T0 + timedelta(days=n), value=Decimal(n * 2)) for n in range(5)]
    chart = goal_chart(coaching_goal(), list(reversed(check_ins)), zone=ZONE)  # any order
    [panel] = chart.panels
    xs = [point.x for point in panel.points]
    assert xs[0] == PLOT_LEFT and xs[-1] == PLOT_RIGHT and xs == sorted(xs)
    assert [point.value for point in panel.points] == [0, 2, 4, 6, 8]
    # Higher values are higher up the page (smaller y).
    ys = [point.y for point in panel.points]
    assert ys == sorted(ys, reverse=True)
    assert panel.top == PANEL_TITLE and panel.bottom == PANEL_TITLE + PLOT_HEIGHT
    svg = chart.svg
    assert "<polyline" in svg
    baseline = re.search(r'class="chart__baseline" x1="[\d.]+" y1="([\d.]+)"', svg)
    target = re.search(r'class="chart__target" x1="[\d.]+" y1="([\d.]+)"', svg)
    assert float(baseline.group(1)) == panel.y_for(0)
    assert float(target.group(1)) == panel.y_for(10)
    assert "Target 10" in svg and "Baseline 0" in svg


def test_scale_holds_values_beyond_the_target():
    chart = goal_chart(coaching_goal(), [check_in(T0, value=Decimal("30"))], zone=ZONE)
    [panel] = chart.panels
    assert panel.low < 0 and panel.high > 30
    assert panel.top <= panel.points[0].y <= panel.bottom


def test_accessible_title_and_description():
    check_ins = [check_in(T0, value=Decimal("2.5")), check_in(T0 + timedelta(days=3),
                                                              value=Decimal("4"))]
    svg = goal_chart(coaching_goal(metric="Distance <run>"), check_ins, zone=ZONE).svg
    assert 'role="img"' in svg and 'aria-labelledby="goal-chart-title goal-chart-desc"' in svg
    assert '<title id="goal-chart-title">Distance &lt;run&gt; over time</title>' in svg
    desc = re.search(r'<desc id="goal-chart-desc">(.*?)</desc>', svg).group(1)
    assert "2 check-ins, from 2.5 km to 4 km" in desc
    assert "baseline 0 km; target 10 km" in desc
    # Each point has its own tooltip with the date in the viewer's zone.
    assert "<title>Distance &lt;run&gt; 2.5 km on 5 Jan 2026</title>" in svg
    assert "style=" not in svg


def test_therapy_two_panels():
    check_ins = [check_in(T0, practice_count=2, rating=4),
                 check_in(T0 + timedelta(days=7), practice_count=9, rating=7)]
    chart = goal_chart(therapy_goal(), check_ins, zone=ZONE)
    practice, rating = chart.panels
    assert (practice.low, practice.high) == (0, 9)
    assert (rating.low, rating.high) == (0, 10)
    assert rating.top > practice.bottom
    assert [p.value for p in rating.points] == [4, 7]
    assert rating.points[0].y == rating.y_for(4)
    assert "chart__baseline" not in chart.svg and "chart__target" not in chart.svg
    assert "Times practised" in chart.svg and "How it is going" in chart.svg
    assert "<title id=\"goal-chart-title\">Practice and how it is going" in chart.svg
    # A small count still gets a 0–5 scale.
    small = goal_chart(therapy_goal(), [check_in(T0, practice_count=1)], zone=ZONE)
    assert small.panels[0].high == 5
    assert "No check-ins yet" in small.svg  # the rating panel
