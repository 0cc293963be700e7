"""The client's consent pages: who reaches them, what they show, what signing does, and what
each page costs in queries."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from clients.models import ConsentKind, ConsentSignature
from clients.selectors import consent_documents_current
from clients.services import consent_document_new_draft, consent_document_publish, consent_sign

pytestmark = pytest.mark.django_db

OVERVIEW = "/consent/"


def sign_url(kind: str) -> str:
    return reverse("clients:consent_sign", args=[kind])


def signed_url(signature: ConsentSignature) -> str:
    return reverse("clients:consent_signed", args=[signature.public_id])


def sign(person, kind: str) -> ConsentSignature:
    return consent_sign(client=person, document=consent_documents_current()[kind],
                        typed_name=person.full_name, understood=True,
                        ip_address="192.0.2.1", user_agent="test")


def publish_new_version(kind: str):
    draft = consent_document_new_draft(document=consent_documents_current()[kind])
    draft.body += "\n\nA new paragraph."
    draft.save()
    return consent_document_publish(document=draft)


@pytest.fixture
def signed_in(client, client_user):
    client.force_login(client_user)
    return client


def test_urls():
    assert reverse("clients:consent_overview") == OVERVIEW
    # The kind is an opaque code: no service-line word in the address bar (issue 13).
    assert sign_url("therapy").startswith("/consent/")
    assert "therapy" not in sign_url("therapy") and "coaching" not in sign_url("coaching")
    assert sign_url("therapy") != sign_url("coaching")


def test_anonymous_goes_to_login(client, client_user):
    signature = sign(client_user, ConsentKind.THERAPY)
    for url in (OVERVIEW, sign_url("therapy"), signed_url(signature)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    response = client.post(sign_url("therapy"), {"typed_name": "Alex Morgan"})
    assert response.status_code == 302
    assert ConsentSignature.objects.count() == 1


def test_staff_get_a_404_as_on_every_client_page(client, clinician, admin_user, client_user):
    signature = sign(client_user, ConsentKind.THERAPY)
    for person in (clinician, admin_user):
        client.force_login(person)
        for url in (OVERVIEW, sign_url("therapy"), signed_url(signature)):
            response = client.get(url)
            assert response.status_code == 404, (person, url)
        response = client.post(sign_url("therapy"),
                               {"version": 1, "typed_name": person.full_name, "understood": "on"})
        assert response.status_code == 404
    assert ConsentSignature.objects.count() == 1


def test_overview_shows_three_documents_unsigned(signed_in, django_assert_num_queries):
    # 1. session with user  2. current documents  3. the client's signatures with their documents
    with django_assert_num_queries(3):
        response = signed_in.get(OVERVIEW)
    assert response.status_code == 200
    body = response.content.decode()
    for label in ("Privacy notice", "Therapy consent", "Coaching agreement"):
        assert label in body
    for kind in ("privacy", "therapy", "coaching"):
        assert f'href="{sign_url(kind)}"' in body
    assert body.count("Not signed") >= 3


def test_overview_shows_signed_date_in_the_clients_zone(signed_in, client_user, time_machine):
    # 02:30 UTC on 1 March is still 28 February in New York.
    time_machine.move_to("2026-03-01 02:30:00+00:00", tick=False)
    signature = sign(client_user, ConsentKind.THERAPY)
    body = signed_in.get(OVERVIEW).content.decode()
    assert "28 February 2026" in body
    assert signed_url(signature) in body
    assert f'href="{sign_url("therapy")}"' not in body
    assert f'href="{sign_url("coaching")}"' in body


def test_overview_asks_to_sign_a_new_version_again(signed_in, client_user):
    old = sign(client_user, ConsentKind.COACHING)
    publish_new_version(ConsentKind.COACHING)
    body = signed_in.get(OVERVIEW).content.decode()
    assert "A new version was published" in body
    assert "Read and sign version 2" in body
    assert signed_url(old) in body  # what they signed before stays reachable


@pytest.mark.parametrize("old_versions", [1, 5])
def test_overview_query_count_does_not_grow(signed_in, client_user, make_client, old_versions,
                                            django_assert_num_queries):
    others = [make_client() for _ in range(3)]
    for _ in range(old_versions):
        for kind in ConsentKind.values:
            sign(client_user, kind)
            for other in others:
                sign(other, kind)
            publish_new_version(kind)
    # 1. session with user  2. current documents  3. the client's signatures with their documents
    with django_assert_num_queries(3):
        response = signed_in.get(OVERVIEW)
    assert response.content.decode().count("A new version was published") == 3


def test_sign_page_shows_the_document_and_the_form(signed_in, django_assert_num_queries):
    document = consent_documents_current()["coaching"]
    # 1. session with user  2. current coaching document  3. the client's coaching signatures
    with django_assert_num_queries(3):
        response = signed_in.get(sign_url("coaching"))
    assert response.status_code == 200
    body = response.content.decode()
    assert document.title in body
    assert "Coaching is not a healthcare service." in body
    assert 'name="typed_name"' in body
    assert 'name="understood"' in body
    assert '<label for="id_understood">I have read and understood the coaching agreement' in body
    assert '<label class="field__label" for="id_typed_name">' in body


def test_signing_saves_and_redirects_with_a_message(signed_in, client_user):
    response = signed_in.post(
        sign_url("therapy"),
        {"version": 1, "typed_name": " alex  MORGAN", "understood": "on"},
        HTTP_USER_AGENT="Mozilla/5.0 Test", REMOTE_ADDR="198.51.100.9",
    )
    assert response.status_code == 302
    assert response["Location"] == OVERVIEW
    signature = ConsentSignature.objects.get(client=client_user)
    assert signature.document == consent_documents_current()["therapy"]
    assert signature.ip_address == "198.51.100.9"
    assert signature.user_agent == "Mozilla/5.0 Test"
    assert signature.typed_name == "alex MORGAN"
    body = signed_in.get(OVERVIEW).content.decode()
    assert "Thank you. You signed the therapy consent (version 1)." in body


def test_signing_uses_the_forwarded_address_behind_a_trusted_proxy(signed_in, client_user,
                                                                   settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    signed_in.post(sign_url("privacy"),
                   {"version": 1, "typed_name": "Alex Morgan", "understood": "on"},
                   HTTP_X_FORWARDED_FOR="203.0.113.50", REMOTE_ADDR="10.0.0.2")
    assert ConsentSignature.objects.get().ip_address == "203.0.113.50"


@pytest.mark.parametrize("data, field, message", [
    ({"typed_name": "Alex", "understood": "on"}, "typed_name",
     "Type your full name exactly as on your account: Alex Morgan."),
    ({"typed_name": "", "understood": "on"}, "typed_name", "Type your full name to sign."),
    ({"typed_name": "Alex Morgan"}, "understood",
     "Tick the box to confirm that you have read and understood this document."),
    ({"typed_name": "x" * 400, "understood": "on"}, "typed_name", "at most 150 characters"),
    ({"typed_name": "Alex\x00Morgan", "understood": "on"}, "typed_name", "Null characters"),
])
def test_bad_input_is_an_error_next_to_the_field_and_saves_nothing(signed_in, data, field,
                                                                   message):
    response = signed_in.post(sign_url("therapy"), {"version": 1, **data})
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="id_{field}_error"' in body
    assert message in body
    assert 'aria-invalid="true"' in body
    assert "<title>Error: " in body
    assert not ConsentSignature.objects.exists()


@pytest.mark.parametrize("version", ["", "abc", "0", "99999999999999999999", "-1"])
def test_a_tampered_version_is_an_error_not_a_500(signed_in, version):
    response = signed_in.post(sign_url("therapy"),
                              {"version": version, "typed_name": "Alex Morgan",
                               "understood": "on"})
    assert response.status_code == 200
    assert "This page is out of date. Please reload it and sign again." in (
        response.content.decode())
    assert not ConsentSignature.objects.exists()


def test_a_version_published_while_reading_is_read_first(signed_in, client_user):
    publish_new_version(ConsentKind.THERAPY)
    response = signed_in.post(sign_url("therapy"),
                              {"version": 1, "typed_name": "Alex Morgan", "understood": "on"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "A new version of this document was published while you were reading" in body
    assert 'name="version" value="2"' in body
    assert 'value="Alex Morgan"' in body
    assert not ConsentSignature.objects.exists()
    response = signed_in.post(sign_url("therapy"),
                              {"version": 2, "typed_name": "Alex Morgan", "understood": "on"})
    assert response.status_code == 302
    assert ConsentSignature.objects.get().document.version == 2


def test_sign_page_after_signing_shows_the_signature_not_the_form(signed_in, client_user):
    signature = sign(client_user, ConsentKind.THERAPY)
    body = signed_in.get(sign_url("therapy")).content.decode()
    assert "You signed this version on" in body
    assert signed_url(signature) in body
    assert 'name="typed_name"' not in body
    # A second submission (another tab) changes nothing.
    response = signed_in.post(sign_url("therapy"),
                              {"version": 1, "typed_name": "Wrong", "understood": "on"})
    assert response.status_code == 302
    assert ConsentSignature.objects.count() == 1


@pytest.mark.parametrize("kind", ["unknown", "Therapy", "signed", "privacy-notice"])
def test_unknown_kind_is_404(signed_in, kind):
    assert signed_in.get(f"/consent/{kind}/").status_code == 404
    assert signed_in.post(f"/consent/{kind}/", {"typed_name": "x"}).status_code == 404


def test_other_methods_are_refused(signed_in):
    assert signed_in.put(sign_url("therapy")).status_code == 405


def test_signed_view_shows_exactly_what_was_signed(signed_in, client_user, time_machine,
                                                   django_assert_num_queries):
    time_machine.move_to("2026-07-04 20:05:00+00:00", tick=False)
    signature = sign(client_user, ConsentKind.COACHING)
    publish_new_version(ConsentKind.COACHING)  # a newer text must not show up here
    # 1. session with user  2. the signature with its document, filtered by the client
    with django_assert_num_queries(2):
        response = signed_in.get(signed_url(signature))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Coaching agreement, version 1" in body
    assert "Saturday, 4 July 2026, 16:05 EDT" in body
    assert "Alex Morgan" in body
    assert "Coaching is not a healthcare service." in body
    assert "A new paragraph." not in body
    assert "no longer matches" not in body


def test_stranger_gets_404_on_someone_elses_signature(client, client_user, stranger):
    signature = sign(client_user, ConsentKind.THERAPY)
    client.force_login(stranger)
    response = client.get(signed_url(signature))
    assert response.status_code == 404
    assert "Alex Morgan" not in response.content.decode()


@pytest.mark.parametrize("path", ["/consent/signed/not-a-uuid/", "/consent/signed/123/"])
def test_malformed_signature_ids_are_404(signed_in, path):
    assert signed_in.get(path).status_code == 404


def test_unknown_signature_id_is_404(signed_in):
    assert signed_in.get(reverse("clients:consent_signed", args=[uuid.uuid4()])).status_code == 404


def test_home_links_to_the_consent_overview(signed_in):
    assert f'href="{OVERVIEW}"' in signed_in.get(reverse("home")).content.decode()
