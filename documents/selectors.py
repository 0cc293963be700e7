"""Reads of shared documents, each for the person asking: 404 for anyone else."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from clients.access import clinician_is_assigned, lines_for_staff
from clients.models import User
from documents.models import SharedDocument


def lines_shared_between(*, user: User, client: User) -> list[str]:
    """The lines in which ``user`` may share documents with or read documents of ``client``:
    the client's own lines for the client; for their assigned clinician, those the firewall
    lets them read; none for anyone else."""
    if user.is_client:
        return client.client_profile.lines if user.pk == client.pk and client.is_active else []
    if user.is_clinician and clinician_is_assigned(clinician=user, client=client):
        staff = lines_for_staff(user)
        return [line for line in client.client_profile.lines if line in staff]
    return []


def documents_visible(*, user: User, client: User) -> QuerySet[SharedDocument]:
    lines = lines_shared_between(user=user, client=client)
    return (SharedDocument.objects.filter(client=client, service_line__in=lines)
            .select_related("uploaded_by", "signature"))


def document_for_user(*, user: User, public_id) -> SharedDocument:
    """The document with this public id if ``user`` may read it (its client, or their assigned
    clinician in a line they read), with its client; Http404 for everyone else."""
    document = (SharedDocument.objects.select_related("client__client_profile", "signature",
                                                      "uploaded_by")
                .filter(public_id=public_id).first())
    if document is None or document.service_line not in lines_shared_between(
            user=user, client=document.client):
        raise Http404
    return document
