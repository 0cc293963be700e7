"""Shared documents (issue 16): files a clinician shares with a client (a worksheet, a plan, a
release to sign) and files a client uploads for their clinician (a referral letter).

The file lives in the ``documents`` storage (settings.STORAGES: a private folder, or any
S3-compatible bucket) under a random name that says nothing about the person or the content;
its checked type, size and SHA-256 are kept here. Nothing serves the storage directly:
documents.views.download checks access, writes the access log and streams it as an attachment.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils import timezone

LINES = [("therapy", "Therapy"), ("coaching", "Coaching")]


def documents_storage():
    """The storage of settings.STORAGES["documents"], looked up at each use (not fixed when the
    model is defined, as a FileField's storage would be)."""
    return storages["documents"]


def opaque_name() -> str:
    """A storage name that reveals nothing: no client, no title, no extension."""
    return f"d/{uuid.uuid4().hex}"


class DocumentKind(models.TextChoices):
    PDF = "application/pdf", "PDF"
    PNG = "image/png", "PNG image"
    JPEG = "image/jpeg", "JPEG image"
    TEXT = "text/plain", "Plain text"


EXTENSIONS = {DocumentKind.PDF: "pdf", DocumentKind.PNG: "png", DocumentKind.JPEG: "jpg",
              DocumentKind.TEXT: "txt"}


class SharedDocument(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="shared_documents")
    service_line = models.CharField(max_length=16, choices=LINES)
    title = models.CharField(max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    from_client = models.BooleanField()
    uploaded_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The name in the documents storage (documents_storage()); never shown to anyone.
    storage_name = models.CharField(max_length=100, unique=True, editable=False)
    content_type = models.CharField(max_length=32, choices=DocumentKind.choices)
    size = models.PositiveIntegerField()
    sha256 = models.CharField("SHA-256", max_length=64, editable=False)
    # Sent with a message (an attachment); empty for a document shared on its own.
    message = models.ForeignKey("messaging.Message", on_delete=models.PROTECT, null=True,
                                blank=True, related_name="attachments")
    # A request to read and sign this exact version (documents.services.document_sign).
    signature_requested = models.BooleanField(default=False)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["client", "-uploaded_at"])]

    def __str__(self) -> str:
        return f"Document {self.public_id.hex[:8]} of {self.client}"

    @property
    def download_name(self) -> str:
        """The file name a browser saves: neutral, like the storage name."""
        extension = EXTENSIONS.get(DocumentKind(self.content_type), "bin")
        return f"document-{self.public_id.hex[:8]}.{extension}"


class DocumentSignature(models.Model):
    """A client's signature of one exact version of a document, as consent signatures are
    (clients.models.ConsentSignature): the SHA-256 of the bytes read, the typed name, when and
    from where. Never edited."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    document = models.OneToOneField(SharedDocument, on_delete=models.PROTECT,
                                    related_name="signature")
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="document_signatures")
    sha256 = models.CharField("SHA-256 signed", max_length=64)
    typed_name = models.CharField(max_length=150)
    signed_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-signed_at"]

    def __str__(self) -> str:
        return f"{self.document} signed by {self.typed_name}"
