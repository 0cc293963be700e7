"""Admin pieces every app uses: read-only history, and logging staff reads of client records."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
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


# --- Admin list pages that cannot 500 (issue 13) -------------------------------------------

# Query-string names that are the changelist's own controls, not filters.
_CHANGELIST_CONTROLS = {"q", "o", "p", "e", "all", "_to_field", "_popup"}


def changelist_class_safe(base: type[ChangeList]) -> type[ChangeList]:
    """``base`` with filters that fail cleanly: a lookup the database or Python cannot run (a
    year past 9999, an id past bigint, a date no calendar has) sends the admin back to the list
    with Django's "incorrect lookup parameters" message instead of a 500. The probe runs only
    when the query string holds a filter, so plain list pages cost no extra query."""

    class SafeChangeList(base):  # type: ignore[valid-type,misc]
        def get_queryset(self, request, exclude_parameters=None):
            queryset = super().get_queryset(request, exclude_parameters)
            if set(request.GET) - _CHANGELIST_CONTROLS:
                try:
                    with transaction.atomic():
                        queryset.exists()
                except (ValueError, OverflowError, TypeError, ValidationError,
                        DatabaseError) as error:
                    raise IncorrectLookupParameters(error) from error
            return queryset

    SafeChangeList.__name__ = f"Safe{base.__name__}"
    return SafeChangeList


def admin_site_harden(site: admin.AdminSite) -> None:
    """Give every registered ModelAdmin (ours, allauth's, Django's own) the safe changelist.
    Done once at start-up over the registry, so an admin registered tomorrow is covered too."""
    for model_admin in site._registry.values():
        if getattr(model_admin, "_tandem_hardened", False):
            continue
        original = model_admin.get_changelist

        def get_changelist(request, _original=original, **kwargs):
            return changelist_class_safe(_original(request, **kwargs))

        model_admin.get_changelist = get_changelist  # type: ignore[method-assign]
        model_admin._tandem_hardened = True  # type: ignore[attr-defined]
