"""Booking in Django admin: service types, hours and exceptions are edited there; appointments,
their history, series, waitlist and calendar feeds are view-only (changes go through the
services, where the parties act); feed tokens are never shown; lists have a fixed query cost."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from clients.models import Role
from sessions.models import (
    Appointment,
    AvailabilityException,
    CalendarFeed,
    RecurringSeries,
    ServiceType,
    WaitlistEntry,
    WeeklyAvailability,
)
from sessions.services import (
    appointment_book,
    appointment_reschedule,
    calendar_feed_regenerate,
    series_book,
    waitlist_join,
)

pytestmark = pytest.mark.django_db

UTC = dt.UTC
NOW = dt.datetime(2026, 10, 14, 16, 0, tzinfo=UTC)
READ_ONLY = ("appointment", "recurringseries", "waitlistentry", "calendarfeed")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def consultation() -> ServiceType:
    return ServiceType.objects.get(code="therapy-consultation")


def fill(clinician, client_user) -> None:
    """One of everything: an appointment (moved once), a series, a waitlist entry, a feed,
    weekly hours and an exception."""
    appointment = appointment_book(
        client=client_user, clinician=clinician, service_type=consultation(),
        start=dt.datetime(2026, 10, 20, 14, tzinfo=UTC), by=clinician)
    appointment_reschedule(appointment=appointment,
                           start=dt.datetime(2026, 10, 21, 14, tzinfo=UTC), by=clinician)
    series_book(client=client_user, clinician=clinician, service_type=consultation(),
                first_date=dt.date(2026, 10, 22), local_time=dt.time(10),
                time_zone="America/New_York", interval_weeks=1, count=2, by=clinician)
    waitlist_join(client=client_user, clinician=clinician, service_type=consultation())
    calendar_feed_regenerate(user=client_user)
    WeeklyAvailability.objects.create(clinician=clinician, weekday=0,
                                      start_time=dt.time(9), end_time=dt.time(17))
    AvailabilityException.objects.create(clinician=clinician, date=dt.date(2026, 10, 30),
                                         kind="off")


def test_read_only_pages_render_and_refuse_changes(admin_client, clinician, client_user):
    fill(clinician, client_user)
    objects = {"appointment": Appointment.objects.first(),
               "recurringseries": RecurringSeries.objects.get(),
               "waitlistentry": WaitlistEntry.objects.get(),
               "calendarfeed": CalendarFeed.objects.get()}
    for model, obj in objects.items():
        changelist = reverse(f"admin:booking_{model}_changelist")
        body = admin_client.get(changelist).content.decode()
        assert client_user.email in body or client_user.full_name in body, model
        assert admin_client.get(changelist, {"q": "client@example.com"}).status_code == 200
        assert reverse(f"admin:booking_{model}_add") not in body
        page = admin_client.get(reverse(f"admin:booking_{model}_change", args=[obj.pk]))
        assert page.status_code == 200, model
        body = page.content.decode()
        assert 'name="_save"' not in body, model
        assert admin_client.get(reverse(f"admin:booking_{model}_add")).status_code == 403
        assert admin_client.get(
            reverse(f"admin:booking_{model}_delete", args=[obj.pk])).status_code == 403


def test_an_appointment_and_its_history_cannot_be_changed(admin_client, clinician,
                                                          client_user):
    fill(clinician, client_user)
    appointment = Appointment.objects.filter(series__isnull=True).get()
    url = reverse("admin:booking_appointment_change", args=[appointment.pk])
    body = admin_client.get(url).content.decode()
    # The history inline, read-only: booked, then moved.
    assert "Booked" in body and "Rescheduled" in body
    assert 'name="changes-TOTAL_FORMS"' in body  # the inline is there ...
    assert 'name="changes-0-action"' not in body  # ... with nothing to edit
    page = admin_client.post(url, {"status": "cancelled",
                                   "start_0": "2026-10-25", "start_1": "10:00"})
    assert page.status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == "booked"
    assert appointment.start == dt.datetime(2026, 10, 21, 14, tzinfo=UTC)
    assert appointment.changes.count() == 2
    # No bulk action either, not even delete.
    changelist = admin_client.get(reverse("admin:booking_appointment_changelist"))
    assert 'name="action"' not in changelist.content.decode()


def test_a_feed_token_is_never_shown(admin_client, clinician, client_user):
    fill(clinician, client_user)
    feed = CalendarFeed.objects.get()
    for url in (reverse("admin:booking_calendarfeed_changelist"),
                reverse("admin:booking_calendarfeed_change", args=[feed.pk])):
        body = admin_client.get(url).content.decode()
        assert feed.token not in body
        assert f"{feed.token[:4]}…" in body


def test_service_types_are_editable(admin_client):
    therapy = ServiceType.objects.get(code="therapy-session")
    url = reverse("admin:booking_servicetype_change", args=[therapy.pk])
    body = admin_client.get(url).content.decode()
    assert 'name="_save"' in body
    data = {"name": therapy.name, "code": therapy.code, "service_line": "therapy",
            "kind": "session", "is_active": "on", "display_order": "3",
            "duration_minutes": "45", "buffer_before_minutes": "0",
            "buffer_after_minutes": "15", "bookable_by": "client", "min_notice_hours": "24",
            "horizon_days": "90", "late_cancel_hours": "24", "reminder_hours": "[24, 2]",
            "location": "office", "location_detail": "", "price_note": ""}
    assert admin_client.post(url, data).status_code == 302
    therapy.refresh_from_db()
    assert (therapy.duration_minutes, therapy.buffer_after_minutes) == (45, 15)
    # The model's clean() speaks in admin too.
    page = admin_client.post(url, {**data, "reminder_hours": '["soon"]'})
    assert page.status_code == 200
    assert "A list of whole hours" in page.content.decode()
    changelist = admin_client.get(reverse("admin:booking_servicetype_changelist"))
    assert 'name="form-0-duration_minutes"' in changelist.content.decode()  # list_editable
    assert admin_client.get(reverse("admin:booking_servicetype_delete",
                                    args=[therapy.pk])).status_code == 403


def test_hours_and_exceptions_are_editable_with_their_rules(admin_client, clinician,
                                                            client_user):
    add = reverse("admin:booking_weeklyavailability_add")
    body = admin_client.get(add).content.decode()
    assert clinician.full_name in body
    assert client_user.full_name not in body  # clinicians only in the choice
    page = admin_client.post(add, {"clinician": clinician.pk, "weekday": "0",
                                   "start_time": "12:00", "end_time": "09:00",
                                   "service_line": ""})
    assert page.status_code == 200 and "The end must be after the start." in \
        page.content.decode()
    assert not WeeklyAvailability.objects.exists()
    assert admin_client.post(add, {"clinician": clinician.pk, "weekday": "0",
                                   "start_time": "09:00", "end_time": "12:00",
                                   "service_line": ""}).status_code == 302
    assert WeeklyAvailability.objects.get().clinician == clinician

    add = reverse("admin:booking_availabilityexception_add")
    page = admin_client.post(add, {"clinician": clinician.pk, "date": "2026-10-30",
                                   "kind": "extra", "note": ""})
    assert "Extra hours need a start and an end time." in page.content.decode()
    assert admin_client.post(add, {"clinician": clinician.pk, "date": "2026-10-30",
                                   "kind": "off", "note": "Holiday"}).status_code == 302
    assert AvailabilityException.objects.get().whole_day


# 1. session with user  2. MFA check of the staff middleware, then per list ... and last, where
# clients are listed, their access-log rows (one INSERT):
LIST_QUERIES = {
    # 4. the clinicians for the clinician filter  5. COUNT of the filtered rows  6. the full
    # COUNT  7. the page of rows with their people and types  8. the service types for the
    # type filter  9./10. first and last date and the distinct days (date hierarchy)  11. log
    "appointment": 10,
    "recurringseries": 10,
    "waitlistentry": 10,
    # 4. COUNT  5. full COUNT  6. the rows with their people  7. log
    "calendarfeed": 6,
    # 4. the clinicians for the filter  5. COUNT  6. full COUNT  7. the rows with clinicians
    "weeklyavailability": 6,
    # ... and 8./9. the date hierarchy
    "availabilityexception": 8,
    # 4. COUNT  5. full COUNT  6. the rows  (the list_editable formset reuses them)
    "servicetype": 5,
}


@pytest.mark.parametrize("model", LIST_QUERIES)
def test_lists_have_a_fixed_query_count(admin_client, clinician, client_user, make_user,
                                        make_client, model, django_assert_num_queries):
    url = reverse(f"admin:booking_{model}_changelist")
    fill(clinician, client_user)
    with django_assert_num_queries(LIST_QUERIES[model]):
        assert admin_client.get(url).status_code == 200
    for _ in range(4):
        other = make_user(role=Role.CLINICIAN)
        fill(other, make_client(clinician=other))
    with django_assert_num_queries(LIST_QUERIES[model]):
        assert admin_client.get(url).status_code == 200
