"""The document pages: a client's documents with the upload form, a clinician's documents of
one client with the share form, signing on request, and the one view that serves a file: it
checks access, writes the access log for staff and sends the file as an attachment that no
cache keeps."""

from __future__ import annotations

from allauth.core.internal.httpkit import get_client_ip
from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from clients.access import client_for_staff
from clients.http import AuthenticatedRequest
from clients.models import AccessLog
from clients.services import access_log_record
from documents import services
from documents.forms import DocumentShareForm, DocumentSignForm, DocumentUploadForm
from documents.models import documents_storage
from documents.selectors import document_for_user, documents_visible, lines_shared_between
from portal.lib.access import client_required, clinician_required
from screening.forms import form_add_service_errors


def _share_page(request: AuthenticatedRequest, *, client, form_class, template: str, back: str,
                extra: dict | None = None) -> HttpResponse:
    lines = lines_shared_between(user=request.user, client=client)
    if not lines and not request.user.is_client:
        raise Http404
    # A client who uses no service line yet (nothing signed) sees the page without the form.
    form = form_class(lines=lines, max_mb=settings.DOCUMENTS_MAX_MB) if lines else None
    if request.method == "POST" and lines:
        form = form_class(request.POST, request.FILES, lines=lines,
                          max_mb=settings.DOCUMENTS_MAX_MB)
        if form.is_valid():
            try:
                services.document_share(
                    by=request.user, client=client, file=form.cleaned_data["file"],
                    title=form.cleaned_data["title"], service_line=form.cleaned_data["line"],
                    signature_requested=form.cleaned_data.get("signature_requested", False))
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                flash.success(request, "The document was shared.")
                return redirect(back)
    documents = list(documents_visible(user=request.user, client=client))
    return render(request, template, {"form": form, "documents": documents, "client": client,
                                      **(extra or {})})


@client_required
def documents(request: AuthenticatedRequest) -> HttpResponse:
    return _share_page(request, client=request.user, form_class=DocumentUploadForm,
                       template="documents/documents.html",
                       back=reverse("documents:documents"))


@clinician_required
def clinician_documents(request: AuthenticatedRequest, client_id) -> HttpResponse:
    client = client_for_staff(request=request, public_id=client_id,
                              what=AccessLog.What.DOCUMENT, detail="documents")
    return _share_page(request, client=client, form_class=DocumentShareForm,
                       template="documents/clinician_documents.html",
                       back=reverse("documents:clinician_documents", args=[client.public_id]),
                       extra={"staff": True})


@login_required
def download(request: AuthenticatedRequest, document_id) -> FileResponse:
    document = document_for_user(user=request.user, public_id=document_id)
    if request.user.is_staff_member:
        access_log_record(request=request, client=document.client,
                          what=AccessLog.What.DOCUMENT, detail=str(document.public_id))
    handle = documents_storage().open(document.storage_name, "rb")
    response = FileResponse(handle, as_attachment=True, filename=document.download_name,
                            content_type=document.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _client_ip(request: AuthenticatedRequest) -> str | None:
    try:  # the same reading of X-Forwarded-For as consent signatures (TRUSTED_PROXY_COUNT)
        return get_client_ip(request)
    except Exception:
        return None


@client_required
def sign(request: AuthenticatedRequest, document_id) -> HttpResponse:
    document = document_for_user(user=request.user, public_id=document_id)
    if not document.signature_requested:
        raise Http404
    form = DocumentSignForm()
    if request.method == "POST":
        form = DocumentSignForm(request.POST)
        if form.is_valid():
            try:
                services.document_sign(
                    client=request.user, document=document,
                    typed_name=form.cleaned_data["typed_name"],
                    understood=form.cleaned_data["understood"],
                    ip_address=_client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""))
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                flash.success(request, "You signed the document.")
                return redirect("documents:documents")
    signature = getattr(document, "signature", None) if _has_signature(document) else None
    return render(request, "documents/sign.html", {"document": document, "form": form,
                                                   "signature": signature})


def _has_signature(document) -> bool:
    from documents.models import DocumentSignature

    try:
        return document.signature is not None
    except DocumentSignature.DoesNotExist:
        return False
