"""The portal's own rows in Django admin: clinicians' acknowledgements of needs-attention items,
as read-only history (written by portal.services.attention_acknowledge)."""

from __future__ import annotations

from django.contrib import admin

from portal.lib.admin import AccessLoggedAdmin, ReadOnlyAdmin
from portal.models import AttentionAcknowledgement


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
