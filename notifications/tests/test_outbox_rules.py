"""Issue 11's rules of the outbox, in process: keys and scopes, SMTP outcomes against a real
SMTP server on 127.0.0.1, the sweep's batches and time budget, urgent kinds, closing rows of a
cause, and a resend that checks the cause first."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes

import pytest
from django.utils import timezone

from notifications import keys
from notifications.models import Notification, SweepHeartbeat
from notifications.services import (
    REENQUEUE_AFTER,
    URGENT_REENQUEUE_AFTER,
    ResendRefused,
    notification_deliver,
    notification_resend,
    notification_schedule,
    notifications_cancel,
    notifications_sweep,
)
from notifications.tests.faults import ScriptedHandler, smtp_server

pytestmark = pytest.mark.django_db

Status = Notification.Status
Kind = Notification.Kind


def row(recipient, key: str, *, kind: str = Kind.WELCOME, due_in=timedelta(0), **fields):
    return Notification.objects.create(recipient=recipient, kind=kind, dedupe_key=key,
                                       due_at=timezone.now() + due_in, **fields)


# --- keys ----------------------------------------------------------------------------------------


def test_an_appointment_moved_away_and_back_has_new_reminder_keys():
    public_id = "0f8fad5b-d9cb-469f-a165-70867728950e"
    versions = [keys.appointment_reminder(appointment_public_id=public_id, sequence=n, hours=24)
                for n in (0, 1, 2)]
    assert len({key.value for key in versions}) == 3
    assert {str(key.scope) for key in versions} == {"appointment:0f8fad5bd9cb469fa16570867728950e"}


def test_cancelling_takes_a_typed_scope_never_a_string(client_user):
    with pytest.raises(TypeError):
        notifications_cancel(scope="appointment:", reason="x")  # type: ignore[arg-type]
    assert keys.Scope.parse("appointment:abc") == keys.Scope("appointment", "abc")
    assert keys.Scope.parse("nonsense") is None


def test_cancelling_a_scope_closes_its_failed_and_needs_review_rows_only(client_user):
    scope = keys.appointment_scope("0f8fad5b-d9cb-469f-a165-70867728950e")
    mine = [row(client_user, f"a{n}", kind=Kind.APPOINTMENT_REMINDER, scope=str(scope),
                status=status, last_error="boom" if status != Status.PENDING else "",
                claimed_at=timezone.now() if status == Status.SENDING else None)
            for n, status in enumerate([Status.PENDING, Status.FAILED, Status.NEEDS_REVIEW,
                                        Status.SENDING])]
    other = row(client_user, "other", kind=Kind.APPOINTMENT_REMINDER, scope="appointment:ff")
    assert notifications_cancel(scope=scope, reason="The appointment was cancelled.") == 3
    statuses = [Notification.objects.get(pk=r.pk).status for r in [*mine, other]]
    assert statuses == [Status.CANCELLED] * 3 + [Status.SENDING, Status.PENDING]
    assert "boom" in Notification.objects.get(pk=mine[1].pk).last_error


# --- SMTP outcomes -------------------------------------------------------------------------------


@pytest.fixture
def outbox_smtp(settings):
    def use(server) -> None:
        settings.EMAIL_BACKEND = "notifications.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 5
    return use


@pytest.mark.parametrize("script, outcome, status, retried", [
    (["accept"], "sent", Status.SENT, False),
    (["451"], "retry", Status.PENDING, True),
    (["550"], "failed", Status.FAILED, False),
    (["552-data"], "failed", Status.FAILED, False),
    (["drop"], "needs_review", Status.NEEDS_REVIEW, False),
])
def test_smtp_outcomes(client_user, outbox_smtp, script, outcome, status, retried):
    welcome = row(client_user, "w")
    with smtp_server(ScriptedHandler({client_user.email: script})) as server:
        outbox_smtp(server)
        result = notification_deliver(notification_id=welcome.pk)
    welcome.refresh_from_db()
    assert (result.status, welcome.status) == (outcome, status)
    assert (result.retry_in is not None) == retried
    assert welcome.message_id  # stored before the send, to find it in the server's log
    for data in server.handler.messages_to(client_user.email):
        # A long header may be folded onto a second line: compare it unfolded.
        assert " ".join(message_from_bytes(data)["Message-ID"].split()) == welcome.message_id


def test_a_refused_connection_is_retried(client_user, outbox_smtp):
    from notifications.tests.fixtures import free_port

    welcome = row(client_user, "w")

    class Nowhere:
        port = free_port()

    outbox_smtp(Nowhere)
    assert notification_deliver(notification_id=welcome.pk).status == "retry"
    welcome.refresh_from_db()
    assert "could not connect" in welcome.last_error


def test_a_resend_keeps_the_message_id(client_user, outbox_smtp, admin_user):
    welcome = row(client_user, "w")
    with smtp_server(ScriptedHandler({client_user.email: ["drop"]})) as server:
        outbox_smtp(server)
        notification_deliver(notification_id=welcome.pk)
        welcome.refresh_from_db()
        first_id = welcome.message_id
        assert notification_resend(notification=welcome, by=admin_user)
        assert notification_deliver(notification_id=welcome.pk).status == "sent"
    ids = [" ".join(message_from_bytes(data)["Message-ID"].split()) for data in
           server.handler.messages_to(client_user.email)]
    assert ids == [first_id, first_id]


# --- the sweep -----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # the sweep publishes after its own commit
def test_the_sweep_hands_over_small_batches_until_nothing_is_due(client_user, enqueued):
    for number in range(23):
        row(client_user, f"due{number}")
    assert notifications_sweep(batch_size=10) == {"enqueued": 23, "needs_review": 0}
    assert len(enqueued.ids) == 23
    beat = SweepHeartbeat.objects.get(name="notifications.sweep")
    assert beat.last_result["batches"] == 3 and beat.last_finished_at is not None


@pytest.mark.django_db(transaction=True)  # the sweep publishes after its own commit
def test_a_sweep_out_of_time_stops_after_a_batch(client_user, enqueued):
    for number in range(23):
        row(client_user, f"due{number}")
    assert notifications_sweep(batch_size=10, budget=timedelta(0))["enqueued"] == 10
    assert notifications_sweep(batch_size=10)["enqueued"] == 13  # the next sweep goes on


@pytest.mark.django_db(transaction=True)  # the sweep publishes after its own commit
def test_a_sweep_killed_mid_publish_strands_one_small_batch_at_most(client_user, enqueued):
    from notifications.services import notifications_claim_due

    for number in range(23):
        row(client_user, f"due{number}")
    stranded = notifications_claim_due(now=timezone.now(), limit=10)  # claimed, never published
    assert notifications_sweep(batch_size=10)["enqueued"] == 13
    assert set(enqueued.ids).isdisjoint(stranded)
    import time_machine

    # Only the stranded batch waited; REENQUEUE_AFTER later it goes (with the rest, which the
    # captured broker here never delivered).
    with time_machine.travel(timezone.now() + REENQUEUE_AFTER + timedelta(seconds=1)):
        assert notifications_sweep(batch_size=50)["enqueued"] == 23
    assert set(stranded) <= set(enqueued.ids)


@pytest.mark.django_db(transaction=True)  # the sweep publishes after its own commit
def test_urgent_kinds_are_handed_over_again_sooner(client_user, enqueued):
    stale = timezone.now() - URGENT_REENQUEUE_AFTER - timedelta(seconds=1)
    alert = row(client_user, "alert", kind=Kind.RISK_ALERT, enqueued_at=stale)
    row(client_user, "welcome", enqueued_at=stale)
    assert notifications_sweep()["enqueued"] == 1
    assert enqueued.ids == [alert.pk]


@pytest.mark.django_db(transaction=True)  # the sweep publishes after its own commit
def test_a_broker_that_refuses_stops_the_sweep_and_releases_the_rows(client_user, monkeypatch):
    from notifications import tasks

    class Down:
        def delay(self, notification_ids):
            raise ConnectionError("broker down")

    monkeypatch.setattr(tasks, "deliver_batch", Down())
    rows = [row(client_user, f"due{number}") for number in range(12)]
    assert notifications_sweep(batch_size=5)["enqueued"] == 0
    assert not Notification.objects.filter(pk__in=[r.pk for r in rows],
                                           enqueued_at__isnull=False).exists()
    assert SweepHeartbeat.objects.get().last_result["broker_down"] is True


# --- resend checks the cause ---------------------------------------------------------------------


def test_resend_is_refused_when_the_appointment_is_gone(client_user, admin_user):
    reminder = row(client_user, "r", kind=Kind.APPOINTMENT_REMINDER, status=Status.NEEDS_REVIEW,
                   scope=str(keys.appointment_scope("0f8fad5b-d9cb-469f-a165-70867728950e")),
                   context={"start_at": (timezone.now() + timedelta(days=1)).isoformat()})
    with pytest.raises(ResendRefused, match="no longer booked"):
        notification_resend(notification=reminder, by=admin_user)
    reminder.refresh_from_db()
    assert reminder.status == Status.NEEDS_REVIEW


def test_scheduling_records_the_scope_of_a_key(client_user, enqueued):
    key = keys.check_in_reminder(goal_public_id="0f8fad5b-d9cb-469f-a165-70867728950e",
                                 period=timezone.now().date(), plan=1)
    scheduled = notification_schedule(recipient=client_user, kind=Kind.CHECK_IN_REMINDER,
                                      dedupe_key=key, due_at=timezone.now() + timedelta(hours=1))
    assert scheduled.scope == "goal:0f8fad5bd9cb469fa16570867728950e"
    assert scheduled.dedupe_key == key.value
