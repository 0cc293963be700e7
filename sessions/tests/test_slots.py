"""Free slots: weekly hours in the clinician's zone, minus time off, appointments and buffers,
within notice and horizon, on the grid; right on both sides of every DST change (rule 5)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from clients.models import ClinicianProfile
from sessions.models import AvailabilityException, WeeklyAvailability
from sessions.selectors import available_slots
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
