"""The limit references: what Django itself serves on this machine, through the portal's own
middleware, so every page can be read as a fraction of them.

- ``minimal``: no database, no template. Anonymous, it is the floor of the middleware stack;
  with a session cookie it adds exactly what any signed-in page pays (the session and the user,
  loaded by the middleware that reads ``request.user``).
- ``one_query``: one query and a small template rendered with the request context.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template import engines

from sessions.models import ServiceType

_TEMPLATE = engines["django"].from_string(
    "<!doctype html><html lang=en><title>one query</title>"
    "<p>{{ count }} service types{% if user.is_authenticated %} for {{ user.email }}{% endif %}"
    "</p></html>")


def minimal(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def one_query(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_TEMPLATE.render({"count": ServiceType.objects.count()}, request))
