"""Celery tasks of the outbox. Thin: they take ids, call services, and are safe to run twice."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django.utils import timezone

from notifications.services import (
    notification_deliver,
    notifications_claim_due,
    notifications_enqueue_on_commit,
    notifications_flag_stuck,
)

logger = logging.getLogger(__name__)


@shared_task(name="notifications.tasks.sweep_due")
def sweep_due() -> dict[str, int]:
    """Run by beat every minute: flag abandoned sends, hand due rows to the broker.

    The claim commits before anything is published; a broker that is down is logged and the
    rows stay pending for the next sweep (see notifications_enqueue_on_commit).
    """
    now = timezone.now()
    flagged = notifications_flag_stuck(now=now)
    claimed = notifications_claim_due(now=now)
    notifications_enqueue_on_commit(notification_ids=claimed, enqueued_at=now)
    if claimed or flagged:
        logger.info("sweep: %d notification(s) enqueued, %d flagged for review",
                    len(claimed), flagged)
    return {"enqueued": len(claimed), "needs_review": flagged}


# max_retries=None: the row counts attempts (NOTIFICATIONS_MAX_ATTEMPTS), not Celery.
@shared_task(name="notifications.tasks.deliver", bind=True, max_retries=None)
def deliver(self: Task, notification_id: int) -> str:
    outcome = notification_deliver(notification_id=notification_id)
    if outcome.retry_in is not None:
        # The countdown stays below the broker's visibility timeout (retry_backoff). Were this
        # publish to fail, the row is pending and the sweep hands it over again.
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status
