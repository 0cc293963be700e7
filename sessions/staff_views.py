# The clinician's schedule pages are being built (issue 4); until then they answer 404.
from django.http import Http404


def _not_yet(request, *args, **kwargs):
    raise Http404


week = availability = exceptions = book_for_client = appointment = _not_yet
