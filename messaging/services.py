"""Writes of messages: sending one (with its boundaries, crisis check, attachments and the
content-free email), and marking a thread read. A sent message is never changed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from clients.models import User
from goals.cadence import out_of_quiet_hours
from goals.selectors import reminder_preference_get
from messaging.crisis import has_crisis_language
from messaging.models import BODY_MAX_LENGTH, Message, Thread
from messaging.selectors import (
    messaging_preference,
    next_message_hours_start,
    thread_for_user,
    within_message_hours,
)
from messaging.unread import unread_forget
from notifications import keys
from notifications.models import Notification
from notifications.services import notification_schedule

MAX_ATTACHMENTS = 5


def _body_clean(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if "\x00" in body:
        raise ValidationError({"body": "Write the message in plain text."})
    if len(body) > BODY_MAX_LENGTH:
        raise ValidationError({"body": f"Keep a message under {BODY_MAX_LENGTH:,} characters; "
                                       "send the rest as a second message."})
    return body


def client_email_due(client: User, at: datetime) -> datetime:
    """``at``, or the end of the client's quiet hours (those of their check-in reminders)
    when ``at`` falls inside them."""
    preference = reminder_preference_get(client)
    return out_of_quiet_hours(at, zone=client.zone, quiet_start=preference.quiet_start,
                              quiet_end=preference.quiet_end)


def _notify(*, thread: Thread, message: Message, recipient: User | None, now: datetime) -> None:
    """"You have a new message", with a link, to the other side: at most one per thread and
    recipient in MESSAGING_EMAIL_INTERVAL_MINUTES, outside the client's quiet hours (a
    clinician's: within their message hours). The row carries no words of the message."""
    if recipient is None or not recipient.is_active:
        return
    scope = keys.thread_scope(thread.public_id)
    window = timedelta(minutes=settings.MESSAGING_EMAIL_INTERVAL_MINUTES)
    recent = Notification.objects.filter(
        scope=str(scope), recipient=recipient, kind=Notification.Kind.NEW_MESSAGE,
        created_at__gte=now - window).exclude(status=Notification.Status.CANCELLED)
    if recent.exists():
        return
    if recipient.is_client:
        due = client_email_due(recipient, now)
        link = reverse("messaging:inbox")
    else:
        due = next_message_hours_start(clinician=recipient, after=now)
        link = reverse("messaging:clinician_inbox")
    notification_schedule(
        recipient=recipient, kind=Notification.Kind.NEW_MESSAGE,
        dedupe_key=keys.new_message(thread_public_id=thread.public_id,
                                    message_public_id=message.public_id,
                                    recipient_id=recipient.pk),
        due_at=due, context={"link": link})


def message_send(*, sender: User, client: User, service_line: str, body: str,
                 attachments: Iterable[UploadedFile] = (), amends: Message | None = None
                 ) -> Message:
    """Send a message in the client's thread of ``service_line``, as the client or their
    clinician. Raises ValidationError (``body``, ``attachments`` for what the person can
    correct) for an empty or oversized message, a refused attachment, a client starting a
    conversation the practice lets them only answer, or a sender who may not write here;
    nothing is saved then. A client's message written outside the clinician's message hours is
    marked so; one with crisis language is marked for the clinician's needs-attention list.
    """
    from documents.services import document_share
    from documents.validation import file_check

    try:
        thread_for_user(user=sender, client=client, service_line=service_line)
    except Http404:
        raise ValidationError("You cannot write in this conversation.") from None
    attachments = [file for file in attachments if file]
    if len(attachments) > MAX_ATTACHMENTS:
        raise ValidationError({"attachments": f"Attach at most {MAX_ATTACHMENTS} files."})
    for file in attachments:
        try:
            file_check(file)  # every file before anything is written or stored
        except ValidationError as error:
            raise ValidationError({"attachments": error.messages}) from None
    body = _body_clean(body)
    if not body and not attachments:
        raise ValidationError({"body": "Write the message."})
    from_client = sender.is_client
    clinician = client.client_profile.clinician
    now = timezone.now()
    with transaction.atomic():
        thread, _ = Thread.objects.get_or_create(client=client, service_line=service_line)
        # One sender at a time per thread: the hourly email limit and "unanswered" hold.
        thread = Thread.objects.select_for_update().get(pk=thread.pk)
        if from_client and not messaging_preference(client).client_may_start \
                and thread.last_staff_message_at is None:
            raise ValidationError(
                "Your practice lets you reply to your clinician's messages here; "
                "please wait for their message.")
        if amends is not None and (amends.thread_id != thread.pk
                                   or amends.sender_id != sender.pk):
            raise ValidationError("You can only amend your own message in this conversation.")
        message = Message(
            thread=thread, sender=sender, body=body, sent_at=now, from_client=from_client,
            outside_hours=bool(from_client and clinician
                               and not within_message_hours(clinician=clinician, at=now)),
            crisis_language=bool(from_client and has_crisis_language(body)),
            amends=amends)
        message.save()
        for file in attachments:
            document_share(by=sender, client=client, file=file, title=file.name or "Attachment",
                           service_line=service_line, message_id=message.pk, notify=False)
        changes: dict[str, object] = {"last_message_at": now}
        if from_client:
            changes["last_client_message_at"] = now
            if thread.first_unanswered_at is None:
                changes["first_unanswered_at"] = now
            changes["client_read_at"] = now  # one's own message is read
        else:
            changes["last_staff_message_at"] = now
            changes["first_unanswered_at"] = None
            changes["staff_read_at"] = now
        Thread.objects.filter(pk=thread.pk).update(**changes)
        for name, value in changes.items():
            setattr(thread, name, value)
        _notify(thread=thread, message=message, recipient=clinician if from_client else client,
                now=now)
        unread_forget([client, clinician])
    return message


def thread_mark_read(*, thread: Thread, user: User) -> None:
    """Everything sent in the thread until now has been read by this side (the client, or
    the clinician reading it). Only ever moves forward."""
    if thread.pk is None:
        return
    now = timezone.now()
    field = "client_read_at" if user.is_client else "staff_read_at"
    previous = getattr(thread, field)
    if previous is not None and thread.last_message_at is not None \
            and previous >= thread.last_message_at:
        return  # nothing new since the last visit: no write
    Thread.objects.filter(pk=thread.pk).update(**{field: now})
    setattr(thread, field, now)
    unread_forget([user])
