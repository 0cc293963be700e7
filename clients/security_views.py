"""Pages of issue 13: "you were signed out for your privacy", and "Your sign-ins" with "sign out
everywhere" (for every role: it sits with the account pages, under /accounts/)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from clients.http import AuthenticatedRequest
from clients.selectors import sign_in_events_for_user
from clients.services import sessions_end_everywhere

REASONS = {
    "idle": "You were away for a while, so we signed you out to keep your information private.",
    "expired": "You had been signed in for a long time, so we signed you out to keep your "
               "information private.",
    "everywhere": "You, or the practice, signed this account out on every device.",
}


@require_GET
def signed_out(request: HttpRequest) -> HttpResponse:
    reason = request.GET.get("reason", "")
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        next_url = ""
    return render(request, "clients/account/signed_out.html", {
        "message": REASONS.get(reason, REASONS["idle"]),
        "next_url": next_url,
        "kept": request.GET.get("kept") == "1",
    })


@login_required
def sign_ins(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "clients/account/sign_ins.html",
                  {"events": sign_in_events_for_user(user=request.user)})


@login_required
@require_POST
def sign_out_everywhere(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    sessions_end_everywhere(user=user, by=user, request=request)
    logout(request)
    messages.success(request, "You are signed out on every device, this one too.")
    return redirect("account_login")
