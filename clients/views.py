"""The client's consent pages: the overview, reading and signing one document, and a copy of
what they signed. Clients only: staff get a 404, as on every client page (they see consent
status through the clinician's client views and Django admin, not by signing)."""

from __future__ import annotations

import uuid

from allauth.core.internal.httpkit import get_client_ip
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from clients.consent_text import consent_blocks
from clients.forms import ConsentSignForm
from clients.http import AuthenticatedRequest
from clients.models import ConsentKind
from clients.selectors import consent_signature_for_client, consent_status_for_client
from clients.services import consent_sign
from portal.lib.access import client_required


@client_required
def consent_overview(request: AuthenticatedRequest) -> HttpResponse:
    statuses = consent_status_for_client(client=request.user)
    return render(request, "clients/consent_overview.html", {"statuses": statuses})


@client_required
@require_http_methods(["GET", "POST"])
def consent_sign_page(request: AuthenticatedRequest, kind: str) -> HttpResponse:
    if kind not in ConsentKind.values:
        raise Http404("No such document.")
    [status] = consent_status_for_client(client=request.user, kind=kind)
    document = status.document
    if document is None:
        raise Http404("This document is not published yet.")

    if request.method == "POST" and status.signature is not None:
        # Already signed (a second tab, a double click): nothing to do.
        return redirect("clients:consent_overview")

    stale = False
    form = ConsentSignForm(request.POST or None, document_title=document.title,
                           initial={"version": document.version})
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["version"] != document.version:
            # A new version was published while they read the old one: they read this one
            # first. What they typed stays; the box is ticked again on purpose.
            stale = True
            form = ConsentSignForm(document_title=document.title, initial={
                "version": document.version, "typed_name": form.cleaned_data["typed_name"]})
        else:
            try:
                consent_sign(
                    client=request.user, document=document,
                    typed_name=form.cleaned_data["typed_name"],
                    understood=form.cleaned_data["understood"],
                    ip_address=get_client_ip(request),
                    user_agent=request.headers.get("user-agent", ""),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"Thank you. You signed the {document.title.lower()} "
                                          f"(version {document.version}).")
                return redirect("clients:consent_overview")

    return render(request, "clients/consent_sign.html", {
        "status": status,
        "document": document,
        "blocks": consent_blocks(document.body),
        "form": form,
        "stale": stale,
    })


@client_required
def consent_signed(request: AuthenticatedRequest, public_id: uuid.UUID) -> HttpResponse:
    signature = consent_signature_for_client(client=request.user, public_id=public_id)
    return render(request, "clients/consent_signed.html", {
        "signature": signature,
        "document": signature.document,
        "blocks": consent_blocks(signature.document.body),
    })
