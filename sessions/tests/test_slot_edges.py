"""The edges of the bookable window, where mutation testing found nothing failing: the new
slot's before-buffer at the very start of the range (the busy blocks are read from
``earliest - before``), the after-buffer at its very end (up to ``latest + duration + after``),
an empty window that costs no query, the ``now`` a caller passes, a time years away, and the
appointment lists' ``now``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from clients.models import ClinicianProfile
from sessions.models import Appointment, AppointmentStatus, ServiceType
from sessions.selectors import (
    appointments_for_feed,
    appointments_past_for_client,
    appointments_upcoming_for_client,
    available_slots,
    slot_is_offered,
)
from sessions.services import appointment_book
from sessions.tests.conftest import service_type, weekdays_nine_to_five

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
MONDAY_1AM = datetime(2027, 1, 4, 6, 0, tzinfo=UTC)  # 01:00 in New York


def tuesday(hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 1, 5, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture
def new_york(clinician):
    ClinicianProfile.objects.filter(user=clinician).update(time_zone="America/New_York")
    clinician.clinician_profile.refresh_from_db()
    weekdays_nine_to_five(clinician)
    return clinician


def with_buffer_before(code: str, minutes: int) -> ServiceType:
    ServiceType.objects.filter(code=code).update(buffer_before_minutes=minutes)
    return service_type(code)


@time_machine.travel(MONDAY_1AM, tick=False)
def test_the_before_buffer_of_the_first_slot_of_the_range_sees_a_block_ending_in_it(
        new_york, consented):
    # An intake 10:00-11:00 (+15 after): its block ends at 11:15.
    appointment_book(client=consented, clinician=new_york, service_type=service_type(
        "therapy-intake"), start=tuesday(10), by=new_york)
    session = with_buffer_before("therapy-session", 15)
    # 11:15 needs 11:00-11:15 free before it: the block ends in it. 11:30 is free.
    assert not slot_is_offered(clinician=new_york, service_type=session, start=tuesday(11, 15))
    assert slot_is_offered(clinician=new_york, service_type=session, start=tuesday(11, 30))


@time_machine.travel(MONDAY_1AM, tick=False)
def test_the_after_buffer_of_the_last_slot_of_the_range_sees_a_block_starting_in_it(
        new_york, consented):
    # An intake at 10:00 with 10 minutes before it: its block starts at 9:50.
    appointment_book(client=consented, clinician=new_york,
                     service_type=with_buffer_before("therapy-intake", 10), start=tuesday(10),
                     by=new_york)
    session = service_type("therapy-session")  # 50 minutes + 10 after: 9:00 needs until 10:00
    assert not slot_is_offered(clinician=new_york, service_type=session, start=tuesday(9))
    # The whole morning: 9:00 is taken by the block, 11:15 (after 10:00-11:15) is not.
    morning = available_slots(clinician=new_york, service_type=session, start=tuesday(9),
                              end=tuesday(12))
    assert tuesday(9) not in morning
    assert tuesday(11, 15) in morning


@time_machine.travel(MONDAY_1AM, tick=False)
def test_an_empty_window_costs_no_query(new_york, django_assert_num_queries):
    session = service_type("therapy-session")
    with django_assert_num_queries(0):
        assert available_slots(clinician=new_york, service_type=session, start=tuesday(10),
                               end=tuesday(10)) == []


@time_machine.travel(datetime(2027, 1, 1, 12, tzinfo=UTC), tick=False)
def test_the_now_a_caller_passes_is_the_one_that_counts(new_york):
    consultation = service_type("therapy-consultation")  # 12 hours' notice
    day = {"start": tuesday(0), "end": tuesday(23, 59)}
    assert available_slots(clinician=new_york, service_type=consultation, **day)[0] == tuesday(9)
    # Asked as of Tuesday 8:00, nothing on Tuesday is 12 hours away.
    assert available_slots(clinician=new_york, service_type=consultation, now=tuesday(8),
                           **day) == []


@time_machine.travel(MONDAY_1AM, tick=False)
@pytest.mark.parametrize("start", [datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
                                   datetime(1, 1, 1, tzinfo=UTC)])
def test_a_time_years_away_is_never_offered_and_never_overflows(new_york, start):
    assert slot_is_offered(clinician=new_york, service_type=service_type("therapy-session"),
                           start=start) is False


@time_machine.travel(MONDAY_1AM, tick=False)
def test_the_appointment_lists_read_the_now_they_are_given(new_york, consented):
    appointment = appointment_book(client=consented, clinician=new_york,
                                   service_type=service_type("therapy-intake"),
                                   start=tuesday(10), by=new_york)
    before, after = tuesday(9), tuesday(12)
    assert list(appointments_upcoming_for_client(client=consented, now=before)) == [appointment]
    assert list(appointments_upcoming_for_client(client=consented, now=after)) == []
    assert list(appointments_upcoming_for_client(client=consented)) == [appointment]
    assert list(appointments_past_for_client(client=consented, now=before)) == []
    assert list(appointments_past_for_client(client=consented, now=after)) == [appointment]
    assert list(appointments_past_for_client(client=consented)) == []
    # The feed lists it until a week after it ended, for both people.
    for person in (consented, new_york):
        assert list(appointments_for_feed(user=person)) == [appointment]
        ended = appointment.end
        assert list(appointments_for_feed(user=person, now=ended + timedelta(days=6, hours=23))
                    ) == [appointment]
        assert list(appointments_for_feed(user=person, now=ended + timedelta(days=7, hours=1))
                    ) == []
    Appointment.objects.filter(pk=appointment.pk).update(status=AppointmentStatus.CANCELLED)
    assert list(appointments_for_feed(user=consented)) == []
