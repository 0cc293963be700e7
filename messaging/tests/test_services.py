"""messaging.services and selectors, directly: who may write where (the firewall), the
boundaries (outside hours, replies only), immutability, read state, crisis language and the
content-free, rate-limited emails."""

from __future__ import annotations

import datetime as dt
import email

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.http import Http404

from clients.models import ClientProfile, User
from goals.models import ReminderPreference
from messaging.models import ImmutableMessage, Message, MessagingPreference, Thread
from messaging.selectors import (
    crisis_messages_for_clinician,
    lines_for_client,
    thread_for_user,
    unanswered_for_clinician,
    unread_count,
)
from messaging.services import message_send, thread_mark_read
from messaging.tests.conftest import MONDAY_MORNING, SATURDAY, activate, coaching_only
from notifications.models import Notification
from notifications.services import notification_deliver

pytestmark = pytest.mark.django_db

BODY = "Could we talk about the promotion plan and my manager next week?"


def send(sender, client, line="coaching", body=BODY, **kwargs):
    return message_send(sender=sender, client=client, service_line=line, body=body, **kwargs)


def test_a_client_and_their_clinician_write_in_each_line(alex, clinician):
    with time_machine.travel(MONDAY_MORNING, tick=False):
        first = send(alex, alex, "therapy")
        reply = send(clinician, alex, "therapy", body="Yes, let's.")
    thread = Thread.objects.get(client=alex, service_line="therapy")
    assert list(thread.messages.all()) == [first, reply]
    assert first.from_client and not reply.from_client
    assert not first.outside_hours
    assert thread.first_unanswered_at is None  # answered
    assert set(lines_for_client(alex)) == {"coaching", "therapy"}


def test_nobody_else_reads_or_writes_a_thread(alex, clinician, stranger, other_clinician,
                                               admin_user):
    for user in (stranger, other_clinician, admin_user):
        with pytest.raises(Http404):
            thread_for_user(user=user, client=alex, service_line="coaching")
        with pytest.raises(ValidationError):
            send(user, alex)
    assert not Message.objects.exists()


def test_a_coaching_only_clinician_never_sees_the_therapy_thread(alex, clinician):
    send(alex, alex, "therapy", body="Therapy words")
    coaching_only(clinician)
    with pytest.raises(Http404):
        thread_for_user(user=clinician, client=alex, service_line="therapy")
    with pytest.raises(ValidationError):
        send(clinician, alex, "therapy")
    assert thread_for_user(user=clinician, client=alex, service_line="coaching")
    # ... and the therapy message is not in their unread count nor their unanswered list.
    assert unread_count(user=clinician) == 0
    assert unanswered_for_clinician(clinician) == []
    # The client no longer has a therapy thread to write in: nobody could answer it.
    assert lines_for_client(User.objects.get(pk=alex.pk)) == ["coaching"]


def test_messaging_is_on_for_active_clients_and_by_the_practice_s_choice(client_user):
    assert lines_for_client(client_user) == []  # prospective: off
    MessagingPreference.objects.create(client=client_user, enabled=True)
    client_user.refresh_from_db()
    assert lines_for_client(client_user) == ["coaching", "therapy"]
    activate(client_user)
    MessagingPreference.objects.filter(client=client_user).update(enabled=False)
    client_user.refresh_from_db()
    assert lines_for_client(client_user) == []


def test_replies_only_until_the_clinician_writes(alex, clinician):
    MessagingPreference.objects.create(client=alex, client_may_start=False)
    alex.refresh_from_db()
    with pytest.raises(ValidationError, match="reply"):
        send(alex, alex)
    send(clinician, alex, body="How did the week go?")
    assert send(alex, alex).from_client


def test_a_message_outside_the_clinician_s_hours_is_delivered_and_marked(alex, clinician):
    with time_machine.travel(SATURDAY, tick=False):
        message = send(alex, alex)
    assert message.pk and message.outside_hours


@pytest.mark.parametrize("body", ["", "   ", "x" * 5001, "nul\x00byte"])
def test_bad_bodies_are_refused_and_nothing_is_saved(alex, body):
    with pytest.raises(ValidationError) as error:
        send(alex, alex, body=body)
    assert "body" in error.value.message_dict
    assert not Message.objects.exists() and not Thread.objects.exists()


def test_a_sent_message_cannot_be_changed_or_deleted(alex):
    message = send(alex, alex)
    message.body = "changed"
    with pytest.raises(ImmutableMessage):
        message.save()
    with pytest.raises(ImmutableMessage):
        message.delete()
    amendment = send(alex, alex, body="I meant the week after.", amends=message)
    assert amendment.amends == message


@pytest.mark.needs_postgres
def test_the_database_refuses_to_change_a_message(alex):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    message = send(alex, alex)
    for change in (lambda: Message.objects.filter(pk=message.pk).update(body="edited"),
                   lambda: Message.objects.filter(pk=message.pk)._raw_delete(connection.alias)):
        with pytest.raises(DatabaseError), transaction.atomic():
            change()
    message.refresh_from_db()
    assert message.body == BODY


