"""The outbox services, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from billiard.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core import mail
from django.core.mail.backends import locmem
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from notifications import tasks
from notifications.models import Notification
from notifications.services import (
    REENQUEUE_AFTER,
    notification_cancel,
    notification_deliver,
    notification_resend,
    notification_schedule,
    notifications_claim_due,
    notifications_enqueue_on_commit,
    notifications_flag_stuck,
    retry_backoff,
    welcome_schedule,
)

pytestmark = pytest.mark.django_db

Status = Notification.Status
WELCOME = Notification.Kind.WELCOME
NOW = timezone.now().replace(microsecond=0)


def make(recipient, *, key: str = "k", due_in: timedelta = timedelta(0), **fields) -> Notification:
    """A row written directly, without the kick of notification_schedule."""
    return Notification.objects.create(recipient=recipient, kind=WELCOME, dedupe_key=key,
                                       due_at=timezone.now() + due_in, **fields)


# --- scheduling --------------------------------------------------------------------------------


def test_schedule_is_idempotent_on_the_dedupe_key(client_user, enqueued):
    first = notification_schedule(recipient=client_user, kind=WELCOME, dedupe_key="welcome:x",
                                  due_at=NOW + timedelta(days=1), context={"n": 1})
    again = notification_schedule(recipient=client_user, kind=WELCOME, dedupe_key="welcome:x",
                                  due_at=NOW + timedelta(days=2), context={"n": 2})
    assert again.pk == first.pk
    assert Notification.objects.count() == 1
    assert (again.due_at, again.context) == (NOW + timedelta(days=1), {"n": 1})

    # Scheduling the same event after it was sent never resets it.
    Notification.objects.filter(pk=first.pk).update(status=Status.SENT, sent_at=NOW, attempts=1)
    again = notification_schedule(recipient=client_user, kind=WELCOME, dedupe_key="welcome:x",
                                  due_at=NOW)
    assert (again.status, again.attempts, again.sent_at) == (Status.SENT, 1, NOW)
    assert enqueued.ids == []


def test_a_row_due_now_is_enqueued_only_after_commit(client_user, enqueued,
                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = notification_schedule(recipient=client_user, kind=WELCOME,
                                             dedupe_key="now", due_at=timezone.now())
        assert enqueued.ids == []  # still inside the transaction
    assert len(callbacks) == 1
    assert enqueued.ids == [notification.pk]
    notification.refresh_from_db()
    assert notification.enqueued_at is not None
    assert notification.status == Status.PENDING

    # The same event again: no second hand-off.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification_schedule(recipient=client_user, kind=WELCOME, dedupe_key="now",
                              due_at=timezone.now())
    assert callbacks == []
    assert enqueued.ids == [notification.pk]


def test_a_rolled_back_cause_sends_nothing(client_user, enqueued,
                                          django_capture_on_commit_callbacks):
    class Abandoned(Exception):
        pass

    with (django_capture_on_commit_callbacks(execute=True) as callbacks,
          pytest.raises(Abandoned), transaction.atomic()):
        welcome_schedule(user=client_user)
        raise Abandoned
    assert callbacks == []
    assert enqueued.ids == []
    assert not Notification.objects.exists()


def test_a_future_row_waits_for_the_sweep(client_user, enqueued,
                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = notification_schedule(recipient=client_user, kind=WELCOME,
                                             dedupe_key="later",
                                             due_at=timezone.now() + timedelta(days=3))
    assert callbacks == []
    assert enqueued.ids == []
    assert notification.enqueued_at is None


def test_schedule_refuses_unknown_kinds_and_naive_times(client_user):
    with pytest.raises(ValueError, match="kind"):
        notification_schedule(recipient=client_user, kind="newsletter", dedupe_key="a",
                              due_at=NOW)
    with pytest.raises(ValueError, match="aware"):
        notification_schedule(recipient=client_user, kind=WELCOME, dedupe_key="a",
                              due_at=NOW.replace(tzinfo=None))
    assert not Notification.objects.exists()


def test_welcome_schedule_makes_one_welcome_per_account(client_user, enqueued,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        welcome = welcome_schedule(user=client_user)
        assert welcome_schedule(user=client_user).pk == welcome.pk
    assert (welcome.recipient, welcome.kind, welcome.dedupe_key, welcome.status) == (
        client_user, WELCOME, f"welcome:{client_user.pk}", Status.PENDING)
    assert welcome.due_at <= timezone.now()
    assert enqueued.ids == [welcome.pk]


def test_enqueue_with_the_broker_down_keeps_the_row_for_the_next_sweep(
        client_user, monkeypatch, caplog, django_capture_on_commit_callbacks):
    class DeadBroker:
        calls = 0

        def delay(self, notification_ids):
            DeadBroker.calls += 1
            raise OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr(tasks, "deliver_batch", DeadBroker())
    first = make(client_user, key="a")
    second = make(client_user, key="b")
    enqueued_at = timezone.now()
    Notification.objects.update(enqueued_at=enqueued_at)

    # The caller (a signup, a sweep) does not see the broker's error.
    with django_capture_on_commit_callbacks(execute=True):
        notifications_enqueue_on_commit(notification_ids=[first.pk, second.pk],
                                        enqueued_at=enqueued_at)

    assert DeadBroker.calls == 1  # one task for the batch, not one per row
    assert "could not enqueue delivery" in caplog.text
    for row in Notification.objects.all():
        assert (row.status, row.enqueued_at) == (Status.PENDING, None)
    assert notifications_claim_due(now=timezone.now()) == [first.pk, second.pk]


# --- claiming due rows -------------------------------------------------------------------------


@pytest.fixture(params=[pytest.param("skip_locked", marks=pytest.mark.needs_postgres),
                        "conditional_update"])
def claim_strategy(request, monkeypatch):
    """Run a claim test with row locks (PostgreSQL only) and with conditional updates."""
    from django.db import connection

    monkeypatch.setattr(connection.features, "has_select_for_update_skip_locked",
                        request.param == "skip_locked")
    return request.param


def test_claim_takes_due_rows_not_handed_over_recently(client_user, claim_strategy):
    now = timezone.now()
    due = make(client_user, key="due", due_in=-timedelta(minutes=1))
    lost = make(client_user, key="lost", due_in=-timedelta(minutes=30),
                enqueued_at=now - REENQUEUE_AFTER - timedelta(seconds=1))
    make(client_user, key="handed-over", enqueued_at=now - timedelta(minutes=1))
    make(client_user, key="future", due_in=timedelta(minutes=5))
    make(client_user, key="sent", status=Status.SENT, sent_at=now)
    make(client_user, key="cancelled", status=Status.CANCELLED)
    make(client_user, key="failed", status=Status.FAILED)

    assert notifications_claim_due(now=now) == [lost.pk, due.pk]  # oldest due first
    assert set(Notification.objects.filter(enqueued_at=now).values_list("pk", flat=True)) == {
        lost.pk, due.pk}
    # A second sweep at the same moment gets nothing.
    assert notifications_claim_due(now=now) == []


def test_claim_respects_its_limit(client_user, claim_strategy):
    rows = [make(client_user, key=f"r{i}", due_in=-timedelta(minutes=10 - i)) for i in range(3)]
    now = timezone.now()
    assert notifications_claim_due(now=now, limit=2) == [rows[0].pk, rows[1].pk]
    assert notifications_claim_due(now=now, limit=2) == [rows[2].pk]


def test_a_claimed_row_whose_message_was_lost_is_claimed_again_after_the_window(
        client_user, claim_strategy):
    notification = make(client_user)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        assert notifications_claim_due(now=timezone.now()) == [notification.pk]
        # The message never reached a worker (the process died before publishing).
        traveller.shift(REENQUEUE_AFTER - timedelta(seconds=1))
        assert notifications_claim_due(now=timezone.now()) == []
        traveller.shift(timedelta(seconds=2))
        assert notifications_claim_due(now=timezone.now()) == [notification.pk]


# --- delivering --------------------------------------------------------------------------------


def test_deliver_sends_once_and_a_second_delivery_sends_nothing(client_user):
    notification = make(client_user)

    assert notification_deliver(notification_id=notification.pk).status == "sent"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["client@example.com"]
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Status.SENT, 1)
    assert notification.sent_at is not None
    assert notification.claimed_at is not None

    # A broker redelivery, a duplicate enqueue from the sweep, a retried task: nothing more.
    assert notification_deliver(notification_id=notification.pk).status == "skipped"
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Status.SENT, 1)


def test_deliver_of_a_missing_row_does_nothing():
    assert notification_deliver(notification_id=123456).status == "skipped"
    assert mail.outbox == []


def test_a_failed_send_is_retried_with_backoff_then_marked_failed(client_user, smtp_unreachable,
                                                                  settings):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = max_attempts = 5
    notification = make(client_user)

    before = timezone.now()
    outcome = notification_deliver(notification_id=notification.pk)
    assert (outcome.status, outcome.retry_in) == ("retry", 60)
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Status.PENDING, 1)
    assert "ConnectionRefusedError" in notification.last_error
    assert before + timedelta(seconds=60) <= notification.due_at
    assert notification.due_at <= timezone.now() + timedelta(seconds=60)
    # The sweep leaves it to the task's retry until that retry is overdue.
    assert notification.enqueued_at == notification.due_at
    assert notifications_claim_due(now=notification.due_at) == []

    countdowns = [outcome.retry_in]
    for _ in range(max_attempts - 1):
        outcome = notification_deliver(notification_id=notification.pk)
        countdowns.append(outcome.retry_in)
    assert countdowns == [60, 120, 240, 480, None]
    assert outcome.status == "failed"
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Status.FAILED, max_attempts)
    assert notification.last_error.startswith("ConnectionRefusedError: ")
    assert notification.sent_at is None
    assert mail.outbox == []
    # Failed is final for the machine.
    assert notification_deliver(notification_id=notification.pk).status == "skipped"


def test_every_retry_countdown_stays_below_the_visibility_timeout(settings):
    for timeout in (3600, 600, 120):
        settings.CELERY_BROKER_VISIBILITY_TIMEOUT = timeout
        countdowns = [retry_backoff(attempts=n) for n in range(1, 30)]
        assert max(countdowns) <= timeout // 2
        assert countdowns == sorted(countdowns)


def test_a_send_cut_by_the_soft_time_limit_needs_review(client_user, monkeypatch):
    def hangs(self, messages):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", hangs)
    notification = make(client_user)
    assert notification_deliver(notification_id=notification.pk).status == "needs_review"
    notification.refresh_from_db()
    assert notification.status == Status.NEEDS_REVIEW
    assert notification_deliver(notification_id=notification.pk).status == "skipped"


def test_a_row_stuck_in_sending_goes_to_review_and_is_never_sent_again(client_user):
    notification = make(client_user)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        # The claim happened, then the worker died before it sent or recorded anything.
        Notification.objects.filter(pk=notification.pk).update(
            status=Status.SENDING, attempts=1, claimed_at=timezone.now())
        traveller.shift(timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT))
        assert notifications_flag_stuck(now=timezone.now()) == 0  # the task may still run
        traveller.shift(timedelta(seconds=61))
        assert notifications_flag_stuck(now=timezone.now()) == 1
    notification.refresh_from_db()
    assert notification.status == Status.NEEDS_REVIEW
    assert "may or may not have been sent" in notification.last_error
    assert notifications_claim_due(now=timezone.now() + timedelta(days=1)) == []
    assert notification_deliver(notification_id=notification.pk).status == "skipped"
    assert mail.outbox == []


def test_an_inactive_recipient_gets_nothing(client_user):
    notification = make(client_user)
    client_user.is_active = False
    client_user.save()
    assert notification_deliver(notification_id=notification.pk).status == "cancelled"
    notification.refresh_from_db()
    assert notification.status == Status.CANCELLED
    assert mail.outbox == []


# --- resend and cancel -------------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.FAILED, Status.NEEDS_REVIEW])
def test_resend_puts_a_failed_or_doubtful_row_back_due_now(
        client_user, admin_user, enqueued, django_capture_on_commit_callbacks, status):
    notification = make(client_user, due_in=-timedelta(days=1), status=status, attempts=5,
                        last_error="SMTPServerDisconnected: gone",
                        enqueued_at=timezone.now() - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert notification_resend(notification=notification, by=admin_user) is True
    assert (notification.status, notification.attempts) == (Status.PENDING, 0)
    assert notification.due_at > timezone.now() - timedelta(seconds=5)
    assert notification.last_error == "SMTPServerDisconnected: gone"  # history kept
    assert enqueued.ids == [notification.pk]

    assert notification_deliver(notification_id=notification.pk).status == "sent"
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("status", [Status.PENDING, Status.SENDING, Status.SENT,
                                    Status.CANCELLED])
def test_resend_leaves_other_rows_alone(client_user, admin_user, enqueued, status):
    notification = make(client_user, status=status, attempts=1, sent_at=timezone.now(),
                        claimed_at=timezone.now())
    assert notification_resend(notification=notification, by=admin_user) is False
    assert (notification.status, notification.attempts) == (status, 1)
    assert enqueued.ids == []


def test_cancel_stops_a_pending_row_only(client_user):
    pending = make(client_user, key="pending")
    make(client_user, key="sent", status=Status.SENT, sent_at=timezone.now())

    assert notification_cancel(dedupe_key="pending") is True
    assert notification_cancel(dedupe_key="pending") is False
    assert notification_cancel(dedupe_key="sent") is False
    assert notification_cancel(dedupe_key="never-scheduled") is False
    assert Notification.objects.get(dedupe_key="sent").status == Status.SENT

    pending.refresh_from_db()
    assert pending.status == Status.CANCELLED
    assert notification_deliver(notification_id=pending.pk).status == "skipped"
    assert notifications_claim_due(now=timezone.now() + timedelta(days=1)) == []
    assert mail.outbox == []


def test_the_sent_status_always_has_a_sent_time(client_user):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        make(client_user, status=Status.SENT)
    with pytest.raises(IntegrityError), transaction.atomic():
        make(client_user, status=Status.SENDING)

