"""Who may open a page, by role. Anyone else signed in gets a 404: the page is about someone
else's kind of record, and a 404 says nothing about whether it exists."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse


def _role_required(attribute: str, message: str):
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not getattr(request.user, attribute):
                raise Http404(message)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# Pages about the person signed in (their screening, bookings, goals, record).
client_required = _role_required("is_client", "These pages are for clients.")
# Pages about a caseload; each still fetches the client for this clinician (or 404s).
clinician_required = _role_required("is_clinician", "These pages are for clinicians.")
# Pages for any member of staff (clinicians and practice admins), e.g. messages to review.
staff_required = _role_required("is_staff_member", "These pages are for staff.")
