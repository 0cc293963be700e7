"""The clinician's schedule pages: least access (rule 8), the week in their zone, weekly hours
and exceptions, booking on a client's behalf (one, or a series across a DST change), moving,
cancelling and recording outcomes, and query counts that do not grow with the appointments."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine
from django.urls import reverse

from clients.models import ClinicianProfile, ConsentDocument
from clients.services import consent_sign
from sessions.models import (
    Appointment,
    AppointmentChange,
    AvailabilityException,
    RecurringSeries,
    ServiceType,
    WeeklyAvailability,
)
from sessions.services import appointment_book

pytestmark = pytest.mark.django_db

UTC = dt.UTC
# A Wednesday in October 2026, before the clocks change on 1 November in New York.
NOW = dt.datetime(2026, 10, 14, 16, 0, tzinfo=UTC)

WEEK = reverse("booking:week")
AVAILABILITY = reverse("booking:availability")
EXCEPTIONS = reverse("booking:exceptions")
BOOK = reverse("booking:book_for_client")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def works_in_new_york(clinician):
    """Dana reads her pages in Chicago (User.time_zone) but keeps her hours in New York
    (ClinicianProfile.time_zone), so every page must keep the two apart."""
    ClinicianProfile.objects.filter(user=clinician).update(time_zone="America/New_York")


def st(code: str) -> ServiceType:
    return ServiceType.objects.get(code=code)


def sign(person, kind: str) -> None:
    document = (ConsentDocument.objects.filter(kind=kind, published_at__isnull=False)
                .order_by("-version").first())
    consent_sign(client=person, document=document, typed_name=person.full_name,
                 understood=True, ip_address="127.0.0.1", user_agent="pytest")


def book(client_user, clinician, start: dt.datetime, code: str = "therapy-consultation"
         ) -> Appointment:
    return appointment_book(client=client_user, clinician=clinician, service_type=st(code),
                            start=start, by=clinician)


def detail_url(appointment: Appointment) -> str:
    return reverse("booking:clinician_appointment", args=[appointment.public_id])


@pytest.fixture
def signed_in(client, clinician):
    client.force_login(clinician)
    return client


# --- Who reaches which page -----------------------------------------------------------------


def test_permissions(client, clinician, client_user, stranger, other_clinician, admin_user):
    appointment = book(client_user, clinician, dt.datetime(2026, 10, 20, 14, tzinfo=UTC))
    pages = [WEEK, AVAILABILITY, EXCEPTIONS, BOOK, detail_url(appointment)]

    for url in pages:
        page = client.get(url)
        assert page.status_code == 302 and page["Location"].startswith(reverse("account_login"))

    for person in (client_user, stranger, admin_user):
        client.force_login(person)
        for url in pages:
            assert client.get(url).status_code == 404, (person, url)
            assert client.post(url, {"action": "cancel"}).status_code == 404, (person, url)

    # Another clinician: none of Dana's appointments exist for them, whatever they post.
    client.force_login(other_clinician)
    url = detail_url(appointment)
    assert client.get(url).status_code == 404
    for data in ({"action": "cancel"}, {"action": "outcome", "status": "completed"},
                 {"action": "move", "move-date": "2026-10-21", "move-time": "10:00"}):
        assert client.post(url, data).status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == "booked"
    assert appointment.start == dt.datetime(2026, 10, 20, 14, tzinfo=UTC)
    assert AppointmentChange.objects.filter(appointment=appointment).count() == 1

    # ... and cannot book for Dana's client: not one of their choices.
    page = client.post(BOOK, {"client": client_user.public_id,
                              "service_type": "therapy-consultation", "date": "2026-10-22",
                              "time": "10:00", "repeat": ""})
    assert page.status_code == 200
    assert "Select a valid choice" in page.content.decode()
    assert client_user.full_name not in page.content.decode()
    assert Appointment.objects.count() == 1


def test_an_unknown_appointment_is_404(signed_in):
    url = reverse("booking:clinician_appointment", args=[uuid.uuid4()])
    assert signed_in.get(url).status_code == 404


# --- The week ---------------------------------------------------------------------------------


def test_week_lists_appointments_in_the_clinicians_zone(signed_in, clinician, client_user,
                                                        stranger, other_clinician):
    # Thursday 15 October, 15:00 UTC: 10:00 in Chicago, where Dana reads her pages.
    appointment = book(client_user, clinician, dt.datetime(2026, 10, 15, 15, tzinfo=UTC))
    book(stranger, other_clinician, dt.datetime(2026, 10, 15, 17, tzinfo=UTC))
    body = signed_in.get(WEEK).content.decode()
    assert "Week of 12 October 2026" in body
    assert "times in America/Chicago" in body
    assert "10:00</time>–<time" in body and "10:20</time>" in body
    assert "Alex Morgan" in body and "Therapy consultation" in body
    assert '<span class="badge">Booked</span>' in body
    assert detail_url(appointment) in body
    assert body.count("No appointments") == 6
    assert stranger.full_name not in body
    assert "?week=2026-10-05" in body and "?week=2026-10-19" in body
    assert "week__day--today" in body


def test_week_from_any_day_and_bad_values(signed_in, clinician, client_user):
    book(client_user, clinician, dt.datetime(2026, 10, 27, 15, tzinfo=UTC))
    body = signed_in.get(WEEK, {"week": "2026-10-30"}).content.decode()
    assert "Week of 26 October 2026" in body and "Alex Morgan" in body
    assert "This week" in body
    for bad in ("nope", "2026-13-45", "0001-01-01", "9999-12-31", "2026-10-14T00:00", "💥"):
        page = signed_in.get(WEEK, {"week": bad})
        assert page.status_code == 200, bad
        assert "Week of 12 October 2026" in page.content.decode(), bad


def test_week_shows_every_status(signed_in, clinician, client_user):
    from sessions.services import appointment_cancel

    done = book(client_user, clinician, dt.datetime(2026, 10, 13, 15, tzinfo=UTC))
    Appointment.objects.filter(pk=done.pk).update(status="completed")
    appointment_cancel(appointment=book(client_user, clinician,
                                        dt.datetime(2026, 10, 16, 15, tzinfo=UTC)),
                       by=clinician)
    body = signed_in.get(WEEK).content.decode()
    assert '<span class="badge badge--success">Completed</span>' in body
    assert '<span class="badge badge--neutral">Cancelled</span>' in body
    assert "appt--cancelled" in body


def _week_body(client, django_assert_num_queries) -> str:
    # 1. session with user  2. MFA check of the staff middleware  3. the week's appointments
    # with their clients and service types (one join)  4. the access-log rows of the clients
    # on the schedule (one INSERT)
    with django_assert_num_queries(4):
        page = client.get(WEEK, {"week": "2026-10-19"})
    assert page.status_code == 200
    return page.content.decode()


def test_week_query_count_does_not_grow(signed_in, clinician, client_user, make_client,
                                        django_assert_num_queries):
    book(client_user, clinician, dt.datetime(2026, 10, 19, 14, tzinfo=UTC))
    assert _week_body(signed_in, django_assert_num_queries).count('class="appt ') == 1
    for n in range(19):
        other = make_client(clinician=clinician)
        day, hour = divmod(n, 4)
        book(other, clinician, dt.datetime(2026, 10, 20 + day, 14 + hour, tzinfo=UTC))
    assert _week_body(signed_in, django_assert_num_queries).count('class="appt ') == 20


# --- Weekly hours ---------------------------------------------------------------------------


def test_availability_add_and_delete(signed_in, clinician, other_clinician,
                                     django_assert_num_queries):
    page = signed_in.post(AVAILABILITY, {"weekday": "1", "start_time": "09:00",
                                         "end_time": "12:30", "service_line": "coaching"})
    assert page.status_code == 302
    hours = WeeklyAvailability.objects.get()
    assert (hours.clinician, hours.weekday, hours.start_time, hours.end_time,
            hours.service_line) == (clinician, 1, dt.time(9), dt.time(12, 30), "coaching")

    # 1. session with user  2. MFA check  3. the hours  4. the clinician's profile (zone)
    with django_assert_num_queries(4):
        body = signed_in.get(AVAILABILITY).content.decode()
    assert "America/New_York" in body
    assert "Tuesday" in body and "09:00" in body and "12:30" in body and "Coaching" in body

    theirs = WeeklyAvailability.objects.create(clinician=other_clinician, weekday=0,
                                               start_time=dt.time(9), end_time=dt.time(10))
    signed_in.post(AVAILABILITY, {"delete": theirs.pk})
    assert WeeklyAvailability.objects.filter(pk=theirs.pk).exists()
    signed_in.post(AVAILABILITY, {"delete": "not a number"})
    signed_in.post(AVAILABILITY, {"delete": hours.pk})
    assert not WeeklyAvailability.objects.filter(pk=hours.pk).exists()


@pytest.mark.parametrize("data, field, message", [
    ({"weekday": "0", "start_time": "12:00", "end_time": "09:00"}, "end_time",
     "The end must be after the start."),
    ({"weekday": "0", "start_time": "12:00", "end_time": "12:00"}, "end_time",
     "The end must be after the start."),
    ({"weekday": "9", "start_time": "09:00", "end_time": "12:00"}, "weekday",
     "Select a valid choice"),
    ({"weekday": "0", "start_time": "25:00", "end_time": "12:00"}, "start_time",
     "Enter a valid time."),
    ({"weekday": "0", "start_time": "09:00", "end_time": "12:00", "service_line": "x"},
     "service_line", "Select a valid choice"),
])
def test_availability_errors_next_to_the_field_and_nothing_saved(signed_in, data, field,
                                                                 message):
    page = signed_in.post(AVAILABILITY, data)
    assert page.status_code == 200
    body = page.content.decode()
    assert f'<ul class="field__errors" id="id_{field}_error">' in body
    assert message in body.split(f'id="id_{field}_error">')[1].split("</ul>")[0]
    assert "<title>Error: " in body
    assert not WeeklyAvailability.objects.exists()


# --- Exceptions -----------------------------------------------------------------------------


def test_exceptions_add_list_delete(signed_in, clinician, other_clinician,
                                    django_assert_num_queries):
    assert signed_in.post(EXCEPTIONS, {"date": "2026-10-23", "kind": "off",
                                       "note": "Conference"}).status_code == 302
    assert signed_in.post(EXCEPTIONS, {"date": "2026-10-24", "kind": "extra",
                                       "start_time": "10:00", "end_time": "13:00",
                                       "service_line": "therapy"}).status_code == 302
    AvailabilityException.objects.create(clinician=clinician, date=dt.date(2026, 10, 1),
                                         kind="off", note="Long past")
    AvailabilityException.objects.create(clinician=other_clinician, date=dt.date(2026, 10, 25),
                                         kind="off", note="Not Dana's")
    # 1. session with user  2. MFA check  3. the clinician's profile (zone, today)
    # 4. the coming exceptions
    with django_assert_num_queries(4):
        body = signed_in.get(EXCEPTIONS).content.decode()
    assert "Fri 23 Oct 2026" in body and "Whole day" in body and "Conference" in body
    assert "Sat 24 Oct 2026" in body and "10:00–13:00" in body and "Extra hours" in body
    assert "Long past" not in body and "Not Dana" not in body

    off = AvailabilityException.objects.get(note="Conference")
    theirs = AvailabilityException.objects.get(note="Not Dana's")
    signed_in.post(EXCEPTIONS, {"delete": theirs.pk})
    signed_in.post(EXCEPTIONS, {"delete": off.pk})
    assert not AvailabilityException.objects.filter(pk=off.pk).exists()
    assert AvailabilityException.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("data, field, message", [
    ({"date": "2026-10-23", "kind": "extra"}, "start_time",
     "Extra hours need a start and an end time."),
    ({"date": "2026-10-23", "kind": "off", "start_time": "10:00"}, "end_time",
     "Give both a start and an end time, or neither"),
    ({"date": "2026-10-23", "kind": "off", "end_time": "10:00"}, "start_time",
     "Give both a start and an end time, or neither"),
    ({"date": "2026-10-23", "kind": "extra", "start_time": "14:00", "end_time": "10:00"},
     "end_time", "The end must be after the start."),
    ({"date": "2026-10-01", "kind": "off"}, "date", "Choose today or a later date."),
    ({"date": "someday", "kind": "off"}, "date", "Enter a valid date."),
    ({"date": "2026-10-23", "kind": "holiday"}, "kind", "Select a valid choice"),
])
def test_exception_errors_next_to_the_field_and_nothing_saved(signed_in, data, field, message):
    page = signed_in.post(EXCEPTIONS, data)
    assert page.status_code == 200
    body = page.content.decode()
    assert message in body.split(f'id="id_{field}_error">')[1].split("</ul>")[0]
    assert 'class="alert alert--error"' not in body  # nothing left without its field
    assert not AvailabilityException.objects.exists()


# --- Booking on a client's behalf ------------------------------------------------------------


def test_book_page_offers_only_their_own_clients(signed_in, client_user, stranger,
                                                 django_assert_num_queries):
    # 1. session with user  2. MFA check  3. the clinician's profile (zone)  4. their clients,
    # for the access log  5. the access-log rows of them (the form names each; one INSERT)
    # 6. their clients again, as the form's choices  7. the active service types
    with django_assert_num_queries(7):
        body = signed_in.get(BOOK).content.decode()
    assert client_user.full_name in body and str(client_user.public_id) in body
    assert stranger.full_name not in body
    assert "America/New_York" in body


def test_book_one_appointment(signed_in, clinician, client_user):
    page = signed_in.post(BOOK, {"client": client_user.public_id,
                                 "service_type": "therapy-consultation",
                                 "date": "2026-10-22", "time": "19:30", "repeat": ""})
    appointment = Appointment.objects.get()
    assert page.status_code == 302 and page["Location"] == detail_url(appointment)
    # 19:30 in New York (EDT) is 23:30 UTC, outside any hours: a clinician may choose it.
    assert appointment.start == dt.datetime(2026, 10, 22, 23, 30, tzinfo=UTC)
    assert (appointment.client, appointment.clinician, appointment.created_by) == (
        client_user, clinician, clinician)
    assert appointment.series is None


@pytest.mark.parametrize("data, field, message", [
    ({"date": "2026-10-14", "time": "09:00"}, "time", "Choose a time in the future."),
    ({"date": "2030-01-01", "time": "09:00"}, "date", "within the next two years"),
    ({"date": "2026-10-22", "time": "9 o'clock"}, "time", "Enter a valid time."),
    ({"date": "2026-10-22", "time": "09:00", "repeat": "1"}, "count",
     "Say how many sessions the series has."),
    ({"date": "2026-10-22", "time": "09:00", "repeat": "1", "count": "60"}, "count",
     "less than or equal to 52"),
    ({"date": "2026-10-22", "time": "09:00", "repeat": "3", "count": "4"}, "repeat",
     "Select a valid choice"),
    ({"date": "2026-10-22", "time": "09:00", "service_type": "nope"}, "service_type",
     "Select a valid choice"),
    ({"date": "2026-10-22", "time": "09:00", "client": "not-a-uuid"}, "client",
     "Select a valid choice"),
])
def test_book_form_errors_save_nothing(signed_in, client_user, data, field, message):
    page = signed_in.post(BOOK, {"client": client_user.public_id,
                                 "service_type": "therapy-consultation", "repeat": "", **data})
    assert page.status_code == 200
    assert message in page.content.decode().split(f'id="id_{field}_error">')[1].split("</ul>")[0]
    assert not Appointment.objects.exists() and not RecurringSeries.objects.exists()


def test_book_refusals_of_the_service_are_form_errors(signed_in, clinician, client_user,
                                                      make_client):
    # Not allowed: therapy sessions need the therapy consent (and an intake).
    page = signed_in.post(BOOK, {"client": client_user.public_id,
                                 "service_type": "therapy-session", "date": "2026-10-22",
                                 "time": "10:00", "repeat": ""})
    assert page.status_code == 200
    assert "This can&#x27;t be booked: Please sign the therapy consent first." in \
        page.content.decode()
    assert not Appointment.objects.exists()

    # Taken: Dana already sees someone at 10:00 New York time.
    other = make_client(clinician=clinician)
    book(other, clinician, dt.datetime(2026, 10, 22, 14, tzinfo=UTC))
    page = signed_in.post(BOOK, {"client": client_user.public_id,
                                 "service_type": "therapy-consultation", "date": "2026-10-22",
                                 "time": "10:15", "repeat": ""})
    body = page.content.decode()
    assert "You already have an appointment then" in body.split('id="id_time_error">')[1]
    assert Appointment.objects.count() == 1


def test_a_weekly_series_keeps_its_local_time_across_dst_and_reports_collisions(
        signed_in, clinician, client_user, make_client, django_assert_num_queries):
    sign(client_user, "coaching")
    # Dana is busy on Tuesday 10 November at 10:00 New York time (EST: 15:00 UTC).
    other = make_client(clinician=clinician)
    book(other, clinician, dt.datetime(2026, 11, 10, 15, tzinfo=UTC))

    page = signed_in.post(BOOK, {"client": client_user.public_id,
                                 "service_type": "coaching-session", "date": "2026-10-20",
                                 "time": "10:00", "repeat": "1", "count": "6"})
    series = RecurringSeries.objects.get()
    assert page.status_code == 302
    assert page["Location"] == f"{BOOK}?series={series.public_id}"
    starts = list(Appointment.objects.filter(series=series).values_list("start", flat=True))
    assert starts == [
        dt.datetime(2026, 10, 20, 14, tzinfo=UTC),  # 10:00 EDT
        dt.datetime(2026, 10, 27, 14, tzinfo=UTC),
        dt.datetime(2026, 11, 3, 15, tzinfo=UTC),  # 10:00 EST: the clocks changed on 1 Nov
        dt.datetime(2026, 11, 17, 15, tzinfo=UTC),
        dt.datetime(2026, 11, 24, 15, tzinfo=UTC),
    ]
    assert (series.count, series.interval_weeks, series.time_zone) == (6, 1, "America/New_York")

    # 1. session with user  2. MFA check  3. the clinician's profile  4. their clients and
    # 5. their access-log rows (the form names each)  6. the series with its client and type
    # 7. its appointments  8. their clients, as the form's choices  9. the service types
    with django_assert_num_queries(9):
        body = signed_in.get(page["Location"]).content.decode()
    assert "5 of 6 booked" in body
    assert "1 occurrence was not booked" in body
    assert "Tuesday 10 November 2026, 10:00" in body
    for day in ("Tue 20 Oct 2026, 10:00", "Tue 3 Nov 2026, 10:00", "Tue 24 Nov 2026, 10:00"):
        assert day in body
    assert "Booked 5 of 6: 1 collided and were not booked." in body

    # Someone else's series, or a bad id: no report.
    for value in (uuid.uuid4(), "nope"):
        page = signed_in.get(BOOK, {"series": value})
        assert page.status_code == 200 and "series-report" not in page.content.decode()


def test_a_fortnightly_series_without_collisions(signed_in, clinician, client_user):
    page = signed_in.post(BOOK, {"client": client_user.public_id,
                                 "service_type": "therapy-consultation", "date": "2026-10-19",
                                 "time": "08:00", "repeat": "2", "count": "3"}, follow=True)
    body = page.content.decode()
    assert "3 of 3 booked" in body and "Every occurrence is booked." in body
    assert list(Appointment.objects.values_list("start", flat=True)) == [
        dt.datetime(2026, 10, 19, 12, tzinfo=UTC), dt.datetime(2026, 11, 2, 13, tzinfo=UTC),
        dt.datetime(2026, 11, 16, 13, tzinfo=UTC)]


# --- One appointment --------------------------------------------------------------------------


@pytest.fixture
def series_of_four(clinician, client_user):
    from sessions.services import series_book

    _, booked, _ = series_book(
        client=client_user, clinician=clinician, service_type=st("therapy-consultation"),
        first_date=dt.date(2026, 10, 20), local_time=dt.time(10), time_zone="America/New_York",
        interval_weeks=1, count=4, by=clinician)
    return booked


def test_detail_shows_the_appointment_and_history(signed_in, clinician, client_user,
                                                  series_of_four, django_assert_num_queries):
    third = series_of_four[2]
    # 1. session with user  2. MFA check  3. the appointment with client and type
    # 4. the clinician's profile (zone)  5. its changes with who made them  6. its series
    # 7. the access-log row  8. the measures asked before it (issue 17)  9. the clinician's
    # profile as the firewall reads it (which measures they see)
    with django_assert_num_queries(9):
        body = signed_in.get(detail_url(third)).content.decode()
    assert "Therapy consultation with Alex Morgan" in body
    assert "Tuesday 3 November 2026, 09:00" in body  # Chicago
    assert "Tue 3 Nov 2026, 10:00–10:20 in your working zone, America/New_York" in body
    assert "3 of 4, weekly" in body
    assert "Booked for Tue 3 Nov, 09:00" in body and "<td>You</td>" in body
    assert "You can record the outcome once it has started." in body

    single = book(client_user, clinician, dt.datetime(2026, 10, 22, 14, tzinfo=UTC))
    with django_assert_num_queries(8):  # no series (and the measures, two)
        assert signed_in.get(detail_url(single)).status_code == 200


def test_the_page_links_to_the_clients_record_where_the_clinician_may_open_it(
        signed_in, clinician, client_user):
    """Issue 14: the timeline for their own client; a new client's screening, read-only."""
    from conftest import client_factory

    own = book(client_user, clinician, dt.datetime(2026, 10, 22, 14, tzinfo=UTC))
    body = signed_in.get(detail_url(own)).content.decode()
    timeline = reverse("caseload:timeline", args=[client_user.public_id])
    assert f"<a href=\"{timeline}\">Open the client's timeline</a>" in body
    assert signed_in.get(timeline).status_code == 200

    newcomer = client_factory(email="new@example.com", full_name="Robin New")
    first = book(newcomer, clinician, dt.datetime(2026, 10, 23, 14, tzinfo=UTC))
    body = signed_in.get(detail_url(first)).content.decode()
    history = reverse("screening:client_history", args=[newcomer.public_id])
    assert f'<a href="{history}">Open the screening history (read-only)</a>' in body
    assert "Open the client's timeline" not in body
    assert signed_in.get(history).status_code == 200


