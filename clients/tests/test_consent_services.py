"""Consent rules in the service layer: who may sign what, with which name, and what a new
version does to the old signatures (DESIGN.md rule 2)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from clients.models import (
    ConsentDocument,
    ConsentKind,
    ConsentSignature,
    ServiceLines,
    consent_text_sha256,
)
from clients.selectors import (
    consent_documents_current,
    consent_is_current,
    consent_status_for_client,
)
from clients.services import (
    consent_document_new_draft,
    consent_document_publish,
    consent_sign,
)

pytestmark = pytest.mark.django_db


def current(kind: str) -> ConsentDocument:
    return consent_documents_current()[kind]


def sign(client, kind: str = ConsentKind.THERAPY, *, document=None, **overrides):
    arguments = {
        "client": client, "document": document or current(kind),
        "typed_name": client.full_name, "understood": True,
        "ip_address": "203.0.113.7", "user_agent": "Mozilla/5.0 (Test)",
    }
    arguments.update(overrides)
    return consent_sign(**arguments)


def publish_new_version(kind: str, *, body: str = "A changed text.") -> ConsentDocument:
    draft = consent_document_new_draft(document=current(kind))
    draft.body = body
    draft.full_clean()
    draft.save()
    return consent_document_publish(document=draft)


def test_seeded_documents_are_published_and_say_what_rule_2_requires():
    documents = consent_documents_current()
    assert list(documents) == ["privacy", "therapy", "coaching"]
    assert all(doc.version == 1 and doc.is_published for doc in documents.values())
    coaching = documents["coaching"].body.lower()
    for fact in ("not a healthcare service", "diagnose", "not covered by health insurance",
                 "accommodation letters for school or work",
                 "not for anyone at risk of harming themselves or others"):
        assert fact in coaching, fact
    therapy = documents["therapy"].body.lower()
    assert "diagnosis and your treatment become part of your health record" in therapy
    assert "may be billed to your health insurance" in therapy
    assert "988" in therapy and "911" in therapy
    privacy = documents["privacy"].body.lower()
    assert "access log" in privacy and "no clinical content" in privacy


def test_sign_records_name_time_address_agent_and_hash(client_user):
    document = current(ConsentKind.THERAPY)
    signature = sign(client_user, user_agent="A" * 900)
    signature.refresh_from_db()
    assert signature.client == client_user
    assert signature.document == document
    assert signature.typed_name == "Alex Morgan"
    assert signature.understood is True
    assert signature.ip_address == "203.0.113.7"
    assert len(signature.user_agent) == 500
    assert signature.signed_at is not None
    assert signature.text_sha256 == consent_text_sha256(title=document.title, body=document.body)
    assert signature.text_matches


@pytest.mark.parametrize("typed", ["alex morgan", "  ALEX   Morgan ", "Alex\tMorgan"])
def test_name_match_tolerates_case_and_whitespace(client_user, typed):
    signature = sign(client_user, typed_name=typed)
    assert signature.typed_name == " ".join(typed.split())


@pytest.mark.parametrize("typed", ["", "Alex", "Alex Morgan Jr", "Alexa Morgan", "Jordan Blake"])
def test_name_mismatch_is_an_error_on_the_name_and_saves_nothing(client_user, typed):
    with pytest.raises(ValidationError) as raised:
        sign(client_user, typed_name=typed)
    assert "Type your full name exactly as on your account: Alex Morgan." in (
        raised.value.message_dict["typed_name"])
    assert not ConsentSignature.objects.exists()


def test_box_not_ticked_is_an_error_on_the_box(client_user):
    with pytest.raises(ValidationError) as raised:
        sign(client_user, understood=False)
    assert list(raised.value.message_dict) == ["understood"]
    assert not ConsentSignature.objects.exists()


def test_both_errors_at_once(client_user):
    with pytest.raises(ValidationError) as raised:
        sign(client_user, typed_name="Someone Else", understood=False)
    assert set(raised.value.message_dict) == {"typed_name", "understood"}


def test_staff_cannot_sign(clinician, admin_user):
    for person in (clinician, admin_user):
        with pytest.raises(ValidationError, match="Only client accounts"):
            sign(person)
    assert not ConsentSignature.objects.exists()


def test_old_version_and_drafts_are_refused(client_user):
    old = current(ConsentKind.THERAPY)
    publish_new_version(ConsentKind.THERAPY)
    with pytest.raises(ValidationError, match="not the current one"):
        sign(client_user, document=old)
    draft = consent_document_new_draft(document=current(ConsentKind.THERAPY))
    with pytest.raises(ValidationError, match="not the current one"):
        sign(client_user, document=draft)
    assert not ConsentSignature.objects.exists()


def test_signing_twice_returns_the_first_signature(client_user):
    first = sign(client_user, ip_address="198.51.100.1")
    again = sign(client_user, ip_address="198.51.100.2", typed_name="alex morgan")
    assert again.pk == first.pk
    assert again.ip_address == "198.51.100.1"
    assert ConsentSignature.objects.count() == 1


def test_an_unparseable_address_is_stored_as_unknown(client_user):
    assert sign(client_user, ip_address="not-an-ip").ip_address is None
    assert sign(client_user, ConsentKind.PRIVACY, ip_address=None,
                user_agent="bad\x00agent").user_agent == "badagent"


@pytest.mark.parametrize("start, signed, result", [
    ("", [ConsentKind.THERAPY], ServiceLines.THERAPY),
    ("", [ConsentKind.COACHING], ServiceLines.COACHING),
    ("", [ConsentKind.THERAPY, ConsentKind.COACHING], ServiceLines.BOTH),
    (ServiceLines.THERAPY, [ConsentKind.COACHING], ServiceLines.BOTH),
    (ServiceLines.COACHING, [ConsentKind.COACHING], ServiceLines.COACHING),
    (ServiceLines.BOTH, [ConsentKind.THERAPY], ServiceLines.BOTH),
    ("", [ConsentKind.PRIVACY], ""),
])
def test_signing_adds_the_service_line(make_client, start, signed, result):
    person = make_client(service_lines=start)
    for kind in signed:
        sign(person, kind)
    person.client_profile.refresh_from_db()
    assert person.client_profile.service_lines == result


def test_new_version_asks_to_sign_again_and_keeps_the_old_signature(client_user):
    old_document = current(ConsentKind.COACHING)
    old_text = (old_document.title, old_document.body, old_document.text_sha256)
    old_signature = sign(client_user, ConsentKind.COACHING)
    assert consent_is_current(client=client_user, kind=ConsentKind.COACHING)

    new_document = publish_new_version(ConsentKind.COACHING)
    assert new_document.version == 2
    assert not consent_is_current(client=client_user, kind=ConsentKind.COACHING)
    status = {s.kind: s for s in consent_status_for_client(client=client_user)}
    coaching = status[ConsentKind.COACHING]
    assert coaching.document == new_document
    assert coaching.signature is None
    assert coaching.previous == old_signature
    assert coaching.needs_new_signature

    old_document.refresh_from_db()
    old_signature.refresh_from_db()
    assert (old_document.title, old_document.body, old_document.text_sha256) == old_text
    assert old_signature.document_id == old_document.pk
    assert old_signature.text_matches

    new_signature = sign(client_user, ConsentKind.COACHING)
    assert new_signature.pk != old_signature.pk
    assert new_signature.text_sha256 == new_document.text_sha256 != old_signature.text_sha256
    assert consent_is_current(client=client_user, kind=ConsentKind.COACHING)
    # Other kinds are untouched by a coaching version.
    assert not consent_is_current(client=client_user, kind=ConsentKind.THERAPY)


def test_consent_is_current_is_per_client(client_user, stranger):
    sign(client_user)
    assert consent_is_current(client=client_user, kind=ConsentKind.THERAPY)
    assert not consent_is_current(client=stranger, kind=ConsentKind.THERAPY)


def test_a_published_document_cannot_change():
    document = current(ConsentKind.THERAPY)
    document.body += "\n\nA sneaky extra sentence."
    with pytest.raises(ValidationError, match="published and can no longer change"):
        document.full_clean()
    with pytest.raises(ValidationError, match="already published"):
        consent_document_publish(document=current(ConsentKind.THERAPY))


def test_publishing_refuses_a_draft_older_than_the_current_version():
    stale = consent_document_new_draft(document=current(ConsentKind.PRIVACY))  # v2
    publish_new_version(ConsentKind.PRIVACY)  # v3 published
    with pytest.raises(ValidationError, match="Version 3 of the privacy notice"):
        consent_document_publish(document=stale)
    assert current(ConsentKind.PRIVACY).version == 3


def test_draft_text_is_stored_with_plain_line_breaks():
    draft = consent_document_new_draft(document=current(ConsentKind.PRIVACY))
    draft.body = "First.\r\n\r\nSecond.\r\n"
    draft.full_clean()
    assert draft.body == "First.\n\nSecond."


def test_current_documents_is_one_query(django_assert_num_queries):
    for _ in range(3):
        publish_new_version(ConsentKind.THERAPY)
    # 1. published documents whose version is the newest published of their kind (subquery)
    with django_assert_num_queries(1):
        documents = consent_documents_current()
    assert documents["therapy"].version == 4


def test_consent_is_current_is_one_query(client_user, django_assert_num_queries):
    sign(client_user)
    # 1. EXISTS signature of the current document of the kind
    with django_assert_num_queries(1):
        assert consent_is_current(client=client_user, kind=ConsentKind.THERAPY)
