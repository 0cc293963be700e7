"""The Celery tasks, run in this process (the real worker is in test_real_worker.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.conf import settings
from django.core import mail
from django.utils import timezone

from notifications import tasks
from notifications.models import Notification

pytestmark = pytest.mark.django_db

Status = Notification.Status
DELIVER = tasks.deliver  # the real task, before the `enqueued` fixture replaces it


def make(recipient, key: str, **fields) -> Notification:
    fields.setdefault("due_at", timezone.now() - timedelta(seconds=1))
    return Notification.objects.create(recipient=recipient, kind=Notification.Kind.WELCOME,
                                       dedupe_key=key, **fields)


def test_sweep_enqueues_due_rows_after_commit_and_flags_stuck_ones(
        client_user, enqueued, django_capture_on_commit_callbacks):
    due = make(client_user, "due")
    make(client_user, "future", due_at=timezone.now() + timedelta(hours=1))
    stuck = make(client_user, "stuck", status=Status.SENDING, attempts=1,
                 claimed_at=timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT
                                                       + 120))

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_due() == {"enqueued": 1, "needs_review": 1}
        assert enqueued.ids == []  # not before the claim is committed
    assert enqueued.ids == [due.pk]
    stuck.refresh_from_db()
    assert stuck.status == Status.NEEDS_REVIEW

    # Beat ticks again (or a second beat runs by mistake): nothing is enqueued twice.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_due() == {"enqueued": 0, "needs_review": 0}
    assert enqueued.ids == [due.pk]


def test_deliver_task_sends_once(client_user):
    notification = make(client_user, "once")
    assert DELIVER(notification.pk) == "sent"
    assert DELIVER(notification.pk) == "skipped"
    assert len(mail.outbox) == 1


def test_deliver_task_retries_with_the_rows_backoff(client_user, smtp_unreachable, monkeypatch):
    task = DELIVER._get_current_object()
    countdowns = []

    def retry(countdown):
        countdowns.append(countdown)
        return Retry("retry", None, countdown)

    monkeypatch.setattr(task, "retry", retry)
    notification = make(client_user, "retry")
    with pytest.raises(Retry):
        task(notification.pk)
    assert countdowns == [60]
    assert countdowns[0] < settings.CELERY_BROKER_VISIBILITY_TIMEOUT
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Status.PENDING, 1)


def test_deliver_task_eager_retries_stop_when_the_row_says_failed(client_user, smtp_unreachable):
    # Eagerly, Celery runs each retry at once; the row, not Celery, decides when to stop.
    notification = make(client_user, "eager")
    DELIVER.apply(args=(notification.pk,))
    notification.refresh_from_db()
    assert notification.status == Status.FAILED
    assert notification.attempts == settings.NOTIFICATIONS_MAX_ATTEMPTS
    assert mail.outbox == []


def test_tasks_have_the_names_beat_and_workers_use():
    assert settings.CELERY_BEAT_SCHEDULE["notifications-sweep-due"]["task"] == tasks.sweep_due.name
    assert DELIVER.name == "notifications.tasks.deliver"
