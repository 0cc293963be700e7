"""The private calendar feed: the settings page (clients and clinicians) and the feed itself."""

from __future__ import annotations

from datetime import UTC, datetime, time

import icalendar
import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from clients.models import ClientProfile, ClinicianProfile
from sessions.models import CalendarFeed, ServiceType, WeeklyAvailability
from sessions.services import appointment_book, appointment_cancel, calendar_feed_regenerate

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
FIRST = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def booked(client_user, clinician):
    ClinicianProfile.objects.filter(user=clinician).update(time_zone="America/New_York")
    clinician.clinician_profile.refresh_from_db()
    for weekday in range(5):
        WeeklyAvailability.objects.create(clinician=clinician, weekday=weekday,
                                          start_time=time(9), end_time=time(17))
    consultation = ServiceType.objects.get(code="therapy-consultation")
    return [appointment_book(client=client_user, clinician=clinician,
                             service_type=consultation, start=FIRST.replace(hour=hour))
            for hour in (14, 15, 16)]


def feed_url(user) -> str:
    return reverse("booking:feed", args=[CalendarFeed.objects.get(user=user).token])


def test_create_regenerate_revoke(client, client_user, booked):
    client.force_login(client_user)
    settings_url = reverse("booking:calendar_feed_settings")
    body = client.get(settings_url).content.decode()
    assert "Create a calendar link" in body
    assert not CalendarFeed.objects.exists()

    response = client.post(settings_url, {"action": "create"}, follow=True)
    first = feed_url(client_user)
    body = response.content.decode()
    assert settings.SITE_URL + first in body
    assert "Make a new link (the old one stops working)" in body
    assert "Turn off" in body

    client.logout()  # the feed needs no sign-in
    response = client.get(first)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert len(icalendar.Calendar.from_ical(response.content).walk("VEVENT")) == 3

    client.force_login(client_user)
    client.post(settings_url, {"action": "regenerate"})
    second = feed_url(client_user)
    assert second != first
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    assert settings.SITE_URL + second in client.get(settings_url).content.decode()

    client.post(settings_url, {"action": "revoke"})
    assert not CalendarFeed.objects.exists()
    assert client.get(second).status_code == 404
    assert "Create a calendar link" in client.get(settings_url).content.decode()


def test_unknown_or_odd_tokens_are_404(client, db):
    for token in ("nope", "x" * 200, "..", "%00"):
        assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_a_bad_action_changes_nothing(client, client_user):
    client.force_login(client_user)
    response = client.post(reverse("booking:calendar_feed_settings"), {"action": "explode"})
    assert response.status_code == 302
    assert not CalendarFeed.objects.exists()


def test_feed_lists_upcoming_booked_in_the_persons_zone(client, client_user, booked):
    client_user.time_zone = "Europe/London"
    client_user.save(update_fields=["time_zone"])
    appointment_cancel(appointment=booked[2], by=client_user)
    calendar_feed_regenerate(user=client_user)
    response = client.get(feed_url(client_user))
    calendar = icalendar.Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert [e.decoded("DTSTART") for e in events] == [FIRST, FIRST.replace(hour=15)]
    assert {e["DTSTART"].params["TZID"] for e in events} == {"Europe/London"}
    assert "therapy" not in response.content.decode().lower()
    assert response["Cache-Control"] == "private, no-store"


def test_discreet_feed_has_a_neutral_title(client, client_user, booked):
    ClientProfile.objects.filter(user=client_user).update(discreet_mode=True)
    calendar_feed_regenerate(user=client_user)
    calendar = icalendar.Calendar.from_ical(client.get(feed_url(client_user)).content)
    assert {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")} == {"Appointment"}


def test_clinician_feed_and_settings(client, clinician, booked):
    client.force_login(clinician)
    response = client.post(reverse("booking:calendar_feed_settings"), {"action": "create"},
                           follow=True)
    assert response.status_code == 200
    assert settings.SITE_URL + feed_url(clinician) in response.content.decode()
    events = icalendar.Calendar.from_ical(client.get(feed_url(clinician)).content
                                          ).walk("VEVENT")
    assert len(events) == 3


def test_admin_and_anonymous_have_no_settings_page(client, admin_user):
    url = reverse("booking:calendar_feed_settings")
    response = client.get(url)
    assert response.status_code == 302 and reverse("account_login") in response.url
    client.force_login(admin_user)
    assert client.get(url).status_code == 404


def test_inactive_users_feed_is_404(client, client_user):
    calendar_feed_regenerate(user=client_user)
    url = feed_url(client_user)
    client_user.is_active = False
    client_user.save(update_fields=["is_active"])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("count", [1, 3])
def test_feed_queries(client, client_user, booked, count, django_assert_num_queries):
    for appointment in booked[count:]:
        appointment_cancel(appointment=appointment, by=client_user)
    calendar_feed_regenerate(user=client_user)
    url = feed_url(client_user)
    # 1. the feed with its user and client profile (joins)  2. the appointments with type
    with django_assert_num_queries(2):
        response = client.get(url)
    assert len(icalendar.Calendar.from_ical(response.content).walk("VEVENT")) == count


def test_settings_page_queries(client, client_user, clinician, django_assert_num_queries):
    calendar_feed_regenerate(user=client_user)
    client.force_login(client_user)
    # 1. session with user  2. the feed
    with django_assert_num_queries(2):
        assert client.get(reverse("booking:calendar_feed_settings")).status_code == 200
    client.force_login(clinician)
    # 1. session with user  2. MFA check of the staff middleware  3. the feed
    with django_assert_num_queries(3):
        assert client.get(reverse("booking:calendar_feed_settings")).status_code == 200
