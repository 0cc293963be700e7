"""Django admin for people and profiles: reachable by practice admins only, every page renders,
new accounts get their profile, and list pages do not grow in queries with the rows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clients.models import ClinicianProfile, Role, User

pytestmark = pytest.mark.django_db


def test_every_people_admin_page_renders(admin_client, client_user, clinician):
    pages = [
        reverse("admin:clients_user_changelist"),
        reverse("admin:clients_user_add"),
        reverse("admin:clients_user_change", args=[client_user.pk]),
        reverse("admin:clients_user_change", args=[clinician.pk]),
        reverse("admin:clients_clientprofile_changelist"),
        reverse("admin:clients_clientprofile_change", args=[client_user.client_profile.pk]),
        reverse("admin:clients_clinicianprofile_changelist"),
        reverse("admin:clients_clinicianprofile_change",
                args=[clinician.clinician_profile.pk]),
        reverse("admin:clients_user_changelist") + "?role=clinician&q=reyes",
    ]
    for page in pages:
        assert admin_client.get(page).status_code == 200, page


def test_client_change_page_shows_the_client_profile_inline(admin_client, client_user):
    body = admin_client.get(
        reverse("admin:clients_user_change", args=[client_user.pk])).content.decode()
    assert "Client profile" in body
    assert "discreet_mode" in body


def test_admin_creates_a_clinician_with_its_profile(admin_client):
    response = admin_client.post(reverse("admin:clients_user_add"), {
        "email": "New.Doc@Example.com", "full_name": "Noor Haddad", "role": Role.CLINICIAN,
        "time_zone": "America/Denver", "password1": "a long admin-set password",
        "password2": "a long admin-set password", "usable_password": "true",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    doc = User.objects.get(email="new.doc@example.com")
    assert doc.role == Role.CLINICIAN
    assert not doc.is_staff  # clinicians do not use Django admin
    profile = ClinicianProfile.objects.get(user=doc)
    assert (profile.display_name, profile.time_zone) == ("Noor Haddad", "America/Denver")


def test_a_bad_time_zone_is_an_error_next_to_the_field(admin_client):
    response = admin_client.post(reverse("admin:clients_user_add"), {
        "email": "x@example.com", "full_name": "X", "role": Role.CLIENT,
        "time_zone": "Moon/Base", "password1": "a long admin-set password",
        "password2": "a long admin-set password", "usable_password": "true",
    })
    assert response.status_code == 200
    assert "time_zone" in response.context["adminform"].form.errors
    assert not User.objects.filter(email="x@example.com").exists()


@pytest.mark.parametrize("url_name, queries", [
    # session with user, MFA check, count of the filtered rows, count of all rows, the page of rows
    # (users joined in one query), the date hierarchy's min/max and its day list, and the
    # access-log rows of the clients listed (one INSERT)
    ("admin:clients_user_changelist", 8),
    ("admin:clients_clientprofile_changelist", 8),
    # without a date hierarchy, and no client listed: nothing to log
    ("admin:clients_clinicianprofile_changelist", 5),
])
@pytest.mark.parametrize("extra_clients", [1, 10])
def test_people_lists_have_a_fixed_query_count(admin_client, make_client, clinician, url_name,
                                               queries, extra_clients,
                                               django_assert_num_queries):
    for _ in range(extra_clients):
        make_client(clinician=clinician)
    with django_assert_num_queries(queries):
        assert admin_client.get(reverse(url_name)).status_code == 200


def test_only_practice_admins_reach_people_admin(client, client_user, clinician, stranger):
    url = reverse("admin:clients_user_changelist")
    for person in (client_user, clinician, stranger):
        client.force_login(person)
        assert client.get(url, follow=True).status_code == 403
