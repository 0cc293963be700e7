"""The client's rights over their own record (issue 6): download it, and ask to close the
account. Clients only: staff get a 404 (they export a record and close accounts in the admin).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from clients.forms import PhoneForm
from clients.models import AccountClosureRequest
from clients.selectors import access_log_for_client
from clients.services import (
    account_closure_request,
    account_closure_withdraw,
    client_phone_set,
)
from portal.lib.access import client_required


def retention_years() -> int:
    return settings.RECORD_RETENTION_YEARS


@client_required
@require_http_methods(["GET", "POST"])
def contact_page(request: HttpRequest) -> HttpResponse:
    """The client's phone number (optional): how a clinician reaches them the same day."""
    profile = request.user.client_profile
    form = PhoneForm(request.POST if request.method == "POST" else None,
                     initial={"phone": profile.phone})
    form.fields["phone"].label = "Phone number"
    if request.method == "POST" and form.is_valid():
        client_phone_set(client=request.user, phone=form.cleaned_data["phone"])
        messages.success(request, "Your phone number is saved." if form.cleaned_data["phone"]
                         else "Your phone number is removed.")
        return redirect("account_rights:contact")
    return render(request, "clients/account/contact.html", {"form": form})


class ClosureRequestForm(forms.Form):
    reason = forms.CharField(
        label="Anything you would like us to know", required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Only the practice admin reads this. You do not have to give a reason. "
                  "Up to 2,000 characters.",
    )


@client_required
@require_http_methods(["GET", "POST"])
def account_close_page(request: HttpRequest) -> HttpResponse:
    open_request = (AccountClosureRequest.objects
                    .filter(client=request.user, status=AccountClosureRequest.Status.REQUESTED)
                    .first())
    form = ClosureRequestForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "withdraw":
            try:
                account_closure_withdraw(client=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, "You withdrew your request. Your account stays open.")
            return redirect("account_rights:close")
        if action == "request" and open_request is None:
            form = ClosureRequestForm(request.POST)
            if form.is_valid():
                try:
                    account_closure_request(client=request.user,
                                            reason=form.cleaned_data["reason"])
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    messages.success(request, "We have your request. The practice will close "
                                              "your account and let you know.")
                    return redirect("account_rights:close")
        elif open_request is not None:
            # Asked again from a stale page: the open request stands.
            return redirect("account_rights:close")
    return render(request, "clients/account/close.html", {
        "open_request": open_request,
        "form": form,
        "retention_years": retention_years(),
    })


@client_required
def access_log_page(request: HttpRequest) -> HttpResponse:
    """"Who has accessed my record": every staff read, with name, role, what and when."""
    return render(request, "clients/account/access.html",
                  {"entries": access_log_for_client(client=request.user)})
