"""Writes of the booking app: book, reschedule, cancel, mark, series, waitlist, calendar feeds.

No double booking (rule 4): every booking and move rechecks the clinician's time inside its
transaction (IMMEDIATE on SQLite, so writers queue up) and, on PostgreSQL, the exclusion
constraint turns a lost race into an IntegrityError that becomes SlotUnavailable. Every change
cancels the appointment's pending reminders and schedules the right ones, in the same
transaction (rule 6). Who may book what is ``booking_eligibility``, a read that lives in
sessions/selectors.py beside the rule of which service types a client is offered.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clients.models import ClinicianProfile, User
from notifications import keys
from notifications.models import Notification
from notifications.services import notification_schedule, notifications_cancel
from sessions.calendar import appointment_ics
from sessions.measures import session_measures_plan
from sessions.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentChange,
    AppointmentStatus,
    CalendarFeed,
    RecurringSeries,
    ServiceType,
    WaitlistEntry,
)
from sessions.selectors import (
    blocks_overlapping,
    booking_eligibility,
    coaching_time_refusal,
    local_to_utc,
    slot_is_offered,
)

NO_OVERLAP_CONSTRAINT = "booking_appointment_no_overlap"


class SlotUnavailable(Exception):
    """The time is not free (taken, outside the clinician's hours, too soon or too far)."""


class BookingNotAllowed(Exception):
    """The client may not book this; the message says why, in words for the client."""


# --- booking ----------------------------------------------------------------------------------


# No appointment is booked years ahead or behind; near year 1 or 9999 the block arithmetic
# below would overflow into a 500 (found by the issue 13 fuzz tests).
BOOKING_HORIZON = timedelta(days=5 * 366)


def _require_within_horizon(start: datetime) -> None:
    if abs(start - timezone.now()) > BOOKING_HORIZON:
        raise SlotUnavailable("That time is not available.")


def _block(service_type: ServiceType, start: datetime) -> tuple[datetime, datetime, datetime]:
    _require_within_horizon(start)
    end = start + service_type.duration
    return end, start - service_type.buffer_before, end + service_type.buffer_after


def _lock_clinician_calendar(clinician: User) -> None:
    """Take the clinician's row lock for the rest of the transaction: bookings for one
    clinician queue up here instead of racing into the exclusion constraint, where concurrent
    inserts can deadlock each other. Other clinicians' bookings are not held up. (SQLite's
    IMMEDIATE transactions already serialize every writer.)"""
    ClinicianProfile.objects.select_for_update().filter(user=clinician).exists()


def _clinician_is_free(*, clinician: User, block_start: datetime, block_end: datetime,
                       ignore: Appointment | None = None) -> bool:
    return not blocks_overlapping(clinician=clinician, start=block_start, end=block_end,
                                  ignore=ignore).exists()



def _save_guarded(appointment: Appointment) -> None:
    """Save inside a savepoint; the exclusion constraint's refusal is SlotUnavailable. Every
    appointment that is created or moved is saved here, so rule 1 is asked here too, under the
    clinician's lock: a flag opened a moment ago still stops coaching time."""
    refusal = coaching_time_refusal(client=appointment.client,
                                    service_type=appointment.service_type)
    if refusal:
        raise BookingNotAllowed(refusal)
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as exc:
        if NO_OVERLAP_CONSTRAINT in str(exc):
            raise SlotUnavailable("That time was just taken.") from exc
        raise


def appointment_book(*, client: User, clinician: User, service_type: ServiceType,
                     start: datetime, by: User | None = None,
                     series: RecurringSeries | None = None) -> Appointment:
    """Book one appointment. A client may pick only an offered slot; a clinician booking on a
    client's behalf may choose any time that does not overlap. Raises BookingNotAllowed (with
    the reason) or SlotUnavailable."""
    by = by or client
    if timezone.is_naive(start):
        raise ValueError("start must be an aware datetime")
    reason = booking_eligibility(client=client, clinician=clinician,
                                 service_type=service_type, by=by)
    if reason:
        raise BookingNotAllowed(reason)
    if by != clinician and not slot_is_offered(clinician=clinician, service_type=service_type,
                                        start=start):
        raise SlotUnavailable("That time is not available.")
    end, block_start, block_end = _block(service_type, start)
    with transaction.atomic():
        _lock_clinician_calendar(clinician)
        if not _clinician_is_free(clinician=clinician, block_start=block_start,
                                  block_end=block_end):
            raise SlotUnavailable("That time was just taken.")
        appointment = Appointment(
            client=client, clinician=clinician, service_type=service_type, start=start,
            end=end, block_start=block_start, block_end=block_end, series=series,
            created_by=by, updated_by=by)
        _save_guarded(appointment)
        _history(appointment, AppointmentChange.Action.BOOKED, by=by, new_start=start)
        _reminders_reschedule(appointment)
        _notify_both(appointment, kind=Notification.Kind.APPOINTMENT_CONFIRMED)
        WaitlistEntry.objects.filter(client=client, clinician=clinician,
                                     service_type=service_type,
                                     status=WaitlistEntry.Status.WAITING).update(
            status=WaitlistEntry.Status.BOOKED)
    return appointment


def appointment_reschedule(*, appointment: Appointment, start: datetime,
                           by: User) -> Appointment:
    """Move a booked appointment; its history keeps the old time, its UID stays, its reminders
    follow it. A client moves only to an offered slot and not inside the late-cancellation
    window."""
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError("Only a booked appointment can be moved.")
    _require_party(appointment, by)
    refusal = coaching_time_refusal(client=appointment.client,
                                    service_type=appointment.service_type)
    if refusal:
        raise BookingNotAllowed(refusal)
    if by == appointment.client:
        if in_late_window(appointment):
            raise ValidationError(
                "It is too close to the appointment to move it online. Please contact your "
                "clinician, or cancel it.")
        if not slot_is_offered(clinician=appointment.clinician,
                               service_type=appointment.service_type, start=start,
                               ignore=appointment):
            raise SlotUnavailable("That time is not available.")
    old_start = appointment.start
    end, block_start, block_end = _block(appointment.service_type, start)
    with transaction.atomic():
        _lock_clinician_calendar(appointment.clinician)
        if not _clinician_is_free(clinician=appointment.clinician, block_start=block_start,
                                  block_end=block_end, ignore=appointment):
            raise SlotUnavailable("That time was just taken.")
        appointment.start, appointment.end = start, end
        appointment.block_start, appointment.block_end = block_start, block_end
        appointment.sequence += 1
        appointment.updated_by = by
        _save_guarded(appointment)
        _history(appointment, AppointmentChange.Action.RESCHEDULED, by=by, old_start=old_start,
                 new_start=start)
        _reminders_reschedule(appointment)
        _notify_both(appointment, kind=Notification.Kind.APPOINTMENT_CHANGED)
        _waitlist_offer(appointment=appointment, freed_start=old_start)
    return appointment


def in_late_window(appointment: Appointment, now: datetime | None = None) -> bool:
    """Cancelling now would be a late cancellation (the client is told before confirming)."""
    now = now or timezone.now()
    window = timedelta(hours=appointment.service_type.late_cancel_hours)
    return now >= appointment.start - window


def appointment_cancel(*, appointment: Appointment, by: User) -> Appointment:
    """Cancel a booked appointment. A client cancelling inside the late window makes it
    late-cancelled; a clinician's cancellation never is. Reminders stop, both people get a
    cancellation with a CANCEL calendar entry, and the freed time is offered to the waitlist."""
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError("This appointment is not booked.")
    _require_party(appointment, by)
    late = by == appointment.client and in_late_window(appointment)
    with transaction.atomic():
        updated = Appointment.objects.filter(
            pk=appointment.pk, status=AppointmentStatus.BOOKED).update(
            status=(AppointmentStatus.LATE_CANCELLED if late else AppointmentStatus.CANCELLED),
            sequence=appointment.sequence + 1, updated_by=by, updated_at=timezone.now())
        if not updated:
            raise ValidationError("This appointment is not booked.")
        appointment.refresh_from_db()
        _history(appointment, AppointmentChange.Action.LATE_CANCELLED if late
                 else AppointmentChange.Action.CANCELLED, by=by, old_start=appointment.start)
        _reminders_cancel(appointment)
        _notify_both(appointment, kind=Notification.Kind.APPOINTMENT_CANCELLED)
        _waitlist_offer(appointment=appointment, freed_start=appointment.start)
    return appointment


def appointment_mark(*, appointment: Appointment, status: str, by: User) -> Appointment:
    """The clinician records the outcome: completed or no-show, once the time has come."""
    if by != appointment.clinician:
        raise ValidationError("Only the appointment's clinician records its outcome.")
    if status not in (AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW):
        raise ValidationError({"status": "Choose completed or no-show."})
    if appointment.status not in ACTIVE_STATUSES:
        raise ValidationError("A cancelled appointment has no outcome.")
    if appointment.start > timezone.now():
        raise ValidationError("An appointment's outcome can be recorded once it has started.")
    with transaction.atomic():
        appointment.status = status
        appointment.updated_by = by
        appointment.save(update_fields=["status", "updated_by", "updated_at"])
        _history(appointment, AppointmentChange.Action(status), by=by)
        _reminders_cancel(appointment)
    return appointment


def _require_party(appointment: Appointment, by: User) -> None:
    if by not in (appointment.client, appointment.clinician):
        raise ValidationError("Only the client or their clinician can change this appointment.")


def _history(appointment: Appointment, action: str, *, by: User,
             old_start: datetime | None = None, new_start: datetime | None = None) -> None:
    AppointmentChange.objects.create(appointment=appointment, action=action, by=by,
                                     at=timezone.now(), old_start=old_start,
                                     new_start=new_start)


# --- series -----------------------------------------------------------------------------------


def series_book(*, client: User, clinician: User, service_type: ServiceType, first_date: date,
                local_time: time, time_zone: str, interval_weeks: int, count: int,
                by: User) -> tuple[RecurringSeries, list[Appointment], list[datetime]]:
    """A clinician books a weekly or fortnightly series. Each occurrence keeps its wall-clock
    time in ``time_zone`` across DST. Occurrences that collide are reported (as local times),
    never silently dropped; the others are booked."""
    if by != clinician:
        raise ValidationError("A clinician books a series for their client.")
    if interval_weeks not in (1, 2) or not 1 <= count <= 52:
        raise ValidationError("A series is weekly or fortnightly, 1 to 52 sessions.")
    reason = booking_eligibility(client=client, clinician=clinician, service_type=service_type,
                                 by=by)
    if reason:
        raise BookingNotAllowed(reason)
    zone = ZoneInfo(time_zone)
    booked: list[Appointment] = []
    collisions: list[datetime] = []
    with transaction.atomic():
        series = RecurringSeries.objects.create(
            client=client, clinician=clinician, service_type=service_type,
            first_date=first_date, local_time=local_time, time_zone=time_zone,
            interval_weeks=interval_weeks, count=count, created_by=by)
        for number in range(count):
            day = first_date + timedelta(weeks=interval_weeks * number)
            start = local_to_utc(day, local_time, zone)
            try:
                booked.append(appointment_book(client=client, clinician=clinician,
                                               service_type=service_type, start=start, by=by,
                                               series=series))
            except SlotUnavailable:
                collisions.append(start.astimezone(zone))
        series.collisions = [moment.isoformat() for moment in collisions]
        series.save(update_fields=["collisions"])
    return series, booked, collisions


# --- waitlist ---------------------------------------------------------------------------------


def waitlist_join(*, client: User, clinician: User, service_type: ServiceType) -> WaitlistEntry:
    """Ask to be told when an earlier time opens. Joining twice keeps one place in line."""
    reason = booking_eligibility(client=client, clinician=clinician, service_type=service_type)
    if reason:
        raise BookingNotAllowed(reason)
    entry, _ = WaitlistEntry.objects.get_or_create(
        client=client, clinician=clinician, service_type=service_type,
        status=WaitlistEntry.Status.WAITING)
    return entry


def waitlist_leave(*, entry: WaitlistEntry) -> None:
    WaitlistEntry.objects.filter(pk=entry.pk, status=WaitlistEntry.Status.WAITING).update(
        status=WaitlistEntry.Status.LEFT)


def _waitlist_offer(*, appointment: Appointment, freed_start: datetime) -> None:
    """Offer a freed time to the people waiting for that service type with that clinician, in
    the order they joined: each offer goes out a few minutes after the one before, and the
    first to book wins (the others find the time taken)."""
    if freed_start <= timezone.now():
        return
    in_line = WaitlistEntry.objects.filter(
        clinician=appointment.clinician, service_type=appointment.service_type,
        status=WaitlistEntry.Status.WAITING).exclude(client=appointment.client)
    stagger = timedelta(minutes=settings.WAITLIST_OFFER_STAGGER_MINUTES)
    now = timezone.now()
    # A client who may not have this time now (rule 1) is not offered it.
    waiting = [entry for entry in in_line.select_related("client")
               if not coaching_time_refusal(client=entry.client,
                                            service_type=appointment.service_type)]
    for place, entry in enumerate(waiting):
        notification_schedule(
            recipient=entry.client,
            kind=Notification.Kind.WAITLIST_OFFER,
            dedupe_key=keys.waitlist_offer(entry_public_id=entry.public_id,
                                           appointment_public_id=appointment.public_id,
                                           freed_start=freed_start),
            due_at=now + stagger * place,
            context={"start_at": freed_start.isoformat()},
        )


# --- reminders and emails ---------------------------------------------------------------------


def _reminders_cancel(appointment: Appointment) -> None:
    """The appointment's reminders stop: pending ones are cancelled (even one already handed
    to the broker: its delivery finds it cancelled) and failed or needs-review ones closed, so
    nobody resends a reminder for a time that is gone."""
    notifications_cancel(scope=keys.appointment_scope(appointment.public_id),
                         kinds=[Notification.Kind.APPOINTMENT_REMINDER,
                                Notification.Kind.MEASURES_INVITATION],
                         reason="The appointment was moved, cancelled or has taken place.")


def _reminders_reschedule(appointment: Appointment) -> None:
    """Cancel the appointment's reminders and schedule the ones for its time now, keyed by its
    version (``sequence``): moved away and back, the final time gets reminders of its own. A
    reminder whose moment has passed (booked at short notice) is not sent at all."""
    _reminders_cancel(appointment)
    session_measures_plan(appointment=appointment)
    now = timezone.now()
    for hours in appointment.service_type.reminder_hours:
        due = appointment.start - timedelta(hours=hours)
        if due <= now:
            continue
        notification_schedule(
            recipient=appointment.client,
            kind=Notification.Kind.APPOINTMENT_REMINDER,
            dedupe_key=keys.appointment_reminder(appointment_public_id=appointment.public_id,
                                                 sequence=appointment.sequence, hours=hours),
            due_at=due,
            context={"start_at": appointment.start.isoformat()},
        )


def _notify_both(appointment: Appointment, *, kind: str) -> None:
    """Confirmation, change or cancellation to the client and the clinician, each with a
    calendar file in their own zone."""
    for person in (appointment.client, appointment.clinician):
        discreet = person.is_client and person.client_profile.discreet_mode
        notification_schedule(
            recipient=person,
            kind=kind,
            dedupe_key=keys.appointment_message(kind=kind,
                                                appointment_public_id=appointment.public_id,
                                                sequence=appointment.sequence,
                                                person_id=person.pk),
            due_at=timezone.now(),
            context={
                "start_at": appointment.start.isoformat(),
                "ics": appointment_ics(appointment=appointment, zone_name=person.time_zone,
                                       discreet=discreet),
            },
        )


# --- calendar feeds ---------------------------------------------------------------------------


def calendar_feed_regenerate(*, user: User) -> CalendarFeed:
    """A new secret feed URL; the old one stops working at once."""
    CalendarFeed.objects.filter(user=user).delete()
    return CalendarFeed.objects.create(user=user)


def calendar_feed_revoke(*, user: User) -> None:
    CalendarFeed.objects.filter(user=user).delete()
