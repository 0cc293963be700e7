"""Edges of the outbox that mutation testing found unguarded: the retry back-off and its two
caps, which messages may be resent, the Message-ID's domain, when an urgent row is handed to
the broker again, and what a sweep with nothing due records."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from notifications.models import Notification, SweepHeartbeat
from notifications.services import (
    SWEEP_HEARTBEAT,
    _message_id_for,
    notification_resend_refusal,
    notification_schedule,
    notifications_claim_due,
    notifications_sweep,
    retry_backoff,
)

Kind, Status = Notification.Kind, Notification.Status


@override_settings(NOTIFICATIONS_FIRST_RETRY_SECONDS=60, CELERY_BROKER_VISIBILITY_TIMEOUT=7200)
def test_the_back_off_doubles_from_the_first_retry_up_to_thirty_minutes():
    assert [retry_backoff(attempts=n) for n in range(0, 7)] == [60, 60, 120, 240, 480, 960, 1800]
    assert retry_backoff(attempts=20) == 1800


@override_settings(NOTIFICATIONS_FIRST_RETRY_SECONDS=60, CELERY_BROKER_VISIBILITY_TIMEOUT=1200)
def test_the_back_off_stays_below_half_the_brokers_visibility_timeout():
    assert retry_backoff(attempts=20) == 600


def _row(person, *, kind=Kind.WELCOME, key="edge:1", due=None, **fields) -> Notification:
    row = notification_schedule(recipient=person, kind=kind, dedupe_key=key,
                                due_at=due or timezone.now() + timedelta(hours=1))
    if fields:
        Notification.objects.filter(pk=row.pk).update(**fields)
        row.refresh_from_db()
    return row


@pytest.mark.django_db
def test_only_a_failed_message_to_an_open_account_may_be_resent(client_user):
    sent = _row(client_user, key="edge:sent", status=Status.SENT, sent_at=timezone.now())
    assert notification_resend_refusal(notification=sent) == (
        "Only failed or needs-review notifications can be resent.")
    failed = _row(client_user, key="edge:failed", status=Status.FAILED)
    assert notification_resend_refusal(notification=failed) is None
    failed.recipient.is_active = False
    assert notification_resend_refusal(notification=failed) == (
        "The recipient's account is closed.")


@pytest.mark.django_db
def test_the_message_id_is_kept_and_takes_the_practices_domain(client_user):
    row = _row(client_user)
    with override_settings(PRACTICE_EMAIL_ADDRESS="no-reply@practice.example"):
        assert _message_id_for(row).endswith("@practice.example>")
    with override_settings(PRACTICE_EMAIL_ADDRESS=""):
        assert _message_id_for(row).endswith("@tandem.invalid>")
    row.message_id = "<kept@practice.example>"
    assert _message_id_for(row) == "<kept@practice.example>"


@pytest.mark.django_db
def test_an_urgent_row_is_handed_over_again_after_twenty_seconds_not_before(clinician):
    now = timezone.now()
    alert = _row(clinician, kind=Kind.RISK_ALERT, key="edge:alert", due=now - timedelta(
        minutes=1), enqueued_at=now - timedelta(seconds=10))
    assert notifications_claim_due(now=now) == []
    assert notifications_claim_due(now=now + timedelta(seconds=11)) == [alert.pk]


@pytest.mark.django_db
def test_a_sweep_with_nothing_due_records_no_batch_and_no_broker_trouble():
    assert notifications_sweep() == {"enqueued": 0, "needs_review": 0}
    heartbeat = SweepHeartbeat.objects.get(name=SWEEP_HEARTBEAT)
    assert heartbeat.last_result == {"enqueued": 0, "needs_review": 0, "batches": 0,
                                     "broker_down": False}


@pytest.mark.django_db
def test_planning_a_key_again_leaves_the_row_and_a_missing_context_is_empty(client_user):
    from notifications import keys
    from notifications.services import notifications_plan_many

    key = keys.welcome(user=client_user)
    row = {"recipient_id": client_user.pk, "kind": Kind.WELCOME, "dedupe_key": key,
           "due_at": timezone.now() + timedelta(hours=1)}
    assert notifications_plan_many(rows=[row]) == 1
    assert notifications_plan_many(rows=[{**row, "context": {"again": True}}]) == 1
    [planned] = Notification.objects.filter(dedupe_key=key.value)
    assert planned.context == {}


@pytest.mark.django_db
def test_closing_a_failed_message_names_who_closed_it(client_user, admin_user):
    from notifications.services import notification_close

    failed = _row(client_user, key="edge:close", status=Status.FAILED, last_error="refused")
    admin_user.full_name = ""  # no name on the account: its email stands for it
    assert notification_close(notification=failed, by=admin_user) is True
    assert failed.status == Status.CANCELLED
    assert failed.last_error == (
        f"refused\n\nClosed without resending by admin@example.com ({admin_user.pk}).")
    assert notification_close(notification=failed, by=admin_user) is False  # once
