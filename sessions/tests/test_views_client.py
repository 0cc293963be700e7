"""The client's booking pages: the flow, who may see what, what the client is told, and what each
page costs in queries.

Time is fixed at Monday 2 March 2026, 12:00 UTC (7:00 in New York), before the DST change of
8 March. Dana Reyes works Monday to Friday 9:00–17:00 in America/New_York; Alex Morgan reads
pages in America/Los_Angeles, so her 9:00 is the client's 06:00. Times read on the 24-hour clock,
as everywhere in the portal ("H:i").
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import icalendar
import pytest
import time_machine
from django.urls import reverse

from clients.models import ClinicianProfile, ConsentDocument, ServiceLines
from clients.services import consent_sign
from screening.services import screening_submit
from sessions.models import (
    Appointment,
    AppointmentStatus,
    AvailabilityException,
    ServiceType,
    WaitlistEntry,
    WeeklyAvailability,
)
from sessions.services import appointment_book, appointment_cancel
from sessions.tests.conftest import consent_publish_new_version

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
# Tuesday 3 March, 9:00 in New York: the first consultation time after the 12 hours' notice.
FIRST = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
CLIENT_ZONE = "America/Los_Angeles"


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def hours(clinician):
    ClinicianProfile.objects.filter(user=clinician).update(time_zone="America/New_York")
    clinician.clinician_profile.refresh_from_db()
    for weekday in range(5):
        WeeklyAvailability.objects.create(clinician=clinician, weekday=weekday,
                                          start_time=time(9), end_time=time(17))
    return clinician


@pytest.fixture
def alex(client_user, hours):
    """client_user, reading in Los Angeles, with the clinician's hours set up."""
    client_user.time_zone = CLIENT_ZONE
    client_user.save(update_fields=["time_zone"])
    return client_user


