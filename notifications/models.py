"""The outbox (rule 6 of DESIGN.md): one row per message to send. The row, not the queue, is the
truth; Celery only delivers what a row says is due.

Life of a row::

    pending --claim by a delivery task--> sending --sent--> sent
       ^  |                                  |  \\--error, attempts left--> pending (later due_at)
       |  |                                  |   \\--error, no attempts left--> failed
       |  \\--notification_cancel--> cancelled \\--stuck past the task time limit--> needs_review
       \\-------------- notification_resend (a person, in admin) <-- failed / needs_review
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Notification(models.Model):
    class Kind(models.TextChoices):
        # Each kind has three templates: templates/emails/<kind>-subject.txt, -body.txt, -body.html
        WELCOME = "welcome", "Welcome after email verification"
        RISK_ALERT = "risk_alert", "Risk alert to a clinician"
        MEASURES_INVITATION = "measures_invitation", "Invitation to retake questionnaires"
        APPOINTMENT_CONFIRMED = "appointment_confirmed", "Appointment confirmed"
        APPOINTMENT_CHANGED = "appointment_changed", "Appointment moved"
        APPOINTMENT_CANCELLED = "appointment_cancelled", "Appointment cancelled"
        APPOINTMENT_REMINDER = "appointment_reminder", "Appointment reminder"
        WAITLIST_OFFER = "waitlist_offer", "Earlier time offered from the waitlist"
        CHECK_IN_REMINDER = "check_in_reminder", "Check-in reminder"
        GOAL_COMMENT = "goal_comment", "New comment from the clinician"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        NEEDS_REVIEW = "needs_review", "Needs review"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="notifications")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    dedupe_key = models.CharField(
        max_length=200, unique=True,
        help_text='Names the event, e.g. "welcome:42": scheduling it twice makes one row.',
    )
    due_at = models.DateTimeField(help_text="When it should be sent (stored in UTC).")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    enqueued_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When a delivery task was last handed to the broker (for a retry: when its "
                  "countdown ends). The sweep re-enqueues only rows whose hand-off is stale.",
    )
    claimed_at = models.DateTimeField(null=True, blank=True,
                                      help_text="When a delivery task last took the row.")
    sent_at = models.DateTimeField(null=True, blank=True)
    # Values for the templates only. Never clinical content (rule 7): no diagnosis, scores,
    # goal text or service line. Keys ending in "_at" hold ISO datetimes and reach the templates
    # as datetimes; "ics" is attached as a calendar file.
    context = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["status", "due_at"], name="notif_status_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="notif_sent_has_sent_at",
            ),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(claimed_at__isnull=False),
                name="notif_sending_has_claimed_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.dedupe_key})"
