"""The 4-week calendar both slot finders answer, in plain Python (the peer's virtualenv imports
it too, without the portal).

One clinician working Monday to Friday, 09:00 to 17:00, in UTC (the peer keeps naive times in
one site zone, so both are told UTC); a 60-minute service with no buffers, offered on the hour;
four weeks from a Monday at least a week ahead (so minimum notice never cuts a day). Six of the
eight hours of every working day are booked, a different two left free each day: a full
calendar, as the issue measured.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

DAYS = 28
OPENS, CLOSES = 9, 17
DURATION_MINUTES = 60


def first_day(today: date) -> date:
    start = today + timedelta(days=7)
    return start + timedelta(days=(7 - start.weekday()) % 7)


def working_days(today: date) -> list[date]:
    start = first_day(today)
    return [start + timedelta(days=n) for n in range(DAYS)
            if (start + timedelta(days=n)).weekday() < 5]


def free_hours(index: int) -> set[int]:
    return {OPENS + index % 8, OPENS + (index * 3 + 1) % 8}


def booked(today: date) -> list[datetime]:
    """Naive UTC starts of the booked hours."""
    return [datetime(day.year, day.month, day.day, hour)
            for i, day in enumerate(working_days(today))
            for hour in range(OPENS, CLOSES) if hour not in free_hours(i)]


def expected_free(today: date) -> list[str]:
    """The right answer, as "YYYY-MM-DDTHH:MM" in UTC."""
    return sorted(f"{day.isoformat()}T{hour:02d}:00"
                  for i, day in enumerate(working_days(today)) for hour in free_hours(i))