def text(response) -> str:
    """The page as words: tags removed, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def service_type(code: str) -> ServiceType:
    return ServiceType.objects.get(code=code)


def sign(client, kind: str) -> None:
    document = (ConsentDocument.objects.filter(kind=kind, published_at__isnull=False)
                .order_by("-version").first())
    consent_sign(client=client, document=document, typed_name=client.full_name,
                 understood=True, ip_address="127.0.0.1", user_agent="pytest")


def book(client, clinician, *, code: str = "therapy-consultation",
         start: datetime = FIRST) -> Appointment:
    return appointment_book(client=client, clinician=clinician,
                            service_type=service_type(code), start=start)


def appointment_urls(appointment: Appointment) -> list[str]:
    args = [appointment.public_id]
    return [reverse(f"booking:{name}", args=args)
            for name in ("detail", "reschedule", "cancel", "appointment_ics")]


# --- The flow -------------------------------------------------------------------------------


def test_choose_pick_confirm_detail(client, alex, clinician):
    client.force_login(alex)

    body = client.get(reverse("booking:choose_type")).content.decode()
    pick_url = reverse("booking:pick_time", args=["therapy-consultation"])
    assert "Therapy consultation" in body and "Coaching consultation" in body
    assert f'href="{pick_url}"' in body
    assert "20 minutes" in body and "Video call" in body and "Free" in body
    # Sessions and the intake need the consent first: the reason is shown instead of a link.
    assert "Please sign the therapy consent first." in body
    assert reverse("booking:pick_time", args=["therapy-intake"]) + '"' not in body

    response = client.get(pick_url)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Times in Los Angeles time (PST)" in body
    assert "with Dana Reyes" in body
    assert "Times on Tuesday 3 March" in body  # the first day with times is selected
    assert ">06:00<" in body  # 9:00 in New York
    confirm_url = (reverse("booking:confirm", args=["therapy-consultation"])
                   + f"?start=2026-03-03T14%3A00%3A00Z&amp;clinician={clinician.public_id}")
    assert confirm_url in body
    assert "Tell me if an earlier time opens" in body

    # Another day.
    body = client.get(pick_url, {"day": "2026-03-05"}).content.decode()
    assert "Times on Thursday 5 March" in body

    confirm = reverse("booking:confirm", args=["therapy-consultation"])
    query = {"start": "2026-03-03T14:00:00Z", "clinician": str(clinician.public_id)}
    body = text(client.get(confirm, query))
    assert "Confirm your appointment" in body
    assert "Tuesday 3 March 2026, 06:00 – 06:20" in body
    assert "Times in Los Angeles time (PST)" in body
    assert "Dana Reyes" in body and "Video call" in body
    assert "12 hours before it starts" in body  # the late-cancellation policy

    response = client.post(f"{confirm}?start=2026-03-03T14:00:00Z"
                           f"&clinician={clinician.public_id}")
    appointment = Appointment.objects.get(client=alex)
    assert response.status_code == 302
    assert response.url == reverse("booking:detail", args=[appointment.public_id])
    assert appointment.start == FIRST
    assert appointment.status == AppointmentStatus.BOOKED

    body = client.get(response.url).content.decode()
    assert "Booked: Therapy consultation on Tuesday 3 March at 06:00." in body
    assert "Tuesday 3 March 2026, 06:00" in body
    assert "You booked it." in text(client.get(response.url))
    for url in appointment_urls(appointment)[1:]:
        assert url in body  # reschedule, cancel, add to calendar

    # The booked time is no longer offered.
    body = client.get(pick_url, {"day": "2026-03-03"}).content.decode()
    assert "?start=2026-03-03T14%3A00%3A00Z" not in body


# A time button of the picker: <a class="… time-slot" href="…"><time datetime="…">10:30</time></a>
SLOT_LABEL = re.compile(r'class="[^"]*\btime-slot\b[^"]*"[^>]*><time[^>]*>([^<]*)</time>')
TWELVE_HOUR = re.compile(r"\b(?:AM|PM)\b|\b[ap]\.m\.")


def test_times_read_on_the_24_hour_clock(client, alex, clinician):
    """"10:30" and "13:30" like every other page of the portal, never "10:30 AM" or "1:30 PM":
    the picker's buttons, the confirmation, the message, the detail and the list."""
    client.force_login(alex)
    response = client.get(reverse("booking:pick_time", args=["therapy-consultation"]),
                          {"day": "2026-03-03"})
    labels = SLOT_LABEL.findall(response.content.decode())
    # 9:00 to 16:30 in New York, every half hour: 06:00 to 13:30 in Los Angeles.
    assert labels[0] == "06:00" and labels[-1] == "13:30"
    assert "10:30" in labels
    assert all(re.fullmatch(r"\d{2}:\d{2}", label) for label in labels), labels
    assert not TWELVE_HOUR.search(text(response))

    confirm = (reverse("booking:confirm", args=["therapy-consultation"])
               + f"?start=2026-03-03T21:30:00Z&clinician={clinician.public_id}")
    body = text(client.get(confirm))
    assert "Tuesday 3 March 2026, 13:30 – 13:50" in body
    assert not TWELVE_HOUR.search(body)

    response = client.post(confirm, follow=True)
    body = text(response)
    assert "Booked: Therapy consultation on Tuesday 3 March at 13:30." in body
    assert not TWELVE_HOUR.search(body)
    body = text(client.get(reverse("booking:appointments")))
    assert "Tuesday 3 March 2026, 13:30 – 13:50" in body
    assert "the appointment on Tuesday 3 March, 13:30" in body  # the buttons' hidden words
    assert not TWELVE_HOUR.search(body)


def test_appointments_page_lists_upcoming_past_and_waitlist(client, alex, clinician):
    client.force_login(alex)
    body = client.get(reverse("booking:appointments")).content.decode()
    assert "No upcoming appointments" in body
    assert "Nothing here yet" in body
    assert reverse("booking:choose_type") in body

    upcoming = book(alex, clinician)
    cancelled = book(alex, clinician, start=FIRST + timedelta(days=1))
    appointment_cancel(appointment=cancelled, by=alex)
    late = book(alex, clinician, start=FIRST + timedelta(days=2))
    body = client.get(reverse("booking:appointments")).content.decode()
    assert reverse("booking:reschedule", args=[upcoming.public_id]) in body
    assert reverse("booking:cancel", args=[upcoming.public_id]) in body
    assert reverse("booking:detail", args=[cancelled.public_id]) in body
    assert "Cancelled" in body
    with time_machine.travel(late.start - timedelta(hours=2), tick=False):
        appointment_cancel(appointment=late, by=alex)
    body = client.get(reverse("booking:appointments")).content.decode()
    assert "Cancelled late" in body
    assert "Times in Los Angeles time (PST)" in body


# --- Who may see what -----------------------------------------------------------------------


def test_stranger_and_other_clinician_get_404_on_every_appointment_url(
        client, alex, clinician, stranger, other_clinician):
    appointment = book(alex, clinician)
    for person in (stranger, other_clinician):
        client.force_login(person)
        for url in appointment_urls(appointment):
            assert client.get(url).status_code == 404, (person, url)
            assert client.post(url).status_code in (404, 405), (person, url)
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.BOOKED


