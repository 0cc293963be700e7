"""Writes to the outbox: schedule, cancel, plan-safe changes, sweep, deliver, resend.

Exactly once (rule 6 of DESIGN.md) rests on one step: a delivery task may send only after it
moved the row from ``pending`` to ``sending`` with a conditional ``UPDATE`` that matched it. Any
number of tasks for one row (a kick and a sweep, two sweeps, a broker redelivery, a retry) can
run; one wins the claim and the others return. A row left in ``sending`` (the worker died
mid-send), or one whose SMTP server took the message and gave no reply, is never sent again by
the machine: a person decides (``needs_review``, the review page, workspace/review_views.py).

Time comes from one clock, the database's (notifications.clock): "due", "stale" and "stuck"
never depend on a worker's own clock.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import make_msgid
from typing import TYPE_CHECKING, Any

from billiard.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import get_connection
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat
from django.utils import timezone

from notifications import smtp
from notifications.clock import outbox_now
from notifications.emails import notification_email_build
from notifications.keys import OutboxKey, Scope
from notifications.models import Notification, SweepHeartbeat
from notifications.selectors import notifications_for_delivery

if TYPE_CHECKING:  # the layers point one way: the outbox imports no app above it
    from clients.models import User

logger = logging.getLogger(__name__)

Status = Notification.Status
Kind = Notification.Kind

# A row handed to the broker this long ago and still pending is handed over again by the sweep
# (the message was lost: broker restarted without persistence, publish failed half-way, ...).
REENQUEUE_AFTER = timedelta(minutes=10)
# Risk alerts must reach the clinician within a minute even when their hand-off was lost: the
# sweep (every SWEEP_INTERVAL seconds) hands them over again after this much less.
URGENT_KINDS = frozenset({Kind.RISK_ALERT})
URGENT_REENQUEUE_AFTER = timedelta(seconds=20)
# The sweep claims rows in small batches and publishes each batch before claiming the next, so a
# sweep killed mid-publish strands at most one batch; it keeps going while rows are due, for at
# most SWEEP_TIME_BUDGET (below the task's soft time limit).
SWEEP_BATCH_SIZE = 50
SWEEP_TIME_BUDGET = timedelta(seconds=40)
# A delivery task sends the rows of one batch over one SMTP connection; it starts no new send
# after this long (well below the task's soft time limit) and gives the rest back to the sweep.
DELIVERY_BATCH_BUDGET = timedelta(seconds=30)
# A delivery task is killed after CELERY_TASK_TIME_LIMIT seconds; a row still `sending` this long
# after that was abandoned mid-send.
STUCK_MARGIN = timedelta(seconds=60)
ERROR_MAX_LENGTH = 2000
SWEEP_HEARTBEAT = "notifications.sweep"

LIVE_STATUSES = (Status.PENDING, Status.SENDING)
CLOSABLE_STATUSES = (Status.PENDING, Status.FAILED, Status.NEEDS_REVIEW)


@dataclass(frozen=True)
class DeliveryOutcome:
    """What a delivery attempt did. ``retry_in`` is set when the task should try again."""

    # "sent", "skipped", "retry", "failed", "needs_review", "cancelled", "merged", "released"
    status: str
    retry_in: int | None = None


class ResendRefused(Exception):
    """The reason for the message no longer holds; the text says why, for the person."""


def _now() -> datetime:
    return timezone.now()


# --- scheduling -------------------------------------------------------------------------------


def notification_schedule(
    *,
    recipient: User,
    kind: str,
    dedupe_key: str | OutboxKey,
    due_at: datetime,
    context: dict[str, Any] | None = None,
) -> Notification:
    """Add a message to the outbox; call it inside the transaction of whatever caused it.

    ``dedupe_key`` comes from notifications.keys (an ``OutboxKey`` also carries the row's
    scope). Idempotent on the key: scheduling the same event again returns the existing row
    untouched, whatever its status (a sent welcome is never reset; a cancelled one stays
    cancelled). A row already due is handed to the broker when the transaction commits, so it
    leaves in seconds; the sweep is the safety net. A future row waits for the sweep: never a
    long ETA in the broker.
    """
    if kind not in Notification.Kind.values:
        raise ValueError(f"Unknown notification kind {kind!r}.")
    if timezone.is_naive(due_at):
        raise ValueError("due_at must be an aware datetime.")
    scope = dedupe_key.scope if isinstance(dedupe_key, OutboxKey) else None
    # Only whether to kick it now; whether it is due is the sweep's call, by the database clock.
    now = _now()
    due_now = due_at <= now
    notification, created = Notification.objects.get_or_create(
        dedupe_key=str(dedupe_key),
        defaults={
            "recipient": recipient,
            "kind": kind,
            "scope": str(scope) if scope else "",
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
    from notifications import keys

    return notification_schedule(recipient=user, kind=Notification.Kind.WELCOME,
                                 dedupe_key=keys.welcome(user=user), due_at=_now())


# --- cancelling -------------------------------------------------------------------------------


def notification_cancel(*, dedupe_key: str | OutboxKey) -> bool:
    """Cancel one message, by its exact key, that has not been sent.

    Only a ``pending`` row can be cancelled; returns False when there is none (never scheduled,
    already sent, being sent right now, failed). Call it in the caller's transaction.
    """
    return bool(
        Notification.objects.filter(dedupe_key=str(dedupe_key), status=Status.PENDING).update(
            status=Status.CANCELLED
        )
    )


def _close(rows, *, reason: str) -> int:
    """Cancel the pending rows and close the failed / needs-review ones: their cause is gone,
    so nobody may resend them."""
    cancelled = rows.filter(status=Status.PENDING).update(status=Status.CANCELLED,
                                                          last_error=reason)
    closed = rows.filter(status__in=[Status.FAILED, Status.NEEDS_REVIEW]).update(
        status=Status.CANCELLED,
        last_error=Concat(F("last_error"), Value(f"\n\nClosed without sending: {reason}")))
    return cancelled + closed


def notifications_cancel(*, scope: Scope, reason: str,
                         kinds: Iterable[str] | None = None) -> int:
    """Cancel every unsent message of a scope (an appointment cancelled or moved, a goal
    archived), optionally only of some kinds, and close its failed and needs-review rows.
    A row being sent at this moment is left alone: it is the truth already. Returns how many."""
    if not isinstance(scope, Scope):
        raise TypeError("notifications_cancel takes a Scope from notifications.keys.")
    rows = Notification.objects.filter(scope=str(scope))
    if kinds is not None:
        rows = rows.filter(kind__in=list(kinds))
    return _close(rows, reason=reason)


def notifications_cancel_for_recipient(*, recipient: User, reason: str) -> int:
    """Every unsent message to this person (their account closed)."""
    return _close(Notification.objects.filter(recipient=recipient), reason=reason)


# --- changes a planner may make ---------------------------------------------------------------
# A planner (check-in reminders) may change only a row nobody has touched yet: pending, not
# handed to the broker, never attempted, and not yet due. A row that is due, handed over,
# being sent or waiting for a retry is left exactly as it is.


def _untouched(*, now: datetime) -> Q:
    return Q(status=Status.PENDING, enqueued_at__isnull=True, attempts=0, due_at__gt=now)


def notification_withdraw(*, notification_id: int, reason: str, now: datetime) -> bool:
    """Cancel a planned message that is no longer wanted, if nobody has touched it yet."""
    return bool(Notification.objects.filter(_untouched(now=now), pk=notification_id).update(
        status=Status.CANCELLED, last_error=reason))


def notification_move(*, notification_id: int, due_at: datetime, now: datetime) -> bool:
    """Move a planned message to another time, if nobody has touched it yet."""
    return bool(Notification.objects.filter(_untouched(now=now), pk=notification_id).update(
        due_at=due_at))


def notifications_plan_many(*, rows: Sequence[dict[str, Any]]) -> int:
    """Insert planned future messages in one statement; a key that exists already is left
    as it is (two planners at once make one row). Each dict holds recipient_id, kind,
    dedupe_key (an OutboxKey), due_at and context. Returns how many rows were given."""
    objects = []
    for row in rows:
        key: OutboxKey = row["dedupe_key"]
        objects.append(Notification(
            recipient_id=row["recipient_id"], kind=row["kind"], dedupe_key=key.value,
            scope=str(key.scope) if key.scope else "", due_at=row["due_at"],
            context=row.get("context") or {}))
    if objects:
        Notification.objects.bulk_create(objects, ignore_conflicts=True)
    return len(objects)


# --- the sweep --------------------------------------------------------------------------------


def _due_for_enqueue(*, now: datetime):
    return Notification.objects.filter(status=Status.PENDING, due_at__lte=now).filter(
        Q(enqueued_at__isnull=True)
        | Q(enqueued_at__lte=now - REENQUEUE_AFTER)
        | Q(kind__in=list(URGENT_KINDS), enqueued_at__lte=now - URGENT_REENQUEUE_AFTER)
    )


def notifications_claim_due(*, now: datetime, limit: int = SWEEP_BATCH_SIZE) -> list[int]:
    """Mark up to ``limit`` due rows as handed to the broker; returns their ids.

    Two sweeps at the same moment never both get a row. On PostgreSQL the rows are locked with
    ``SKIP LOCKED`` (a second sweep passes over them instead of waiting); elsewhere each row is
    claimed with a conditional ``UPDATE`` that matches only if nobody moved its ``enqueued_at``
    since we read it. The caller publishes the ids.
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
    left. Sending again could send it twice; a person checks and resends.
    """
    limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) + STUCK_MARGIN
    count = Notification.objects.filter(
        status=Status.SENDING, claimed_at__lte=now - limit
    ).update(
        status=Status.NEEDS_REVIEW,
        last_error="Delivery was interrupted after it started; the email may or may not have "
                   "been sent. Look for its Message-ID in the mail server's log before "
                   "resending.",
    )
    if count:
        logger.warning("%d notification(s) were stuck in sending and need review", count)
    return count


def notifications_sweep(*, batch_size: int = SWEEP_BATCH_SIZE,
                        budget: timedelta = SWEEP_TIME_BUDGET) -> dict[str, int]:
    """Flag abandoned sends, then hand due rows to the broker batch by batch (each published
    before the next is claimed) while rows are due and the time budget lasts. Stops at the
    first batch the broker refuses: those rows are released for the next sweep. Records the
    sweep's heartbeat when it finishes."""
    started = time.monotonic()
    now = outbox_now()
    flagged = notifications_flag_stuck(now=now)
    enqueued = batches = 0
    broker_down = False
    while True:
        ids = notifications_claim_due(now=now, limit=batch_size)
        if not ids:
            break
        batches += 1
        if connection.in_atomic_block:  # called inside a transaction: publish after it commits
            notifications_enqueue_on_commit(notification_ids=ids, enqueued_at=now)
            published = len(ids)
        else:
            published = _publish(notification_ids=ids, enqueued_at=now)
        enqueued += published
        if published < len(ids):
            broker_down = True
            break
        if len(ids) < batch_size or time.monotonic() - started >= budget.total_seconds():
            break
        now = outbox_now()
    heartbeat_record(name=SWEEP_HEARTBEAT, result={
        "enqueued": enqueued, "needs_review": flagged, "batches": batches,
        "broker_down": broker_down})
    return {"enqueued": enqueued, "needs_review": flagged}


