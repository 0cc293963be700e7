"""The workspace in Django admin: clinicians' acknowledgements of needs-attention items, as
read-only history (written by workspace.services.attention_acknowledge), and the record export
added to the clients admin's people and client profiles (the record composes every app)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify

from clients import admin as clients_admin
from clients.http import AuthenticatedRequest
from clients.models import AccessLog, ClientProfile, User
from clients.services import access_log_record
from portal.lib.admin import AccessLoggedAdmin, ReadOnlyAdmin
from workspace.models import AttentionAcknowledgement
from workspace.record import client_record_zip


@admin.register(AttentionAcknowledgement)
class AttentionAcknowledgementAdmin(AccessLoggedAdmin, ReadOnlyAdmin):
    """The note is the clinician's about a client, so opening one is a read of their record."""

    list_display = ["created_at", "client", "clinician", "rule"]
    list_filter = ["rule"]
    search_fields = ["client__email", "client__full_name", "clinician__email",
                     "clinician__full_name"]
    list_select_related = ["client", "clinician"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]


class RecordExportAdmin(admin.ModelAdmin):
    """The "Export client record (ZIP)" action, for practice admins: for exactly one client, the
    ZIP the client downloads at /account/record/ (workspace.record), and one access-log row,
    because a copy of the whole record leaves the portal (rule 8). Anything else is an error
    message on the list and nothing is read. ``people_of`` turns the selection into users."""

    actions = ["export_record"]

    def people_of(self, queryset: QuerySet) -> list[User]:
        raise NotImplementedError

    def has_export_permission(self, request: AuthenticatedRequest) -> bool:
        return request.user.is_practice_admin

    @admin.action(description="Export client record (ZIP)", permissions=["export"])
    def export_record(self, request: AuthenticatedRequest,
                      queryset: QuerySet) -> HttpResponse | None:
        # Two rows are enough to tell "one" from "several", whatever was selected.
        people = self.people_of(queryset[:2])
        if len(people) != 1:
            self.message_user(request, "Select exactly one client to export their record.",
                              messages.ERROR)
            return None
        [client] = people
        if not client.is_client:
            self.message_user(request, f"{client} is not a client account: only a client's "
                                       f"record can be exported.", messages.ERROR)
            return None
        archive = client_record_zip(client=client)
        access_log_record(request=request, client=client, what=AccessLog.What.EXPORT,
                          detail="Whole record as a ZIP, from the admin")
        today = timezone.localdate(timezone=request.user.zone)
        name = slugify(client.full_name) or f"client-{client.pk}"
        response = HttpResponse(archive, content_type="application/zip")
        response["Content-Disposition"] = (
            f'attachment; filename="tandem-record-{name}-{today.isoformat()}.zip"')
        response["Cache-Control"] = "private, no-store"
        return response


admin.site.unregister(User)
admin.site.unregister(ClientProfile)


@admin.register(User)
class UserAdmin(RecordExportAdmin, clients_admin.UserAdmin):
    actions = [*RecordExportAdmin.actions, *clients_admin.UserAdmin.actions]  # type: ignore[assignment]

    def people_of(self, queryset: QuerySet[User]) -> list[User]:
        return list(queryset)


@admin.register(ClientProfile)
class ClientProfileAdmin(RecordExportAdmin, clients_admin.ClientProfileAdmin):
    def people_of(self, queryset: QuerySet[ClientProfile]) -> list[User]:
        return [profile.user for profile in queryset.select_related("user")]
