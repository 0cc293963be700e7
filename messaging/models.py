"""Secure messages between a client and their care team (issue 16, rule 9 of DESIGN.md).

One ``Thread`` per client and service line: the coaching thread is read by the client's
clinician when they coach, the therapy thread only by a clinician who provides therapy (the
firewall, ``clients.access.lines_for_staff``). A ``Message`` is never edited or deleted once
sent: an amendment is a new message (``amends``). Read state is two times on the thread, one
per side, so "unread" and "Seen by your clinician" are comparisons, not rows per message.
"""

from __future__ import annotations

import uuid
from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

LINES = [("therapy", "Therapy"), ("coaching", "Coaching")]
BODY_MAX_LENGTH = 5000


class MessagingPreference(models.Model):
    """What the practice decided for one client. Without a row (or with ``enabled`` empty),
    messaging is on for active clients and off for everyone else."""

    client = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="messaging_preference")
    enabled = models.BooleanField(
        null=True, blank=True,
        help_text="Empty: on while the client is active. Yes or No: the practice's choice.")
    client_may_start = models.BooleanField(
        default=True,
        help_text="Off: the client can only reply to a message from their clinician.")

    def __str__(self) -> str:
        return f"Messaging for {self.client}"


def default_hours_start() -> time:
    return time(9, 0)


def default_hours_end() -> time:
    return time(17, 0)


class MessageHours(models.Model):
    """When a clinician reads and answers messages, in their profile's time zone. A message
    written outside them is delivered and marked "sent outside hours"."""

    clinician = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                     related_name="message_hours")
    # Python's weekday numbers (Monday 0), as digits: "01234" is Monday to Friday.
    days = models.CharField(max_length=7, default="01234")
    start = models.TimeField(default=default_hours_start)
    end = models.TimeField(default=default_hours_end)

    class Meta:
        verbose_name_plural = "message hours"

    def __str__(self) -> str:
        return f"Message hours of {self.clinician}"

    def clean(self) -> None:
        if not self.days or any(d not in "0123456" for d in self.days) \
                or len(set(self.days)) != len(self.days):
            raise ValidationError({"days": "Give the days as digits 0 (Monday) to 6 (Sunday)."})
        if self.start >= self.end:
            raise ValidationError({"end": "The end must be after the start."})


class Thread(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="message_threads")
    service_line = models.CharField(max_length=16, choices=LINES)
    created_at = models.DateTimeField(default=timezone.now)
    # The newest message of each side, kept by messaging.services.message_send (the inbox and
    # "unanswered" read these instead of aggregating messages).
    last_message_at = models.DateTimeField(null=True, blank=True)
    last_client_message_at = models.DateTimeField(null=True, blank=True)
    last_staff_message_at = models.DateTimeField(null=True, blank=True)
    # The client's first message since the care team last wrote; empty once answered.
    first_unanswered_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Read state: everything sent up to these times has been read by that side.
    client_read_at = models.DateTimeField(null=True, blank=True)
    staff_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "service_line"],
                                               name="one_thread_per_client_and_line")]
        indexes = [models.Index(fields=["client", "-last_message_at"])]

    def __str__(self) -> str:
        return f"Messages with {self.client}"

    @property
    def unanswered_since(self):
        """When the client's oldest message without a reply was sent (None when answered)."""
        return self.first_unanswered_at


class ImmutableMessage(Exception):
    pass


class Message(models.Model):
    """One message. Written once by messaging.services.message_send; never changed or deleted
    (save() and delete() refuse, the admin is read-only)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    body = models.TextField()
    sent_at = models.DateTimeField(default=timezone.now, db_index=True)
    from_client = models.BooleanField()
    outside_hours = models.BooleanField(
        default=False, help_text="Written outside the clinician's message hours.")
    # Crisis language found in a client's message (messaging.crisis): the client was shown
    # the crisis resources and the clinician sees it on their needs-attention list.
    crisis_language = models.BooleanField(default=False)
    amends = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="amendments",
                               help_text="The earlier message this one corrects.")

    class Meta:
        ordering = ["sent_at", "pk"]
        indexes = [models.Index(fields=["thread", "sent_at"])]

    def __str__(self) -> str:
        return f"Message from {self.sender} at {self.sent_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None or not self._state.adding:
            raise ImmutableMessage("A sent message cannot be changed; send an amendment.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableMessage("A sent message cannot be deleted.")