def test_move_one_occurrence_only(signed_in, clinician, client_user, series_of_four):
    second = series_of_four[1]
    page = signed_in.post(detail_url(second), {"action": "move", "move-date": "2026-10-28",
                                               "move-time": "16:00"})
    assert page.status_code == 302
    starts = {a.pk: a.start for a in Appointment.objects.all()}
    assert starts[second.pk] == dt.datetime(2026, 10, 28, 20, tzinfo=UTC)
    for other in (series_of_four[0], series_of_four[2], series_of_four[3]):
        assert starts[other.pk] == other.start
    body = signed_in.get(detail_url(second)).content.decode()
    assert "2 of 4, weekly" in body  # still the second one, moved
    assert "Rescheduled: from Tue 27 Oct, 09:00 to Wed 28 Oct, 15:00" in body
    assert Appointment.objects.get(pk=second.pk).changes.last().by == clinician


def test_move_errors_are_shown_and_nothing_moves(signed_in, clinician, client_user,
                                                 series_of_four):
    first, second = series_of_four[0], series_of_four[1]
    url = detail_url(second)
    for data, message in [
        ({"move-date": "2026-10-20", "move-time": "10:10"}, "You already have an appointment"),
        ({"move-date": "2026-10-01", "move-time": "10:00"}, "Choose today or a later date."),
        ({"move-date": "", "move-time": "10:00"}, "This field is required."),
        ({"move-date": "2026-10-28", "move-time": "noon"}, "Enter a valid time."),
    ]:
        page = signed_in.post(url, {"action": "move", **data})
        assert page.status_code == 200
        assert message in page.content.decode(), data
        assert Appointment.objects.get(pk=second.pk).start == second.start
    assert Appointment.objects.get(pk=first.pk).start == first.start
    assert signed_in.post(url, {"action": "explode"}).status_code == 404


