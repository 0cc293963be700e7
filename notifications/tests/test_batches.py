"""Delivery in batches (issue 15): one claim, one fetch and one SMTP connection per batch, one
UPDATE for the sent rows, and every outcome of the single-row path kept row by row. Against a
real SMTP server on 127.0.0.1 (aiosmtpd, scripted per recipient) and the real database."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from billiard.exceptions import SoftTimeLimitExceeded
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications import services, tasks
from notifications.models import Notification
from notifications.services import notification_deliver, notifications_deliver
from notifications.tests.faults import ScriptedHandler, smtp_server
from notifications.tests.fixtures import free_port

Status = Notification.Status


class CountingHandler(ScriptedHandler):
    """The scripted server, counting SMTP sessions (one EHLO per connection)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sessions = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self.lock:
            self.sessions += 1
        session.host_name = hostname
        return responses


@pytest.fixture
def smtp(settings):
    """A real SMTP server, and the outbox's own backend pointed at it."""
    handler = CountingHandler()
    with smtp_server(handler) as server:
        settings.EMAIL_BACKEND = "notifications.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 5
        yield handler


def rows_for(make_client, count: int, *, prefix: str) -> list[Notification]:
    people = [make_client(email=f"{prefix}{n}@example.com", full_name=f"Client {n}")
              for n in range(count)]
    due = timezone.now() - timedelta(seconds=1)
    return [Notification.objects.create(recipient=person, kind=Notification.Kind.WELCOME,
                                        dedupe_key=f"{prefix}:{person.pk}", due_at=due)
            for person in people]


def fresh(rows: list[Notification]) -> list[Notification]:
    return list(Notification.objects.filter(pk__in=[r.pk for r in rows]).order_by("pk"))


@pytest.mark.django_db
def test_a_batch_goes_over_one_connection_each_row_with_its_own_message_id(make_client, smtp):
    rows = rows_for(make_client, 6, prefix="one-conn")
    outcomes = notifications_deliver(notification_ids=[r.pk for r in rows])
    assert {o.status for o in outcomes.values()} == {"sent"}
    assert smtp.sessions == 1
    assert smtp.count() == 6
    stored = fresh(rows)
    assert all((r.status, r.attempts) == (Status.SENT, 1) and r.sent_at for r in stored)
    received = smtp.by_message_id()
    assert sorted(received) == sorted(r.message_id for r in stored)
    assert all(f".outbox.{r.pk}@" in r.message_id for r in stored)
    assert set(received.values()) == {1}
    # The same batch again: every row is claimed already, nothing leaves.
    again = notifications_deliver(notification_ids=[r.pk for r in rows])
    assert {o.status for o in again.values()} == {"skipped"}
    assert smtp.count() == 6


@pytest.mark.django_db
def test_a_batch_costs_the_same_queries_whatever_its_size(make_client, smtp):
    def queries(count: int, prefix: str) -> int:
        rows = rows_for(make_client, count, prefix=prefix)
        with CaptureQueriesContext(connection) as captured:
            notifications_deliver(notification_ids=[r.pk for r in rows])
        assert smtp.by_message_id().keys() >= {r.message_id for r in fresh(rows)}
        return len(captured)

    # The database clock is the process's in tests (settings.OUTBOX_CLOCK): the claim
    # (UPDATE ... RETURNING), the fetch with the recipients, the UPDATE of the sent rows.
    assert queries(3, "small") == queries(25, "large") == 3


@pytest.mark.django_db
def test_every_smtp_outcome_is_kept_row_by_row_inside_a_batch(make_client, smtp, settings):
    rows = rows_for(make_client, 6, prefix="mixed")
    emails = [r.recipient.email for r in rows]
    smtp.scripts = {emails[1]: ["451"], emails[2]: ["550"], emails[3]: ["drop"],
                    emails[4]: ["552-data"]}
    outcomes = notifications_deliver(notification_ids=[r.pk for r in rows])
    assert [outcomes[r.pk].status for r in rows] == [
        "sent", "retry", "failed", "needs_review", "failed", "sent"]
    stored = fresh(rows)
    assert [r.status for r in stored] == [Status.SENT, Status.PENDING, Status.FAILED,
                                          Status.NEEDS_REVIEW, Status.FAILED, Status.SENT]
    retry = stored[1]
    assert retry.attempts == 1 and retry.enqueued_at == retry.due_at > timezone.now()
    assert "may have stored it" in stored[3].last_error
    # The dropped reply closed the connection; the rest of the batch went over a new one.
    assert smtp.sessions == 2
    assert len(smtp.messages_to(emails[5])) == 1