def test_staff_get_404_on_client_pages(client, alex, clinician, admin_user):
    appointment = book(alex, clinician)
    entry = WaitlistEntry.objects.create(client=alex, clinician=clinician,
                                         service_type=service_type("therapy-consultation"))
    urls = [reverse("booking:appointments"), reverse("booking:choose_type"),
            reverse("booking:pick_time", args=["therapy-consultation"]),
            reverse("booking:confirm", args=["therapy-consultation"])
            + "?start=2026-03-03T15:00:00Z"]
    posts = [reverse("booking:waitlist_join", args=["therapy-consultation"]),
             reverse("booking:waitlist_leave", args=[entry.public_id])]
    for person in (clinician, admin_user):
        client.force_login(person)
        for url in urls + appointment_urls(appointment):
            assert client.get(url).status_code == 404, (person, url)
        for url in posts:
            assert client.post(url).status_code == 404, (person, url)


def test_anonymous_is_sent_to_sign_in(client, alex):
    response = client.get(reverse("booking:appointments"))
    assert response.status_code == 302
    assert reverse("account_login") in response.url


def test_a_coaching_client_sees_no_therapy_wording(client, make_client, clinician, hours):
    coach_only = make_client(clinician=clinician, service_lines=ServiceLines.COACHING)
    client.force_login(coach_only)
    body = client.get(reverse("booking:choose_type")).content.decode()
    assert "Coaching consultation" in body and "Coaching session" in body
    assert "therapy" not in body.lower()
    assert client.get(reverse("booking:pick_time", args=["therapy-consultation"])
                      ).status_code == 404


def test_a_prospective_client_sees_both_consultations_only(client, make_client, clinician,
                                                           other_clinician, hours):
    newcomer = make_client(clinician=None, service_lines="")
    client.force_login(newcomer)
    body = client.get(reverse("booking:choose_type")).content.decode()
    assert "Therapy consultation" in body and "Coaching consultation" in body
    assert "Therapy session" not in body and "Coaching session" not in body
    assert client.get(reverse("booking:pick_time", args=["therapy-intake"])).status_code == 404

    # No clinician yet: they choose one for a consultation.
    pick_url = reverse("booking:pick_time", args=["therapy-consultation"])
    body = client.get(pick_url).content.decode()
    assert "Choose a clinician" in body
    assert "Dana Reyes" in body and "Sam Okafor" in body
    body = client.get(pick_url, {"clinician": str(clinician.public_id)}).content.decode()
    assert f"clinician={clinician.public_id}" in body
    assert "Times on Tuesday 3 March" in body


# --- What the client is told ----------------------------------------------------------------


def test_late_cancellation_is_announced_before_confirming(client, alex, clinician):
    appointment = book(alex, clinician)
    client.force_login(alex)
    cancel_url = reverse("booking:cancel", args=[appointment.public_id])

    body = client.get(cancel_url).content.decode()
    assert "Cancel this appointment?" in body
    assert "late cancellation" not in body

    with time_machine.travel(FIRST - timedelta(hours=3), tick=False):
        client.force_login(alex)  # sessions last 12 hours
        body = client.get(cancel_url).content.decode()
        assert "This would be a late cancellation." in body
        response = client.post(cancel_url)
    assert response.status_code == 302
    assert response.url == reverse("booking:appointments")
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.LATE_CANCELLED
    body = client.get(response.url).content.decode()
    assert "It was cancelled late" in body
    assert "Cancelled late" in body


def test_cancel_outside_the_window(client, alex, clinician):
    appointment = book(alex, clinician)
    client.force_login(alex)
    response = client.post(reverse("booking:cancel", args=[appointment.public_id]),
                           follow=True)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert "is cancelled." in response.content.decode()
    # A second cancel finds nothing to cancel.
    response = client.post(reverse("booking:cancel", args=[appointment.public_id]))
    assert response.status_code == 302


