"""Celery tasks of the outbox. Thin: they take ids, call services, and are safe to run twice."""

from __future__ import annotations

import logging
from collections import defaultdict

from celery import Task, shared_task

from notifications.services import notification_deliver, notifications_deliver, notifications_sweep

logger = logging.getLogger(__name__)


@shared_task(name="notifications.tasks.sweep_due")
def sweep_due() -> dict[str, int]:
    """Run by beat every SWEEP_INTERVAL seconds: flag abandoned sends, hand due rows to the
    broker in small batches. Running late, twice or four times at once is harmless (each row is
    claimed by one sweep), so the task has no expiry: a worker whose clock is ahead must not
    throw it away. A broker that is down is logged and the rows stay pending for the next one.
    """
    result = notifications_sweep()
    if result["enqueued"] or result["needs_review"]:
        logger.info("sweep: %d notification(s) enqueued, %d flagged for review",
                    result["enqueued"], result["needs_review"])
    return result


# max_retries=None: the row counts attempts (NOTIFICATIONS_MAX_ATTEMPTS), not Celery.
@shared_task(name="notifications.tasks.deliver", bind=True, max_retries=None)
def deliver(self: Task, notification_id: int) -> str:
    outcome = notification_deliver(notification_id=notification_id)
    if outcome.retry_in is not None:
        # The countdown stays below the broker's visibility timeout (retry_backoff). Were this
        # publish to fail, the row is pending and the sweep hands it over again.
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status


@shared_task(name="notifications.tasks.deliver_batch")
def deliver_batch(notification_ids: list[int]) -> dict[str, int]:
    """Deliver a batch (what one sweep claimed, or what one transaction scheduled) over one
    SMTP connection. Rows that must be tried again later go out as one task per countdown;
    were that publish to fail, they are pending and the sweep hands them over again."""
    outcomes = notifications_deliver(notification_ids=notification_ids)
    retries: dict[int, list[int]] = defaultdict(list)
    tally: dict[str, int] = defaultdict(int)
    for notification_id, outcome in outcomes.items():
        tally[outcome.status] += 1
        if outcome.retry_in is not None:
            retries[outcome.retry_in].append(notification_id)
    for countdown, ids in retries.items():
        try:
            deliver_batch.apply_async((ids,), countdown=countdown)
        except Exception:
            logger.exception("could not enqueue the retry of notifications %s; the sweep will "
                             "hand them over again", ids)
    return dict(tally)
