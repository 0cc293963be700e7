"""Shared documents: types by content, size limit, names that reveal nothing, the download
that checks access and logs it, and signing one exact version."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clients.models import AccessLog
from documents.models import DocumentSignature, SharedDocument, documents_storage
from documents.selectors import document_for_user
from documents.services import document_share, document_sign
from documents.tests.conftest import EXE, JPEG, PDF, PNG, TEXT, upload
from messaging.tests.conftest import coaching_only
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def share(by, client, name="plan.pdf", content=PDF, line="coaching", **kwargs):
    return document_share(by=by, client=client, file=upload(name, content), title="Plan",
                          service_line=line, **kwargs)


@pytest.mark.parametrize(("name", "content", "kind"), [
    ("plan.pdf", PDF, "application/pdf"), ("scan.png", PNG, "image/png"),
    ("photo.JPG", JPEG, "image/jpeg"), ("photo.jpeg", JPEG, "image/jpeg"),
    ("letter.txt", TEXT, "text/plain")])
def test_the_four_types_are_accepted_by_content(client_user, clinician, name, content, kind):
    document = share(clinician, client_user, name, content)
    assert document.content_type == kind
    assert document.size == len(content)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    # Stored under a random name: no client, no title, no extension.
    assert re.fullmatch(r"d/[0-9a-f]{32}", document.storage_name)
    assert documents_storage().open(document.storage_name).read() == content


@pytest.mark.parametrize(("name", "content"), [
    ("invoice.pdf", EXE),  # an executable called .pdf
    ("invoice.pdf", PNG),  # a PNG called .pdf
    ("scan.png", PDF),
    ("notes.txt", PDF),  # a PDF called .txt
    ("notes.txt", b"text\x00with a NUL"),
    ("notes.txt", b"\xff\xfe not utf-8"),
    ("program.exe", EXE),
    ("page.html", b"<script>alert(1)</script>"),
    ("noextension", PDF),
    ("empty.pdf", b""),
])
def test_forged_and_other_types_are_refused_with_nothing_stored(client_user, clinician, name,
                                                                content):
    with pytest.raises(ValidationError) as error:
        share(clinician, client_user, name, content)
    assert "file" in error.value.message_dict
    assert not SharedDocument.objects.exists()
    assert not documents_storage().exists("d") or documents_storage().listdir("d")[1] == []


def test_oversize_is_refused_with_the_limit_in_words(client_user, clinician, settings):
    settings.DOCUMENTS_MAX_MB = 1
    with pytest.raises(ValidationError) as error:
        share(clinician, client_user, content=PDF + b"0" * (1024 * 1024))
    assert "largest you can send is 1 MB" in error.value.message_dict["file"][0]
    assert not SharedDocument.objects.exists()


def test_who_may_share_and_read(client_user, clinician, stranger, other_clinician, admin_user):
    document = share(clinician, client_user, line="therapy")
    assert document_for_user(user=client_user, public_id=document.public_id) == document
    assert document_for_user(user=clinician, public_id=document.public_id) == document
    for user in (stranger, other_clinician, admin_user):
        with pytest.raises(Exception) as error:
            document_for_user(user=user, public_id=document.public_id)
        assert error.typename == "Http404"
        with pytest.raises(ValidationError):
            share(user, client_user)
    # The firewall: a coaching-only clinician neither reads nor shares therapy documents.
    coaching_only(clinician)
    with pytest.raises(Exception) as error:
        document_for_user(user=clinician, public_id=document.public_id)
    assert error.typename == "Http404"
    with pytest.raises(ValidationError):
        share(clinician, client_user, line="therapy")
    # A client uploads for their clinician; only a clinician asks for a signature.
    assert share(client_user, client_user, "letter.txt", TEXT).from_client
    with pytest.raises(ValidationError):
        share(client_user, client_user, signature_requested=True)


def test_the_other_side_is_told_without_content(client_user, clinician):
    share(clinician, client_user)
    share(client_user, client_user, "letter.txt", TEXT)
    to_client = Notification.objects.get(recipient=client_user, kind="document_shared")
    to_staff = Notification.objects.get(recipient=clinician, kind="document_shared")
    assert to_client.context == {"link": reverse("documents:documents")}
    assert to_staff.context == {"link": reverse("documents:clinician_documents",
                                                args=[client_user.public_id])}


def test_signing_records_the_exact_version(client_user, clinician):
    document = share(clinician, client_user, "release.pdf", PDF, signature_requested=True)
    with pytest.raises(ValidationError) as error:
        document_sign(client=client_user, document=document, typed_name="Someone Else",
                      understood=False, ip_address="203.0.113.9", user_agent="UA")
    assert set(error.value.message_dict) == {"typed_name", "understood"}
    signature = document_sign(client=client_user, document=document,
                              typed_name="  alex   MORGAN ", understood=True,
                              ip_address="203.0.113.9", user_agent="UA")
    assert signature.sha256 == hashlib.sha256(PDF).hexdigest() == document.sha256
    assert (signature.typed_name, signature.ip_address) == ("alex MORGAN", "203.0.113.9")
    assert document_sign(client=client_user, document=document, typed_name="Alex Morgan",
                         understood=True, ip_address=None, user_agent="") == signature


def test_a_changed_file_cannot_be_signed(client_user, clinician):
    document = share(clinician, client_user, "release.pdf", PDF, signature_requested=True)
    storage = documents_storage()
    with open(storage.path(document.storage_name), "wb") as handle:
        handle.write(PDF + b"% altered\n")
    with pytest.raises(ValidationError, match="changed"):
        document_sign(client=client_user, document=document, typed_name="Alex Morgan",
                      understood=True, ip_address=None, user_agent="")
    assert not DocumentSignature.objects.exists()


def test_only_requested_documents_are_signed(client_user, clinician):
    document = share(clinician, client_user)
    with pytest.raises(ValidationError):
        document_sign(client=client_user, document=document, typed_name="Alex Morgan",
                      understood=True, ip_address=None, user_agent="")


# --- pages ------------------------------------------------------------------------------------


def test_the_download_checks_access_logs_and_is_an_uncached_attachment(client, client_user,
                                                                      clinician, stranger):
    document = share(client_user, client_user, "letter.txt", TEXT)
    url = reverse("documents:download", args=[document.public_id])
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    client.force_login(client_user)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == TEXT
    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"] == (
        f'attachment; filename="document-{document.public_id.hex[:8]}.txt"')
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert not AccessLog.objects.exists()  # a client reading their own file
    client.force_login(clinician)
    response = client.get(url)
    assert response.status_code == 200
    row = AccessLog.objects.get()
    assert (row.by, row.client, row.what) == (clinician, client_user, "document")


def test_uploads_with_forged_types_and_oversize_are_refused_on_the_page(client, client_user,
                                                                         settings):
    settings.DOCUMENTS_MAX_MB = 1
    client.force_login(client_user)
    url = reverse("documents:documents")
    for name, content, words in (("letter.pdf", EXE, "not what its name says"),
                                 ("big.pdf", PDF + b"0" * (1024 * 1024), "largest")):
        response = client.post(url, {"title": "Letter", "line": "coaching",
                                     "file": upload(name, content)})
        assert response.status_code == 200
        assert words in response.content.decode()
        assert 'id="id_file_error"' in response.content.decode()
    assert not SharedDocument.objects.exists()
    response = client.post(url, {"title": "Letter", "line": "coaching",
                                 "file": upload("letter.txt", TEXT)})
    assert response.status_code == 302


def test_the_clinician_shares_and_the_client_signs_in_the_browser_flow(client, client_user,
                                                                       clinician):
    client.force_login(clinician)
    url = reverse("documents:clinician_documents", args=[client_user.public_id])
    response = client.post(url, {"title": "Release of information", "line": "therapy",
                                 "signature_requested": "on",
                                 "file": upload("release.pdf", PDF)})
    assert response.status_code == 302
    document = SharedDocument.objects.get()
    assert AccessLog.objects.filter(by=clinician, client=client_user, what="document").exists()
    client.force_login(client_user)
    page = client.get(reverse("documents:documents")).content.decode()
    assert "Release of information" in page and "Read and sign" in page
    sign_url = reverse("documents:sign", args=[document.public_id])
    assert client.post(sign_url, {"typed_name": "Alex Morgan", "understood": "on"},
                       REMOTE_ADDR="198.51.100.4").status_code == 302
    assert DocumentSignature.objects.get().ip_address == "198.51.100.4"


@pytest.mark.parametrize("extra", [0, 8])
def test_the_documents_page_queries_do_not_grow(client, client_user, clinician,
                                                django_assert_num_queries, extra):
    for _ in range(extra):
        share(clinician, client_user, signature_requested=True)
    client.force_login(client_user)
    client.get(reverse("documents:documents"))  # warm the session
    # session with user, client profile, documents (with uploader and signature joined)
    with django_assert_num_queries(3):
        assert client.get(reverse("documents:documents")).status_code == 200


def test_a_client_without_a_line_yet_sees_the_page_without_the_form(client, make_client):
    newcomer = make_client(service_lines="")
    client.force_login(newcomer)
    response = client.get(reverse("documents:documents"))
    assert response.status_code == 200
    assert "once you have signed" in response.content.decode()
    assert client.post(reverse("documents:documents"), {"title": "x"}).status_code == 200
    assert not SharedDocument.objects.exists()
