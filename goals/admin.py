"""Goals in Django admin: goals with their steps inline; check-ins and comments as read-only
history (they are written through the pages and services, which plan reminders and notify)."""

from __future__ import annotations

from django.contrib import admin

from goals.models import ActionStep, CheckIn, Comment, Goal, ReminderPreference
from portal.lib.admin import AccessLoggedAdmin, ReadOnlyAdmin


class ActionStepInline(admin.TabularInline):
    model = ActionStep
    extra = 0
    fields = ["text", "due_date", "done_at"]


class CheckInInline(admin.TabularInline):
    """The goal's check-ins as history: written by the client (and the service), not here."""

    model = CheckIn
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "period", "value", "practice_count", "rating",
                                "confidence", "note", "who5")
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Goal)
class GoalAdmin(AccessLoggedAdmin):
    list_display = ["client", "service_line", "title", "status", "cadence", "created_by",
                    "created_at"]
    list_filter = ["service_line", "status", "cadence"]
    search_fields = ["client__email", "client__full_name", "title"]
    list_select_related = ["client", "created_by"]
    readonly_fields = ["public_id", "created_by", "anchor_date", "approved_at", "approved_by",
                       "created_at", "updated_at"]
    raw_id_fields = ["client"]
    date_hierarchy = "created_at"
    inlines = [ActionStepInline, CheckInInline]


@admin.register(CheckIn)
class CheckInAdmin(AccessLoggedAdmin, ReadOnlyAdmin):

    list_display = ["goal", "client", "at", "value", "practice_count", "rating", "confidence"]
    list_filter = ["goal__service_line"]
    search_fields = ["goal__client__email", "goal__client__full_name", "goal__title"]
    list_select_related = ["goal__client"]
    date_hierarchy = "at"

    @admin.display(description="client", ordering="goal__client__email")
    def client(self, obj: CheckIn):
        return obj.goal.client


@admin.register(Comment)
class CommentAdmin(AccessLoggedAdmin, ReadOnlyAdmin):

    list_display = ["goal", "client", "author", "created_at"]
    list_filter = ["goal__service_line"]
    search_fields = ["goal__client__email", "goal__client__full_name", "goal__title",
                     "author__email"]
    list_select_related = ["goal__client", "author"]
    date_hierarchy = "created_at"

    @admin.display(description="client", ordering="goal__client__email")
    def client(self, obj: Comment):
        return obj.goal.client


@admin.register(ReminderPreference)
class ReminderPreferenceAdmin(admin.ModelAdmin):
    list_display = ["client", "quiet_start", "quiet_end", "paused_until"]
    search_fields = ["client__email", "client__full_name"]
    list_select_related = ["client"]
    raw_id_fields = ["client"]