def test_cancel_one_occurrence_only(signed_in, clinician, client_user, series_of_four):
    third = series_of_four[2]
    page = signed_in.post(detail_url(third), {"action": "cancel"}, follow=True)
    body = page.content.decode()
    assert "Cancelled. The client is told by email." in body
    assert '<span class="badge badge--neutral">Cancelled</span>' in body
    statuses = dict(Appointment.objects.values_list("pk", "status"))
    assert statuses[third.pk] == "cancelled"  # never late when the clinician cancels
    assert [statuses[a.pk] for a in series_of_four if a.pk != third.pk] == ["booked"] * 3
    change = third.changes.last()
    assert (change.action, change.by) == ("cancelled", clinician)

    # Twice: the service says why, nothing changes.
    body = signed_in.post(detail_url(third), {"action": "cancel"}).content.decode()
    assert "This appointment is not booked." in body
    assert third.changes.count() == 2


def test_mark_outcome_only_once_started(signed_in, clinician, client_user, frozen):
    appointment = book(client_user, clinician, dt.datetime(2026, 10, 20, 14, tzinfo=UTC))
    url = detail_url(appointment)
    body = signed_in.post(url, {"action": "outcome", "status": "completed"}).content.decode()
    assert "An appointment&#x27;s outcome can be recorded once it has started." in body
    assert Appointment.objects.get(pk=appointment.pk).status == "booked"

    frozen.move_to(dt.datetime(2026, 10, 20, 14, 25, tzinfo=UTC))
    signed_in.force_login(clinician)  # six days later: a new session
    body = signed_in.post(url, {"action": "outcome", "status": "bogus"}).content.decode()
    assert "Choose completed or no-show." in body
    page = signed_in.post(url, {"action": "outcome", "status": "completed"}, follow=True)
    assert page.redirect_chain == [(f"{url}?completed=1#session-note", 302)]
    assert Appointment.objects.get(pk=appointment.pk).status == "completed"
    body = page.content.decode()
    # Where the clinician lands prompts for the session note, linked to the timeline's form.
    assert "The session is marked completed. Write the note while it is fresh." in body
    note_form = reverse("caseload:timeline", args=[client_user.public_id]) + "#add-note"
    assert f'href="{note_form}">Write a session note</a>' in body
    assert 'id="add-note"' in signed_in.get(note_form.split("#")[0]).content.decode()
    body = signed_in.get(url).content.decode()
    assert "Mark no-show" in body and "Mark completed" not in body
    assert "Marked completed" in body  # the history
    assert "Write the note while it is fresh" not in body  # the prompt was for the landing

    # A correction: it was a no-show after all.
    assert signed_in.post(url, {"action": "outcome", "status": "no_show"}).status_code == 302
    assert Appointment.objects.get(pk=appointment.pk).status == "no_show"
    assert list(appointment.changes.values_list("action", flat=True)) == [
        "booked", "completed", "no_show"]
