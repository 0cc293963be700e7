"""Consent documents and signatures in Django admin: drafts are edited and published there,
published versions and signatures are history and stay read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clients.models import ConsentDocument, ConsentKind, ConsentSignature
from clients.selectors import consent_documents_current
from clients.services import consent_document_new_draft, consent_sign

pytestmark = pytest.mark.django_db


def sign(person, kind: str = ConsentKind.THERAPY) -> ConsentSignature:
    return consent_sign(client=person, document=consent_documents_current()[kind],
                        typed_name=person.full_name, understood=True,
                        ip_address="192.0.2.1", user_agent="test")


def test_consent_admin_pages_render(admin_client, client_user):
    signature = sign(client_user)
    document = signature.document
    draft = consent_document_new_draft(document=document)
    pages = [
        reverse("admin:clients_consentdocument_changelist"),
        reverse("admin:clients_consentdocument_changelist") + "?kind=therapy",
        reverse("admin:clients_consentdocument_add"),
        reverse("admin:clients_consentdocument_change", args=[document.pk]),
        reverse("admin:clients_consentdocument_change", args=[draft.pk]),
        reverse("admin:clients_consentsignature_changelist"),
        reverse("admin:clients_consentsignature_changelist") + "?q=client%40example.com",
        reverse("admin:clients_consentsignature_change", args=[signature.pk]),
    ]
    for page in pages:
        assert admin_client.get(page).status_code == 200, page


def test_published_document_is_read_only(admin_client):
    document = consent_documents_current()["therapy"]
    url = reverse("admin:clients_consentdocument_change", args=[document.pk])
    body = admin_client.get(url).content.decode()
    assert 'name="body"' not in body
    assert 'name="_save"' not in body
    response = admin_client.post(url, {"kind": "therapy", "version": 1, "title": "Changed",
                                       "body": "Changed."})
    assert response.status_code == 403
    document.refresh_from_db()
    assert document.title == "Therapy consent"
    delete = reverse("admin:clients_consentdocument_delete", args=[document.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert ConsentDocument.objects.filter(pk=document.pk).exists()


def test_draft_is_edited_then_published_with_the_action(admin_client):
    current = consent_documents_current()["coaching"]
    changelist = reverse("admin:clients_consentdocument_changelist")
    response = admin_client.post(changelist, {"action": "copy_as_new_draft",
                                              "_selected_action": [current.pk]})
    assert response.status_code == 302
    draft = ConsentDocument.objects.get(kind="coaching", version=2)
    assert draft.published_at is None

    url = reverse("admin:clients_consentdocument_change", args=[draft.pk])
    assert 'name="body"' in admin_client.get(url).content.decode()
    response = admin_client.post(url, {"kind": "coaching", "version": 2, "title": draft.title,
                                       "body": "New text.\r\n\r\nSecond paragraph."})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.body == "New text.\n\nSecond paragraph."
    assert consent_documents_current()["coaching"] == current  # a draft is not current

    response = admin_client.post(changelist, {"action": "publish",
                                              "_selected_action": [draft.pk]}, follow=True)
    assert "Published Coaching agreement v2" in response.content.decode()
    assert consent_documents_current()["coaching"].pk == draft.pk


def test_publishing_a_published_document_is_a_message_not_an_error(admin_client):
    current = consent_documents_current()["privacy"]
    response = admin_client.post(reverse("admin:clients_consentdocument_changelist"),
                                 {"action": "publish", "_selected_action": [current.pk]},
                                 follow=True)
    assert response.status_code == 200
    assert "already published" in response.content.decode()


def test_a_duplicate_version_is_an_error_next_to_the_form(admin_client):
    response = admin_client.post(reverse("admin:clients_consentdocument_add"), {
        "kind": "therapy", "version": 1, "title": "Again", "body": "Text."})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert ConsentDocument.objects.filter(kind="therapy").count() == 1


def test_signatures_are_read_only(admin_client, client_user):
    signature = sign(client_user)
    assert admin_client.get(reverse("admin:clients_consentsignature_add")).status_code == 403
    url = reverse("admin:clients_consentsignature_change", args=[signature.pk])
    body = admin_client.get(url).content.decode()
    assert 'name="typed_name"' not in body
    assert 'name="_save"' not in body
    assert admin_client.post(url, {"typed_name": "Someone Else"}).status_code == 403
    delete = reverse("admin:clients_consentsignature_delete", args=[signature.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    signature.refresh_from_db()
    assert signature.typed_name == "Alex Morgan"
    changelist = admin_client.get(reverse("admin:clients_consentsignature_changelist"))
    assert "delete_selected" not in changelist.content.decode()


def test_only_practice_admins_reach_consent_admin(client, client_user, clinician):
    url = reverse("admin:clients_consentsignature_changelist")
    for person in (client_user, clinician):
        client.force_login(person)
        assert client.get(url, follow=True).status_code == 403


@pytest.mark.parametrize("url_name, queries", [
    # session with user, MFA check, count of the filtered rows, count of all rows, the page of
    # signatures (client and document joined), the date hierarchy's min/max and its day list,
    # the access-log rows of the clients listed
    ("admin:clients_consentsignature_changelist", 8),
    # session with user, MFA check, count of the filtered rows, count of all rows, the page of
    # documents with their signature count (one GROUP BY), the kind filter's choices come from
    # the field, not the database
    ("admin:clients_consentdocument_changelist", 5),
])
@pytest.mark.parametrize("extra_clients", [1, 6])
def test_consent_lists_have_a_fixed_query_count(admin_client, make_client, url_name, queries,
                                                extra_clients, django_assert_num_queries):
    for _ in range(extra_clients):
        person = make_client()
        for kind in ConsentKind.values:
            sign(person, kind)
    with django_assert_num_queries(queries):
        assert admin_client.get(reverse(url_name)).status_code == 200
