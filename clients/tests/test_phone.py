"""The client's phone number (issue 10): optional at signup, on the account page and on the
crisis page; checked as a person types it; only a client has one."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clients.models import User
from clients.services import client_phone_set
from clients.tests.test_accounts import SIGNUP

pytestmark = pytest.mark.django_db

CONTACT = reverse("account_rights:contact")


def test_signup_keeps_an_optional_phone_number(client):
    client.post(reverse("account_signup"), {**SIGNUP, "phone": " +49 30 1234 5678 "})
    user = User.objects.get(email__iexact=SIGNUP["email"])
    assert user.client_profile.phone == "+49 30 1234 5678"


def test_signup_without_a_phone_number(client):
    client.post(reverse("account_signup"), SIGNUP)
    assert User.objects.get(email__iexact=SIGNUP["email"]).client_profile.phone == ""


def test_a_bad_phone_number_at_signup_is_an_error_next_to_it_and_saves_nothing(client):
    page = client.post(reverse("account_signup"), {**SIGNUP, "phone": "12"})
    assert page.status_code == 200
    assert "Enter a phone number of 7 to 15 digits" in " ".join(
        page.context["form"].errors["phone"])
    assert not User.objects.exists()


@pytest.mark.parametrize("typed", ["call me", "+1 312 555 0142 ext 9", "1" * 16, "\x00" * 8,
                                   "=1+2", "555-0142<script>"])
def test_what_is_not_a_phone_number_is_refused(client_user, typed):
    with pytest.raises(ValidationError) as error:
        client_phone_set(client=client_user, phone=typed)
    assert "phone" in error.value.message_dict
    client_user.client_profile.refresh_from_db()
    assert client_user.client_profile.phone == ""


def test_the_account_page_sets_and_removes_it(client, client_user, django_assert_num_queries):
    client.force_login(client_user)
    # 1. session with user  2. the client's profile
    with django_assert_num_queries(2):
        assert client.get(CONTACT).status_code == 200
    page = client.post(CONTACT, {"phone": "abc"})
    assert page.status_code == 200 and 'aria-invalid="true"' in page.content.decode()
    assert client.post(CONTACT, {"phone": "(312) 555-0142"})["Location"] == CONTACT
    client_user.client_profile.refresh_from_db()
    assert client_user.client_profile.phone == "(312) 555-0142"
    assert "(312) 555-0142" in client.get(CONTACT).content.decode()
    client.post(CONTACT, {"phone": ""})
    client_user.client_profile.refresh_from_db()
    assert client_user.client_profile.phone == ""


def test_staff_have_no_phone_page(client, clinician, admin_user):
    for person in (clinician, admin_user):
        client.force_login(person)
        assert client.get(CONTACT).status_code == 404
        assert client.post(CONTACT, {"phone": "3125550142"}).status_code == 404
    with pytest.raises(ValidationError):
        client_phone_set(client=clinician, phone="3125550142")
