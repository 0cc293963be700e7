from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from notifications.clock import outbox_now
from notifications.models import Notification, SweepHeartbeat
from notifications.services import ResendRefused, notification_resend

if TYPE_CHECKING:  # the layers point one way: the outbox imports no app above it
    from clients.http import AuthenticatedRequest


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox's history: read-only, with one action for the rows a person must decide on."""

    list_display = ("recipient", "kind", "status", "due_at", "attempts", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("recipient__email", "dedupe_key", "message_id")
    list_select_related = ("recipient",)
    date_hierarchy = "due_at"
    # The outbox grows by several rows per client per week; skip the second COUNT(*) of it all.
    show_full_result_count = False
    ordering = ("-due_at", "-pk")
    actions = ["resend"]
    fields = ("recipient", "kind", "dedupe_key", "scope", "status", "due_at", "attempts",
              "last_error", "message_id", "merged_into", "enqueued_at", "claimed_at", "sent_at",
              "context", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False  # the history of what was sent must not change by hand

    def has_delete_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("notifications.change_notification")

    @admin.action(description="Resend selected failed or needs-review notifications",
                  permissions=["resend"])
    def resend(self, request: AuthenticatedRequest, queryset: QuerySet[Notification]) -> None:
        queued = skipped = 0
        refused: list[str] = []
        for notification in queryset:
            try:
                resent = notification_resend(notification=notification, by=request.user)
            except ResendRefused as refusal:
                refused.append(f"{notification.pk}: {refusal}")
                continue
            if resent:
                queued += 1
            else:
                skipped += 1
        self.message_user(
            request,
            f"{queued} notification(s) queued to send again; {skipped} skipped (only failed or "
            "needs-review notifications can be resent).",
            messages.SUCCESS if queued else messages.WARNING,
        )
        if refused:
            self.message_user(request, "Refused, their reason no longer holds: "
                              + "; ".join(refused), messages.ERROR)


@admin.register(SweepHeartbeat)
class SweepHeartbeatAdmin(admin.ModelAdmin):
    """When beat's outbox sweep and reminder planner last ran to the end (liveness)."""

    list_display = ("name", "last_finished_at", "age", "last_result")
    readonly_fields = ("name", "last_started_at", "last_finished_at", "last_result")

    @admin.display(description="seconds ago (database clock)")
    def age(self, obj: SweepHeartbeat) -> str:
        if obj.last_finished_at is None:
            return "never"
        return f"{(outbox_now() - obj.last_finished_at).total_seconds():.0f}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
