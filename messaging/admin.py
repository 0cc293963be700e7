from __future__ import annotations

from django.contrib import admin

from messaging.models import Message, MessageHours, MessagingPreference, Thread
from portal.lib.admin import AccessLoggedAdmin, ReadOnlyAdmin


@admin.register(MessagingPreference)
class MessagingPreferenceAdmin(AccessLoggedAdmin):
    list_display = ("client", "enabled", "client_may_start")
    autocomplete_fields = ("client",)
    list_select_related = ("client",)


@admin.register(MessageHours)
class MessageHoursAdmin(admin.ModelAdmin):
    list_display = ("clinician", "days", "start", "end")
    list_select_related = ("clinician",)


@admin.register(Thread)
class ThreadAdmin(ReadOnlyAdmin, AccessLoggedAdmin):
    list_display = ("client", "service_line", "last_message_at", "first_unanswered_at")
    list_select_related = ("client",)
    access_log_what = "messages"


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin, AccessLoggedAdmin):
    """Messages are never edited or deleted, here neither."""

    list_display = ("thread", "sender", "sent_at", "outside_hours", "crisis_language")
    list_select_related = ("thread__client", "sender")
    access_log_what = "messages"
