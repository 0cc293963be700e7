"""Sessions and sign-ins (issue 13), end to end through the test client: the idle timeout
(clients 30 minutes, staff 15), the 12-hour lifetime, the signed-out page and the screening
draft that survives it, "sign out everywhere", the sign-in history, re-authentication before
email changes, turning two-factor off and the record download, and the practice's setting that
requires two-factor for clients."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from clients.middleware import KEPT_DRAFTS
from clients.models import SignInEvent
from conftest import TEST_PASSWORD, mfa_enable, reauthenticated

START = datetime(2027, 5, 4, 14, 0, tzinfo=UTC)
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
DRAFT = {"safety": {"q1": 0, "q2": 0}, "phq9": {"item1": 2}}


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def signed_out_reason(response) -> str | None:
    """The reason in a redirect to the signed-out page, or None if the page was served."""
    if response.status_code == 302 and response["Location"].startswith(reverse("signed_out")):
        return response["Location"].split("reason=")[1].split("&")[0]
    return None


def sign_in(client: Client, email: str, password: str = TEST_PASSWORD, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password},
                       HTTP_USER_AGENT=FIREFOX, **extra)


# --- idle timeout and lifetime ---------------------------------------------------------------

def test_client_is_signed_out_after_30_quiet_minutes(client, client_user, clock):
    client.force_login(client_user)
    assert client.get(reverse("home")).status_code == 200
    clock.shift(timedelta(minutes=29))
    assert client.get(reverse("home")).status_code == 200  # activity: the clock starts again
    clock.shift(timedelta(minutes=29))
    assert client.get(reverse("goals:goals")).status_code == 200
    clock.shift(timedelta(minutes=31))
    response = client.get(reverse("goals:goals"))
    assert signed_out_reason(response) == "idle"
    assert "_auth_user_id" not in client.session
    # The page says why, and signing in again leads back to where they were.
    page = client.get(response["Location"])
    body = page.content.decode()
    assert page.status_code == 200
    assert "You were signed out for your privacy" in body
    assert f'href="{reverse("account_login")}?next={reverse("goals:goals")}"' in body
    assert SignInEvent.objects.filter(user=client_user, kind="timed_out", method="idle").exists()


def test_staff_are_signed_out_after_15_quiet_minutes(client, clinician, clock):
    client.force_login(clinician)
    assert client.get(reverse("home")).status_code == 200
    clock.shift(timedelta(minutes=14))
    assert client.get(reverse("home")).status_code == 200
    clock.shift(timedelta(minutes=16))
    assert signed_out_reason(client.get(reverse("home"))) == "idle"


def test_timeouts_come_from_settings(client, client_user, clock, settings):
    settings.SESSION_IDLE_MINUTES_CLIENT = 5
    client.force_login(client_user)
    clock.shift(timedelta(minutes=6))
    assert signed_out_reason(client.get(reverse("home"))) == "idle"


def test_no_session_outlives_12_hours_however_active(client, client_user, clock):
    client.force_login(client_user)
    for _ in range(12 * 3 - 1):  # a page every 20 minutes for 11 h 40 min
        clock.shift(timedelta(minutes=20))
        assert client.get(reverse("home")).status_code == 200
    clock.shift(timedelta(minutes=21))
    assert signed_out_reason(client.get(reverse("home"))) == "expired"


def test_an_ordinary_page_view_writes_no_session(client, client_user, clock,
                                                 django_assert_num_queries):
    """Last-seen is saved at most once a minute, so a page costs no extra query."""
    client.force_login(client_user)
    client.get(reverse("account_sign_ins"))
    clock.shift(timedelta(seconds=30))
    # 1. the session with its user  2. the sign-in history
    with django_assert_num_queries(2):
        assert client.get(reverse("account_sign_ins")).status_code == 200


# --- the screening draft survives a timeout, for the same person only -----------------------

def _time_out_with_draft(client, user, clock):
    sign_in(client, user.email)
    session = client.session
    session["screening_draft"] = DRAFT
    session.save()
    clock.shift(timedelta(minutes=31))
    response = client.get(reverse("screening:start"))
    assert signed_out_reason(response) == "idle"
    assert "kept=1" in response["Location"]
    assert "screening_draft" not in client.session  # not readable while signed out
    assert client.session[KEPT_DRAFTS]["data"] == {"screening_draft": DRAFT}
    assert "Your answers so far are kept" in client.get(response["Location"]).content.decode()


def test_screening_draft_comes_back_after_signing_in_again(client, client_user, clock):
    _time_out_with_draft(client, client_user, clock)
    assert sign_in(client, client_user.email).status_code == 302
    assert client.session["screening_draft"] == DRAFT
    assert KEPT_DRAFTS not in client.session


def test_someone_else_signing_in_on_the_device_does_not_get_the_draft(client, client_user,
                                                                      stranger, clock):
    _time_out_with_draft(client, client_user, clock)
    assert sign_in(client, stranger.email).status_code == 302
    assert client.session["_auth_user_id"] == str(stranger.pk)
    assert "screening_draft" not in client.session
    assert KEPT_DRAFTS not in client.session


# --- sign out everywhere ---------------------------------------------------------------------

def test_sign_out_everywhere_ends_every_session(client, client_user, stranger):
    laptop, phone, strangers = client, Client(), Client()
    for device in (laptop, phone):
        device.force_login(client_user)
    strangers.force_login(stranger)
    response = laptop.post(reverse("account_sign_out_everywhere"))
    assert response.status_code == 302 and response["Location"] == reverse("account_login")
    assert "_auth_user_id" not in laptop.session
    assert signed_out_reason(phone.get(reverse("home"))) == "everywhere"
    assert strangers.get(reverse("home")).status_code == 200  # nobody else's
    assert SignInEvent.objects.filter(user=client_user, kind="signed_out_everywhere").count() == 1
    # Signing in again works as before.
    assert sign_in(phone, client_user.email).status_code == 302
    assert phone.get(reverse("home")).status_code == 200


def test_sign_out_everywhere_needs_a_post(client, client_user):
    client.force_login(client_user)
    assert client.get(reverse("account_sign_out_everywhere")).status_code == 405


def test_admin_signs_a_person_out_everywhere(admin_client, client_user):
    phone = Client()
    phone.force_login(client_user)
    response = admin_client.post(reverse("admin:clients_user_changelist"), {
        "action": "sign_out_everywhere", "_selected_action": [client_user.pk]})
    assert response.status_code == 302
    assert signed_out_reason(phone.get(reverse("home"))) == "everywhere"


# --- sign-in history -------------------------------------------------------------------------

def test_sign_ins_failures_and_mfa_events_are_recorded(client, client_user, clinician):
    assert sign_in(client, client_user.email, "wrong password").status_code == 200
    assert sign_in(Client(), "nobody@example.com", "wrong password").status_code == 200
    assert sign_in(client, client_user.email).status_code == 302
    staff = Client()
    assert sign_in(staff, clinician.email)["Location"] == reverse("mfa_authenticate")
    staff.post(reverse("mfa_authenticate"), {"code": "000000"}, HTTP_USER_AGENT=FIREFOX)

    mine = list(SignInEvent.objects.filter(user=client_user).order_by("pk"))
    assert [event.kind for event in mine] == ["failed", "signed_in"]
    assert {event.device for event in mine} == {"Firefox on Windows"}
    assert {event.ip_address for event in mine} == {"127.0.0.1"}
    assert mine[1].method.startswith("password")
    unknown = SignInEvent.objects.get(user=None)
    assert unknown.kind == "failed" and unknown.login == "nobody@example.com"
    assert SignInEvent.objects.filter(user=clinician, kind="mfa_failed").exists()


def test_adding_and_removing_two_factor_is_recorded(client, make_client):
    person = make_client()
    mfa_enable(person)  # TOTP.activate sends no signal: the views do, so go through one
    client.force_login(person)
    reauthenticated(client)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert SignInEvent.objects.filter(user=person, kind="mfa_removed", method="totp").exists()


def test_your_sign_ins_shows_only_your_own(client, client_user, stranger):
    sign_in(client, stranger.email, "wrong password")
    sign_in(client, client_user.email)
    body = client.get(reverse("account_sign_ins")).content.decode()
    assert "Signed in" in body and "Firefox on Windows" in body
    assert "Failed sign-in" not in body  # that one was the stranger's
    assert 'action="/accounts/sign-ins/sign-out-everywhere/"' in body


def test_every_role_reaches_their_sign_ins(client, clinician, admin_user):
    for person in (clinician, admin_user):
        client.force_login(person)
        assert client.get(reverse("account_sign_ins")).status_code == 200


def test_admin_sees_everyones_sign_ins(admin_client, client_user):
    sign_in(Client(), client_user.email, "wrong password")
    response = admin_client.get(reverse("admin:clients_signinevent_changelist"))
    assert response.status_code == 200
    body = response.content.decode()
    assert client_user.full_name in body and "Failed sign-in" in body


# --- re-authentication -----------------------------------------------------------------------

def test_adding_an_email_asks_for_the_password_again(client, client_user):
    client.force_login(client_user)  # a stolen session cookie: no recent password
    response = client.post(reverse("account_email"),
                           {"email": "thief@example.com", "action_add": ""})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not EmailAddress.objects.filter(email="thief@example.com").exists()
    # The wrong password gets nowhere; the right one finishes the change.
    wrong = client.post(response["Location"], {"password": "not it"})
    assert wrong.status_code == 200
    assert not EmailAddress.objects.filter(email="thief@example.com").exists()
    client.post(response["Location"], {"password": TEST_PASSWORD})
    client.post(reverse("account_email"), {"email": "new@example.com", "action_add": ""})
    assert EmailAddress.objects.filter(user=client_user, email="new@example.com").exists()


def test_changing_the_password_needs_the_current_one(client, client_user):
    client.force_login(client_user)
    response = client.post(reverse("account_change_password"), {
        "oldpassword": "a guess", "password1": "n3w-passphrase-here", "password2":
        "n3w-passphrase-here"})
    assert response.status_code == 200
    assert 'id="id_oldpassword_error"' in response.content.decode()
    client_user.refresh_from_db()
    assert client_user.check_password(TEST_PASSWORD)


def test_turning_two_factor_off_asks_again(client, make_client):
    person = make_client()
    mfa_enable(person)
    client.force_login(person)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert Authenticator.objects.filter(user=person, type="totp").exists()


def test_downloading_the_record_asks_again_and_then_downloads(client, client_user):
    client.force_login(client_user)
    response = client.post(reverse("account_rights:record"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert client.get(reverse("account_rights:record"), {"download": "1"}).status_code == 302
    # allauth replays the suspended POST once the password is given.
    done = client.post(response["Location"], {"password": TEST_PASSWORD})
    assert done["Content-Type"] == "application/zip"
    assert "no-store" in done["Cache-Control"]
    # The page itself needs no password.
    assert client.get(reverse("account_rights:record")).status_code == 200


# --- two-factor for clients ------------------------------------------------------------------

def test_clients_may_set_up_two_factor_from_their_account(client, client_user):
    client.force_login(client_user)
    body = client.get(reverse("account_email")).content.decode()
    assert f'href="{reverse("mfa_index")}"' in body
    assert f'href="{reverse("account_sign_ins")}"' in body
    assert client.get(reverse("home")).status_code == 200  # not required by default


def test_the_practice_can_require_two_factor_for_clients(client, client_user, make_client,
                                                         settings):
    settings.CLIENT_MFA_REQUIRED = True
    client.force_login(client_user)
    response = client.get(reverse("goals:goals"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_index")
    assert client.get(reverse("mfa_index")).status_code == 200
    with_mfa = make_client()
    mfa_enable(with_mfa)
    client.force_login(with_mfa)
    assert client.get(reverse("goals:goals")).status_code == 200
