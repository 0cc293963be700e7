"""Booking: service types, availability, appointments, recurring series, waitlist, calendar feeds.

Times are stored in UTC; availability is stored as wall-clock times in the clinician's zone and
turned into UTC per date, so 9:00 in New York stays 9:00 across a DST change (rule 5). On
PostgreSQL an exclusion constraint over each appointment's time including its buffers makes a
clinician's double booking impossible (rule 4; see migration 0002).
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from clients.models import ServiceLine, Weekday


class ServiceKind(models.TextChoices):
    CONSULTATION = "consultation", "Consultation"
    INTAKE = "intake", "Intake"
    SESSION = "session", "Session"


class Location(models.TextChoices):
    VIDEO = "video", "Video call"
    OFFICE = "office", "In the office"


class BookableBy(models.TextChoices):
    CLIENT = "client", "Clients book it themselves"
    CLINICIAN = "clinician", "Only the clinician books it"


def default_reminder_hours() -> list[int]:
    return [24, 2]


class ServiceType(models.Model):
    code = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    service_line = models.CharField(max_length=16, choices=ServiceLine.choices)
    kind = models.CharField(max_length=16, choices=ServiceKind.choices)
    duration_minutes = models.PositiveSmallIntegerField()
    buffer_before_minutes = models.PositiveSmallIntegerField(default=0)
    buffer_after_minutes = models.PositiveSmallIntegerField(default=10)
    min_notice_hours = models.PositiveSmallIntegerField(default=24)
    horizon_days = models.PositiveSmallIntegerField(default=60)
    late_cancel_hours = models.PositiveSmallIntegerField(
        default=24, help_text="Cancelling later than this many hours before the start, or not "
                              "coming, is a late cancellation.")
    late_cancel_fee = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True,
        help_text="What a late cancellation or a missed appointment costs, in dollars. Empty: "
                  "nothing. Every page and the consent pages state it from here.")
    location = models.CharField(max_length=16, choices=Location.choices, default=Location.VIDEO)
    location_detail = models.CharField(
        max_length=300, blank=True,
        help_text="The office address or the video link, sent with the confirmation.")
    video_url = models.URLField(
        blank=True, help_text="The video room for this kind of appointment, when the clinician "
                              "has none of their own. Shown to the client from 15 minutes "
                              "before the start, never in emails or calendar files.")
    price_note = models.CharField(max_length=100, blank=True, help_text='For example "Free".')
    bookable_by = models.CharField(max_length=16, choices=BookableBy.choices,
                                   default=BookableBy.CLIENT)
    reminder_hours = models.JSONField(
        default=default_reminder_hours,
        help_text="Hours before the start at which reminders go out, e.g. [24, 2].")
    is_active = models.BooleanField(default=True)
    display_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["service_line", "display_order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def late_cancel_fee_words(self) -> str:
        """The fee in the words the pages use: "$75" or "" (no fee)."""
        if not self.late_cancel_fee:
            return ""
        amount = self.late_cancel_fee
        return f"${amount:,.0f}" if amount == amount.to_integral_value() else f"${amount:,.2f}"

    def clean(self) -> None:
        if self.late_cancel_fee is not None and self.late_cancel_fee < 0:
            raise ValidationError({"late_cancel_fee": "A fee cannot be negative."})
        if self.duration_minutes == 0:
            raise ValidationError({"duration_minutes": "A session lasts at least a minute."})
        hours = self.reminder_hours
        if not isinstance(hours, list) or not all(
                isinstance(h, int) and 0 < h <= 24 * 14 for h in hours):
            raise ValidationError({"reminder_hours": "A list of whole hours, e.g. [24, 2]."})

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def buffer_before(self) -> timedelta:
        return timedelta(minutes=self.buffer_before_minutes)

    @property
    def buffer_after(self) -> timedelta:
        return timedelta(minutes=self.buffer_after_minutes)


class WeeklyAvailability(models.Model):
    """Recurring hours, as wall-clock times in the clinician's own zone."""

    Weekday = Weekday  # one definition, in clients.models

    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="weekly_availability")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()
    service_line = models.CharField(max_length=16, choices=ServiceLine.choices, blank=True,
                                    help_text="Blank: any service line.")

    class Meta:
        ordering = ["weekday", "start_time"]
        verbose_name_plural = "weekly availability"
        constraints = [models.CheckConstraint(condition=Q(end_time__gt=models.F("start_time")),
                                              name="weekly_availability_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    def clean(self) -> None:
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ValidationError({"end_time": "The end must be after the start."})


class AvailabilityException(models.Model):
    """A dated change to the weekly hours: extra hours, or time off (a whole day when no times
    are given). Wall-clock times in the clinician's zone."""

    class Kind(models.TextChoices):
        EXTRA = "extra", "Extra hours"
        OFF = "off", "Time off"

    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="availability_exceptions")
    date = models.DateField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    service_line = models.CharField(max_length=16, choices=ServiceLine.choices, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["date", "start_time"]
        indexes = [models.Index(fields=["clinician", "date"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.date}"

    def clean(self) -> None:
        if (self.start_time is None) != (self.end_time is None):
            raise ValidationError("Give both a start and an end time, or neither (whole day).")
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ValidationError({"end_time": "The end must be after the start."})
        if self.kind == self.Kind.EXTRA and self.start_time is None:
            raise ValidationError({"start_time": "Extra hours need a start and an end time."})

    @property
    def whole_day(self) -> bool:
        return self.start_time is None


class RecurringSeries(models.Model):
    """A weekly or fortnightly series, kept as a wall-clock time plus zone so every occurrence
    keeps its local time across DST."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT)
    first_date = models.DateField()
    local_time = models.TimeField()
    time_zone = models.CharField(max_length=64)
    interval_weeks = models.PositiveSmallIntegerField(choices=[(1, "Weekly"), (2, "Fortnightly")])
    count = models.PositiveSmallIntegerField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Occurrences that collided with something already booked, as local ISO datetimes.
    collisions = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name_plural = "recurring series"

    def __str__(self) -> str:
        return f"{self.count} × {self.service_type} for {self.client}"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    CANCELLED = "cancelled", "Cancelled"
    LATE_CANCELLED = "late_cancelled", "Cancelled late"
    COMPLETED = "completed", "Completed"
    NO_SHOW = "no_show", "No-show"


# The statuses that occupy the clinician's time: the exclusion constraint covers exactly these.
ACTIVE_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.COMPLETED,
                   AppointmentStatus.NO_SHOW)


class Appointment(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="appointments")
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="clinician_appointments")
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT)
    start = models.DateTimeField()
    end = models.DateTimeField()
    # The time the clinician is taken: start - buffer before to end + buffer after, fixed at
    # booking (a later change to the service type's buffers does not move booked ones).
    block_start = models.DateTimeField()
    block_end = models.DateTimeField()
    status = models.CharField(max_length=16, choices=AppointmentStatus.choices,
                              default=AppointmentStatus.BOOKED)
    series = models.ForeignKey(RecurringSeries, on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="appointments")
    # The .ics SEQUENCE: raised on every change a calendar must pick up.
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["start"]
        indexes = [
            models.Index(fields=["clinician", "start"]),
            models.Index(fields=["client", "start"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")),
                                   name="appointment_ends_after_start"),
            models.CheckConstraint(condition=Q(block_start__lte=models.F("start"))
                                   & Q(block_end__gte=models.F("end")),
                                   name="appointment_block_covers_it"),
        ]

    def __str__(self) -> str:
        return f"{self.service_type} with {self.clinician} at {self.start:%Y-%m-%d %H:%M} UTC"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class AppointmentChange(models.Model):
    """The history of an appointment: every booking, move, cancellation and outcome."""

    class Action(models.TextChoices):
        BOOKED = "booked", "Booked"
        RESCHEDULED = "rescheduled", "Rescheduled"
        CANCELLED = "cancelled", "Cancelled"
        LATE_CANCELLED = "late_cancelled", "Cancelled late"
        COMPLETED = "completed", "Marked completed"
        NO_SHOW = "no_show", "Marked no-show"

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE,
                                    related_name="changes")
    action = models.CharField(max_length=16, choices=Action.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    old_start = models.DateTimeField(null=True, blank=True)
    new_start = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"


class WaitlistEntry(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        BOOKED = "booked", "Booked"
        LEFT = "left", "Left the waitlist"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="waitlist_entries")
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="+")
    service_type = models.ForeignKey(ServiceType, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.WAITING)

    class Meta:
        verbose_name_plural = "waitlist entries"
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["client", "clinician", "service_type"],
                                    condition=Q(status="waiting"),
                                    name="one_waiting_entry_per_client_and_type"),
        ]

    def __str__(self) -> str:
        return f"{self.client} waiting for {self.service_type}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A private calendar feed URL: the token is the only key, so it can be revoked (deleted)
    or regenerated."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"


# --- Measures before sessions (issue 17) -------------------------------------------------------


class MeasureCadence(models.TextChoices):
    EVERY = "every", "Before every session"
    EVERY_OTHER = "every_other", "Before every other session"
    WEEKS = "weeks", "Every few weeks"
    NONE = "none", "No measures before sessions"


class MeasurePlan(models.Model):
    """When measures go out before a service line's sessions: the practice's default
    (``client`` empty) or one client's own (set by their clinician). Without a row, the
    defaults of ``sessions.measures.DEFAULT_PLANS``."""

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                               blank=True, related_name="measure_plans")
    service_line = models.CharField(max_length=16, choices=ServiceLine.choices)
    cadence = models.CharField(max_length=16, choices=MeasureCadence.choices)
    every_weeks = models.PositiveSmallIntegerField(default=4)
    instruments = models.JSONField(default=list)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service_line"], condition=Q(client__isnull=True),
                                    name="one_practice_measure_plan_per_line"),
            models.UniqueConstraint(fields=["client", "service_line"],
                                    condition=Q(client__isnull=False),
                                    name="one_client_measure_plan_per_line"),
            models.CheckConstraint(condition=Q(every_weeks__gte=1) & Q(every_weeks__lte=52),
                                   name="measure_plan_weeks_in_range"),
        ]

    def __str__(self) -> str:
        who = self.client or "the practice"
        return f"{self.get_cadence_display()} ({self.service_line}) for {who}"


class SessionMeasures(models.Model):
    """The measures asked before one appointment: open from the invitation until the session
    ends, answered once."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    appointment = models.OneToOneField(Appointment, on_delete=models.CASCADE,
                                       related_name="measures")
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="session_measures")
    instruments = models.JSONField(default=list)
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    responses = models.ManyToManyField("screening.ScreeningResponse", blank=True,
                                       related_name="+")

    def __str__(self) -> str:
        return f"Measures before {self.appointment}"
