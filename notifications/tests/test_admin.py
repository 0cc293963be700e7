"""The outbox in Django admin: the practice admin sees the history and resends; nobody else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification

pytestmark = pytest.mark.django_db

Status = Notification.Status
CHANGELIST = reverse("admin:notifications_notification_changelist")


def make(recipient, key: str, status: str, **fields) -> Notification:
    if status == Status.SENT:
        fields.setdefault("sent_at", timezone.now())
    return Notification.objects.create(
        recipient=recipient, kind=Notification.Kind.WELCOME, dedupe_key=key, status=status,
        due_at=timezone.now() - timedelta(hours=1), **fields)


@pytest.fixture
def outbox_rows(client_user, stranger, make_client):
    rows = [
        make(client_user, "pending", Status.PENDING),
        make(client_user, "sent", Status.SENT, attempts=1),
        make(stranger, "failed", Status.FAILED, attempts=5, last_error="SMTPException: no"),
        make(stranger, "review", Status.NEEDS_REVIEW, attempts=1),
    ]
    for n in range(6):  # more rows, more recipients: the query count must not grow
        rows.append(make(make_client(email=f"extra{n}@example.com"), f"extra{n}", Status.SENT))
    return rows


@pytest.mark.parametrize("row_count", [4, 10])
def test_changelist_lists_the_outbox_in_a_fixed_number_of_queries(
        client, admin_user, outbox_rows, django_assert_num_queries, row_count):
    Notification.objects.exclude(pk__in=[r.pk for r in outbox_rows[:row_count]]).delete()
    client.force_login(admin_user)
    # 1 session, 2 user, 3 MFA authenticator exists (the staff MFA middleware), 4 count of the
    # filtered rows, 5 the page of rows joined to their recipients, 6 the date hierarchy's
    # first and last due_at, 7 its distinct days, 8 the access-log rows of the clients it names.
    # (No count of all rows: show_full_result_count is off, the outbox grows large.)
    with django_assert_num_queries(7):
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Alex Morgan" in page
    assert "Needs review" in page
    assert 'value="resend"' in page
    assert "Add notification" not in page
    assert 'value="delete_selected"' not in page


def test_changelist_filters_by_status(client, admin_user, outbox_rows):
    client.force_login(admin_user)
    response = client.get(CHANGELIST, {"status__exact": "failed"})
    assert list(response.context["cl"].result_list) == [outbox_rows[2]]
    response = client.get(CHANGELIST, {"q": "stranger@example.com"})
    assert {n.dedupe_key for n in response.context["cl"].result_list} == {"failed", "review"}


def test_a_row_is_read_only(client, admin_user, outbox_rows):
    client.force_login(admin_user)
    row = outbox_rows[2]
    url = reverse("admin:notifications_notification_change", args=[row.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "SMTPException: no" in response.content.decode()
    assert 'name="_save"' not in response.content.decode()
    response = client.post(url, {"status": "sent", "attempts": 0})
    assert response.status_code == 403
    assert client.get(reverse("admin:notifications_notification_add")).status_code == 403
    assert client.post(reverse("admin:notifications_notification_delete",
                               args=[row.pk])).status_code == 403
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.FAILED, 5)


def test_resend_action_queues_failed_and_review_rows_and_skips_the_rest(
        client, admin_user, outbox_rows, enqueued, django_capture_on_commit_callbacks):
    pending, sent, failed, review = outbox_rows[:4]
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            CHANGELIST,
            {"action": "resend", "_selected_action": [pending.pk, sent.pk, failed.pk,
                                                      review.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert ("2 notification(s) queued to send again; 2 skipped"
            in response.content.decode())
    assert sorted(enqueued.ids) == sorted([failed.pk, review.pk])
    for row, status, attempts in [(pending, Status.PENDING, 0), (sent, Status.SENT, 1),
                                  (failed, Status.PENDING, 0), (review, Status.PENDING, 0)]:
        row.refresh_from_db()
        assert (row.status, row.attempts) == (status, attempts)


@pytest.mark.parametrize("persona", ["client_user", "stranger", "clinician"])
def test_nobody_but_the_practice_admin_reaches_the_outbox(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_admin_shows_when_the_sweep_last_ran(admin_client, client_user):
    from notifications.services import notifications_sweep

    notifications_sweep()
    response = admin_client.get(reverse("admin:notifications_sweepheartbeat_changelist"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "notifications.sweep" in body
    assert "seconds ago (database clock)" in body.lower()


def test_the_admin_resend_refuses_a_message_whose_reason_is_gone(admin_client, client_user):
    from notifications import keys

    row = make(client_user, "gone", Status.NEEDS_REVIEW, attempts=1,
               scope=str(keys.appointment_scope("0f8fad5b-d9cb-469f-a165-70867728950e")),
               context={"start_at": timezone.now().isoformat()})
    Notification.objects.filter(pk=row.pk).update(kind=Notification.Kind.APPOINTMENT_REMINDER)
    response = admin_client.post(CHANGELIST, {"action": "resend", "_selected_action": [row.pk]},
                                 follow=True)
    assert "Refused, their reason no longer holds" in response.content.decode()
    row.refresh_from_db()
    assert row.status == Status.NEEDS_REVIEW
