"""Free slots: weekly hours in the clinician's zone, minus time off, appointments and buffers,
within notice and horizon, on the grid; right on both sides of every DST change (rule 5)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from clients.models import ClinicianProfile
from sessions.models import AvailabilityException, WeeklyAvailability
from sessions.selectors import FreeTimes, _merged, available_slots, local_to_utc
from sessions.services import appointment_book
from sessions.tests.conftest import service_type, weekdays_nine_to_five

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def works_in(clinician, zone: str) -> None:
    ClinicianProfile.objects.filter(user=clinician).update(time_zone=zone)
    clinician.clinician_profile.refresh_from_db()


def day_slots(clinician, code: str, day: date, zone: ZoneInfo) -> list[datetime]:
    start = datetime.combine(day, time(0), tzinfo=zone)
    return available_slots(clinician=clinician, service_type=service_type(code),
                           start=start, end=start + timedelta(days=1))


def local_times(slots, zone) -> list[str]:
    return [slot.astimezone(zone).strftime("%H:%M") for slot in slots]


@time_machine.travel(datetime(2027, 1, 4, 6, 0, tzinfo=UTC), tick=False)  # Monday 01:00 NY
def test_slots_fill_the_hours_on_the_grid(clinician):
    works_in(clinician, "America/New_York")
    weekdays_nine_to_five(clinician)
    slots = day_slots(clinician, "therapy-session", date(2027, 1, 5), NEW_YORK)
    # 50 minutes each, every 15 minutes from 9:00, the last one ending by 17:00.
    assert local_times(slots, NEW_YORK)[:3] == ["09:00", "09:15", "09:30"]
    assert local_times(slots, NEW_YORK)[-1] == "16:00"
    assert len(slots) == 29
    assert all(slot.tzinfo == UTC for slot in slots)
    assert slots == sorted(slots)
    # No hours on Saturday.
    assert day_slots(clinician, "therapy-session", date(2027, 1, 9), NEW_YORK) == []


@time_machine.travel(datetime(2027, 1, 4, 15, 0, tzinfo=UTC), tick=False)  # Monday 10:00 NY
def test_minimum_notice_and_horizon(clinician):
    works_in(clinician, "America/New_York")
    weekdays_nine_to_five(clinician)
    # Therapy sessions need 24 hours' notice: nothing today, tomorrow from 10:00.
    assert day_slots(clinician, "therapy-session", date(2027, 1, 4), NEW_YORK) == []
    assert local_times(day_slots(clinician, "therapy-session", date(2027, 1, 5), NEW_YORK),
                       NEW_YORK)[0] == "10:00"
    # A consultation (12 hours' notice) books from 22:00 today on, so tomorrow 9:00.
    assert local_times(day_slots(clinician, "therapy-consultation", date(2027, 1, 5),
                                 NEW_YORK), NEW_YORK)[0] == "09:00"
    # Consultations are bookable 60 days ahead, not 61.
    assert day_slots(clinician, "therapy-consultation", date(2027, 3, 4), NEW_YORK)
    assert day_slots(clinician, "therapy-consultation", date(2027, 3, 8), NEW_YORK) == []


@time_machine.travel(datetime(2027, 1, 4, 6, 0, tzinfo=UTC), tick=False)
def test_appointments_and_their_buffers_are_taken(clinician, consented):
    client_user = consented
    works_in(clinician, "America/New_York")
    weekdays_nine_to_five(clinician)
    intake = service_type("therapy-intake")  # 60 minutes + 15 after: 11:00-12:15 is taken
    appointment_book(client=client_user, clinician=clinician, service_type=intake,
                     start=datetime(2027, 1, 5, 11, 0, tzinfo=NEW_YORK), by=clinician)
    times = local_times(day_slots(clinician, "therapy-session", date(2027, 1, 5), NEW_YORK),
                        NEW_YORK)
    # A session (50 minutes + 10 after) may not overlap 11:00-12:15.
    assert "10:00" in times  # 10:00-10:50, its buffer ends at 11:00
    assert "10:15" not in times
    assert "12:00" not in times
    assert "12:15" in times


@time_machine.travel(datetime(2027, 1, 4, 6, 0, tzinfo=UTC), tick=False)
def test_time_off_and_extra_hours(clinician):
    works_in(clinician, "America/New_York")
    weekdays_nine_to_five(clinician)
    AvailabilityException.objects.create(clinician=clinician, date=date(2027, 1, 5),
                                         kind="off")
    AvailabilityException.objects.create(clinician=clinician, date=date(2027, 1, 6),
                                         kind="off", start_time=time(12), end_time=time(14))
    AvailabilityException.objects.create(clinician=clinician, date=date(2027, 1, 9),
                                         kind="extra", start_time=time(10), end_time=time(12))
    assert day_slots(clinician, "therapy-session", date(2027, 1, 5), NEW_YORK) == []
    wednesday = local_times(day_slots(clinician, "therapy-session", date(2027, 1, 6),
                                      NEW_YORK), NEW_YORK)
    assert "11:00" in wednesday and "11:15" not in wednesday and "13:45" not in wednesday
    assert "14:00" in wednesday
    saturday = local_times(day_slots(clinician, "therapy-session", date(2027, 1, 9), NEW_YORK),
                           NEW_YORK)
    assert saturday == ["10:00", "10:15", "10:30", "10:45", "11:00"]


@time_machine.travel(datetime(2027, 1, 4, 6, 0, tzinfo=UTC), tick=False)
def test_hours_for_one_line_only(clinician):
    works_in(clinician, "America/New_York")
    weekdays_nine_to_five(clinician, line="coaching")
    assert day_slots(clinician, "therapy-session", date(2027, 1, 5), NEW_YORK) == []
    assert day_slots(clinician, "coaching-session", date(2027, 1, 5), NEW_YORK)


@pytest.mark.parametrize("zone_name, before, after", [
    # Spring forward: New York 14 March 2027, Berlin 28 March 2027.
    ("America/New_York", date(2027, 3, 12), date(2027, 3, 15)),
    ("Europe/Berlin", date(2027, 3, 26), date(2027, 3, 29)),
    # Fall back: New York 7 November 2027, Berlin 31 October 2027.
    ("America/New_York", date(2027, 11, 5), date(2027, 11, 8)),
    ("Europe/Berlin", date(2027, 10, 29), date(2027, 11, 1)),
])
def test_nine_oclock_stays_nine_oclock_across_dst(clinician, zone_name, before, after):
    zone = ZoneInfo(zone_name)
    works_in(clinician, zone_name)
    weekdays_nine_to_five(clinician)
    with time_machine.travel(datetime.combine(before - timedelta(days=3), time(12), tzinfo=UTC),
                             tick=False):
        first_before = day_slots(clinician, "therapy-session", before, zone)[0]
        first_after = day_slots(clinician, "therapy-session", after, zone)[0]
    assert first_before.astimezone(zone).time() == time(9)
    assert first_after.astimezone(zone).time() == time(9)
    # The same wall-clock time is a different UTC time on either side of the change.
    offset_change = (first_after - first_before) - (after - before) * 1
    assert abs(offset_change) == timedelta(hours=1)


@time_machine.travel(datetime(2027, 1, 4, 6, 0, tzinfo=UTC), tick=False)
def test_slots_cost_three_queries_whatever_the_range(clinician, consented,
                                                     django_assert_num_queries):
    works_in(clinician, "America/New_York")
    weekdays_nine_to_five(clinician)
    session = service_type("coaching-session")
    for day in range(5, 9):
        appointment_book(client=consented, clinician=clinician, service_type=session,
                         start=datetime(2027, 1, day, 10, 0, tzinfo=NEW_YORK), by=clinician)
    start = datetime(2027, 1, 4, tzinfo=NEW_YORK)
    # weekly hours, exceptions in range, appointments in range
    with django_assert_num_queries(3):
        slots = available_slots(clinician=clinician, service_type=session, start=start,
                                end=start + timedelta(days=60))
    assert len(slots) > 100
    assert WeeklyAvailability.objects.count() == 5


def _brute_force(calendar: FreeTimes, start: datetime, end: datetime) -> list[datetime]:
    """Every candidate against every busy block: the finder before the sweep, kept as the
    reference the sweep must agree with."""
    earliest, latest = max(start, calendar.earliest), min(end, calendar.latest)
    busy = list(zip(calendar.busy_starts, calendar.busy_ends, strict=True))
    found = set()
    day = earliest.astimezone(calendar.zone).date()
    while day <= latest.astimezone(calendar.zone).date():
        todays = calendar.exceptions.get(day, [])
        off = [e for e in todays if e.kind == AvailabilityException.Kind.OFF]
        if not any(e.whole_day for e in off):
            off_ranges = [(local_to_utc(day, e.start_time, calendar.zone),
                           local_to_utc(day, e.end_time, calendar.zone)) for e in off]
            windows = calendar.weekly.get(day.weekday(), []) + [
                (e.start_time, e.end_time) for e in todays
                if e.kind == AvailabilityException.Kind.EXTRA]
            for opens, closes in windows:
                slot = local_to_utc(day, opens, calendar.zone)
                while slot + calendar.duration <= local_to_utc(day, closes, calendar.zone):
                    if (earliest <= slot < latest
                            and not any(a < slot + calendar.duration and slot < b
                                        for a, b in off_ranges)
                            and not any(a < slot + calendar.duration + calendar.after
                                        and slot - calendar.before < b for a, b in busy)):
                        found.add(slot)
                    slot += calendar.grid
        day += timedelta(days=1)
    return sorted(found)


@pytest.mark.parametrize("seed", range(40))
def test_the_sweep_finds_what_checking_every_block_finds(seed):
    """Random calendars in a DST-changing zone: hours with overlapping extra windows, time off,
    busy blocks that overlap or touch, odd buffers and grids, a start and end mid-day."""
    rng = random.Random(seed)
    zone = NEW_YORK
    first = date(2027, 3, 1)
    weekly = {d: [(time(rng.randint(7, 10), rng.choice([0, 30])),
                   time(rng.randint(15, 19), rng.choice([0, 15])))]
              for d in range(7) if rng.random() < 0.8}
    exceptions: dict[date, list[AvailabilityException]] = {}
    for _ in range(6):
        day = first + timedelta(days=rng.randint(0, 27))
        kind = rng.choice(list(AvailabilityException.Kind))
        opens = time(rng.randint(6, 14))
        whole_day = kind == AvailabilityException.Kind.OFF and rng.random() < 0.3
        exceptions.setdefault(day, []).append(AvailabilityException(
            date=day, kind=kind, start_time=None if whole_day else opens,
            end_time=None if whole_day else time(opens.hour + rng.randint(1, 6))))
    busy = []
    for _ in range(rng.randint(0, 120)):
        begins = (datetime.combine(first, time(0), tzinfo=UTC)
                  + timedelta(minutes=5 * rng.randint(0, 28 * 288)))
        busy.append((begins, begins + timedelta(minutes=rng.choice([20, 30, 50, 60, 90]))))
    starts, ends = _merged(busy)
    calendar = FreeTimes(
        zone=zone, duration=timedelta(minutes=rng.choice([20, 30, 50, 60])),
        before=timedelta(minutes=rng.choice([0, 5, 10])),
        after=timedelta(minutes=rng.choice([0, 10, 15])),
        grid=timedelta(minutes=rng.choice([5, 15, 30, 60])),
        earliest=datetime(2027, 3, 2, 15, 7, tzinfo=UTC),
        latest=datetime(2027, 3, 27, 18, 0, tzinfo=UTC),
        weekly=weekly, exceptions=exceptions, busy_starts=starts, busy_ends=ends)
    start = datetime.combine(first, time(0), tzinfo=UTC)
    end = start + timedelta(days=28)
    unmerged = FreeTimes(**{**calendar.__dict__, "busy_starts": [b[0] for b in busy],
                            "busy_ends": [b[1] for b in busy]})
    assert calendar.between(start, end) == _brute_force(unmerged, start, end)
    # Any part of the range agrees with the whole.
    part_start = start + timedelta(days=9, hours=13)
    whole = calendar.between(start, end)
    assert calendar.between(part_start, part_start + timedelta(days=5)) == [
        s for s in whole if part_start <= s < part_start + timedelta(days=5)]