def heartbeat_record(*, name: str, result: dict[str, Any]) -> None:
    """The periodic task ``name`` ran to the end now (by the database clock)."""
    now = outbox_now()
    if SweepHeartbeat.objects.filter(name=name).update(last_finished_at=now, last_result=result):
        return
    try:
        with transaction.atomic():
            SweepHeartbeat.objects.create(name=name, last_finished_at=now, last_result=result)
    except IntegrityError:  # another sweep created it a moment ago
        SweepHeartbeat.objects.filter(name=name).update(last_finished_at=now,
                                                        last_result=result)


def notifications_enqueue_on_commit(*, notification_ids: Sequence[int],
                                    enqueued_at: datetime) -> None:
    """After the current transaction commits, hand the rows to the broker (one delivery task
    for all of them).

    A broker that is down must not break the caller (a signup, a booking): the error is logged
    and the rows not handed over get ``enqueued_at`` cleared, so the next sweep tries again.
    Were even that write to fail, the sweep takes them after REENQUEUE_AFTER (urgent kinds
    after URGENT_REENQUEUE_AFTER).
    """
    ids = list(notification_ids)
    if ids:
        transaction.on_commit(lambda: _publish(notification_ids=ids, enqueued_at=enqueued_at))


def _publish(*, notification_ids: Sequence[int], enqueued_at: datetime) -> int:
    """Publish one delivery task for the whole batch; returns how many rows were handed over
    (all or none). On an error the rows are released for the next sweep."""
    from notifications.tasks import deliver_batch  # the tasks module imports this one

    ids = list(notification_ids)
    try:
        deliver_batch.delay(ids)
    except Exception:
        logger.exception("could not enqueue delivery of notifications %s; the sweep will try "
                         "again", ids)
        _release(notification_ids=ids, enqueued_at=enqueued_at)
        return 0
    return len(ids)


