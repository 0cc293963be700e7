"""Goals per service line, their action steps, check-ins and comments, and the client's reminder
preferences.

Coaching goals are measurable (metric, baseline, target, direction); therapy goals come from the
treatment plan (the goal in the client's words, skills to practise, how often). Each goal has a
check-in cadence at a local time the client picks; reminders are outbox rows (rule 6).
"""

from __future__ import annotations

import uuid
from datetime import time
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator
from django.db import models
from django.db.models import Q

from clients.models import ServiceLine, Weekday
from portal.lib.limits import TEXT_LONG, text_fields_without_nul


class GoalStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ACHIEVED = "achieved", "Achieved"
    PAUSED = "paused", "Paused"
    DROPPED = "dropped", "Dropped"


class Direction(models.TextChoices):
    UP = "up", "Up (more is better)"
    DOWN = "down", "Down (less is better)"


class Cadence(models.TextChoices):
    DAILY = "daily", "Every day"
    WEEKDAYS = "weekdays", "Every weekday"
    WEEKLY = "weekly", "Every week"
    FORTNIGHTLY = "fortnightly", "Every two weeks"
    MONTHLY = "monthly", "Every month"



ZERO_TO_TEN = [MaxValueValidator(10)]


class Goal(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="goals")
    service_line = models.CharField(max_length=16, choices=ServiceLine.choices)
    # Coaching: the goal's title. Therapy: the goal in the client's own words.
    title = models.CharField(max_length=200)
    why = models.TextField("why it matters", blank=True,
                           validators=[MaxLengthValidator(TEXT_LONG)])
    # Coaching: what is measured.
    metric = models.CharField(max_length=100, blank=True)
    unit = models.CharField(max_length=30, blank=True)
    baseline = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    target = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    direction = models.CharField(max_length=8, choices=Direction.choices, blank=True)
    due_date = models.DateField(null=True, blank=True)
    # Therapy: what to practise and how often.
    skills = models.TextField(blank=True, help_text="For example: box breathing, a thought record.",
                              validators=[MaxLengthValidator(TEXT_LONG)])
    practice_frequency = models.CharField(max_length=100, blank=True,
                                          help_text='For example "three times a week".')
    # A therapy goal a client proposes counts once the clinician approves it.
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    # A client who rewrites an approved therapy goal sends it back for approval; this keeps
    # what the clinician approved and what it says now, field by field, until they approve
    # again: {"title": {"was": "...", "now": "..."}} (goals.services.goal_update).
    changes_since_approval = models.JSONField(default=dict, blank=True, editable=False)
    status = models.CharField(max_length=16, choices=GoalStatus.choices,
                              default=GoalStatus.ACTIVE)
    cadence = models.CharField(max_length=16, choices=Cadence.choices, default=Cadence.WEEKLY)
    # For weekly and fortnightly check-ins.
    cadence_weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, null=True,
                                                       blank=True)
    check_in_time = models.TimeField(default=time(18, 0),
                                     help_text="Local time in the client's own zone.")
    # Fortnightly and monthly periods count from this date (the day the goal was set).
    anchor_date = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The period of the newest check-in, kept by goals.services.check_in_record: the clinician's
    # needs-attention rule reads it instead of a subquery per goal (issue 15).
    last_check_in_period = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["service_line", "-created_at"]
        indexes = [models.Index(fields=["client", "service_line", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(cadence__in=["weekly", "fortnightly"])
                | Q(cadence_weekday__isnull=False),
                name="goal_weekly_cadence_has_a_weekday"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors = text_fields_without_nul(self, ("title", "why", "metric", "unit", "skills",
                                                "practice_frequency"))
        for field in ("baseline", "target"):
            number = getattr(self, field)
            if isinstance(number, Decimal) and not number.is_finite():
                errors[field] = "Enter a number."
                setattr(self, field, None)
        if self.service_line == ServiceLine.COACHING:
            for field in ("metric", "baseline", "target", "direction"):
                if getattr(self, field) in (None, ""):
                    errors[field] = "A coaching goal is measurable: fill this in."
            if self.baseline is not None and self.target is not None and not errors:
                if self.baseline == self.target:
                    errors["target"] = "The target must differ from where you start."
                elif (self.direction == Direction.UP) != (self.target > self.baseline):
                    errors["direction"] = "The target is on the other side of the baseline."
        if self.cadence in (Cadence.WEEKLY, Cadence.FORTNIGHTLY) and self.cadence_weekday is None:
            # The form offers the day as optional: left empty, it is the day the goal was set.
            if self.anchor_date is None:
                errors["cadence_weekday"] = "Choose the day of the week."
            else:
                self.cadence_weekday = self.anchor_date.weekday()
        if errors:
            raise ValidationError(errors)

    @property
    def is_coaching(self) -> bool:
        return self.service_line == ServiceLine.COACHING

    @property
    def approval_changes(self) -> list[dict[str, str]]:
        """What the client changed since the clinician approved, for the clinician's page."""
        labels = {"title": "The goal", "why": "Why it matters", "skills": "Skills to practise",
                  "practice_frequency": "How often to practise"}
        return [{"label": labels.get(name, name), "was": change.get("was", ""),
                 "now": change.get("now", "")}
                for name, change in (self.changes_since_approval or {}).items()]

    @property
    def needs_approval(self) -> bool:
        return self.service_line == ServiceLine.THERAPY and self.approved_at is None

    def progress(self, latest_value: Decimal | None) -> int | None:
        """Percent of the way from baseline to target (0–100), for coaching goals."""
        return goal_progress(service_line=self.service_line, baseline=self.baseline,
                             target=self.target, latest_value=latest_value)


def goal_progress(*, service_line: str, baseline: Decimal | None, target: Decimal | None,
                  latest_value: Decimal | None) -> int | None:
    """Goal.progress from a goal's figures, for lists that read them as values (no model)."""
    if service_line != ServiceLine.COACHING or latest_value is None or baseline is None \
            or target is None or baseline == target:
        return None
    share = (latest_value - baseline) / (target - baseline)
    return max(0, min(100, round(share * 100)))


class ActionStep(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="steps")
    text = models.CharField(max_length=200)
    due_date = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["done_at", "due_date", "pk"]

    def __str__(self) -> str:
        return self.text

    @property
    def done(self) -> bool:
        return self.done_at is not None


class CheckIn(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="check_ins")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(db_index=True)
    # The cadence period it counts for: the local date that period's reminder falls on.
    period = models.DateField()
    value = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    practice_count = models.PositiveSmallIntegerField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True, validators=ZERO_TO_TEN)
    confidence = models.PositiveSmallIntegerField(null=True, blank=True,
                                                  validators=ZERO_TO_TEN)
    note = models.TextField(blank=True, validators=[MaxLengthValidator(TEXT_LONG)])
    who5 = models.ForeignKey("screening.ScreeningResponse", on_delete=models.PROTECT,
                             null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-at", "-pk"]
        # A goal's check-ins newest first, ties by id: its last check-in is the first entry
        # (the dashboard asks this of every active goal in a caseload).
        indexes = [models.Index(fields=["goal", "-at", "-id"])]

    def __str__(self) -> str:
        return f"Check-in on {self.goal} at {self.at:%Y-%m-%d}"


class Comment(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="comments")
    check_in = models.ForeignKey(CheckIn, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    text = models.TextField(validators=[MaxLengthValidator(TEXT_LONG)])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.goal}"


def default_quiet_start() -> time:
    return time(21, 0)


def default_quiet_end() -> time:
    return time(8, 0)


class ReminderPreference(models.Model):
    """When a client does not want check-in reminders: quiet hours, and a pause."""

    client = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="reminder_preference")
    quiet_start = models.TimeField(default=default_quiet_start)
    quiet_end = models.TimeField(default=default_quiet_end)
    paused_until = models.DateField(null=True, blank=True,
                                    help_text="No check-in reminders before this date.")

    def __str__(self) -> str:
        return f"Reminder preferences of {self.client}"
