"""Response headers that hold for every page (issue 13).

``Cache-Control: no-store`` goes on every response unless its URL is on a short allow-list of
public pages that never carry anyone's data. The list is an allow-list on purpose: a new page is
private from the day it is written, and ``portal/tests/test_headers.py`` walks the URL resolver
to prove it. ``Permissions-Policy`` switches off the browser features the portal never uses;
passkeys keep the two WebAuthn features for this origin.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.cache import patch_cache_control

# URL names of pages that may be cached, and only for a visitor who is not signed in: they hold
# nothing but the practice's own words. Forms (sign-in, sign-up) are not here: their CSRF token
# must never come from a cache.
CACHEABLE_PUBLIC_URL_NAMES = frozenset({"home", "signed_out"})

PERMISSIONS_POLICY = ", ".join([
    "accelerometer=()", "autoplay=()", "camera=()", "display-capture=()",
    "encrypted-media=()", "fullscreen=()", "geolocation=()", "gyroscope=()", "hid=()",
    "magnetometer=()", "microphone=()", "midi=()", "payment=()", "picture-in-picture=()",
    "screen-wake-lock=()", "serial=()", "usb=()", "xr-spatial-tracking=()",
    "publickey-credentials-create=(self)", "publickey-credentials-get=(self)",
])


def is_cacheable(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    return (match is not None and match.view_name in CACHEABLE_PUBLIC_URL_NAMES
            and not (user is not None and user.is_authenticated))


class PrivacyHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_cacheable(request) and "no-store" not in response.get("Cache-Control", ""):
            # private + no-store: no shared proxy and no browser (back button, disk cache) keeps
            # a copy. patch_cache_control keeps what a view set and drops a contradicting max-age.
            response.headers.pop("Expires", None)
            patch_cache_control(response, private=True, no_store=True, no_cache=True,
                                max_age=0, must_revalidate=True)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class QueryStringNulMiddleware:
    """Removes NUL characters from the query string's names and values. PostgreSQL cannot store
    or compare a NUL in a text value, so ``/clinician/clients/?q=%00`` or an admin filter
    ``?email=%00`` used to end in a 500. Nobody types a NUL on purpose; the search runs on
    what is left. Form fields (POST) need no such help: Django's CharField refuses a NUL with
    an error next to the field."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # A NUL reaches the query string only percent-encoded ("%00").
        if "%00" in request.META.get("QUERY_STRING", ""):
            cleaned = QueryDict(mutable=True)
            for key, values in request.GET.lists():
                cleaned.setlist(key.replace("\x00", ""), [v.replace("\x00", "") for v in values])
            cleaned._mutable = False
            request.GET = cleaned  # type: ignore[assignment]  # immutable again, as Django's
        return self.get_response(request)


class PortalErrorPagesMiddleware:
    """The portal's own 404 and 500 pages while DEBUG is on, for `make run` (issue 14).

    DEBUG stays on under `make run`: allauth accepts the demo staff's fixed MFA code
    (TANDEM_DEMO_MFA_CODE) only with DEBUG on, and it refuses to start otherwise. Django shows
    its debug pages whenever DEBUG is on, so with TANDEM_PORTAL_ERROR_PAGES set (`make run`
    sets it) this middleware, last in MIDDLEWARE, answers instead: a view's Http404 and an
    address that matches no URL get templates/404.html, any other error templates/500.html
    (logged, as Django logs it). Off by default: tests and production (DEBUG off) never
    install it, and Django's own handlers serve the same templates there.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 404 and getattr(request, "resolver_match", None) is None:
            # No URL matched: Django made its debug "Page not found" before any view ran.
            return self._render(request, "404.html", 404)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse:
        from django.http import Http404

        if isinstance(exception, Http404):
            return self._render(request, "404.html", 404)
        logging.getLogger("django.request").error(
            "Internal Server Error: %s", request.path, exc_info=exception)
        return self._render(request, "500.html", 500)

    @staticmethod
    def _render(request: HttpRequest, template: str, status: int) -> HttpResponse:
        from django.shortcuts import render
        from django.template import loader

        if status == 500:  # as Django's server_error: an empty context, nothing that may fail
            return HttpResponse(loader.get_template(template).render(), status=status)
        return render(request, template, status=status)
