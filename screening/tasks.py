"""Celery tasks of the screening app. Thin: they take ids, call a service, are safe to run twice."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django.db import DatabaseError

from clients.models import User

logger = logging.getLogger(__name__)

# A failed save of safety answers is tried again soon, then less often, for as long as it takes
# (max_retries=None): the flag must never be lost. Every countdown stays far below the broker's
# visibility timeout.
RETRY_FIRST_SECONDS = 5
RETRY_MAX_SECONDS = 300


@shared_task(name="screening.tasks.safety_answers_report", bind=True, max_retries=None)
def safety_answers_report(self: Task, client_id: int, instrument: str,
                          answers: dict[str, int]) -> str:
    """Open the risk flag (and alert) for safety answers whose save failed on the page."""
    from screening.services import safety_answers_report as report

    try:
        client = User.objects.get(pk=client_id)
        flag = report(client=client, instrument=instrument, answers=answers)
    except DatabaseError as exc:
        countdown = min(RETRY_FIRST_SECONDS * 2 ** self.request.retries, RETRY_MAX_SECONDS)
        logger.critical("SAFETY: the risk flag of client %s still could not be written "
                        "(attempt %d); trying again in %d s", client_id,
                        self.request.retries + 1, countdown, exc_info=True)
        raise self.retry(countdown=countdown, exc=exc) from exc
    logger.warning("SAFETY: the risk flag of client %s was written by the retrying task",
                   client_id)
    return str(flag.public_id) if flag else ""


def safety_answers_report_later(*, client: User, instrument: str,
                                answers: dict[str, int]) -> None:
    """Publish now, not after a commit: this runs because the transaction failed. Raises when
    the broker cannot take it (the caller keeps the answers another way)."""
    safety_answers_report.apply_async(
        kwargs={"client_id": client.pk, "instrument": instrument, "answers": dict(answers)},
        retry=True, retry_policy={"max_retries": 2, "interval_start": 0.2,
                                  "interval_step": 0.5})
