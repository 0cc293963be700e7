"""Screening history in Django admin: everything visible, nothing editable.

Responses, recommendations and risk flags are history (screening/models.py): they are written by
the services, and an override is made by a clinician in the portal, where the service records who
and why. Here nothing can be added, changed or deleted; the one write is the action on risk
flags that records a clinician's resolution (who decided, and a note) through the same service
and form as the clinician's resolve page (screening.services.risk_flag_resolve).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from clients.http import AuthenticatedRequest
from clients.models import Role, User
from portal.lib.admin import AccessLoggedAdmin, ReadOnlyAdmin
from screening.forms import RiskFlagResolveForm
from screening.models import (
    MeasureEvent,
    MeasureShare,
    RiskFlag,
    RouteRecommendation,
    ScreeningResponse,
)
from screening.services import risk_flag_resolve


@admin.register(ScreeningResponse)
class ScreeningResponseAdmin(AccessLoggedAdmin, ReadOnlyAdmin):
    list_display = ["submitted_at", "client", "instrument", "version", "total", "band", "flags"]
    list_filter = ["instrument", "band"]
    search_fields = ["client__email", "client__full_name", "=public_id"]
    list_select_related = ["client"]
    date_hierarchy = "submitted_at"
    ordering = ["-submitted_at", "-pk"]
    # Several rows per client per month: skip the second COUNT(*) of the whole table.
    show_full_result_count = False


@admin.register(RouteRecommendation)
class RouteRecommendationAdmin(AccessLoggedAdmin, ReadOnlyAdmin):
    list_display = ["created_at", "client", "route", "override_route", "overridden_by",
                    "overridden_at"]
    list_filter = ["route", "override_route"]
    search_fields = ["client__email", "client__full_name", "=public_id"]
    list_select_related = ["client", "overridden_by"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    readonly_fields = ["response_list"]

    @admin.display(description="responses")
    def response_list(self, obj: RouteRecommendation) -> str:
        return ", ".join(str(response) for response in obj.responses.all()) or "—"

    def get_fields(self, request: HttpRequest, obj=None) -> list[Any]:
        # The M2M is shown as text: a read-only multi-select would list every response.
        return [field.name for field in self.model._meta.fields] + ["response_list"]


@admin.register(RiskFlag)
class RiskFlagAdmin(AccessLoggedAdmin, ReadOnlyAdmin):
    list_display = ["opened_at", "client", "status", "resolved_by", "resolved_at"]
    list_filter = ["status"]
    search_fields = ["client__email", "client__full_name", "=public_id"]
    list_select_related = ["client", "resolved_by"]
    date_hierarchy = "opened_at"
    ordering = ["-opened_at", "-pk"]
    actions = ["resolve"]

    def has_resolve_permission(self, request: AuthenticatedRequest) -> bool:
        return request.user.is_practice_admin

    @admin.action(description="Record a clinician's resolution of the selected risk flags",
                  permissions=["resolve"])
    def resolve(self, request: AuthenticatedRequest,
                queryset: QuerySet[RiskFlag]) -> TemplateResponse | None:
        """First a confirmation page listing the flags, asking which clinician decided and
        what was done (as Django's delete confirmation does); its submit comes back here with
        ``post`` and resolves each open flag through the service. Only a clinician resolves a
        flag (rule 1): the admin records their decision, and the note says so. Resolved ones
        are skipped and said so; an empty field is an error next to it before anything is
        tried."""
        flags = list(queryset.select_related("client__client_profile")
                     .order_by("-opened_at", "-pk"))
        open_flags = [flag for flag in flags if flag.status == RiskFlag.Status.OPEN]
        if not open_flags:
            self.message_user(request, "None of the selected risk flags is open; nothing was "
                                       "resolved.", messages.WARNING)
            return None
        assigned = {flag.client.client_profile.clinician_id for flag in open_flags}
        form = AdminRiskFlagResolveForm(
            request.POST if request.POST.get("post") == "yes" else None,
            initial={"clinician": next(iter(assigned)) if len(assigned) == 1 else None})
        if not form.is_valid():
            return self._resolve_confirmation(request, flags=flags, form=form)
        clinician = form.cleaned_data["clinician"]
        for flag in flags:
            if flag.status != RiskFlag.Status.OPEN:
                self.message_user(request, f"The flag of {flag.client} opened "
                                           f"{flag.opened_at:%Y-%m-%d} was already resolved; "
                                           f"skipped.", messages.WARNING)
                continue
            try:
                risk_flag_resolve(flag=flag, note=form.cleaned_data["note"], by=clinician,
                                  recorded_by=request.user)
            except ValidationError as error:
                self.message_user(request, f"{flag.client}: {' '.join(error.messages)}",
                                  messages.ERROR)
            else:
                self.log_change(request, flag, f"Recorded the resolution by {clinician}.")
                self.message_user(request, f"Resolved the risk flag of {flag.client}, "
                                           f"as decided by {clinician.full_name}.",
                                  messages.SUCCESS)
        return None

    def _resolve_confirmation(self, request: HttpRequest, *, flags: list[RiskFlag],
                              form: AdminRiskFlagResolveForm) -> TemplateResponse:
        return TemplateResponse(request, "admin/screening/riskflag/resolve_confirmation.html", {
            **self.admin_site.each_context(request),
            "title": "Record a clinician's resolution",
            "opts": self.model._meta,
            "flags": flags,
            "open_count": sum(flag.status == RiskFlag.Status.OPEN for flag in flags),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        })


class AdminRiskFlagResolveForm(RiskFlagResolveForm):
    """The clinician's resolve form, plus who decided: a practice admin records a clinician's
    decision, never their own (rule 1)."""

    clinician = forms.ModelChoiceField(
        queryset=User.objects.filter(role=Role.CLINICIAN, is_active=True).order_by("full_name"),
        label="Decided by",
        help_text="The clinician who assessed the client and decided the flag can close. "
                  "They are recorded as the resolver; the note says you recorded it.")

    field_order = ["clinician", "note"]


@admin.register(MeasureEvent)
class MeasureEventAdmin(AccessLoggedAdmin, ReadOnlyAdmin):
    list_display = ("client", "occurred_on", "line", "author")
    list_select_related = ("client", "author")


@admin.register(MeasureShare)
class MeasureShareAdmin(AccessLoggedAdmin, ReadOnlyAdmin):
    list_display = ("client", "instrument", "shared", "set_by", "set_at")
    list_select_related = ("client", "set_by")
