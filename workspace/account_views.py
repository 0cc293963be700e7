"""The client's settings page: it composes clients (the settings) and goals (reminders that
move with the time zone), so it lives here and joins the "account_rights" namespace."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from clients.forms import TIME_ZONE_LIST_ID, AccountSettingsForm, time_zone_choices
from clients.http import AuthenticatedRequest
from portal.lib.access import client_required
from workspace.services import account_settings_update


@client_required
@require_http_methods(["GET", "POST"])
def settings_page(request: AuthenticatedRequest) -> HttpResponse:
    """The client's own settings: name, time zone, clock, phone and discreet mode."""
    user = request.user
    profile = user.client_profile
    form = AccountSettingsForm(request.POST if request.method == "POST" else None, initial={
        "full_name": user.full_name, "time_zone": user.time_zone, "clock": user.clock,
        "phone": profile.phone, "discreet_mode": profile.discreet_mode})
    if request.method == "POST" and form.is_valid():
        try:
            account_settings_update(client=user, **form.cleaned_data)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, "Your settings are saved.")
            return redirect("account_rights:settings")
    return render(request, "clients/account/settings.html", {
        "form": form, "zones": time_zone_choices(), "zone_list_id": TIME_ZONE_LIST_ID})
