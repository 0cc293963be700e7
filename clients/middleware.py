from __future__ import annotations

import time
from urllib.parse import urlencode

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from portal.lib import clock


class StaffMFARequiredMiddleware:
    """Clinicians and admins (and clients, when the practice sets TANDEM_REQUIRE_CLIENT_MFA)
    reach nothing but their account pages until MFA is set up.

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
            and (user.is_staff_member
                 or (user.is_client and settings.CLIENT_MFA_REQUIRED))
            and not request.path.startswith(self.open_prefixes)
            and not is_mfa_enabled(user, self.MFA_TYPES)
        ):
            messages.warning(
                request,
                ("Staff accounts need" if user.is_staff_member else
                 "The practice asks every client to use")
                + " two-factor authentication. Set up an authenticator app or a passkey to "
                "continue.",
            )
            return redirect(reverse("mfa_index"))
        return self.get_response(request)


class UserTimeZoneMiddleware:
    """Render every time in the signed-in person's own zone (rule 5 of DESIGN.md), on their own
    clock (12- or 24-hour, portal.lib.clock); anonymous visitors see the practice's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            zone, hour12 = user.zone, user.hour12
        else:
            zone = settings.PRACTICE_TIME_ZONE
            hour12 = clock.zone_uses_12_hour(zone)
        with timezone.override(zone), clock.override(hour12):
            return self.get_response(request)


# --- Session lifetime (issue 13) ------------------------------------------------------------

SIGNED_IN_AT = "tandem_signed_in_at"
SEEN_AT = "tandem_seen_at"
EPOCH = "tandem_session_epoch"
KEPT_DRAFTS = "tandem_kept_drafts"


def idle_timeout_seconds(user) -> int:
    minutes = (settings.SESSION_IDLE_MINUTES_STAFF if user.is_staff_member
               else settings.SESSION_IDLE_MINUTES_CLIENT)
    return minutes * 60


def session_policy_start(request, user) -> None:
    """At sign-in: start the session's clocks, remember the epoch it signed in under, and give
    back the drafts a timed-out session of the same person left (never another person's)."""
    now = int(time.time())
    session = request.session
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now
    session[EPOCH] = user.session_epoch
    kept = session.pop(KEPT_DRAFTS, None)
    if (isinstance(kept, dict) and kept.get("user") == str(user.public_id)
            and now - int(kept.get("at", 0)) < settings.SESSION_KEPT_DRAFT_SECONDS):
        for key, value in (kept.get("data") or {}).items():
            if key in settings.SESSION_KEYS_KEPT_ON_TIMEOUT:
                session[key] = value


class SessionPolicyMiddleware:
    """Ends a signed-in session that was idle too long (clients 30 minutes, staff 15), that is
    older than the absolute lifetime (12 hours), or that "sign out everywhere" revoked; then
    sends the person to a page that says why. Drafts the portal keeps in the session (the
    screening wizard's answers) survive: they are moved into the signed-out session, tied to
    the person, and given back only to them at their next sign-in.

    The last-seen time is written at most once a minute (SESSION_ACTIVITY_RESOLUTION_SECONDS),
    so an ordinary page view adds no session write; the idle timeout is exact to that minute.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            reason = self._check(request, user)
            if reason:
                return self._sign_out(request, user, reason)
        return self.get_response(request)

    def _check(self, request, user) -> str:
        session = request.session
        now = int(time.time())
        signed_in_at = session.get(SIGNED_IN_AT)
        if signed_in_at is None:
            # A session from before this policy, or one made without the login signal.
            session_policy_start(request, user)
            return ""
        if session.get(EPOCH, user.session_epoch) != user.session_epoch:
            return "everywhere"
        if now - int(signed_in_at) > settings.SESSION_MAX_HOURS * 3600:
            return "expired"
        seen_at = int(session.get(SEEN_AT, signed_in_at))
        if now - seen_at > idle_timeout_seconds(user):
            return "idle"
        if now - seen_at >= settings.SESSION_ACTIVITY_RESOLUTION_SECONDS:
            session[SEEN_AT] = now
        return ""

    def _sign_out(self, request, user, reason: str):
        from django.contrib.auth import logout

        from clients.models import SignInEvent
        from clients.services import sign_in_event_record

        kept = {key: request.session[key] for key in settings.SESSION_KEYS_KEPT_ON_TIMEOUT
                if key in request.session}
        if reason != "everywhere":
            sign_in_event_record(request=request, kind=SignInEvent.Kind.TIMED_OUT, user=user,
                                 method=reason)
        logout(request)
        if kept and reason != "everywhere":
            request.session[KEPT_DRAFTS] = {"user": str(user.public_id),
                                            "at": int(time.time()), "data": kept}
        query = {"reason": reason}
        if request.method == "GET":
            query["next"] = request.get_full_path()
        if kept and reason != "everywhere":
            query["kept"] = "1"
        return redirect(f"{reverse('signed_out')}?{urlencode(query)}")
