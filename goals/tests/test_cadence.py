"""The cadence as dates and the reminder's time, on the pure functions (no database). Mutation
testing found these untested: a fortnightly goal anchored on another weekday than its own,
daytime quiet hours (only an overnight window was tested) and the edges of a quiet window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from goals.cadence import is_period_date, period_dates, period_of, reminder_at
from goals.models import Cadence

ZONE = ZoneInfo("Europe/London")
FRIDAY = date(2026, 3, 6)
MONDAY, WEDNESDAY = 0, 2


@dataclass
class Plan:
    cadence: str
    cadence_weekday: int | None = None
    check_in_time: time = time(9)
    anchor_date: date = FRIDAY


def test_a_fortnightly_goal_anchored_on_a_friday_checks_in_every_other_monday_after_it():
    goal = Plan(Cadence.FORTNIGHTLY, cadence_weekday=MONDAY)
    assert list(period_dates(goal, FRIDAY, date(2026, 4, 10))) == [
        date(2026, 3, 9), date(2026, 3, 23), date(2026, 4, 6)]
    assert not is_period_date(goal, FRIDAY)  # the anchor is no check-in day of its own
    assert not is_period_date(goal, date(2026, 3, 16))  # the Monday in between


def test_a_fortnightly_goal_anchored_before_its_weekday_starts_that_week():
    goal = Plan(Cadence.FORTNIGHTLY, cadence_weekday=WEDNESDAY, anchor_date=date(2026, 3, 2))
    assert list(period_dates(goal, date(2026, 3, 1), date(2026, 3, 31))) == [
        date(2026, 3, 4), date(2026, 3, 18)]


def test_a_check_in_day_before_the_anchor_is_none():
    goal = Plan(Cadence.WEEKLY, cadence_weekday=MONDAY, anchor_date=date(2026, 3, 9))
    assert not is_period_date(goal, date(2026, 3, 2))  # a Monday, but before the goal began
    assert is_period_date(goal, date(2026, 3, 9))


def test_a_check_in_before_the_first_day_counts_for_the_first():
    goal = Plan(Cadence.FORTNIGHTLY, cadence_weekday=MONDAY)
    assert period_of(goal, FRIDAY) == date(2026, 3, 9)
    assert period_of(goal, date(2026, 3, 20)) == date(2026, 3, 9)
    assert period_of(goal, date(2026, 3, 23)) == date(2026, 3, 23)


def _due(wall: time, start: time, end: time) -> datetime:
    goal = Plan(Cadence.DAILY, check_in_time=wall)
    return reminder_at(goal, FRIDAY, zone=ZONE, quiet_start=start, quiet_end=end)


@pytest.mark.parametrize(("wall", "due"), [
    (time(11, 59), datetime(2026, 3, 6, 11, 59)),  # before the window
    (time(12, 0), datetime(2026, 3, 6, 14, 0)),    # its first minute: moved to its end
    (time(13, 0), datetime(2026, 3, 6, 14, 0)),    # inside: the same day, not the next
    (time(14, 0), datetime(2026, 3, 6, 14, 0)),    # its end is outside it
    (time(15, 0), datetime(2026, 3, 6, 15, 0)),    # after
])
def test_daytime_quiet_hours_move_a_reminder_to_their_end_the_same_day(wall, due):
    assert _due(wall, time(12), time(14)) == due.replace(tzinfo=ZONE)


@pytest.mark.parametrize(("wall", "due"), [
    (time(21, 59), datetime(2026, 3, 6, 21, 59)),
    (time(22, 0), datetime(2026, 3, 7, 7, 0)),   # late evening: the next morning
    (time(6, 59), datetime(2026, 3, 6, 7, 0)),   # early morning: this morning
    (time(7, 0), datetime(2026, 3, 6, 7, 0)),    # the window's end is outside it
    (time(12, 0), datetime(2026, 3, 6, 12, 0)),
])
def test_overnight_quiet_hours_move_a_reminder_to_the_morning_they_end(wall, due):
    assert _due(wall, time(22), time(7)) == due.replace(tzinfo=ZONE)


def test_quiet_hours_that_start_and_end_at_once_are_none():
    assert _due(time(9), time(9), time(9)) == datetime(2026, 3, 6, 9, tzinfo=ZONE)
    assert _due(time(23), time(9), time(9)) == datetime(2026, 3, 6, 23, tzinfo=ZONE)
