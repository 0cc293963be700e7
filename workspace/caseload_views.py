"""The clinician's caseload page (the client timeline is workspace/timeline_views.py)."""

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render

from clients.http import AuthenticatedRequest
from clients.models import AccessLog, ClientStatus
from clients.services import access_log_record_many
from portal.lib.access import clinician_required
from workspace.caseload import (
    LINE_FILTERS,
    caseload_filters,
    caseload_for_clinician,
    caseload_instruments,
)


@clinician_required
def caseload(request: AuthenticatedRequest) -> HttpResponse:
    """Every assigned client with sessions, scores and goals; filters and a name search by GET
    (values it does not know are ignored). A fixed number of queries (workspace.caseload)."""
    filters: dict[str, Any] = caseload_filters(request.GET)
    instruments = caseload_instruments(clinician=request.user)
    rows, page = caseload_for_clinician(clinician=request.user, instruments=instruments,
                                        page=request.GET.get("page"), **filters)
    access_log_record_many(request=request, clients=[row["client"] for row in rows],
                           what=AccessLog.What.LIST, detail="caseload")
    return render(request, "workspace/caseload.html", {
        "rows": rows,
        "page": page,
        "instruments": instruments,
        "filters": filters,
        "filtered": any(filters.values()),
        "line_choices": list(LINE_FILTERS.items()),
        "status_choices": ClientStatus.choices,
    })
