"""The check-in cadence as dates: which local dates are check-in days for a goal, which period
a day belongs to, and when that period's reminder is due (in the client's zone, outside quiet
hours). Pure functions; the database is not touched."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol, cast
from zoneinfo import ZoneInfo

from goals.models import Cadence


class Schedule(Protocol):
    """What these functions read of a goal: a Goal, or a lighter row with the same fields (the
    dashboard reads hundreds at once). Read-only, so a frozen dataclass fits too."""

    @property
    def cadence(self) -> str: ...
    @property
    def cadence_weekday(self) -> int | None: ...
    @property
    def check_in_time(self) -> time: ...
    @property
    def anchor_date(self) -> date: ...

# How far ahead or back the functions look for a period date before giving up.
SEARCH_DAYS = 400


def _monthly(anchor: date, year: int, month: int) -> date:
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(anchor.day, last))


def _first_on_weekday(goal: Schedule) -> date:
    weekday = cast(int, goal.cadence_weekday)  # a weekly or fortnightly goal has one
    return goal.anchor_date + timedelta(days=(weekday - goal.anchor_date.weekday()) % 7)


def is_period_date(goal: Schedule, day: date) -> bool:
    if day < goal.anchor_date:
        return False
    if goal.cadence == Cadence.DAILY:
        return True
    if goal.cadence == Cadence.WEEKDAYS:
        return day.weekday() < 5
    if goal.cadence == Cadence.WEEKLY:
        return day.weekday() == goal.cadence_weekday
    if goal.cadence == Cadence.FORTNIGHTLY:
        first = _first_on_weekday(goal)
        return day >= first and (day - first).days % 14 == 0
    if goal.cadence == Cadence.MONTHLY:
        return day == _monthly(goal.anchor_date, day.year, day.month)
    raise ValueError(f"unknown cadence {goal.cadence!r}")


def period_dates(goal: Schedule, start: date, end: date) -> Iterator[date]:
    """The check-in days from ``start`` to ``end``, both included."""
    day = max(start, goal.anchor_date)
    while day <= end:
        if is_period_date(goal, day):
            yield day
        day += timedelta(days=1)


def period_of(goal: Schedule, day: date) -> date:
    """The period a check-in on ``day`` counts for: the latest check-in day on or before it (a
    check-in before the very first one counts for the first)."""
    for back in range(SEARCH_DAYS):
        candidate = day - timedelta(days=back)
        if candidate < goal.anchor_date:
            break
        if is_period_date(goal, candidate):
            return candidate
    return next(period_dates(goal, goal.anchor_date, goal.anchor_date
                             + timedelta(days=SEARCH_DAYS)))


def reminder_at(goal: Schedule, period: date, *, zone: ZoneInfo, quiet_start: time,
                quiet_end: time) -> datetime:
    """When the reminder for a period is due: the goal's local check-in time on that date,
    moved out of quiet hours (to the morning they end), as an aware datetime in ``zone``."""
    wall = goal.check_in_time
    day = period
    if _in_quiet_hours(wall, quiet_start, quiet_end):
        if quiet_start > quiet_end and wall >= quiet_start:
            day += timedelta(days=1)  # late evening: the next morning
        wall = quiet_end
    # Through UTC, so a time in the spring gap reads like a wall clock after the change.
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC).astimezone(zone)


def out_of_quiet_hours(at: datetime, *, zone: ZoneInfo, quiet_start: time,
                      quiet_end: time) -> datetime:
    """``at``, or when the quiet hours it falls in end (in ``zone``): for messages that are
    not planned by a goal, such as "You have a new message" (messaging, documents)."""
    local = at.astimezone(zone)
    if not _in_quiet_hours(local.time(), quiet_start, quiet_end):
        return at
    day = local.date()
    if quiet_start > quiet_end and local.time() >= quiet_start:
        day += timedelta(days=1)  # late evening: the next morning
    return datetime.combine(day, quiet_end, tzinfo=zone).astimezone(UTC)


def _in_quiet_hours(wall: time, start: time, end: time) -> bool:
    if start == end:
        return False
    if start < end:
        return start <= wall < end
    return wall >= start or wall < end
