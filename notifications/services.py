"""Writes to the outbox: schedule, claim, deliver, resend, cancel.

Exactly once (rule 6 of DESIGN.md) rests on one step: a delivery task may send only after it
moved the row from ``pending`` to ``sending`` with a conditional ``UPDATE`` that matched it. Any
number of tasks for one row (a kick and a sweep, two sweeps, a broker redelivery, a retry) can
run; one wins the claim and the others return. A row left in ``sending`` (the worker died
mid-send) is never sent again by the machine: a person decides in admin (``needs_review``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from billiard.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from clients.models import User
from notifications.emails import notification_email_build
from notifications.models import Notification
from notifications.selectors import notification_for_delivery

logger = logging.getLogger(__name__)

Status = Notification.Status

# A row handed to the broker this long ago and still pending is handed over again by the sweep
# (the message was lost: broker restarted without persistence, publish failed half-way, ...).
REENQUEUE_AFTER = timedelta(minutes=10)
# A sweep (once a minute) claims at most this many rows; the rest wait for the next one.
SWEEP_BATCH_SIZE = 500
# A delivery task is killed after CELERY_TASK_TIME_LIMIT seconds; a row still `sending` this long
# after that was abandoned mid-send.
STUCK_MARGIN = timedelta(seconds=60)
FIRST_RETRY_SECONDS = 60
ERROR_MAX_LENGTH = 2000


@dataclass(frozen=True)
class DeliveryOutcome:
    """What a delivery attempt did. ``retry_in`` is set when the task should try again."""

    status: str  # "sent", "skipped", "retry", "failed", "needs_review", "cancelled"
    retry_in: int | None = None


def _now() -> datetime:
    return timezone.now()


# --- scheduling -------------------------------------------------------------------------------


def notification_schedule(
    *,
    recipient: User,
    kind: str,
    dedupe_key: str,
    due_at: datetime,
    context: dict[str, Any] | None = None,
) -> Notification:
    """Add a message to the outbox; call it inside the transaction of whatever caused it.

    Idempotent on ``dedupe_key``: scheduling the same event again returns the existing row
    untouched, whatever its status (a sent welcome is never reset; a cancelled one stays
    cancelled). A row already due is handed to the broker when the transaction commits, so it
    leaves in seconds; the sweep is the safety net. A future row waits for the sweep: never a
    long ETA in the broker.
    """
    if kind not in Notification.Kind.values:
        raise ValueError(f"Unknown notification kind {kind!r}.")
    if timezone.is_naive(due_at):
        raise ValueError("due_at must be an aware datetime.")
    now = _now()
    due_now = due_at <= now
    notification, created = Notification.objects.get_or_create(
        dedupe_key=dedupe_key,
        defaults={
            "recipient": recipient,
            "kind": kind,
            "due_at": due_at,
            "context": context or {},
            "enqueued_at": now if due_now else None,
        },
    )
    if created and due_now:
        notifications_enqueue_on_commit(notification_ids=[notification.pk], enqueued_at=now)
    return notification


def welcome_schedule(*, user: User) -> Notification:
    """The welcome email, once per account, after its email address is verified."""
    return notification_schedule(
        recipient=user,
        kind=Notification.Kind.WELCOME,
        dedupe_key=f"welcome:{user.pk}",
        due_at=_now(),
    )


def notification_cancel(*, dedupe_key: str) -> bool:
    """Cancel a message that has not been sent (an appointment was cancelled, ...).

    Only a ``pending`` row can be cancelled; returns False when there is none (never scheduled,
    already sent, being sent right now, failed). Call it in the caller's transaction.
    """
    return bool(
        Notification.objects.filter(dedupe_key=dedupe_key, status=Status.PENDING).update(
            status=Status.CANCELLED
        )
    )


def notifications_cancel_pending(*, recipient: User, dedupe_key_prefix: str) -> int:
    """Cancel every pending message to this person whose key starts with the prefix (a newer
    invitation replaces an older one, ...). Returns how many."""
    return Notification.objects.filter(
        recipient=recipient, status=Status.PENDING, dedupe_key__startswith=dedupe_key_prefix
    ).update(status=Status.CANCELLED)


def notification_resend(*, notification: Notification, by: User) -> bool:
    """Send a ``failed`` or ``needs_review`` message again, now, with a fresh set of attempts.

    Returns False (and changes nothing) for a row in any other status. ``last_error`` is kept
    so the history of the row stays readable; a new failure overwrites it.
    """
    now = _now()
    with transaction.atomic():
        updated = Notification.objects.filter(
            pk=notification.pk, status__in=[Status.FAILED, Status.NEEDS_REVIEW]
        ).update(status=Status.PENDING, due_at=now, attempts=0, enqueued_at=now)
        if updated:
            logger.info("notification %s resent by user %s", notification.pk, by.pk)
            notifications_enqueue_on_commit(notification_ids=[notification.pk], enqueued_at=now)
    notification.refresh_from_db()
    return bool(updated)


# --- the sweep --------------------------------------------------------------------------------


def _due_for_enqueue(*, now: datetime):
    return Notification.objects.filter(status=Status.PENDING, due_at__lte=now).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=now - REENQUEUE_AFTER)
    )


def notifications_claim_due(*, now: datetime, limit: int = SWEEP_BATCH_SIZE) -> list[int]:
    """Mark up to ``limit`` due rows as handed to the broker; returns their ids.

    Two sweeps at the same moment never both get a row. On PostgreSQL the rows are locked with
    ``SKIP LOCKED`` (a second sweep passes over them instead of waiting); elsewhere each row is
    claimed with a conditional ``UPDATE`` that matches only if nobody moved its ``enqueued_at``
    since we read it. The caller enqueues the ids after commit.
    """
    due = _due_for_enqueue(now=now).order_by("due_at", "pk")
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            ids = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])
            Notification.objects.filter(pk__in=ids).update(enqueued_at=now)
            return ids
        ids = []
        for pk, enqueued_at in due.values_list("pk", "enqueued_at")[:limit]:
            row = Notification.objects.filter(pk=pk, status=Status.PENDING)
            row = (row.filter(enqueued_at__isnull=True) if enqueued_at is None
                   else row.filter(enqueued_at=enqueued_at))
            if row.update(enqueued_at=now):
                ids.append(pk)
        return ids


def notifications_flag_stuck(*, now: datetime) -> int:
    """Move rows abandoned in ``sending`` to ``needs_review``; returns how many.

    The worker died between the claim and the end of the send, so nobody knows whether the mail
    left. Sending again could send it twice; a person checks and resends from admin.
    """
    limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) + STUCK_MARGIN
    count = Notification.objects.filter(
        status=Status.SENDING, claimed_at__lte=now - limit
    ).update(
        status=Status.NEEDS_REVIEW,
        last_error="Delivery was interrupted after it started; the email may or may not have "
                   "been sent. Check with the recipient before resending.",
    )
    if count:
        logger.warning("%d notification(s) were stuck in sending and need review", count)
    return count


def notifications_enqueue_on_commit(*, notification_ids: Sequence[int],
                                    enqueued_at: datetime) -> None:
    """After the current transaction commits, hand one delivery task per row to the broker.

    A broker that is down must not break the caller (a signup, a sweep): the error is logged
    and the rows not handed over get ``enqueued_at`` cleared, so the next sweep (a minute later)
    tries again. Were even that write to fail, the sweep takes them after REENQUEUE_AFTER.
    """
    ids = list(notification_ids)
    if not ids:
        return

    def publish() -> None:
        from notifications.tasks import deliver  # the tasks module imports this one

        for index, notification_id in enumerate(ids):
            try:
                deliver.delay(notification_id)
            except Exception:
                logger.exception("could not enqueue delivery of notification %s; the sweep "
                                 "will try again", notification_id)
                _release(notification_ids=ids[index:], enqueued_at=enqueued_at)
                return  # the broker is down: do not wait on it once per row

    transaction.on_commit(publish)


def _release(*, notification_ids: list[int], enqueued_at: datetime) -> None:
    try:
        Notification.objects.filter(
            pk__in=notification_ids, status=Status.PENDING, enqueued_at=enqueued_at
        ).update(enqueued_at=None)
    except Exception:
        logger.exception("could not release notifications %s", notification_ids)


# --- delivery ---------------------------------------------------------------------------------


# Kinds of which a person gets one email however many are due at once (check-in reminders of
# several goals): the first claimed row stands for the others due by then, which are cancelled.
MERGED_KINDS = frozenset({Notification.Kind.CHECK_IN_REMINDER})
MERGE_WINDOW = timedelta(minutes=1)


def _merge_due_siblings(notification: Notification, *, now: datetime) -> None:
    Notification.objects.filter(
        recipient_id=notification.recipient_id, kind=notification.kind, status=Status.PENDING,
        due_at__lte=now + MERGE_WINDOW,
    ).exclude(pk=notification.pk).update(
        status=Status.CANCELLED, last_error=f"Sent together with notification {notification.pk}.")


def retry_backoff(*, attempts: int) -> int:
    """Seconds before attempt ``attempts + 1``: 1, 2, 4, 8... minutes, capped at 30 minutes and
    at half the broker's visibility timeout (a longer countdown would make Redis hand the
    waiting message to a second worker)."""
    cap = min(30 * 60, settings.CELERY_BROKER_VISIBILITY_TIMEOUT // 2)
    return min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), cap)


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text[:ERROR_MAX_LENGTH]


def notification_deliver(*, notification_id: int) -> DeliveryOutcome:
    """Claim the row, render and send its email, record the result. Safe to call any number of
    times for one row: only the call that moves it from pending to sending sends."""
    now = _now()
    claimed = Notification.objects.filter(pk=notification_id, status=Status.PENDING).update(
        status=Status.SENDING, attempts=F("attempts") + 1, claimed_at=now
    )
    if not claimed:
        return DeliveryOutcome("skipped")  # sent, cancelled, someone else has it, or gone
    notification = notification_for_delivery(notification_id=notification_id)
    row = Notification.objects.filter(pk=notification_id, status=Status.SENDING)

    if not notification.recipient.is_active:
        row.update(status=Status.CANCELLED, last_error="The recipient's account is inactive.")
        return DeliveryOutcome("cancelled")
    if notification.kind in MERGED_KINDS:
        _merge_due_siblings(notification, now=now)

    try:
        message = notification_email_build(notification=notification)
        message.send()
    except SoftTimeLimitExceeded as exc:
        # The send hung until the time limit: it may have gone through.
        row.update(status=Status.NEEDS_REVIEW, last_error=_describe(exc))
        return DeliveryOutcome("needs_review")
    except Exception as exc:
        error = _describe(exc)
        if notification.attempts < settings.NOTIFICATIONS_MAX_ATTEMPTS:
            delay = retry_backoff(attempts=notification.attempts)
            due_at = _now() + timedelta(seconds=delay)
            # enqueued_at = the moment the retry's countdown ends, so the sweep leaves the row
            # to that retry and steps in only if it never arrives.
            row.update(status=Status.PENDING, due_at=due_at, enqueued_at=due_at,
                       last_error=error)
            logger.warning("notification %s attempt %d failed, retry in %ds: %s",
                           notification_id, notification.attempts, delay, error)
            return DeliveryOutcome("retry", retry_in=delay)
        row.update(status=Status.FAILED, last_error=error)
        logger.error("notification %s failed after %d attempts: %s",
                     notification_id, notification.attempts, error)
        return DeliveryOutcome("failed")

    # Unconditional on status: the mail is gone, so "sent" is the truth whatever happened.
    Notification.objects.filter(pk=notification_id).update(status=Status.SENT, sent_at=_now())
    return DeliveryOutcome("sent")
