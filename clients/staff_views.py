# The clinician's caseload and client timeline are being built (issue 6); until then: 404.
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from portal.lib.access import clinician_required


@clinician_required
def caseload(request: HttpRequest) -> HttpResponse:
    """Every assigned client with sessions, scores and goals; filters and a name search by GET
    (values it does not know are ignored). A fixed number of queries (portal.caseload)."""
    from clients.models import ClientStatus
    from portal.caseload import LINE_FILTERS, caseload_filters, caseload_for_clinician

    filters = caseload_filters(request.GET)
    rows, page = caseload_for_clinician(clinician=request.user, page=request.GET.get("page"),
                                        **filters)
    return render(request, "clients/caseload.html", {
        "rows": rows,
        "page": page,
        "filters": filters,
        "filtered": any(filters.values()),
        "line_choices": list(LINE_FILTERS.items()),
        "status_choices": ClientStatus.choices,
    })


def timeline(request, client_id):
    raise Http404
