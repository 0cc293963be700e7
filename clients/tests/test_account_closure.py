"""Close my account: the request, its withdrawal, the admin closing it, and the page (issue 6)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from clients.models import AccountClosureRequest, ClientStatus, ConsentSignature
from clients.services import account_close, account_closure_request, account_closure_withdraw
from conftest import TEST_PASSWORD
from goals.models import Goal
from goals.services import check_in_reminders_plan_all, goal_create
from notifications.models import Notification
from notifications.services import notification_schedule
from screening.models import ScreeningResponse
from screening.services import screening_submit_many
from screening.tests.conftest import full_set
from sessions.models import Appointment
from sessions.services import appointment_book
from sessions.tests.conftest import service_type, sign_consent

NOW = datetime(2027, 3, 1, 15, 0, tzinfo=UTC)
Status = AccountClosureRequest.Status


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def with_history(client_user, clinician):
    """client_user with a record and pending reminders: an appointment tomorrow (its reminders)
    and a daily coaching goal (its check-in reminder)."""
    sign_consent(client_user, "therapy")
    screening_submit_many(client=client_user, answers_by_instrument=full_set())
    appointment_book(client=client_user, clinician=clinician,
                     service_type=service_type("therapy-consultation"),
                     start=NOW + timedelta(days=1, hours=1), by=clinician)
    goal_create(client=client_user, service_line="therapy", created_by=clinician,
                title="Breathe", skills="Box breathing", cadence="daily")
    return client_user


def pending(user):
    return Notification.objects.filter(recipient=user, status=Notification.Status.PENDING)


def test_one_open_request_at_a_time(client_user):
    first = account_closure_request(client=client_user, reason="  Moving abroad ")
    assert (first.status, first.reason, first.requested_at) == (Status.REQUESTED,
                                                                 "Moving abroad", NOW)
    assert account_closure_request(client=client_user, reason="again") == first
    assert AccountClosureRequest.objects.count() == 1


def test_only_clients_ask(clinician):
    with pytest.raises(ValidationError):
        account_closure_request(client=clinician)


def test_withdraw_then_ask_again(client_user):
    first = account_closure_request(client=client_user)
    withdrawn = account_closure_withdraw(client=client_user)
    assert (withdrawn.pk, withdrawn.status, withdrawn.withdrawn_at) == (first.pk,
                                                                       Status.WITHDRAWN, NOW)
    with pytest.raises(ValidationError):
        account_closure_withdraw(client=client_user)
    second = account_closure_request(client=client_user)
    assert second.pk != first.pk
    assert client_user.is_active


def test_closing_deactivates_stops_reminders_keeps_the_record(client, with_history, admin_user,
                                                              stranger):
    client_user = with_history
    notification_schedule(recipient=stranger, kind=Notification.Kind.WELCOME,
                          dedupe_key="welcome:stranger", due_at=NOW + timedelta(hours=1))
    kinds = set(pending(client_user).values_list("kind", flat=True))
    assert {"appointment_reminder", "check_in_reminder"} <= kinds
    before = (ScreeningResponse.objects.filter(client=client_user).count(),
              Appointment.objects.filter(client=client_user).count(),
              Goal.objects.filter(client=client_user).count(),
              ConsentSignature.objects.filter(client=client_user).count())

    request = account_closure_request(client=client_user)
    closed = account_close(request=request, by=admin_user)

    assert (closed.status, closed.closed_at, closed.closed_by) == (Status.CLOSED, NOW,
                                                                   admin_user)
    client_user.refresh_from_db()
    assert not client_user.is_active
    assert client_user.client_profile.status == ClientStatus.CLOSED
    assert not pending(client_user).exists()
    assert pending(stranger).count() == 1  # nobody else's messages
    assert (ScreeningResponse.objects.filter(client=client_user).count(),
            Appointment.objects.filter(client=client_user).count(),
            Goal.objects.filter(client=client_user).count(),
            ConsentSignature.objects.filter(client=client_user).count()) == before

    # The planner makes no new reminder for a closed account.
    check_in_reminders_plan_all()
    assert not pending(client_user).exists()

    response = client.post(reverse("account_login"),
                           {"login": client_user.email, "password": TEST_PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 302)


def test_closing_ends_an_open_session(client, client_user, admin_user):
    client.force_login(client_user)
    account_close(request=account_closure_request(client=client_user), by=admin_user)
    response = client.get(reverse("account_rights:close"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_only_admins_close_and_only_open_requests(client_user, clinician, admin_user):
    request = account_closure_request(client=client_user)
    with pytest.raises(ValidationError):
        account_close(request=request, by=clinician)
    account_closure_withdraw(client=client_user)
    with pytest.raises(ValidationError):
        account_close(request=request, by=admin_user)
    client_user.refresh_from_db()
    assert client_user.is_active


# --- the admin ------------------------------------------------------------------------------


def test_admin_sees_requests_and_closes_them(client, admin_user, client_user, stranger,
                                             django_assert_max_num_queries):
    mine = account_closure_request(client=client_user, reason="Moving abroad")
    theirs = account_closure_request(client=stranger)
    account_closure_withdraw(client=stranger)
    client.force_login(admin_user)
    changelist = reverse("admin:clients_accountclosurerequest_changelist")
    body = client.get(changelist).content.decode()
    assert "Alex Morgan" in body and "Jordan Blake" in body
    assert "Close the selected accounts" in body
    assert "Delete selected" not in body
    page = client.get(reverse("admin:clients_accountclosurerequest_change", args=[mine.pk]))
    assert page.status_code == 200 and "Moving abroad" in page.content.decode()
    assert client.get(reverse("admin:clients_accountclosurerequest_add")).status_code == 403

    response = client.post(changelist, {"action": "close_accounts",
                                        "_selected_action": [mine.pk, theirs.pk]}, follow=True)
    body = response.content.decode()
    assert "Closed the account of Alex Morgan" in body
    assert "already closed or withdrawn" in body  # the withdrawn one stays as it is
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == (Status.CLOSED, Status.WITHDRAWN)
    client_user.refresh_from_db()
    stranger.refresh_from_db()
    assert (client_user.is_active, stranger.is_active) == (False, True)


# --- the page -------------------------------------------------------------------------------


def test_request_and_withdraw_through_the_page(client, client_user, settings,
                                               django_assert_num_queries):
    settings.RECORD_RETENTION_YEARS = 10
    url = reverse("account_rights:close")
    client.force_login(client_user)
    # 1. session with user  2. the open request, if any  3. the client's profile (a coaching
    # client's record is not called a health record)
    with django_assert_num_queries(3):
        response = client.get(url)
    body = response.content.decode()
    assert "We keep your health record for 10 years after it closes" in body
    assert "Ask to close my account" in body
    assert reverse("account_rights:record") in body

    response = client.post(url, {"action": "request", "reason": "Moving abroad"}, follow=True)
    body = response.content.decode()
    assert "We have your request" in body
    assert "Withdraw my request" in body
    assert AccountClosureRequest.objects.get().reason == "Moving abroad"
    with django_assert_num_queries(3):  # the same three with a request open
        client.get(url)

    # A second request from a stale tab changes nothing.
    client.post(url, {"action": "request", "reason": "again"})
    assert AccountClosureRequest.objects.count() == 1

    response = client.post(url, {"action": "withdraw"}, follow=True)
    assert "Your account stays open" in response.content.decode()
    assert AccountClosureRequest.objects.get().status == Status.WITHDRAWN
    assert "Ask to close my account" in response.content.decode()


def test_reason_too_long_is_an_error(client, client_user):
    client.force_login(client_user)
    response = client.post(reverse("account_rights:close"),
                           {"action": "request", "reason": "x" * 2001})
    assert response.status_code == 200
    assert "Error: Close your account" in response.content.decode()
    assert not AccountClosureRequest.objects.exists()


def test_retention_default_is_seven_years(client, client_user):
    client.force_login(client_user)
    body = client.get(reverse("account_rights:close")).content.decode()
    assert "We keep your health record for 7 years after it closes" in body


def test_staff_get_404(client, clinician, admin_user):
    url = reverse("account_rights:close")
    for person in (clinician, admin_user):
        client.force_login(person)
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "request"}).status_code == 404
    assert not AccountClosureRequest.objects.exists()


def test_anonymous_is_sent_to_sign_in(client, db):
    url = reverse("account_rights:close")
    for response in (client.get(url), client.post(url, {"action": "request"})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
