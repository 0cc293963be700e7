"""The portal's rows in Django admin: clinicians' acknowledgements are read-only history,
practice admins only, and the list does not grow in queries with the rows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from workspace.models import AttentionAcknowledgement

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:workspace_attentionacknowledgement_changelist"


def acknowledge(client, clinician) -> AttentionAcknowledgement:
    return AttentionAcknowledgement.objects.create(
        clinician=clinician, client=client, rule="missed_check_ins", fingerprint="goal:1",
        note="Called them; back on track.")


def test_acknowledgements_are_read_only(client, admin_user, client_user, clinician):
    row = acknowledge(client_user, clinician)
    client.force_login(admin_user)
    body = client.get(reverse(CHANGELIST), {"q": "client@example.com"}).content.decode()
    assert "Alex Morgan" in body and "Dana Reyes" in body
    page = client.get(reverse("admin:workspace_attentionacknowledgement_change", args=[row.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Called them; back on track." in body and 'name="_save"' not in body
    assert client.get(reverse("admin:workspace_attentionacknowledgement_add")).status_code == 403
    assert client.get(reverse("admin:workspace_attentionacknowledgement_delete",
                              args=[row.pk])).status_code == 403


@pytest.mark.parametrize("rows", [1, 6])
def test_list_has_a_fixed_query_count(client, admin_user, make_client, clinician, rows,
                                      django_assert_num_queries):
    for _ in range(rows):
        acknowledge(make_client(clinician=clinician), clinician)
    client.force_login(admin_user)
    # 1. session with user  2. MFA check  3. COUNT of the filtered and 4. of all rows  5. the
    # page of rows with client and clinician  6. the rules for the rule filter  7. first and
    # last date, and 8. the distinct days, for the date hierarchy  9. the access-log rows of
    # the clients listed
    with django_assert_num_queries(9):
        assert client.get(reverse(CHANGELIST)).status_code == 200


def test_clinicians_get_403(client, clinician, client_user):
    row = acknowledge(client_user, clinician)
    client.force_login(clinician)
    for url in (reverse(CHANGELIST),
                reverse("admin:workspace_attentionacknowledgement_change", args=[row.pk])):
        assert client.get(url, follow=True).status_code == 403