def test_read_state_unread_counts_and_seen(alex, clinician):
    with time_machine.travel(MONDAY_MORNING) as clock:
        send(alex, alex)
        send(alex, alex, body="And one more thing.")
        assert unread_count(user=clinician) == 2
        assert unread_count(user=alex) == 0  # one's own messages are read
        thread = thread_for_user(user=clinician, client=alex, service_line="coaching")
        clock.shift(60)
        thread_mark_read(thread=thread, user=clinician)
        assert unread_count(user=clinician) == 0
        thread.refresh_from_db()
        assert thread.staff_read_at >= thread.last_client_message_at  # "Seen by your clinician"
        clock.shift(60)
        send(clinician, alex, body="Got it.")
        assert unread_count(user=alex) == 1


def test_unanswered_threads_keep_the_first_waiting_message(alex, clinician):
    with time_machine.travel(MONDAY_MORNING) as clock:
        first = send(alex, alex)
        clock.shift(3600)
        send(alex, alex, body="Hello?")
        [thread] = unanswered_for_clinician(clinician)
        assert thread.first_unanswered_at == first.sent_at
        send(clinician, alex, body="Sorry, here now.")
        assert unanswered_for_clinician(clinician) == []


def test_crisis_language_marks_the_message_for_the_clinician(alex, clinician):
    ordinary = send(alex, alex)
    crisis = send(alex, alex, "therapy", body="Some days I want to end it all.")
    assert not ordinary.crisis_language and crisis.crisis_language
    assert list(crisis_messages_for_clinician(clinician)) == [crisis]
    # A clinician's words are never screened: they quote, they explain, they refer.
    assert not send(clinician, alex, "therapy", body="If you feel suicidal, call 988."
                    ).crisis_language
    # No risk flag: only a screening answer opens one.
    assert not alex.risk_flags.exists()


# --- emails ---------------------------------------------------------------------------------


def new_message_rows(recipient):
    return list(Notification.objects.filter(recipient=recipient, kind="new_message")
                .order_by("pk"))


def test_at_most_one_email_per_thread_and_recipient_an_hour(alex, clinician):
    with time_machine.travel(MONDAY_MORNING) as clock:
        send(alex, alex)
        send(alex, alex, body="second")
        send(alex, alex, "therapy", body="another thread")
        assert len(new_message_rows(clinician)) == 2  # one per thread
        clock.shift(59 * 60)
        send(alex, alex, body="third")
        assert len(new_message_rows(clinician)) == 2
        clock.shift(2 * 60)
        send(alex, alex, body="fourth")
        assert len(new_message_rows(clinician)) == 3


def test_the_client_s_email_waits_for_the_end_of_their_quiet_hours(alex, clinician):
    ReminderPreference.objects.create(client=alex, quiet_start=dt.time(21), quiet_end=dt.time(8))
    late = dt.datetime(2027, 1, 5, 4, 30, tzinfo=dt.UTC)  # 23:30 in New York
    with time_machine.travel(late, tick=False):
        send(clinician, alex, body="Thoughts for tomorrow")
    [row] = new_message_rows(alex)
    assert row.due_at == dt.datetime(2027, 1, 5, 13, 0, tzinfo=dt.UTC)  # 8:00 in New York


SECRET_WORDS = ("promotion", "manager", "therapy", "coaching", "Therapy", "Coaching",
                "end it all", "Dana")


@pytest.mark.parametrize("discreet", [False, True])
def test_the_email_says_only_that_there_is_a_message(alex, clinician, smtp_sink, settings,
                                                     discreet):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_sink.port
    ClientProfile.objects.filter(user=alex).update(discreet_mode=discreet)
    send(alex, alex, "therapy", body=BODY + " Some days I want to end it all.")
    send(clinician, alex, "therapy", body="About your promotion and your manager: Dana here.")
    for row in Notification.objects.filter(kind="new_message"):
        assert notification_deliver(notification_id=row.pk).status == "sent"
    raw = smtp_sink.messages_to(alex.email)
    assert len(raw) == 1
    mail = email.message_from_bytes(raw[0])
    assert mail["Subject"] == "You have a new message"
    parts = [part.get_payload(decode=True).decode() for part in mail.walk()
             if part.get_content_maintype() == "text"]
    assert len(parts) == 2 and all("/messages/" in part for part in parts)
    for word in SECRET_WORDS:
        assert word not in mail["Subject"]
        assert all(word not in part for part in parts), word
    if discreet:
        assert "Appointments" in mail["From"]
    staff = email.message_from_bytes(smtp_sink.messages_to(clinician.email)[0])
    assert staff["Subject"] == "You have a new message"
    body = staff.get_payload(0).get_payload(decode=True).decode()
    assert "promotion" not in body and "end it all" not in body and "Alex" not in body
