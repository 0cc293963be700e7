"""Writes of shared documents: share (or upload) a file, and sign one on request."""

from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from clients.models import User
from clients.services import _clean_ip, consent_name_normalize
from documents.models import DocumentSignature, SharedDocument, documents_storage, opaque_name
from documents.selectors import lines_shared_between
from documents.validation import file_check
from goals.cadence import out_of_quiet_hours
from goals.selectors import reminder_preference_get
from notifications import keys
from notifications.models import Notification
from notifications.services import notification_schedule

TITLE_MAX = 200
USER_AGENT_MAX = 500


def _title_clean(title: str) -> str:
    title = " ".join((title or "").split())
    if "\x00" in title:
        raise ValidationError({"title": "Write the title in plain text."})
    if not title:
        raise ValidationError({"title": "Give the document a title."})
    if len(title) > TITLE_MAX:
        raise ValidationError({"title": f"Keep the title under {TITLE_MAX} characters."})
    return title


def document_share(*, by: User, client: User, file: UploadedFile, title: str,
                   service_line: str, message_id: int | None = None, notify: bool = True,
                   signature_requested: bool = False) -> SharedDocument:
    """Share a file between a client and their clinician, either way: ``by`` is the client
    (an upload for their clinician) or their assigned clinician in a line they read. The type
    is checked by content and the size against the setting (documents.validation); the file
    is stored under a random name. Raises ValidationError (``file``, ``title`` where the
    person can correct it) and then stores nothing. Only a clinician asks for a signature."""
    if service_line not in lines_shared_between(user=by, client=client):
        raise ValidationError("You cannot share documents here.")
    title = _title_clean(title)
    if signature_requested and not by.is_clinician:
        raise ValidationError("Only a clinician asks for a signature.")
    checked = file_check(file)
    document = SharedDocument(
        client=client, service_line=service_line, title=title, uploaded_by=by,
        from_client=by.is_client, uploaded_at=timezone.now(), content_type=checked.content_type,
        size=checked.size, sha256=checked.sha256, message_id=message_id,
        signature_requested=signature_requested)
    storage = documents_storage()
    file.seek(0)
    document.storage_name = storage.save(opaque_name(), file)
    try:
        with transaction.atomic():
            document.save()
            if notify:
                _notify(document=document, by=by)
    except Exception:
        storage.delete(document.storage_name)  # nothing half-saved: no row, no file
        raise
    # Inside a caller's transaction (message_send) that later rolls back, the stored file
    # stays without a row: a random name nothing points to. message_send checks every file
    # before it writes anything, so only a database failure after that can leave one.
    return document


def _notify(*, document: SharedDocument, by: User) -> None:
    if by.is_client:
        recipient = document.client.client_profile.clinician
        if recipient is None or not recipient.is_active:
            return
        due = timezone.now()
        link = reverse("documents:clinician_documents", args=[document.client.public_id])
    else:
        recipient = document.client
        preference = reminder_preference_get(recipient)
        due = out_of_quiet_hours(timezone.now(), zone=recipient.zone,
                                 quiet_start=preference.quiet_start,
                                 quiet_end=preference.quiet_end)
        link = reverse("documents:documents")
    notification_schedule(
        recipient=recipient, kind=Notification.Kind.DOCUMENT_SHARED,
        dedupe_key=keys.document_shared(document_public_id=document.public_id,
                                        recipient_id=recipient.pk),
        due_at=due, context={"link": link})


def document_sha256_now(document: SharedDocument) -> str:
    """The SHA-256 of the stored bytes as read now."""
    digest = hashlib.sha256()
    with documents_storage().open(document.storage_name, "rb") as handle:
        for chunk in iter(lambda: handle.read(64 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def document_sign(*, client: User, document: SharedDocument, typed_name: str,
                  understood: bool, ip_address: str | None, user_agent: str
                  ) -> DocumentSignature:
    """The client signs a document they were asked to sign, as consent signatures are signed
    (clients.services.consent_sign): the typed name must match the account, the box must be
    ticked, and the signature records the SHA-256 of the exact bytes stored now, the time and
    the address. Signing twice returns the first signature. Raises ValidationError keyed by
    field (``typed_name``, ``understood``) for what the person can correct."""
    if not client.is_client or document.client_id != client.pk:
        raise ValidationError("Only the client this document was shared with signs it.")
    if not document.signature_requested:
        raise ValidationError("This document was not sent for signing.")
    errors: dict[str, str] = {}
    if consent_name_normalize(typed_name) != consent_name_normalize(client.full_name):
        errors["typed_name"] = ("Type your full name exactly as on your account: "
                                f"{client.full_name}.")
    if understood is not True:
        errors["understood"] = "Tick the box to confirm that you have read this document."
    if errors:
        raise ValidationError(errors)
    existing = DocumentSignature.objects.filter(document=document).first()
    if existing is not None:
        return existing
    sha256 = document_sha256_now(document)
    if sha256 != document.sha256:
        raise ValidationError("This document has changed since it was shared; ask your "
                              "clinician to share it again.")
    try:
        with transaction.atomic():
            return DocumentSignature.objects.create(
                document=document, client=client, sha256=sha256,
                typed_name=" ".join(typed_name.split()), signed_at=timezone.now(),
                ip_address=_clean_ip(ip_address),
                user_agent=(user_agent or "").replace("\x00", "")[:USER_AGENT_MAX])
    except IntegrityError:  # signed twice at once: the other request's row is the signature
        return DocumentSignature.objects.get(document=document)