def _release(*, notification_ids: list[int], enqueued_at: datetime) -> None:
    try:
        Notification.objects.filter(
            pk__in=notification_ids, status=Status.PENDING, enqueued_at=enqueued_at
        ).update(enqueued_at=None)
    except Exception:
        logger.exception("could not release notifications %s", notification_ids)


# --- delivery ---------------------------------------------------------------------------------


# Kinds of which a person gets one email however many are due at once (check-in reminders of
# several goals): the first row to take the person's claim stands for the others due within
# MERGE_WINDOW of it, which are cancelled with ``merged_into`` pointing at it.
MERGED_KINDS = frozenset({Notification.Kind.CHECK_IN_REMINDER})
MERGE_WINDOW = timedelta(minutes=1)


def _merge_claim(notification: Notification, *, now: datetime) -> Notification | None:
    """Under the recipient's lock: return the sibling this row's email went (or goes) out
    with, or make this row the one that sends and fold the due siblings into it.

    A row that passed here as the sender has its ``message_id`` set before the lock is let go,
    so a concurrent delivery for the same person finds it and merges into it; two can never
    both send. (The lock is the person's row: deliveries for other people do not wait.)
    """
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=notification.recipient_id).exists()
        siblings = Notification.objects.filter(
            recipient_id=notification.recipient_id, kind=notification.kind,
        ).exclude(pk=notification.pk)
        low = notification.due_at - MERGE_WINDOW
        high = notification.due_at + MERGE_WINDOW
        sender = siblings.filter(
            Q(status=Status.SENDING) & ~Q(message_id="")
            | Q(status__in=[Status.SENT, Status.NEEDS_REVIEW], merged_into__isnull=True),
            due_at__gte=low, due_at__lte=high,
        ).order_by("claimed_at", "pk").first()
        if sender is not None:
            Notification.objects.filter(pk=notification.pk, status=Status.SENDING).update(
                status=Status.CANCELLED, merged_into=sender,
                last_error=f"Sent together with notification {sender.pk}.")
            return sender
        message_id = _message_id_for(notification)
        Notification.objects.filter(pk=notification.pk).update(message_id=message_id)
        notification.message_id = message_id
        siblings.filter(status=Status.PENDING, due_at__lte=max(now, notification.due_at)
                        + MERGE_WINDOW).update(
            status=Status.CANCELLED, merged_into=notification,
            last_error=f"Sent together with notification {notification.pk}.")
    return None


