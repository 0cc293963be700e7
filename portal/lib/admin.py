"""Admin pieces every app uses: read-only history, and logging staff reads of client records."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest


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
    """An admin of client records. Every admin page that shows a client is logged by
    ``clients.admin_access.AdminAccessLogMiddleware`` (change lists, change pages, history,
    autocomplete), for every registered model; ``access_log_what`` is what a change page's row
    says was read."""

    access_log_what: str = "admin"
