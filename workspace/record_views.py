"""The client's own record as a download (issue 6): what it holds, and the ZIP.

The record composes every app, so the page lives here and joins the client's other rights
(clients/account_views.py) under the "account_rights" namespace in portal/urls.py."""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from clients.http import AuthenticatedRequest
from portal.lib.access import client_required
from workspace.record import client_record_zip


def _is_download(request: AuthenticatedRequest) -> bool:
    return request.method == "POST" or request.GET.get("download") == "1"


@client_required
@require_http_methods(["GET", "POST"])
# The whole record leaves the portal: ask for the password (or a two-factor code) again unless
# the person gave it in the last few minutes. allauth resumes the POST after they do.
@reauthentication_required(enabled=_is_download)
def record_download(request: AuthenticatedRequest) -> HttpResponse:
    """GET: what the download holds, and the button. POST (or GET ?download=1): the ZIP."""
    if _is_download(request):
        today = timezone.localdate(timezone=request.user.zone)
        response = HttpResponse(client_record_zip(client=request.user),
                                content_type="application/zip")
        response["Content-Disposition"] = (
            f'attachment; filename="tandem-record-{today.isoformat()}.zip"')
        response["Cache-Control"] = "private, no-store"
        return response
    return render(request, "workspace/record.html")
