"""Booking services: who may book what, no overlaps, moves and cancellations that keep their
history, reminders that follow the appointment, series across DST, the waitlist."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from clients.models import ServiceLines
from notifications.models import Notification
from screening.services import risk_flag_resolve, screening_submit
from screening.tests.conftest import answers
from sessions.models import Appointment, AppointmentChange, WaitlistEntry
from sessions.services import (
    BookingNotAllowed,
    SlotUnavailable,
    appointment_book,
    appointment_cancel,
    appointment_mark,
    appointment_reschedule,
    booking_eligibility,
    series_book,
    waitlist_join,
)
from sessions.tests.conftest import service_type, sign_consent

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2027, 1, 4, 6, 0, tzinfo=UTC)  # Monday 01:00 in New York
TUESDAY_10 = datetime(2027, 1, 5, 10, 0, tzinfo=NEW_YORK)


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def pending(kind: str):
    return Notification.objects.filter(kind=kind, status="pending")


def complete_intake(client, clinician) -> None:
    with time_machine.travel(NOW - timedelta(days=30), tick=False):
        intake = appointment_book(client=client, clinician=clinician,
                                  service_type=service_type("therapy-intake"),
                                  start=NOW - timedelta(days=29), by=clinician)
    appointment_mark(appointment=intake, status="completed", by=clinician)


# --- eligibility ------------------------------------------------------------------------------

def test_consultations_are_open_to_anyone_signed_up(dana, make_client):
    newcomer = make_client(clinician=None, service_lines="")
    for code in ("therapy-consultation", "coaching-consultation"):
        assert booking_eligibility(client=newcomer, clinician=dana,
                                   service_type=service_type(code)) is None


def test_sessions_need_the_consent_for_their_line(dana, client_user):
    reason = booking_eligibility(client=client_user, clinician=dana,
                                 service_type=service_type("coaching-session"))
    assert reason == "Please sign the coaching agreement first."
    sign_consent(client_user, "coaching")
    assert booking_eligibility(client=client_user, clinician=dana,
                               service_type=service_type("coaching-session")) is None


def test_therapy_sessions_come_after_a_completed_intake(dana, client_user):
    sign_consent(client_user, "therapy")
    session = service_type("therapy-session")
    assert booking_eligibility(client=client_user, clinician=dana, service_type=session) == (
        "Therapy sessions start after your therapy intake.")
    complete_intake(client_user, dana)
    assert booking_eligibility(client=client_user, clinician=dana, service_type=session) is None


def test_sessions_are_with_the_clients_own_clinician(dana, other_clinician, client_user):
    sign_consent(client_user, "coaching")
    reason = booking_eligibility(client=client_user, clinician=other_clinician,
                                 service_type=service_type("coaching-session"))
    assert reason.startswith("Sessions are booked with your own clinician")


def test_a_clinician_books_only_for_their_own_or_unassigned_clients(dana, other_clinician,
                                                                      stranger, make_client):
    consultation = service_type("therapy-consultation")
    with pytest.raises(BookingNotAllowed, match="assigned to another clinician"):
        appointment_book(client=stranger, clinician=dana, service_type=consultation,
                         start=TUESDAY_10, by=dana)
    newcomer = make_client(clinician=None)
    assert appointment_book(client=newcomer, clinician=dana, service_type=consultation,
                            start=TUESDAY_10, by=dana).status == "booked"


def test_an_open_risk_flag_blocks_coaching_but_not_therapy(dana, client_user):
    sign_consent(client_user, "coaching")
    screening_submit(client=client_user, instrument="safety", answers=answers("safety", s1=1))
    for code in ("coaching-consultation", "coaching-session"):
        with pytest.raises(BookingNotAllowed, match="Coaching can't be booked or moved right now"):
            appointment_book(client=client_user, clinician=dana, service_type=service_type(code),
                             start=TUESDAY_10)
    therapy = appointment_book(client=client_user, clinician=dana,
                               service_type=service_type("therapy-consultation"),
                               start=TUESDAY_10)
    assert therapy.status == "booked"
    flag = client_user.risk_flags.get()
    risk_flag_resolve(flag=flag, note="Spoke with the client; safe.", by=dana)
    assert booking_eligibility(client=client_user, clinician=dana,
                               service_type=service_type("coaching-session")) is None


# --- booking ----------------------------------------------------------------------------------

def test_booking_records_history_reminders_and_confirmations(dana, client_user):
    appointment = appointment_book(client=client_user, clinician=dana,
                                   service_type=service_type("therapy-consultation"),
                                   start=TUESDAY_10)
    assert appointment.end - appointment.start == timedelta(minutes=20)
    assert appointment.block_end == appointment.end + timedelta(minutes=10)
    assert list(appointment.changes.values_list("action", "by")) == [("booked", client_user.pk)]
    reminders = pending("appointment_reminder").filter(recipient=client_user)
    assert sorted(r.due_at for r in reminders) == [TUESDAY_10 - timedelta(hours=24),
                                                   TUESDAY_10 - timedelta(hours=2)]
    confirmations = pending("appointment_confirmed")
    assert set(confirmations.values_list("recipient", flat=True)) == {client_user.pk, dana.pk}
    assert all("BEGIN:VCALENDAR" in c.context["ics"] for c in confirmations)


def test_a_client_books_only_offered_slots(dana, client_user):
    consultation = service_type("therapy-consultation")
    for start in (datetime(2027, 1, 5, 8, 0, tzinfo=NEW_YORK),   # before hours
                  datetime(2027, 1, 5, 10, 5, tzinfo=NEW_YORK),  # off the grid
                  datetime(2027, 1, 4, 9, 0, tzinfo=NEW_YORK),   # inside the notice
                  datetime(2027, 1, 9, 10, 0, tzinfo=NEW_YORK)):  # Saturday
        with pytest.raises(SlotUnavailable):
            appointment_book(client=client_user, clinician=dana, service_type=consultation,
                             start=start)
    assert not Appointment.objects.exists()


def test_overlaps_are_refused_buffers_included(dana, client_user, stranger, make_client):
    consultation = service_type("therapy-consultation")  # 20 minutes + 10 after
    appointment_book(client=client_user, clinician=dana, service_type=consultation,
                     start=TUESDAY_10)
    other = make_client(clinician=None)
    with pytest.raises(SlotUnavailable):  # 10:15 falls inside 10:00-10:30 (buffer)
        appointment_book(client=other, clinician=dana, service_type=consultation,
                         start=TUESDAY_10 + timedelta(minutes=15))
    # Even the clinician, booking on a client's behalf at any time, cannot overlap.
    with pytest.raises(SlotUnavailable):
        appointment_book(client=other, clinician=dana, service_type=consultation,
                         start=TUESDAY_10 + timedelta(minutes=20), by=dana)
    later = appointment_book(client=other, clinician=dana, service_type=consultation,
                             start=TUESDAY_10 + timedelta(minutes=30))
    assert later.status == "booked"
    assert Appointment.objects.count() == 2


def test_the_clinician_may_book_outside_the_weekly_hours(dana, client_user):
    evening = datetime(2027, 1, 5, 19, 0, tzinfo=NEW_YORK)
    appointment = appointment_book(client=client_user, clinician=dana,
                                   service_type=service_type("therapy-consultation"),
                                   start=evening, by=dana)
    assert appointment.start == evening


def test_naive_start_is_refused(dana, client_user):
    with pytest.raises(ValueError):
        appointment_book(client=client_user, clinician=dana,
                         service_type=service_type("therapy-consultation"),
                         start=datetime(2027, 1, 5, 10, 0))


# --- moving and cancelling --------------------------------------------------------------------

def test_reschedule_keeps_history_uid_and_moves_the_reminders(dana, client_user):
    appointment = appointment_book(client=client_user, clinician=dana,
                                   service_type=service_type("therapy-consultation"),
                                   start=TUESDAY_10)
    uid = appointment.public_id
    thursday = datetime(2027, 1, 7, 14, 0, tzinfo=NEW_YORK)
    appointment_reschedule(appointment=appointment, start=thursday, by=client_user)
    appointment.refresh_from_db()
    assert (appointment.public_id, appointment.start, appointment.sequence) == (uid, thursday, 1)
    change = appointment.changes.last()
    assert (change.action, change.old_start, change.new_start) == (
        "rescheduled", TUESDAY_10, thursday)
    reminders = pending("appointment_reminder").filter(recipient=client_user)
    assert sorted(r.due_at for r in reminders) == [thursday - timedelta(hours=24),
                                                   thursday - timedelta(hours=2)]
    assert Notification.objects.filter(kind="appointment_reminder",
                                       status="cancelled").count() == 2
    assert pending("appointment_changed").count() == 2


def test_a_client_cannot_move_inside_the_late_window(dana, client_user):
    appointment = appointment_book(client=client_user, clinician=dana,
                                   service_type=service_type("therapy-consultation"),
                                   start=TUESDAY_10)
    with time_machine.travel(TUESDAY_10 - timedelta(hours=5), tick=False), \
            pytest.raises(ValidationError, match="too close"):
        appointment_reschedule(appointment=appointment,
                               start=TUESDAY_10 + timedelta(days=2), by=client_user)


@pytest.mark.parametrize("hours_before, by_client, status", [
    (48, True, "cancelled"),
    (5, True, "late_cancelled"),  # consultation's late window: 12 hours
    (5, False, "cancelled"),      # the clinician's cancellation is never the client's fault
])
def test_cancel_late_or_not(dana, client_user, hours_before, by_client, status):
    appointment = appointment_book(client=client_user, clinician=dana,
                                   service_type=service_type("therapy-consultation"),
                                   start=TUESDAY_10)
    with time_machine.travel(TUESDAY_10 - timedelta(hours=hours_before), tick=False):
        appointment_cancel(appointment=appointment, by=client_user if by_client else dana)
    appointment.refresh_from_db()
    assert appointment.status == status
    assert appointment.sequence == 1
    assert not pending("appointment_reminder").exists()
    cancellations = pending("appointment_cancelled")
    assert cancellations.count() == 2
    assert all("METHOD:CANCEL" in c.context["ics"] for c in cancellations)
    with pytest.raises(ValidationError):
        appointment_cancel(appointment=appointment, by=client_user)


def test_strangers_cannot_change_an_appointment(dana, client_user, stranger, other_clinician):
    appointment = appointment_book(client=client_user, clinician=dana,
                                   service_type=service_type("therapy-consultation"),
                                   start=TUESDAY_10)
    for person in (stranger, other_clinician):
        with pytest.raises(ValidationError):
            appointment_cancel(appointment=appointment, by=person)
        with pytest.raises(ValidationError):
            appointment_reschedule(appointment=appointment,
                                   start=TUESDAY_10 + timedelta(days=1), by=person)


def test_mark_completed_or_no_show_once_started(dana, client_user):
    appointment = appointment_book(client=client_user, clinician=dana,
                                   service_type=service_type("therapy-consultation"),
                                   start=TUESDAY_10)
    with pytest.raises(ValidationError, match="once it has started"):
        appointment_mark(appointment=appointment, status="completed", by=dana)
    with time_machine.travel(TUESDAY_10 + timedelta(minutes=30), tick=False):
        with pytest.raises(ValidationError):
            appointment_mark(appointment=appointment, status="completed", by=client_user)
        appointment_mark(appointment=appointment, status="no_show", by=dana)
    assert Appointment.objects.get().status == "no_show"
    assert appointment.changes.last().action == "no_show"


# --- series -----------------------------------------------------------------------------------

def test_a_weekly_series_keeps_its_local_time_across_dst(dana, client_user):
    sign_consent(client_user, "therapy")
    complete_intake(client_user, dana)
    blocker = appointment_book(client=client_user, clinician=dana,
                               service_type=service_type("therapy-consultation"),
                               start=datetime(2027, 3, 16, 10, 0, tzinfo=NEW_YORK), by=dana)
    series, booked, collisions = series_book(
        client=client_user, clinician=dana, service_type=service_type("therapy-session"),
        first_date=date(2027, 3, 2), local_time=time(10), time_zone="America/New_York",
        interval_weeks=1, count=4, by=dana)
    # 2, 9, 16 and 23 March; New York moves its clocks on 14 March; the 16th collides.
    assert [a.start.astimezone(NEW_YORK).time() for a in booked] == [time(10)] * 3
    assert [a.start.astimezone(UTC).hour for a in booked] == [15, 15, 14]
    assert collisions == [datetime(2027, 3, 16, 10, 0, tzinfo=NEW_YORK)]
    assert series.collisions == ["2027-03-16T10:00:00-04:00"]
    assert all(a.series == series for a in booked)
    assert blocker.status == "booked"

    # One occurrence moves or is cancelled without touching the rest.
    appointment_cancel(appointment=booked[0], by=dana)
    appointment_reschedule(appointment=booked[1], start=booked[1].start + timedelta(hours=2),
                           by=dana)
    statuses = list(Appointment.objects.filter(series=series).order_by("start")
                    .values_list("status", flat=True))
    assert statuses == ["cancelled", "booked", "booked"]


def test_a_fortnightly_series_across_the_autumn_change(dana, client_user):
    sign_consent(client_user, "coaching")
    berlin = ZoneInfo("Europe/Berlin")
    _, booked, collisions = series_book(
        client=client_user, clinician=dana, service_type=service_type("coaching-session"),
        first_date=date(2027, 10, 20), local_time=time(18, 30), time_zone="Europe/Berlin",
        interval_weeks=2, count=3, by=dana)
    assert collisions == []
    assert [a.start.astimezone(berlin).strftime("%d %H:%M") for a in booked] == [
        "20 18:30", "03 18:30", "17 18:30"]
    assert [a.start.astimezone(UTC).hour for a in booked] == [16, 17, 17]


def test_only_the_clinician_books_a_series(dana, client_user):
    with pytest.raises(ValidationError):
        series_book(client=client_user, clinician=dana,
                    service_type=service_type("therapy-consultation"),
                    first_date=date(2027, 1, 5), local_time=time(10),
                    time_zone="America/New_York", interval_weeks=1, count=2, by=client_user)


# --- waitlist ---------------------------------------------------------------------------------

def test_a_cancellation_is_offered_to_the_waitlist_in_order(dana, client_user, make_client):
    consultation = service_type("therapy-consultation")
    appointment = appointment_book(client=client_user, clinician=dana,
                                   service_type=consultation, start=TUESDAY_10)
    first, second = make_client(clinician=None), make_client(clinician=None)
    waitlist_join(client=first, clinician=dana, service_type=consultation)
    waitlist_join(client=second, clinician=dana, service_type=consultation)
    waitlist_join(client=first, clinician=dana, service_type=consultation)  # one place only
    assert WaitlistEntry.objects.count() == 2

    appointment_cancel(appointment=appointment, by=client_user)
    offers = list(pending("waitlist_offer").order_by("due_at"))
    assert [o.recipient for o in offers] == [first, second]
    assert offers[1].due_at - offers[0].due_at == timedelta(minutes=15)
    assert offers[0].context == {"start_at": TUESDAY_10.astimezone(UTC).isoformat()}

    # First to book wins; the second finds it taken.
    appointment_book(client=second, clinician=dana, service_type=consultation, start=TUESDAY_10)
    with pytest.raises(SlotUnavailable):
        appointment_book(client=first, clinician=dana, service_type=consultation,
                         start=TUESDAY_10)
    assert WaitlistEntry.objects.get(client=second).status == "booked"
    assert WaitlistEntry.objects.get(client=first).status == "waiting"


def test_discreet_clients_get_a_neutral_calendar_title(dana, client_user):
    client_user.client_profile.discreet_mode = True
    client_user.client_profile.save()
    client_user.client_profile.service_lines = ServiceLines.BOTH
    appointment_book(client=client_user, clinician=dana,
                     service_type=service_type("therapy-consultation"), start=TUESDAY_10)
    to_client = pending("appointment_confirmed").get(recipient=client_user)
    to_dana = pending("appointment_confirmed").get(recipient=dana)
    assert "SUMMARY:Appointment\r\n" in to_client.context["ics"]
    assert "SUMMARY:Appointment with Tandem Practice" in to_dana.context["ics"]
    for row in (to_client, to_dana):
        assert "herapy" not in row.context["ics"]
    assert AppointmentChange.objects.count() == 1
