"""The outbox (rule 6 of DESIGN.md): one row per message to send. The row, not the queue, is the
truth; Celery only delivers what a row says is due.

Life of a row::

    pending --claim by a delivery task--> sending --250 from the server--> sent
       ^  |                                  |  \\--refused before DATA / 4xx, attempts left-->
       |  |                                  |      pending (later due_at)
       |  |                                  |--5xx, or no attempts left--> failed
       |  |                                  |--no reply after DATA, or stuck--> needs_review
       |  \\--cancel (exact key or scope)--> cancelled  (also closes failed / needs_review)
       \\-------- notification_resend (a person, cause re-checked) <-- failed / needs_review

Every key and scope is built in ``notifications.keys``; ``scope`` names the thing a row is about
(an appointment, a goal) so its rows can be cancelled together without matching key prefixes.
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
        NEW_MESSAGE = "new_message", "New secure message"
        DOCUMENT_SHARED = "document_shared", "New shared document"

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
    scope = models.CharField(
        max_length=120, blank=True,
        help_text='What the row is about, e.g. "appointment:<uuid>" (see notifications.keys): '
                  "cancelling the cause cancels its rows by this, never by a key prefix.",
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
    message_id = models.CharField(
        max_length=255, blank=True,
        help_text="The Message-ID header of the last attempt, to find it in the mail server's log.",
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="The email this one went out with (one check-in email per person at once).",
    )
    # Values for the templates only. Never clinical content (rule 7): no diagnosis, scores,
    # goal text or service line. Keys ending in "_at" hold ISO datetimes and reach the templates
    # as datetimes; "ics" is attached as a calendar file.
    context = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "due_at"], name="notif_status_due_idx"),
            # Cancelling a cause, and the planner's "no live reminder for this goal" anti-join.
            models.Index(fields=["scope", "status"], name="notif_scope_status_idx"),
        ]
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


class SweepHeartbeat(models.Model):
    """When beat's periodic tasks last ran to the end, by the database's clock: /healthz and the
    admin show it, and a sweep that stopped running is a failed check of its own."""

    name = models.CharField(max_length=64, primary_key=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_result = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "sweep heartbeat"

    def __str__(self) -> str:
        return self.name
