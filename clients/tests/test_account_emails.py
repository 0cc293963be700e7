"""allauth's emails and pages in the portal's voice: greeted by name, signed by the practice
(or by neither in discreet mode, from the neutral sender), subject, text and HTML; plain words
on the pages; the account's email for password managers when setting a new password."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from clients.models import ClientProfile
from clients.tests.test_accounts import SIGNUP

pytestmark = pytest.mark.django_db


def test_the_confirmation_email_is_the_practices(client, settings):
    client.post(reverse("account_signup"), SIGNUP)
    [message] = mail.outbox
    assert message.subject == "Confirm your email address"
    assert message.body.startswith("Hello Robin,\n")
    assert "Hello from" not in message.body and "testserver!" not in message.body
    assert message.body.rstrip().endswith(settings.PRACTICE_NAME)
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert "<p>Hello Robin,</p>" in html and settings.PRACTICE_NAME in html
    assert re.search(r'<a href="http://testserver/accounts/confirm-email/[^"]+/">Confirm my email',
                     html)
    page = client.get(reverse("account_email_verification_sent")).content.decode()
    assert "Check your email" in page and "Verify Your Email Address" not in page
    assert settings.PRACTICE_CONTACT_EMAIL in page


def test_a_discreet_clients_sign_in_code_names_no_practice(client, client_user, settings):
    ClientProfile.objects.filter(user=client_user).update(discreet_mode=True)
    client.post(reverse("account_request_login_code"), {"email": client_user.email})
    [message] = mail.outbox
    assert message.subject == "Your sign-in code"
    assert message.from_email == (f"{settings.DISCREET_FROM_NAME} "
                                  f"<{settings.PRACTICE_EMAIL_ADDRESS}>")
    [(html, _)] = message.alternatives
    for text in (message.subject, message.body, html):
        assert settings.PRACTICE_NAME not in text
    assert message.body.startswith("Hello Alex,\n")


def test_setting_a_new_password_names_the_account_for_password_managers(client, client_user):
    client.post(reverse("account_reset_password"), {"email": client_user.email})
    [message] = mail.outbox
    assert message.subject == "Set a new password"
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", message.body)
    page = client.get(link.group(1), follow=True).content.decode()
    assert "Set a new password" in page and "Change Password" not in page
    field = re.search(r'<input type="email" name="username"[^>]*>', page).group(0)
    assert 'autocomplete="username"' in field and f'value="{client_user.email}"' in field
    assert " hidden" in field