def test_a_lost_race_shows_the_times_still_free(client, alex, clinician, make_client):
    client.force_login(alex)
    confirm = (reverse("booking:confirm", args=["therapy-consultation"])
               + f"?start=2026-03-03T14:00:00Z&clinician={clinician.public_id}")
    assert client.get(confirm).status_code == 200
    book(make_client(clinician=clinician), clinician)  # someone else is quicker

    response = client.post(confirm, follow=True)
    body = response.content.decode()
    assert response.status_code == 200
    assert response.redirect_chain[0][1] == 302
    assert "That time was just taken. Here are the times still free." in body
    assert "Times on Tuesday 3 March" in body
    assert "2026-03-03T14%3A00%3A00Z" not in body  # the taken time
    assert "2026-03-03T14%3A30%3A00Z" in body  # 9:30 is still free (20 minutes + 10 buffer)
    assert not Appointment.objects.filter(client=alex).exists()


def test_a_stale_link_to_a_taken_time_goes_back_to_the_times(client, alex, clinician,
                                                             make_client):
    book(make_client(clinician=clinician), clinician)
    client.force_login(alex)
    response = client.get(reverse("booking:confirm", args=["therapy-consultation"]),
                          {"start": "2026-03-03T14:00:00Z"}, follow=True)
    assert "That time can&#x27;t be booked" in response.content.decode()


def test_coaching_is_blocked_while_a_risk_flag_is_open(client, alex, clinician):
    sign(alex, "coaching")
    screening_submit(client=alex, instrument="safety",
                     answers={"s1": 1, "s2": 0, "s3": 0, "s4": 0})
    client.force_login(alex)
    body = client.get(reverse("booking:choose_type")).content.decode()
    assert "Coaching can&#x27;t be booked or moved right now" in body
    assert reverse("booking:pick_time", args=["coaching-consultation"]) + '"' not in body
    assert reverse("booking:pick_time", args=["therapy-consultation"]) + '"' in body

    body = client.get(reverse("booking:pick_time", args=["coaching-session"])).content.decode()
    assert "Coaching can&#x27;t be booked or moved right now" in body
    assert "?start=" not in body
    response = client.post(reverse("booking:confirm", args=["coaching-consultation"])
                           + "?start=2026-03-03T14:00:00Z")
    assert "Coaching can&#x27;t be booked or moved right now" in response.content.decode()
    assert not Appointment.objects.exists()

    # Therapy consultation stays bookable.
    body = client.get(reverse("booking:pick_time", args=["therapy-consultation"])
                      ).content.decode()
    assert "?start=2026-03-03T14%3A00%3A00Z" in body


def test_a_coaching_only_client_at_risk_is_offered_the_therapy_consultation(
        client, make_client, clinician, hours):
    coach_only = make_client(clinician=clinician, service_lines=ServiceLines.COACHING)
    screening_submit(client=coach_only, instrument="safety",
                     answers={"s1": 1, "s2": 0, "s3": 0, "s4": 0})
    client.force_login(coach_only)
    body = client.get(reverse("booking:choose_type")).content.decode()
    assert reverse("booking:pick_time", args=["therapy-consultation"]) + '"' in body
    assert "Therapy session" not in body


def test_sessions_book_after_consent(client, alex, clinician):
    sign(alex, "therapy")
    client.force_login(alex)
    body = client.get(reverse("booking:choose_type")).content.decode()
    assert reverse("booking:pick_time", args=["therapy-intake"]) + '"' in body
    assert "Therapy sessions start after your therapy intake." in body
    response = client.post(reverse("booking:confirm", args=["therapy-intake"])
                           + "?start=2026-03-04T14:00:00Z")
    assert response.status_code == 302
    assert Appointment.objects.get(client=alex).service_type.code == "therapy-intake"


def test_reschedule(client, alex, clinician):
    appointment = book(alex, clinician)
    client.force_login(alex)
    url = reverse("booking:reschedule", args=[appointment.public_id])
    body = client.get(url, {"day": "2026-03-04"}).content.decode()
    assert "Times in Los Angeles time (PST)" in body
    assert "Times on Wednesday 4 March" in body
    # Its own time is offered again (the appointment being moved does not block itself).
    assert "2026-03-03T14%3A00%3A00Z" in client.get(url).content.decode()

    body = text(client.get(url, {"start": "2026-03-04T15:00:00Z"}))
    assert "Move it to this time?" in body
    assert "Wednesday 4 March 2026, 07:00" in body
    response = client.post(f"{url}?start=2026-03-04T15:00:00Z")
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.start == datetime(2026, 3, 4, 15, tzinfo=UTC)
    body = text(client.get(response.url))
    assert "Moved to Wednesday 4 March at 07:00." in body
    assert "You moved it from Tuesday 3 March, 06:00 to Wednesday 4 March, 07:00." in body


