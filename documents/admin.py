from __future__ import annotations

from django.contrib import admin

from documents.models import DocumentSignature, SharedDocument
from portal.lib.admin import AccessLoggedAdmin, ReadOnlyAdmin


@admin.register(SharedDocument)
class SharedDocumentAdmin(ReadOnlyAdmin, AccessLoggedAdmin):
    list_display = ("client", "title", "service_line", "content_type", "size", "uploaded_at")
    list_select_related = ("client",)
    exclude = ("storage_name",)  # the file is read through the portal's logged download only
    access_log_what = "document"


@admin.register(DocumentSignature)
class DocumentSignatureAdmin(ReadOnlyAdmin, AccessLoggedAdmin):
    list_display = ("document", "typed_name", "signed_at")
    list_select_related = ("document__client",)
    access_log_what = "document"
