"""Screening history in Django admin: everything visible, nothing editable.

Responses, recommendations and risk flags are history (screening/models.py): they are written by
the services, and an override or a resolution is made by a clinician in the portal, where the
service records who and why. Here nothing can be added, changed or deleted.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from portal.lib.admin import AccessLoggedAdmin, ReadOnlyAdmin
from screening.models import RiskFlag, RouteRecommendation, ScreeningResponse


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

    def get_fields(self, request: HttpRequest, obj=None) -> list[str]:
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