@pytest.mark.django_db
def test_an_unreachable_server_retries_every_row_of_the_batch(make_client, settings):
    settings.EMAIL_BACKEND = "notifications.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    rows = rows_for(make_client, 3, prefix="unreachable")
    outcomes = notifications_deliver(notification_ids=[r.pk for r in rows])
    assert {o.status for o in outcomes.values()} == {"retry"}
    assert {(r.status, r.attempts) for r in fresh(rows)} == {(Status.PENDING, 1)}


@pytest.mark.django_db
def test_the_soft_time_limit_mid_batch_keeps_what_was_sent_and_gives_back_the_rest(
        make_client, smtp, monkeypatch):
    from notifications import smtp as outbox_smtp

    rows = rows_for(make_client, 4, prefix="cut")
    real_send = outbox_smtp.EmailBackend._send
    calls = []

    def send(self, message):
        calls.append(message)
        if len(calls) == 2:
            raise SoftTimeLimitExceeded()
        return real_send(self, message)

    monkeypatch.setattr(outbox_smtp.EmailBackend, "_send", send)
    outcomes = notifications_deliver(notification_ids=[r.pk for r in rows])
    assert [outcomes[r.pk].status for r in rows] == ["sent", "needs_review", "released",
                                                     "released"]
    stored = fresh(rows)
    assert (stored[0].status, stored[1].status) == (Status.SENT, Status.NEEDS_REVIEW)
    # Never handed to the server: pending again, the attempt not counted, for the next sweep.
    for row in stored[2:]:
        assert (row.status, row.attempts, row.enqueued_at) == (Status.PENDING, 0, None)
    assert smtp.count() == 1
    monkeypatch.setattr(outbox_smtp.EmailBackend, "_send", real_send)
    assert services.notifications_claim_due(now=timezone.now()) == [r.pk for r in rows[2:]]
    assert [o.status for o in notifications_deliver(
        notification_ids=[r.pk for r in rows]).values()] == ["skipped", "skipped", "sent",
                                                              "sent"]
    assert set(smtp.by_message_id().values()) == {1}


@pytest.mark.django_db
def test_a_batch_past_its_budget_starts_no_new_send(make_client, smtp, monkeypatch):
    monkeypatch.setattr(services, "DELIVERY_BATCH_BUDGET", timedelta(0))
    rows = rows_for(make_client, 3, prefix="budget")
    outcomes = notifications_deliver(notification_ids=[r.pk for r in rows])
    assert {o.status for o in outcomes.values()} == {"released"}
    assert {(r.status, r.attempts) for r in fresh(rows)} == {(Status.PENDING, 0)}
    assert smtp.count() == 0


@pytest.mark.django_db
def test_inactive_recipients_in_a_batch_are_cancelled_the_rest_sent(make_client, smtp):
    rows = rows_for(make_client, 3, prefix="inactive")
    rows[1].recipient.is_active = False
    rows[1].recipient.save(update_fields=["is_active"])
    outcomes = notifications_deliver(notification_ids=[r.pk for r in rows])
    assert [outcomes[r.pk].status for r in rows] == ["sent", "cancelled", "sent"]
    assert smtp.messages_to(rows[1].recipient.email) == []


@pytest.mark.django_db
def test_the_batch_task_publishes_one_retry_per_countdown(make_client, smtp, monkeypatch):
    rows = rows_for(make_client, 4, prefix="retries")
    smtp.scripts = {rows[0].recipient.email: ["451"], rows[2].recipient.email: ["451"]}
    published = []
    monkeypatch.setattr(tasks.deliver_batch, "apply_async",
                        lambda args, countdown: published.append((args, countdown)))
    assert tasks.deliver_batch([r.pk for r in rows]) == {"retry": 2, "sent": 2}
    assert published == [(([rows[0].pk, rows[2].pk],), 60)]


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_the_same_batch_send_each_row_once(make_client, smtp):
    rows = rows_for(make_client, 20, prefix="race")
    ids = [r.pk for r in rows]
    barrier = threading.Barrier(3)
    results = []

    def worker(order):
        barrier.wait()
        try:
            results.append(notifications_deliver(notification_ids=order))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(order,))
               for order in (ids, list(reversed(ids)), ids[::2] + ids[1::2])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    sent = [pk for outcome in results for pk, o in outcome.items() if o.status == "sent"]
    assert sorted(sent) == sorted(ids)  # each row sent by exactly one of the three
    assert smtp.count() == 20
    assert set(smtp.by_message_id().values()) == {1}
    assert {r.status for r in fresh(rows)} == {Status.SENT}


@pytest.mark.django_db
def test_the_single_row_path_is_the_batch_of_one(make_client, smtp):
    [row] = rows_for(make_client, 1, prefix="single")
    assert notification_deliver(notification_id=row.pk).status == "sent"
    assert notification_deliver(notification_id=row.pk).status == "skipped"
    assert smtp.count() == 1
