"""The staff page of messages that need a person: who sees which rows, what resend does, and a
fixed number of queries however many rows there are."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications import keys
from notifications.models import Notification
from notifications.selectors import notification_review_token

pytestmark = pytest.mark.django_db

Status = Notification.Status
Kind = Notification.Kind
URL = "/staff/messages/review/"


def row(recipient, key: str, kind: str, status: str = Status.NEEDS_REVIEW, **fields):
    return Notification.objects.create(
        recipient=recipient, kind=kind, dedupe_key=key, status=status,
        due_at=timezone.now() - timedelta(minutes=5), attempts=1,
        last_error="no reply after the message was sent", message_id=f"<{key}@tandem.example>",
        **fields)


@pytest.fixture
def rows(client_user, clinician, stranger):
    scope = str(keys.appointment_scope("0f8fad5b-d9cb-469f-a165-70867728950e"))
    start = (timezone.now() + timedelta(days=1)).isoformat()
    return {
        "reminder": row(client_user, "reminder", Kind.APPOINTMENT_REMINDER, scope=scope,
                        context={"start_at": start}),
        "alert": row(clinician, "alert", Kind.RISK_ALERT, Status.FAILED),
        "check_in": row(client_user, "check-in", Kind.CHECK_IN_REMINDER),
        "strangers": row(stranger, "strangers", Kind.APPOINTMENT_CONFIRMED),
        "welcome": row(client_user, "welcome", Kind.WELCOME, Status.FAILED),
        "sent": row(client_user, "sent", Kind.APPOINTMENT_REMINDER, Status.SENT,
                    sent_at=timezone.now()),
    }


def listed(response) -> set[str]:
    return {item["row"].dedupe_key for item in response.context["items"]}


def test_admins_see_every_row_that_needs_a_person(admin_client, rows):
    response = admin_client.get(URL)
    assert response.status_code == 200
    assert listed(response) == {"reminder", "alert", "check-in", "strangers", "welcome"}
    body = response.content.decode()
    assert "&lt;reminder@tandem.example&gt;" in body  # the Message-ID, to search the mail log
    assert "no reply after the message was sent" in body


def test_a_clinician_sees_their_clients_appointment_messages_and_their_alerts(
        client, clinician, other_clinician, rows):
    client.force_login(clinician)
    assert listed(client.get(URL)) == {"reminder", "alert"}
    client.force_login(other_clinician)
    assert listed(client.get(URL)) == {"strangers"}


def test_clients_get_a_404(client, client_user, rows):
    client.force_login(client_user)
    assert client.get(URL).status_code == 404


def test_someone_elses_row_is_a_404_and_a_forged_token_too(client, other_clinician, rows):
    client.force_login(other_clinician)
    for token in (notification_review_token(rows["reminder"]), "forged"):
        assert client.post(reverse("notifications:review_resend", args=[token])).status_code \
            == 404
    rows["reminder"].refresh_from_db()
    assert rows["reminder"].status == Status.NEEDS_REVIEW


def test_resend_is_refused_when_the_reason_is_gone(client, clinician, rows):
    client.force_login(clinician)
    response = client.post(reverse("notifications:review_resend",
                                   args=[notification_review_token(rows["reminder"])]),
                           follow=True)
    assert "Not resent: The appointment is no longer booked." in response.content.decode()
    rows["reminder"].refresh_from_db()
    assert rows["reminder"].status == Status.NEEDS_REVIEW


def test_resend_queues_the_message_again(admin_client, rows, enqueued,
                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("notifications:review_resend",
                                             args=[notification_review_token(rows["welcome"])]),
                                     follow=True)
    assert "Queued to send again" in response.content.decode()
    rows["welcome"].refresh_from_db()
    assert (rows["welcome"].status, rows["welcome"].attempts) == (Status.PENDING, 0)
    assert enqueued.ids == [rows["welcome"].pk]


def test_a_message_that_arrived_is_closed_without_sending(client, clinician, rows, enqueued):
    client.force_login(clinician)
    token = notification_review_token(rows["reminder"])
    response = client.post(reverse("notifications:review_close", args=[token]), follow=True)
    assert "Closed without sending again." in response.content.decode()
    rows["reminder"].refresh_from_db()
    assert rows["reminder"].status == Status.CANCELLED
    assert "Closed without resending by Dana Reyes" in rows["reminder"].last_error
    assert enqueued.ids == []
    assert "reminder" not in listed(client.get(URL))


@pytest.mark.parametrize("extra", [0, 8])
def test_the_page_costs_the_same_queries_with_more_rows(client, clinician, client_user, rows,
                                                        extra, django_assert_num_queries):
    for number in range(extra):
        row(client_user, f"more{number}", Kind.APPOINTMENT_CHANGED)
    client.force_login(clinician)
    # 1. session with user  2. the user's authenticators (staff MFA)  3. the rows with their
    # recipients  4. the access-log rows of the clients named (one INSERT)
    with django_assert_num_queries(4):
        response = client.get(URL)
    assert len(response.context["items"]) == 2 + extra
