"""Calendar files parse with icalendar and carry the right zone, UID, SEQUENCE and METHOD; they
say nothing clinical (rule 7)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from icalendar import Calendar

from clients.models import ClinicianProfile
from notifications.models import Notification
from sessions.calendar import appointment_ics, feed_ics
from sessions.services import appointment_book, appointment_cancel, appointment_reschedule
from sessions.tests.conftest import service_type, weekdays_nine_to_five

pytestmark = pytest.mark.django_db

START = datetime(2027, 1, 5, 15, 0, tzinfo=UTC)  # 10:00 in New York, 16:00 in Berlin


@pytest.fixture
def appointment(clinician, client_user):
    ClinicianProfile.objects.filter(user=clinician).update(time_zone="America/New_York")
    weekdays_nine_to_five(clinician)
    with time_machine.travel(datetime(2027, 1, 1, tzinfo=UTC), tick=False):
        return appointment_book(client=client_user, clinician=clinician,
                                service_type=service_type("therapy-consultation"), start=START)


def event_of(ics: str):
    calendar = Calendar.from_ical(ics)
    [event] = calendar.walk("VEVENT")
    return calendar, event


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/Berlin", "Asia/Kolkata"])
def test_ics_is_in_the_recipients_zone_with_its_vtimezone(appointment, zone):
    calendar, event = event_of(appointment_ics(appointment=appointment, zone_name=zone))
    assert calendar["METHOD"] == "REQUEST"
    start = event.decoded("DTSTART")
    assert start == START
    assert str(start.tzinfo) == zone or getattr(start.tzinfo, "key", None) == zone
    assert event["DTSTART"].params["TZID"] == zone
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == [zone]
    assert event.decoded("DTEND") - start == appointment.end - appointment.start


def test_uid_is_stable_and_sequence_rises_until_cancel(appointment, client_user):
    _, first = event_of(appointment_ics(appointment=appointment, zone_name="UTC"))
    with time_machine.travel(datetime(2027, 1, 1, tzinfo=UTC), tick=False):
        appointment_reschedule(appointment=appointment,
                               start=datetime(2027, 1, 6, 15, 0, tzinfo=UTC), by=client_user)
        appointment_cancel(appointment=appointment, by=client_user)
    calendar, last = event_of(appointment_ics(appointment=appointment, zone_name="UTC"))
    assert first["UID"] == last["UID"] == f"{appointment.public_id}@tandem"
    assert (first["SEQUENCE"], last["SEQUENCE"]) == (0, 2)
    assert calendar["METHOD"] == "CANCEL"
    assert last["STATUS"] == "CANCELLED"
    # What went out by email matches: REQUEST, REQUEST, CANCEL with rising SEQUENCE.
    sent = Notification.objects.filter(recipient=client_user,
                                       kind__startswith="appointment_").exclude(
        kind="appointment_reminder").order_by("pk")
    parsed = [event_of(n.context["ics"]) for n in sent]
    assert [(c["METHOD"], e["SEQUENCE"]) for c, e in parsed] == [
        ("REQUEST", 0), ("REQUEST", 1), ("CANCEL", 2)]


def test_titles_and_text_say_nothing_clinical(appointment):
    for discreet in (False, True):
        ics = appointment_ics(appointment=appointment, zone_name="UTC", discreet=discreet)
        _, event = event_of(ics)
        assert str(event["SUMMARY"]) == ("Appointment" if discreet
                                         else "Appointment with Tandem Practice")
        for word in ("herapy", "oaching", "onsultation", "Reyes", "Morgan"):
            assert word not in ics


def test_feed_lists_appointments_as_a_published_calendar(appointment):
    feed = feed_ics(appointments=[appointment], zone_name="Europe/Berlin", discreet=False)
    calendar = Calendar.from_ical(feed)
    assert calendar["METHOD"] == "PUBLISH"
    [event] = calendar.walk("VEVENT")
    assert event.decoded("DTSTART").astimezone(ZoneInfo("Europe/Berlin")).hour == 16