def test_reschedule_inside_the_late_window_is_explained(client, alex, clinician):
    appointment = book(alex, clinician)
    client.force_login(alex)
    url = reverse("booking:reschedule", args=[appointment.public_id])
    with time_machine.travel(FIRST - timedelta(hours=2), tick=False):
        client.force_login(alex)  # sessions last 12 hours
        body = client.get(url).content.decode()
        assert "too close to the appointment to move it online" in body
        response = client.post(f"{url}?start=2026-03-04T15:00:00Z")
        assert "too close to the appointment to move it online" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.start == FIRST


def test_waitlist_join_and_leave(client, alex, clinician, stranger):
    client.force_login(alex)
    join = reverse("booking:waitlist_join", args=["therapy-consultation"])
    response = client.post(join, {"clinician": str(clinician.public_id)}, follow=True)
    entry = WaitlistEntry.objects.get(client=alex)
    assert entry.status == WaitlistEntry.Status.WAITING
    body = response.content.decode()
    assert "You are on the waitlist" in body
    assert "Waiting for an earlier time" in body
    leave = reverse("booking:waitlist_leave", args=[entry.public_id])
    assert leave in body
    # Joining twice keeps one place.
    client.post(join, {"clinician": str(clinician.public_id)})
    assert WaitlistEntry.objects.filter(client=alex).count() == 1
    body = client.get(reverse("booking:pick_time", args=["therapy-consultation"])
                      ).content.decode()
    assert "You are on the waitlist" in body

    client.force_login(stranger)
    assert client.post(leave).status_code == 404
    client.force_login(alex)
    assert client.get(leave).status_code == 405
    response = client.post(leave, follow=True)
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.LEFT
    assert "You have left the waitlist." in response.content.decode()


def test_empty_state_offers_the_waitlist(client, alex, clinician):
    WeeklyAvailability.objects.all().delete()
    client.force_login(alex)
    body = client.get(reverse("booking:pick_time", args=["therapy-consultation"])
                      ).content.decode()
    assert "No free times at the moment" in body
    assert reverse("booking:waitlist_join", args=["therapy-consultation"]) in body


