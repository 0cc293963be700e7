from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone


class StaffMFARequiredMiddleware:
    """Clinicians and admins reach nothing but their account pages until MFA is set up.

    Staff see client records (rule 8 of DESIGN.md), so a password alone is never enough. The
    account pages stay open so they can set up TOTP or a passkey, change their password or sign
    out; every other URL, Django admin included, sends them to the MFA set-up page.
    """

    MFA_TYPES = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]

    def __init__(self, get_response):
        self.get_response = get_response
        self.open_prefixes = ("/accounts/", "/healthz", "/readyz",
                              "/" + settings.STATIC_URL.lstrip("/"))

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and user.is_staff_member
            and not request.path.startswith(self.open_prefixes)
            and not is_mfa_enabled(user, self.MFA_TYPES)
        ):
            messages.warning(
                request,
                "Staff accounts need two-factor authentication. Set up an authenticator app "
                "or a passkey to continue.",
            )
            return redirect(reverse("mfa_index"))
        return self.get_response(request)


class UserTimeZoneMiddleware:
    """Render every time in the signed-in person's own zone (rule 5 of DESIGN.md); anonymous
    visitors see the practice's zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        zone = user.zone if user.is_authenticated else settings.PRACTICE_TIME_ZONE
        with timezone.override(zone):
            return self.get_response(request)
