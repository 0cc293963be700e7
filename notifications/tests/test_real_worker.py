"""Exactly once with real parts: PostgreSQL, Redis, a `celery worker` process and an SMTP server.

Each test runs its own worker on a queue of its own (and pytest-xdist gives each process its own
database), so parallel runs cannot take each other's messages: a message delivered by the wrong
worker would find no row in that worker's database and the test waiting for it would fail.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from notifications.models import Notification
from notifications.services import notification_schedule, welcome_schedule
from notifications.tasks import sweep_due
from notifications.tests.fixtures import broker_at, wait_for

pytestmark = [
    pytest.mark.needs_postgres,
    pytest.mark.needs_redis,
    pytest.mark.django_db(transaction=True),
]

Status = Notification.Status
DEAD_BROKER = "redis://127.0.0.1:1/0"
MESSAGE_TIMEOUT = 30.0
QUIET_PERIOD = 3.0  # how long we wait after the first message for a duplicate


def sweep_in_two_threads_at_once() -> list[dict[str, int]]:
    barrier = threading.Barrier(2, timeout=10)
    results: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            barrier.wait()
            results.append(sweep_due())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()  # each thread has its own connection to the test database

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a sweep did not finish in 30 s"
    assert not errors, errors
    return results


def test_delivered_by_a_real_worker_after_commit_exactly_once(make_client, celery_worker,
                                                               smtp_sink):
    alex = make_client(email="alex@example.com", full_name="Alex Morgan")
    sam = make_client(email="sam@example.com", full_name="Sam Lee")

    with transaction.atomic():
        # Due now: handed to the broker when this transaction commits (the kick).
        welcome = welcome_schedule(user=alex)
        # Due in a moment, so no kick: only a sweep can hand it over, and two sweeps will race.
        later = notification_schedule(recipient=sam, kind=Notification.Kind.WELCOME,
                                      dedupe_key=f"test:{sam.pk}",
                                      due_at=timezone.now() + timedelta(seconds=1))
        time.sleep(2)
        assert smtp_sink.count() == 0  # nothing leaves before the commit
    assert welcome.enqueued_at is not None
    assert later.due_at <= timezone.now()

    results = sweep_in_two_threads_at_once()
    # The kicked row is left alone; the other is claimed by exactly one of the two sweeps.
    assert sorted(r["enqueued"] for r in results) == [0, 1]

    def both_arrived() -> bool:
        return bool(smtp_sink.messages_to("alex@example.com")
                    and smtp_sink.messages_to("sam@example.com"))

    assert wait_for(both_arrived, timeout=MESSAGE_TIMEOUT), celery_worker.log()
    time.sleep(QUIET_PERIOD)

    [to_alex] = smtp_sink.messages_to("alex@example.com")
    [to_sam] = smtp_sink.messages_to("sam@example.com")
    assert smtp_sink.count() == 2
    assert b"Subject: Welcome to Tandem Practice" in to_alex
    assert b"Hello Sam," in to_sam
    for row in (welcome, later):
        row.refresh_from_db()
        assert (row.status, row.attempts) == (Status.SENT, 1)
        assert row.sent_at is not None


def test_redis_down_delays_but_loses_nothing(make_client, celery_worker, smtp_sink, caplog):
    robin = make_client(email="robin@example.com", full_name="Robin Ellis")

    with broker_at(DEAD_BROKER):
        started = time.monotonic()
        with transaction.atomic():
            welcome = welcome_schedule(user=robin)
        # The signup that caused it commits and carries on; the kick failed and said so.
        assert time.monotonic() - started < 10
        assert "could not enqueue delivery" in caplog.text

        started = time.monotonic()
        # Claimed, refused by the broker, released: nothing handed over.
        assert sweep_due() == {"enqueued": 0, "needs_review": 0}
        assert time.monotonic() - started < 10  # seconds, not minutes

    welcome.refresh_from_db()
    assert (welcome.status, welcome.attempts, welcome.enqueued_at) == (Status.PENDING, 0, None)
    time.sleep(1)
    assert smtp_sink.count() == 0

    # The broker is back: the next beat tick hands the row over.
    assert sweep_due() == {"enqueued": 1, "needs_review": 0}
    assert wait_for(lambda: smtp_sink.count() > 0, timeout=MESSAGE_TIMEOUT), celery_worker.log()
    time.sleep(QUIET_PERIOD)
    assert len(smtp_sink.messages_to("robin@example.com")) == 1
    assert smtp_sink.count() == 1
    welcome.refresh_from_db()
    assert (welcome.status, welcome.attempts) == (Status.SENT, 1)