def test_add_to_calendar_download(client, alex, clinician):
    appointment = book(alex, clinician)
    client.force_login(alex)
    response = client.get(reverse("booking:appointment_ics", args=[appointment.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert 'filename="appointment-2026-03-03.ics"' in response["Content-Disposition"]
    calendar = icalendar.Calendar.from_ical(response.content)
    [event] = calendar.walk("VEVENT")
    assert event["DTSTART"].params["TZID"] == CLIENT_ZONE
    assert event.decoded("DTSTART") == FIRST
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == [CLIENT_ZONE]
    assert "therapy" not in response.content.decode().lower()


# --- Nothing a URL can carry is a 500 -------------------------------------------------------


@pytest.mark.parametrize("query", [
    {"start": "tomorrow"},
    {"start": "2026-03-03T14:00:00"},  # no offset: a different moment in every zone
    {"start": "2026-02-30T14:00:00Z"},
    {"start": ""},
    {},
    {"start": "2026-03-03T14:00:00Z", "clinician": "not-a-uuid"},
    {"start": "2026-03-03T14:00:00Z", "clinician": "6f1c2a9e-0000-4000-8000-000000000000"},
])
def test_confirm_refuses_what_is_not_an_offered_time(client, alex, query):
    client.force_login(alex)
    url = reverse("booking:confirm", args=["therapy-consultation"])
    assert client.get(url, query).status_code == 404


def test_confirm_of_a_time_not_offered_goes_back(client, alex):
    client.force_login(alex)
    url = reverse("booking:confirm", args=["therapy-consultation"])
    response = client.get(url, {"start": "2026-03-03T03:00:00+00:00"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("booking:pick_time", args=["therapy-consultation"]))


@pytest.mark.parametrize(("day", "message"), [
    ("garbage", "That is not a date."),
    ("2026-13-01", "That is not a date."),
    ("2020-01-01", "Times can be booked online from today to"),
    ("2027-01-01", "Times can be booked online from today to"),
])
def test_a_bad_day_is_a_clear_error(client, alex, day, message):
    client.force_login(alex)
    response = client.get(reverse("booking:pick_time", args=["therapy-consultation"]),
                          {"day": day})
    assert response.status_code == 200
    assert message in response.content.decode()


def test_unknown_codes_and_ids_are_404(client, alex):
    client.force_login(alex)
    assert client.get(reverse("booking:pick_time", args=["no-such-type"])).status_code == 404
    assert client.get(reverse("booking:pick_time", args=["therapy-consultation"]),
                      {"clinician": "nope"}).status_code == 404
    assert client.get("/appointments/not-a-uuid/").status_code == 404
    assert client.get(reverse("booking:detail", args=["6f1c2a9e-0000-4000-8000-000000000000"])
                      ).status_code == 404
    assert client.post(reverse("booking:waitlist_join", args=["therapy-consultation"]),
                       {"clinician": "nope"}).status_code == 404


def test_inactive_service_type_is_404(client, alex):
    ServiceType.objects.filter(code="therapy-consultation").update(is_active=False)
    client.force_login(alex)
    assert client.get(reverse("booking:pick_time", args=["therapy-consultation"])
                      ).status_code == 404
    assert "Therapy consultation" not in client.get(reverse("booking:choose_type")
                                                    ).content.decode()


# --- Queries --------------------------------------------------------------------------------


def _many(alex, clinician, count: int) -> list[Appointment]:
    """``count`` appointments, upcoming and past (a mix of statuses), each with history."""
    made = []
    for number in range(count):
        start = FIRST + timedelta(days=number // 4, hours=number % 4)
        if start.weekday() >= 5:
            start += timedelta(days=2)
        made.append(book(alex, clinician, start=start))
    for appointment in made[::3]:
        appointment_cancel(appointment=appointment, by=alex)
    return made


@pytest.mark.parametrize("count", [1, 8])
def test_appointments_page_queries(client, alex, clinician, count, django_assert_num_queries):
    _many(alex, clinician, count)
    WaitlistEntry.objects.create(client=alex, clinician=clinician,
                                 service_type=service_type("coaching-consultation"))
    client.force_login(alex)
    # 1. session with user  2. upcoming with type, clinician and profile (joins)  3. past, the
    # same  4. waitlist entries with type, clinician and profile (joins)
    with django_assert_num_queries(4):
        response = client.get(reverse("booking:appointments"))
    assert response.status_code == 200


@pytest.mark.parametrize("count", [1, 8])
def test_choose_type_queries(client, alex, clinician, count, django_assert_num_queries):
    _many(alex, clinician, count)
    client.force_login(alex)
    # 1. session with user  2. profile with clinician and clinician profile  3. active service
    # types. Then what booking_eligibility reads about the client, once for the page however
    # many types ask (sessions.selectors.ClientBookingFacts), never per appointment:
    # 4. open risk flag (the coaching types)  5.–6. every line's consent: the current
    # documents and the client's signatures (for the refusal's link and what changed; then no
    # intake check, as consent is missing)
    with django_assert_num_queries(6):
        response = client.get(reverse("booking:choose_type"))
    assert response.status_code == 200


@pytest.mark.parametrize("count", [1, 8])
def test_pick_time_queries(client, alex, clinician, count, django_assert_num_queries):
    _many(alex, clinician, count)
    client.force_login(alex)
    # 1. session with user  2. profile with clinician  3. service type  4. weekly hours
    # 5. exceptions  6. busy times (the shown fortnight's calendar: three queries; it has
    # free times, so the rest of the horizon is not read)  7. already on the waitlist?
    # (A consultation: no eligibility query for therapy.)
    with django_assert_num_queries(7):
        response = client.get(reverse("booking:pick_time", args=["therapy-consultation"]))
    assert response.status_code == 200


def test_confirm_queries(client, alex, clinician, django_assert_num_queries):
    _many(alex, clinician, 8)
    client.force_login(alex)
    url = reverse("booking:confirm", args=["therapy-consultation"])
    # 1. session with user  2. profile with clinician  3. service type  4.–6. is the time
    # still offered (weekly hours, exceptions, busy times)
    with django_assert_num_queries(6):
        response = client.get(url, {"start": "2026-03-06T14:00:00Z"})
    assert response.status_code == 200


@pytest.mark.parametrize("count", [1, 8])
def test_detail_and_cancel_and_ics_queries(client, alex, clinician, count,
                                           django_assert_num_queries):
    appointment = book(alex, clinician)
    for number in range(count):  # history grows: moved back and forth
        from sessions.services import appointment_reschedule
        appointment_reschedule(appointment=appointment, by=alex,
                               start=FIRST + timedelta(hours=1 + number % 2))
    client.force_login(alex)
    # 1. session with user  2. appointment with type, clinician and profile  3. its history
    with django_assert_num_queries(3):
        assert client.get(reverse("booking:detail", args=[appointment.public_id])
                          ).status_code == 200
    # 1. session with user  2. appointment with type, clinician and profile
    with django_assert_num_queries(2):
        assert client.get(reverse("booking:cancel", args=[appointment.public_id])
                          ).status_code == 200
    # 1. session with user  2. appointment  3. profile (discreet mode)
    with django_assert_num_queries(3):
        assert client.get(reverse("booking:appointment_ics", args=[appointment.public_id])
                          ).status_code == 200


def test_reschedule_queries(client, alex, clinician, django_assert_num_queries):
    appointment = _many(alex, clinician, 8)[1]
    client.force_login(alex)
    url = reverse("booking:reschedule", args=[appointment.public_id])
    # 1. session with user  2. appointment with type, clinician and profile  3.–5. free times
    # (weekly hours, exceptions, busy times without this appointment)
    with django_assert_num_queries(5):
        assert client.get(url).status_code == 200
    with django_assert_num_queries(5):
        assert client.get(url, {"start": "2026-03-06T16:00:00Z"}).status_code == 200


def test_the_picker_opens_on_the_first_fortnight_with_times(client, alex, clinician):
    """Only the fortnight shown is computed: with the first 20 days off, the page opens on the
    second fortnight and its first free day; a day asked for in the empty first fortnight shows
    that fortnight with no times, and still offers the picker (times exist later)."""
    for offset in range(20):  # 2 to 21 March off
        AvailabilityException.objects.create(
            clinician=clinician, date=NOW.date() + timedelta(days=offset),
            kind=AvailabilityException.Kind.OFF)
    client.force_login(alex)
    pick_url = reverse("booking:pick_time", args=["therapy-consultation"])
    body = client.get(pick_url).content.decode()
    assert "Times on Monday 23 March" in body
    assert "← Earlier dates" in body
    body = client.get(pick_url, {"day": "2026-03-04"}).content.decode()
    assert "Times on Wednesday 4 March" in body
    assert "Later dates →" in body
    assert "Tell me if an earlier time opens" in body


@pytest.mark.parametrize("count", [1, 8])
def test_pick_time_queries_when_the_first_fortnight_is_full(client, alex, clinician, count,
                                                           django_assert_num_queries):
    """The shown fortnight is read first; only when it has no free time is the horizon read,
    once, whatever the number of fortnights searched or appointments."""
    _many(alex, clinician, count)  # booked first, then the days are taken off
    for offset in range(20):  # 2 to 21 March off
        AvailabilityException.objects.create(
            clinician=clinician, date=NOW.date() + timedelta(days=offset),
            kind=AvailabilityException.Kind.OFF)
    client.force_login(alex)
    # 1. session with user  2. profile with clinician  3. service type  4.–6. the first
    # fortnight's calendar (weekly hours, exceptions, busy times): nothing free  7.–9. the
    # horizon's calendar, the same three  10. already on the waitlist?
    with django_assert_num_queries(10):
        response = client.get(reverse("booking:pick_time", args=["therapy-consultation"]))
    assert "Times on Monday 23 March" in response.content.decode()


def test_the_late_cancellation_window_and_fee_come_from_the_service_type(client, alex,
                                                                          clinician, settings):
    """Every page that states the policy states the service type's own window and fee."""
    settings.PRACTICE_PHONE = "(555) 010-9999"
    ServiceType.objects.filter(code="therapy-intake").update(late_cancel_hours=36,
                                                             late_cancel_fee=90)
    sign(alex, "therapy")
    client.force_login(alex)
    start = FIRST + timedelta(days=2)
    confirm = (reverse("booking:confirm", args=["therapy-intake"])
               + "?start=" + start.strftime("%Y-%m-%dT%H:%M:%SZ"))
    page = text(client.get(confirm))
    assert "until 36 hours before it starts" in page and "costs $90" in page
    appointment = book(alex, clinician, code="therapy-intake", start=start)
    detail = reverse("booking:detail", args=[appointment.public_id])
    assert "costs $90" in text(client.get(detail))
    # A free consultation costs nothing, and says so.
    consultation = book(alex, clinician)
    assert "missing it, costs nothing" in text(
        client.get(reverse("booking:detail", args=[consultation.public_id])))
    with time_machine.travel(start - timedelta(hours=30), tick=False):
        client.force_login(alex)
        warning = text(client.get(reverse("booking:cancel", args=[appointment.public_id])))
        assert "less than 36 hours" in warning and "costs $90" in warning
        # "It can't be moved online" says how to reach the practice instead.
        page = text(client.get(detail))
        assert "can't be moved online" in page and "(555) 010-9999" in page
        assert "(555) 010-9999" in text(client.get(reverse("booking:appointments")))


def test_every_page_shows_how_to_reach_the_practice(client, alex, settings):
    settings.PRACTICE_CONTACT_EMAIL = "desk@practice.example"
    client.force_login(alex)
    page = client.get(reverse("booking:appointments")).content.decode()
    assert 'href="mailto:desk@practice.example"' in page  # the footer
    from django.template.loader import render_to_string

    for name in ("403.html", "500.html"):
        assert "desk@practice.example" in render_to_string(name)


def test_a_refusal_for_an_outdated_signature_leads_to_the_new_version(client, alex, clinician):
    """A new version of the consent: booking says what changed and links to the signing page,
    which says it too."""

    sign(alex, "therapy")
    consent_publish_new_version(
        "therapy", changes_summary="Sessions are now 50 minutes, and video sessions are offered.")
    client.force_login(alex)
    sign_url = reverse("clients:consent_sign", args=["therapy"])
    for url in (reverse("booking:choose_type"),
                reverse("booking:pick_time", args=["therapy-intake"])):
        page = client.get(url).content.decode()
        assert "A new version of the therapy consent was published" in page
        assert "Sessions are now 50 minutes, and video sessions are offered." in page
        assert f'href="{sign_url}"' in page
    page = text(client.get(sign_url))
    assert "What changed: Sessions are now 50 minutes" in page
    # A first signature is asked for plainly, with the same link.
    page = client.get(reverse("booking:pick_time", args=["coaching-session"])).content.decode()
    assert "Please sign the coaching agreement first." in page
    assert reverse("clients:consent_sign", args=["coaching"]) in page


def test_the_join_link_shows_from_fifteen_minutes_before_and_never_in_the_calendar_file(
        client, alex, clinician):
    ClinicianProfile.objects.filter(user=clinician).update(
        video_url="https://video.example/room/dana")
    ServiceType.objects.filter(code="therapy-consultation").update(
        video_url="https://video.example/room/practice")
    appointment = book(alex, clinician)  # a video consultation at FIRST
    client.force_login(alex)
    detail = reverse("booking:detail", args=[appointment.public_id])
    page = text(client.get(detail))
    assert "The link appears here 15 minutes before the start" in page
    assert "video.example" not in client.get(detail).content.decode()
    ics = client.get(reverse("booking:appointment_ics", args=[appointment.public_id]))
    assert b"video.example" not in ics.content
    assert b"join from the portal" in ics.content
    with time_machine.travel(FIRST - timedelta(minutes=10), tick=False):
        client.force_login(alex)
        body = client.get(detail).content.decode()
        # The clinician's own room comes before the appointment type's.
        assert 'href="https://video.example/room/dana"' in body and "Join now" in body
    ClinicianProfile.objects.filter(user=clinician).update(video_url="")
    with time_machine.travel(FIRST + timedelta(minutes=5), tick=False):
        client.force_login(alex)
        assert 'href="https://video.example/room/practice"' in client.get(detail).content.decode()
    with time_machine.travel(appointment.end + timedelta(minutes=1), tick=False):
        client.force_login(alex)
        assert "Join the video call" not in client.get(detail).content.decode()


def test_the_booking_page_refusals_are_those_of_consent_refusal(client_user):
    """ClientBookingFacts reads every line's consent at once (consent_refusals_for_client);
    its answers are consent_refusal's, word for word, never signed, signed and outdated."""
    from clients.selectors import consent_refusal, consent_refusals_for_client

    def same() -> None:
        together = consent_refusals_for_client(client=client_user)
        for kind in ("therapy", "coaching"):
            alone = consent_refusal(client=client_user, kind=kind)
            assert together[kind] == alone
            if alone is not None:
                assert (together[kind].kind, together[kind].signed_before,
                        together[kind].changes_summary) == (
                    alone.kind, alone.signed_before, alone.changes_summary)

    same()  # never signed
    sign(client_user, "coaching")
    same()  # one signed
    consent_publish_new_version("coaching",
                                changes_summary="Sessions now last 45 minutes.")
    same()  # signed an older version
    assert consent_refusals_for_client(client=client_user)["coaching"].signed_before
