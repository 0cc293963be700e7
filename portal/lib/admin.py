"""Admin pieces every app uses: read-only history, and logging staff reads of client records."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from clients.models import AccessLog
from clients.services import access_log_record


class ReadOnlyAdmin(admin.ModelAdmin):
    """History that must not change by hand: viewable, never added, changed or deleted."""

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return [field.name for field in self.model._meta.fields] + list(self.readonly_fields)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class AccessLoggedAdmin(admin.ModelAdmin):
    """Opening one record's page in the admin is a staff read of a client's record (rule 8):
    it writes one access-log row. ``client_path`` names the client from the object, e.g.
    "client" or "goal__client"; ``access_log_what`` is what the row says was read."""

    client_path = "client"
    access_log_what: str = AccessLog.What.ADMIN

    def client_of(self, obj):
        for name in filter(None, self.client_path.split("__")):
            obj = getattr(obj, name)
        return obj

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = self.get_object(request, admin.utils.unquote(object_id))
        client = self.client_of(obj) if obj is not None else None
        if client is not None and client.is_client and response.status_code == 200:
            access_log_record(request=request, client=client, what=self.access_log_what,
                              detail=f"{self.model._meta.label} {obj.pk}")
        return response