def _message_id_for(notification: Notification) -> str:
    """One Message-ID per row, kept across attempts and resends: a person can find it in the
    mail server's log, and many mail systems drop a second copy with the same id."""
    if notification.message_id:
        return notification.message_id
    domain = settings.PRACTICE_EMAIL_ADDRESS.rpartition("@")[2] or "tandem.invalid"
    return make_msgid(idstring=f"outbox.{notification.pk}", domain=domain)


def retry_backoff(*, attempts: int) -> int:
    """Seconds before attempt ``attempts + 1``: 1, 2, 4, 8... minutes, capped at 30 minutes and
    at half the broker's visibility timeout (a longer countdown would make Redis hand the
    waiting message to a second worker)."""
    cap = min(30 * 60, settings.CELERY_BROKER_VISIBILITY_TIMEOUT // 2)
    first = settings.NOTIFICATIONS_FIRST_RETRY_SECONDS
    return min(first * 2 ** max(attempts - 1, 0), cap)


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text[:ERROR_MAX_LENGTH]


def notification_deliver(*, notification_id: int) -> DeliveryOutcome:
    """``notifications_deliver`` for one row (the single-row task, and the tests)."""
    return notifications_deliver(notification_ids=[notification_id])[notification_id]


def _claim_for_sending(*, notification_ids: Sequence[int], now: datetime) -> list[int]:
    """Move the rows that are still pending to ``sending`` in one conditional UPDATE and
    return the ids it matched: the claim that makes a send happen at most once.

    The same statement gives each row that has none its Message-ID (one random head per batch,
    the row's id after it), so the id is stored before the message leaves. Merged kinds get
    theirs under the recipient's lock instead (``_merge_claim``). Raw SQL because the ORM's
    ``update()`` cannot say RETURNING (PostgreSQL, and SQLite since 3.35).
    """
    table = connection.ops.quote_name(Notification._meta.db_table)
    domain = settings.PRACTICE_EMAIL_ADDRESS.rpartition("@")[2] or "tandem.invalid"
    head = make_msgid(idstring="outbox", domain=domain).rpartition("@")[0] + "."
    merged = sorted(MERGED_KINDS)
    ids = list(notification_ids)
    kinds, rows = ", ".join(["%s"] * len(merged)), ", ".join(["%s"] * len(ids))
    # Only placeholders and the model's own table name are formatted into the text.
    sql = f"""
        UPDATE {table} SET status = %s, attempts = attempts + 1, claimed_at = %s,
            message_id = CASE WHEN message_id = '' AND kind NOT IN ({kinds})
                              THEN %s || CAST(id AS VARCHAR(20)) || %s ELSE message_id END
        WHERE id IN ({rows}) AND status = %s RETURNING id"""  # noqa: S608
    params: list[Any] = [Status.SENDING, now, *merged, head, f"@{domain}>", *ids, Status.PENDING]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(row[0] for row in cursor.fetchall())


def notifications_deliver(*, notification_ids: Sequence[int]) -> dict[int, DeliveryOutcome]:
    """Claim the rows, render and send their emails over one SMTP connection, record the
    results; returns each id's outcome. Safe to call any number of times for the same rows:
    only the call whose claim moved a row from pending to sending sends it.

    Queries per batch, whatever its size: the claim, one fetch, one UPDATE marking the sent
    rows (plus one per row that failed, was merged or is cancelled). What the SMTP server said
    decides what happens to a row (notifications.smtp): refused before the message or a 4xx is
    retried later; a 5xx fails at once; no reply after the message was handed over needs a
    person (it may have arrived). A worker killed in the middle of a batch leaves its rows in
    ``sending``; the sweep moves them to ``needs_review`` (never sent again by the machine).
    """
    ids = list(dict.fromkeys(notification_ids))
    outcomes = {pk: DeliveryOutcome("skipped") for pk in ids}  # sent, cancelled, taken, gone
    if not ids:
        return outcomes
    now = outbox_now()
    claimed = _claim_for_sending(notification_ids=ids, now=now)
    if not claimed:
        return outcomes
    rows = notifications_for_delivery(notification_ids=claimed)

    inactive = [row.pk for row in rows if not row.recipient.is_active]
    if inactive:
        Notification.objects.filter(pk__in=inactive, status=Status.SENDING).update(
            status=Status.CANCELLED, last_error="The recipient's account is inactive.")
        outcomes.update(dict.fromkeys(inactive, DeliveryOutcome("cancelled")))
    to_send = []
    for notification in rows:
        if not notification.recipient.is_active:
            continue
        if notification.kind in MERGED_KINDS and \
                _merge_claim(notification, now=now) is not None:
            outcomes[notification.pk] = DeliveryOutcome("merged")
            continue
        to_send.append(notification)
    outcomes.update(_send_batch(to_send))
    return outcomes


def _send_batch(notifications: list[Notification]) -> dict[int, DeliveryOutcome]:
    """Send claimed rows over one SMTP connection (a new one only after a failure dropped it)
    and mark the sent ones in one UPDATE at the end, whatever stopped the loop."""
    outcomes: dict[int, DeliveryOutcome] = {}
    sent: list[int] = []
    started = time.monotonic()
    if not notifications:
        return outcomes
    backend = get_connection()
    index = 0
    try:
        while index < len(notifications):
            notification = notifications[index]
            if time.monotonic() - started >= DELIVERY_BATCH_BUDGET.total_seconds():
                break
            try:
                message = notification_email_build(notification=notification)
                message.extra_headers["Message-ID"] = notification.message_id
                backend.open()  # no-op while open; a failure above dropped the connection
                backend.send_messages([message])
            except SoftTimeLimitExceeded:
                raise
            except Exception as exc:
                row = Notification.objects.filter(pk=notification.pk, status=Status.SENDING)
                outcomes[notification.pk] = _record_failure(notification, row, exc)
            else:
                sent.append(notification.pk)
                outcomes[notification.pk] = DeliveryOutcome("sent")
            index += 1
    except SoftTimeLimitExceeded as exc:
        # The send in hand hung until the time limit: it may have gone through.
        Notification.objects.filter(pk=notifications[index].pk, status=Status.SENDING).update(
            status=Status.NEEDS_REVIEW, last_error=_describe(exc))
        outcomes[notifications[index].pk] = DeliveryOutcome("needs_review")
        index += 1
    finally:
        if sent:
            # Unconditional on status: the mail is gone, so "sent" is the truth.
            Notification.objects.filter(pk__in=sent).update(status=Status.SENT,
                                                            sent_at=outbox_now())
        if backend is not None:
            with contextlib.suppress(Exception):
                backend.close()
    rest = notifications[index:]
    if rest:  # never handed to the server: back to the sweep, as if never claimed
        Notification.objects.filter(pk__in=[n.pk for n in rest], status=Status.SENDING).update(
            status=Status.PENDING, attempts=F("attempts") - 1, enqueued_at=None)
        outcomes.update(dict.fromkeys((n.pk for n in rest), DeliveryOutcome("released")))
    return outcomes


def _record_failure(notification: Notification, row, exc: BaseException) -> DeliveryOutcome:
    error = _describe(exc)
    outcome = smtp.classify(exc)
    if outcome is smtp.AmbiguousFailure:
        row.update(status=Status.NEEDS_REVIEW, last_error=error)
        logger.error("notification %s may or may not have been delivered (%s): needs review",
                     notification.pk, error)
        return DeliveryOutcome("needs_review")
    if outcome is smtp.PermanentFailure or \
            notification.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
        row.update(status=Status.FAILED, last_error=error)
        logger.error("notification %s failed after %d attempt(s): %s",
                     notification.pk, notification.attempts, error)
        return DeliveryOutcome("failed")
    delay = retry_backoff(attempts=notification.attempts)
    due_at = outbox_now() + timedelta(seconds=delay)
    # enqueued_at = the moment the retry's countdown ends, so the sweep leaves the row to that
    # retry and steps in only if it never arrives.
    row.update(status=Status.PENDING, due_at=due_at, enqueued_at=due_at, last_error=error)
    logger.warning("notification %s attempt %d failed, retry in %ds: %s",
                   notification.pk, notification.attempts, delay, error)
    return DeliveryOutcome("retry", retry_in=delay)


# --- resending (a person decides) -------------------------------------------------------------

# Does the reason for a message still hold? Apps above the outbox register one check per kind
# (workspace.outbox_causes, at start-up): it returns None when it does, or why not, in words for
# the person who asked to resend.
CauseCheck = Callable[[Notification], "str | None"]
_cause_checks: dict[str, CauseCheck] = {}


def cause_check_register(*, kind: str, check: CauseCheck) -> None:
    _cause_checks[kind] = check


def notification_resend_refusal(*, notification: Notification) -> str | None:
    """Why this message may not be sent again, or None when it may."""
    if notification.status not in (Status.FAILED, Status.NEEDS_REVIEW):
        return "Only failed or needs-review notifications can be resent."
    if not notification.recipient.is_active:
        return "The recipient's account is closed."
    check = _cause_checks.get(notification.kind)
    return check(notification) if check else None


def notification_resend(*, notification: Notification, by: User) -> bool:
    """Send a ``failed`` or ``needs_review`` message again, now, with a fresh set of attempts,
    after checking that its reason still holds (the appointment still booked at that time, the
    goal still active, the flag still open).

    Returns False (and changes nothing) for a row in any other status; raises ResendRefused
    when the reason is gone. ``last_error`` is kept so the history of the row stays readable;
    the Message-ID is kept too, so the resent copy carries the same id as the first attempt.
    """
    if notification.status not in (Status.FAILED, Status.NEEDS_REVIEW):
        return False
    refusal = notification_resend_refusal(notification=notification)
    if refusal:
        raise ResendRefused(refusal)
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


def notification_close(*, notification: Notification, by: User) -> bool:
    """A person found the message in the mail server's log (or heard from the recipient) and
    clears it without sending again: a ``needs_review`` or ``failed`` row becomes cancelled,
    with who closed it in its error text. Returns False for a row in any other status."""
    note = f"\n\nClosed without resending by {by.full_name or by.email} ({by.pk})."
    updated = Notification.objects.filter(
        pk=notification.pk, status__in=[Status.FAILED, Status.NEEDS_REVIEW]
    ).update(status=Status.CANCELLED, last_error=Concat(F("last_error"), Value(note)))
    if updated:
        logger.info("notification %s closed without resending by user %s", notification.pk,
                    by.pk)
    notification.refresh_from_db()
    return bool(updated)
