# The clinician's caseload and client timeline are being built (issue 6); until then: 404.
from django.http import Http404


def caseload(request):
    raise Http404


def timeline(request, client_id):
    raise Http404
