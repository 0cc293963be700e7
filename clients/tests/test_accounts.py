"""Accounts through allauth: signup with verification, password and code login, MFA for staff."""

from __future__ import annotations

import re
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from clients.models import ClientProfile, Role, SignInEvent, User
from conftest import TEST_PASSWORD, mfa_enable
from notifications.models import Notification

pytestmark = pytest.mark.django_db

SIGNUP = {
    "full_name": "  Robin   Ellis ",
    "email": "Robin.Ellis@Example.com",
    "time_zone": "Europe/Berlin",
    "password1": "a long and private passphrase",
    "password2": "a long and private passphrase",
}


def totp_now(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def link_in(message) -> str:
    match = re.search(r"https?://testserver(/accounts/confirm-email/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_signup_verification_email_then_verified_login(client):
    response = client.post(reverse("account_signup"), SIGNUP)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")

    user = User.objects.get(email="robin.ellis@example.com")
    assert (user.full_name, user.time_zone, user.role) == ("Robin Ellis", "Europe/Berlin",
                                                           Role.CLIENT)
    assert ClientProfile.objects.filter(user=user).exists()
    assert not user.is_staff
    assert not EmailAddress.objects.get(user=user).verified

    # Mandatory verification: a password alone does not sign in yet.
    response = client.post(reverse("account_login"),
                           {"login": "robin.ellis@example.com", "password": SIGNUP["password1"]})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session

    assert len(mail.outbox) >= 1
    confirm_url = link_in(mail.outbox[0])
    assert mail.outbox[0].to == ["robin.ellis@example.com"]
    assert client.get(confirm_url).status_code == 200  # a GET never confirms (link scanners)
    assert not EmailAddress.objects.get(user=user).verified

    response = client.post(confirm_url)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert client.session["_auth_user_id"] == str(user.pk)

    # The welcome email is a row in the outbox, written with the verification.
    welcome = Notification.objects.get(recipient=user)
    assert welcome.kind == "welcome"

    client.post(reverse("account_logout"))
    response = client.post(reverse("account_login"),
                           {"login": "robin.ellis@example.com", "password": SIGNUP["password1"]})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize("change, field, message", [
    ({"full_name": "   "}, "full_name", "This field is required."),
    ({"password2": "something else entirely"}, "password2", "same password"),
    ({"password1": "short", "password2": "short"}, "password1", "too short"),
    ({"email": "not-an-email"}, "email", "valid email"),
    ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "Select a valid choice"),
])
def test_signup_with_bad_input_shows_the_error_and_saves_nothing(client, change, field, message):
    response = client.post(reverse("account_signup"), {**SIGNUP, **change})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert not User.objects.exists()
    assert mail.outbox == []


def test_signup_with_a_taken_email_saves_nothing_new(client, client_user):
    response = client.post(reverse("account_signup"), {**SIGNUP, "email": "CLIENT@example.com"})
    # allauth answers as if it worked (no account enumeration) but creates nothing.
    assert response.status_code in (200, 302)
    assert User.objects.filter(email__iexact="client@example.com").count() == 1


def test_login_by_emailed_code(client, client_user):
    response = client.post(reverse("account_request_login_code"), {"email": client_user.email})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_confirm_login_code")
    assert len(mail.outbox) == 1
    code = re.search(r"^\s*([A-Z0-9]{3,}-?[A-Z0-9]{3,})\s*$", mail.outbox[0].body, re.M)
    assert code, mail.outbox[0].body

    wrong = client.post(reverse("account_confirm_login_code"), {"code": "WRONG-CODE"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session
    # The wrong code is in the person's sign-in history, like a wrong password.
    [failed] = SignInEvent.objects.filter(user=client_user, kind=SignInEvent.Kind.FAILED)
    assert failed.method == "code"

    response = client.post(reverse("account_confirm_login_code"), {"code": code.group(1)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(client_user.pk)


def test_failed_logins_are_rate_limited(client, client_user):
    for _ in range(5):
        response = client.post(reverse("account_login"),
                               {"login": client_user.email, "password": "wrong password"})
        assert response.status_code == 200
    response = client.post(reverse("account_login"),
                           {"login": client_user.email, "password": TEST_PASSWORD})
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_staff_login_asks_for_the_second_factor(client, make_user):
    clinician = make_user(role=Role.CLINICIAN, email="doc@example.com")
    secret = mfa_enable(clinician)
    response = client.post(reverse("account_login"),
                           {"login": "doc@example.com", "password": TEST_PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session

    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session

    response = client.post(reverse("mfa_authenticate"), {"code": totp_now(secret)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(clinician.pk)


def _sample_paths(patterns, prefix: str = "") -> list[str]:
    """Every URL of the project, with sample values for its parameters."""
    samples = {"int": "1", "slug": "sample", "str": "sample", "path": "sample",
               "uuid": "00000000-0000-0000-0000-000000000001"}
    paths: list[str] = []
    for pattern in patterns:
        route = str(pattern.pattern)
        route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: samples.get(m.group(1) or "str"), route)
        route = re.sub(r"\(\?P<\w+>[^)]*\)", "sample", route).lstrip("^").rstrip("$")
        route = route.replace("\\", "")
        if isinstance(pattern, URLResolver):
            paths += _sample_paths(pattern.url_patterns, prefix + route)
        elif isinstance(pattern, URLPattern):
            paths.append("/" + prefix + route)
    return sorted(set(paths))


OPEN_TO_STAFF_WITHOUT_MFA = ("/accounts/", "/healthz", "/readyz", "/static/")


def test_every_staff_url_sends_staff_without_mfa_to_mfa_set_up(client, staff_without_mfa):
    paths = [p for p in _sample_paths(get_resolver().url_patterns)
             if not p.startswith(OPEN_TO_STAFF_WITHOUT_MFA)]
    assert "/" in paths and "/admin/" in paths and "/admin/clients/user/" in paths
    assert len(paths) > 20
    for user in staff_without_mfa:
        client.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})
        assert client.session["_auth_user_id"] == str(user.pk)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 302, path
            assert response["Location"] == reverse("mfa_index"), path
        # The MFA set-up pages stay reachable (allauth asks for the password again first).
        assert client.get(reverse("mfa_index")).status_code == 200
        assert client.get(reverse("mfa_activate_totp"))["Location"].startswith(
            reverse("account_reauthenticate"))
        assert client.get(reverse("account_reauthenticate")).status_code == 200
        client.post(reverse("account_logout"))


def test_clients_are_not_asked_for_mfa(client, client_user):
    client.force_login(client_user)
    assert client.get("/").status_code == 200


def test_staff_reach_their_pages_once_totp_is_set_up(client, make_user):
    admin = make_user(role=Role.ADMIN, email="boss@example.com", is_superuser=True)
    client.post(reverse("account_login"), {"login": admin.email, "password": TEST_PASSWORD})
    assert client.get("/admin/")["Location"] == reverse("mfa_index")

    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(response["Location"], {"password": TEST_PASSWORD})
    assert response["Location"] == reverse("mfa_activate_totp")
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session["mfa.totp.secret"]
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_now(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=admin, type=Authenticator.Type.TOTP).exists()

    assert client.get("/admin/").status_code == 200
    assert client.get("/").status_code == 200


def test_django_admin_signs_in_through_allauth(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_clinicians_are_kept_out_of_django_admin(client, clinician):
    client.force_login(clinician)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
