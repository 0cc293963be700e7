"""The chart is a pure function: responses in, SVG out. Points land where the scales say."""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime, timedelta

from screening.charts import (
    PANEL_GAP,
    PANEL_TITLE,
    PLOT_HEIGHT,
    PLOT_LEFT,
    PLOT_RIGHT,
    PLOT_WIDTH,
    screening_chart,
)
from screening.models import ScreeningResponse

ZONE = zoneinfo.ZoneInfo("America/Chicago")
T0 = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


def response(instrument: str, total: int, when: datetime) -> ScreeningResponse:
    subscores = {"percent": total * 4} if instrument == "who5" else {}
    return ScreeningResponse(instrument=instrument, total=total, subscores=subscores,
                             submitted_at=when, answers={}, version=1)


def panel_top(index: int) -> float:
    return PANEL_TITLE + index * (PANEL_TITLE + PLOT_HEIGHT + PANEL_GAP)


def test_no_responses_is_empty():
    chart = screening_chart([], zone=ZONE)
    assert chart.is_empty
    assert chart.svg == ""
    # Instruments that are not charted do not count.
    chart = screening_chart([response("safety", 1, T0), response("self_assessment", 3, T0)],
                            zone=ZONE)
    assert chart.is_empty


def test_one_point_sits_in_the_middle():
    chart = screening_chart([response("phq9", 27, T0)], zone=ZONE)
    phq9, gad7, who5 = chart.panels
    [point] = phq9.points
    assert point.x == PLOT_LEFT + PLOT_WIDTH / 2
    assert point.y == panel_top(0)  # 27 is the top of the PHQ-9 scale
    assert gad7.points == () and who5.points == ()
    assert "No answers yet" in chart.svg
    assert "<polyline" not in chart.svg  # one point: a marker, no line
    assert "5 Jan 2026" in chart.svg


def test_points_map_to_their_coordinates():
    responses = [
        response("phq9", 0, T0),
        response("phq9", 10, T0 + timedelta(days=10)),
        response("gad7", 21, T0 + timedelta(days=5)),
        response("who5", 25, T0 + timedelta(days=20)),  # 100 %
        response("who5", 0, T0 + timedelta(days=15)),
    ]
    chart = screening_chart(responses, zone=ZONE)
    phq9, gad7, who5 = chart.panels
    bottom0 = panel_top(0) + PLOT_HEIGHT
    assert [(p.x, p.y) for p in phq9.points] == [
        (PLOT_LEFT, bottom0),
        (PLOT_LEFT + PLOT_WIDTH / 2, round(bottom0 - 10 / 27 * PLOT_HEIGHT, 1)),
    ]
    [gad] = gad7.points
    assert (gad.x, gad.y) == (PLOT_LEFT + PLOT_WIDTH / 4, panel_top(1))
    # Sorted by time, on the percentage scale.
    assert [(p.value, p.x, p.y) for p in who5.points] == [
        (0, PLOT_LEFT + PLOT_WIDTH * 3 / 4, panel_top(2) + PLOT_HEIGHT),
        (100, PLOT_RIGHT, panel_top(2)),
    ]
    svg = str(chart.svg)
    assert f'<circle cx="{float(PLOT_LEFT)}" cy="{float(bottom0)}"' in svg
    assert svg.count("<polyline") == 2  # PHQ-9 and WHO-5; GAD-7 has one point
    assert 'stroke-dasharray="2 3"' in svg  # WHO-5's dotted line


def test_thresholds_and_accessibility():
    chart = screening_chart([response("phq9", 12, T0), response("gad7", 4, T0),
                             response("who5", 10, T0)], zone=ZONE, client_name="Alex <Morgan>")
    svg = str(chart.svg)
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert 'aria-labelledby="chart-title chart-desc"' in svg
    assert "<title id=\"chart-title\">PHQ-9, GAD-7 and WHO-5 over time for Alex &lt;Morgan&gt;" \
        in svg
    assert "PHQ-9 total: 1 answer, from 12 to 12" in svg
    assert "WHO-5 well-being: 1 answer, from 40% to 40%" in svg
    thresholds = re.findall(r'class="chart__threshold" x1="[\d.]+" y1="([\d.]+)"', svg)
    assert [float(y) for y in thresholds] == [
        round(panel_top(0) + PLOT_HEIGHT - 10 / 27 * PLOT_HEIGHT, 1),
        round(panel_top(1) + PLOT_HEIGHT - 10 / 21 * PLOT_HEIGHT, 1),
        round(panel_top(2) + PLOT_HEIGHT - 50 / 100 * PLOT_HEIGHT, 1),
    ]
    assert "style=" not in svg
    assert "<title>PHQ-9 total 12 on 5 Jan 2026</title>" in svg


def test_many_points_and_dates_in_the_viewers_zone():
    # 03:00 UTC on 1 January is still 31 December in Chicago.
    start = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
    responses = [response("phq9", n % 28, start + timedelta(days=7 * n)) for n in range(30)]
    chart = screening_chart(responses, zone=ZONE)
    [phq9, _, _] = chart.panels
    assert len(phq9.points) == 30
    xs = [p.x for p in phq9.points]
    assert xs == sorted(xs) and xs[0] == PLOT_LEFT and xs[-1] == PLOT_RIGHT
    assert "31 Dec 2025" in chart.svg  # crosses a year: labels carry the year
    assert all(panel_top(0) <= p.y <= panel_top(0) + PLOT_HEIGHT for p in phq9.points)


def test_responses_hours_apart_do_not_repeat_a_date():
    chart = screening_chart([response("phq9", 5, T0), response("phq9", 6, T0 + timedelta(hours=2))],
                            zone=ZONE)
    assert chart.svg.count(">5 Jan<") == 1


def test_left_out_instruments_have_no_panel():
    """The firewall: a coaching-only clinician's chart has no PHQ-9 or GAD-7 panel at all, not
    even an empty axis, and WHO-5 moves to the top."""
    responses = [response("phq9", 12, T0), response("gad7", 4, T0),
                 response("who5", 10, T0 + timedelta(days=1))]
    chart = screening_chart(responses, zone=ZONE, client_name="Alex",
                            leave_out=("phq9", "gad7"))
    [who5] = chart.panels
    assert who5.series.code == "who5" and who5.top == panel_top(0)
    assert [point.value for point in who5.points] == [40]
    svg = str(chart.svg)
    assert '<title id="chart-title">WHO-5 over time for Alex</title>' in svg
    assert 'data-series="who5"' in svg
    for hidden in ("PHQ-9", "GAD-7", 'data-series="phq9"', 'data-series="gad7"'):
        assert hidden not in svg, hidden
    # Only left-out answers: nothing to draw.
    chart = screening_chart(responses[:2], zone=ZONE, leave_out=("phq9", "gad7"))
    assert chart.is_empty and chart.svg == ""
