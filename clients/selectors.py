"""Reads with a rule in them for users and their profiles. Each owns its joins."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from cryptography.fernet import InvalidToken
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404

from clients.access import clients_assigned_q, lines_for_staff, require_assigned
from clients.models import (
    AccessLog,
    ClientProfile,
    ClinicianNote,
    ConsentDocument,
    ConsentKind,
    ConsentSignature,
    Role,
    User,
)


def client_profile_for_client(*, client: User) -> ClientProfile | None:
    """The client's own profile with their clinician (and the clinician's display name)."""
    return (
        ClientProfile.objects.select_related("clinician__clinician_profile")
        .filter(user=client)
        .first()
    )


def clients_for_clinician(*, clinician: User) -> QuerySet[User]:
    """The active client accounts assigned to this clinician: all a clinician may see (rule 8)."""
    return (
        User.objects.filter(clients_assigned_q(clinician=clinician))
        .select_related("client_profile")
        .order_by("full_name", "email")
    )


def clients_for_clinician_brief(*, clinician: User) -> QuerySet[User]:
    """The same people as ``clients_for_clinician`` with only who they are (name, zone, public
    id): what the dashboard needs of a caseload of hundreds, at a third of the cost."""
    return (clients_for_clinician(clinician=clinician).select_related(None)
            .only("public_id", "email", "full_name", "time_zone", "role"))


def user_counts_by_role() -> dict[str, int]:
    """Active clients and clinicians, in one query, for the practice admin's home."""
    return User.objects.filter(is_active=True).aggregate(
        clients=Count("pk", filter=Q(role=Role.CLIENT)),
        clinicians=Count("pk", filter=Q(role=Role.CLINICIAN)),
    )


# --- Consent --------------------------------------------------------------------------------


def _current_documents() -> QuerySet[ConsentDocument]:
    """Published documents that have no published successor: the current one of each kind."""
    newest = (ConsentDocument.objects.filter(kind=OuterRef("kind"), published_at__isnull=False)
              .order_by("-version").values("version")[:1])
    return ConsentDocument.objects.filter(published_at__isnull=False,
                                          version=Subquery(newest))


def consent_documents_current() -> dict[str, ConsentDocument]:
    """The current document of each kind that has one, by kind, in ConsentKind order. One query."""
    found = {doc.kind: doc for doc in _current_documents()}
    return {kind: found[kind] for kind in ConsentKind.values if kind in found}


@dataclass(frozen=True)
class ConsentStatus:
    kind: str
    label: str
    document: ConsentDocument | None  # the current version; None if none is published
    signature: ConsentSignature | None  # the client's signature of the current version
    previous: ConsentSignature | None  # their latest signature of an older version

    @property
    def needs_signature(self) -> bool:
        return self.document is not None and self.signature is None

    @property
    def needs_new_signature(self) -> bool:
        """A new version was published since the client last signed this kind."""
        return self.needs_signature and self.previous is not None


def consent_status_for_client(*, client: User, kind: str | None = None) -> list[ConsentStatus]:
    """Per kind (or for one kind): the current document, the client's signature of it and
    their latest signature of an older version. Two queries, whatever the number of versions
    or signatures. Signatures come without the document bodies, which they do not need."""
    kinds = [kind] if kind is not None else list(ConsentKind.values)
    documents = consent_documents_current() if kind is None else {
        doc.kind: doc for doc in _current_documents().filter(kind=kind)
    }
    signatures = (ConsentSignature.objects.filter(client=client, document__kind__in=kinds)
                  .select_related("document").defer("document__body")
                  .order_by("-document__version", "-signed_at"))
    current: dict[str, ConsentSignature] = {}
    previous: dict[str, ConsentSignature] = {}
    for signature in signatures:
        doc = documents.get(signature.document.kind)
        if doc is not None and signature.document_id == doc.pk:
            current[doc.kind] = signature
        else:
            previous.setdefault(signature.document.kind, signature)
    return [
        ConsentStatus(kind=k, label=ConsentKind(k).label, document=documents.get(k),
                      signature=current.get(k), previous=previous.get(k))
        for k in kinds
    ]


def consent_is_current(*, client: User, kind: str) -> bool:
    """Has the client signed the current version of this kind? One query. Booking in a service
    line requires it (rule 2)."""
    return ConsentSignature.objects.filter(
        client=client, document__in=_current_documents().filter(kind=kind)
    ).exists()


class ConsentRefusal(str):
    """The refusal to book for want of a current signature: its words, and which document to
    sign, so every page that shows it links to the signing page with what changed."""

    kind: str
    changes_summary: str
    signed_before: bool

    def __new__(cls, text: str, *, kind: str, changes_summary: str = "",
                signed_before: bool = False) -> ConsentRefusal:
        refusal = super().__new__(cls, text)
        refusal.kind, refusal.changes_summary = kind, changes_summary
        refusal.signed_before = signed_before
        return refusal

    @property
    def consent_kind(self) -> str:
        return self.kind


def consent_refusal(*, client: User, kind: str) -> ConsentRefusal | None:
    """None when the client has signed the current document of this kind; otherwise the
    refusal with the current version's summary of changes if they signed an older one. One
    query when signed, two when not."""
    if consent_is_current(client=client, kind=kind):
        return None
    document = (_current_documents().filter(kind=kind)
                .annotate(signed_before=Exists(ConsentSignature.objects.filter(
                    client=client, document__kind=kind)))
                .only("changes_summary").first())
    return _consent_refusal(kind, signed_before=document is not None and document.signed_before,
                            changes_summary=document.changes_summary if document else "")


def _consent_refusal(kind: str, *, signed_before: bool, changes_summary: str) -> ConsentRefusal:
    noun = "therapy consent" if kind == ConsentKind.THERAPY else "coaching agreement"
    if signed_before:
        text = f"A new version of the {noun} was published: please read and sign it first."
    else:
        text = f"Please sign the {noun} first."
    return ConsentRefusal(text, kind=kind, signed_before=signed_before,
                          changes_summary=changes_summary)


def consent_refusals_for_client(*, client: User) -> dict[str, ConsentRefusal | None]:
    """``consent_refusal`` of every kind at once, in the two queries of
    ``consent_status_for_client``: for a page that asks about several lines (the booking
    page). The same answers: signed before means a signature of an older version."""
    return {
        status.kind: None if status.signature is not None else _consent_refusal(
            status.kind, signed_before=status.previous is not None,
            changes_summary=status.document.changes_summary if status.document else "")
        for status in consent_status_for_client(client=client)
    }


def consent_signature_for_client(*, client: User, public_id: uuid.UUID) -> ConsentSignature:
    """One of the client's own signatures with its document; 404 for anyone else's."""
    return get_object_or_404(
        ConsentSignature.objects.select_related("document"), client=client, public_id=public_id
    )


def clinicians_active() -> list[User]:
    """The practice's active clinicians with their profiles, by name."""
    return list(User.objects.filter(role=Role.CLINICIAN, is_active=True)
                .select_related("clinician_profile").order_by("full_name", "pk"))


def access_log_for_client(*, client: User, limit: int = 200) -> list[AccessLog]:
    """Staff reads of the client's own record, newest first, with who read it (one query)."""
    return list(AccessLog.objects.filter(client=client).select_related("by")[:limit])


# --- Clinician notes (issue 6) ----------------------------------------------------------------


def client_for_clinician_assigned(*, clinician: User, public_id: uuid.UUID) -> User:
    """One of the clinician's own active clients, with profile, by public id; 404 for every
    other id and for anyone who is not a clinician (rule 8)."""
    if not clinician.is_clinician:
        raise Http404
    return get_object_or_404(clients_for_clinician(clinician=clinician), public_id=public_id)


@dataclass(frozen=True)
class NoteRead:
    """A clinician note as the page shows it: decrypted, or marked unreadable when the key
    that encrypted it is no longer configured."""

    public_id: uuid.UUID
    created_at: datetime
    author_name: str
    text: str
    readable: bool


def clinician_notes_decrypt(notes: list[ClinicianNote]) -> list[NoteRead]:
    """Decrypt notes fetched with their authors. No queries."""
    from clients.services import notes_cipher  # the cipher lives beside the write that uses it

    cipher = notes_cipher()
    read = []
    for note in notes:
        try:
            text, readable = cipher.decrypt(bytes(note.text_encrypted)).decode(), True
        except InvalidToken:
            text, readable = "", False
        read.append(NoteRead(public_id=note.public_id, created_at=note.created_at,
                             author_name=note.author.full_name or note.author.email,
                             text=text, readable=readable))
    return read


def clinician_notes_for_clinician(*, clinician: User, client: User) -> list[NoteRead]:
    """The notes about one of the clinician's own clients, newest first, decrypted (one
    query); 404 for anyone else's client."""
    require_assigned(clinician=clinician, client=client)
    return clinician_notes_decrypt(
        list(ClinicianNote.objects.filter(client=client, service_line__in=lines_for_staff(
            clinician)).select_related("author")))


def sign_in_events_for_user(*, user: User, limit: int = 100) -> list:
    """The person's latest sign-in history, newest first (one query)."""
    from clients.models import SignInEvent

    return list(SignInEvent.objects.filter(user=user).order_by("-at", "-pk")[:limit])
