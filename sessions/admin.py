"""Booking in Django admin.

Editable: the service types, and each clinician's weekly hours and exceptions (the models'
``clean()`` holds their rules, and admin runs it). View-only: appointments, their history,
series, waitlist and calendar feeds. Every change to an appointment goes through the services
(sessions/services.py), which recheck the clinician's time (rule 4), write the history, move the
reminders and tell both people; the practice admin is not a party to an appointment, so here
it can be read, not changed. A calendar feed's token is a password to someone's calendar: it is
never shown whole.
"""

from __future__ import annotations

from typing import cast

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from clients.models import Role, User
from portal.lib.admin import AccessLoggedAdmin, ReadOnlyAdmin
from sessions.models import (
    Appointment,
    AppointmentChange,
    AvailabilityException,
    CalendarFeed,
    MeasurePlan,
    RecurringSeries,
    ServiceType,
    SessionMeasures,
    WaitlistEntry,
    WeeklyAvailability,
)


class ClinicianFilter(admin.SimpleListFilter):
    """The practice's clinicians only (a related-field filter would list every client too)."""

    title = "clinician"
    parameter_name = "clinician"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [(str(person.pk), str(person)) for person in
                User.objects.filter(role=Role.CLINICIAN).order_by("full_name", "email")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(clinician_id=int(value))
        return queryset


class ClinicianChoiceMixin:
    """The clinician field offers clinicians only."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "clinician":
            kwargs["queryset"] = User.objects.filter(role=Role.CLINICIAN).order_by(
                "full_name", "email")
        return super().formfield_for_foreignkey(  # type: ignore[misc]  # a mixin
            db_field, request, **kwargs)


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "service_line", "kind", "duration_minutes", "buffer_before_minutes",
                    "buffer_after_minutes", "min_notice_hours", "horizon_days",
                    "late_cancel_hours", "location", "bookable_by", "is_active"]
    list_display_links = ["name"]
    list_editable = ["duration_minutes", "buffer_before_minutes", "buffer_after_minutes",
                     "min_notice_hours", "horizon_days", "late_cancel_hours", "location",
                     "is_active"]
    list_filter = ["service_line", "kind", "location", "bookable_by", "is_active"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "code", "service_line", "kind", "is_active",
                           "display_order"]}),
        ("Time", {"fields": ["duration_minutes", "buffer_before_minutes",
                             "buffer_after_minutes"],
                  "description": "A change applies to new bookings; booked appointments keep "
                                 "the time they took."}),
        ("Booking rules", {"fields": ["bookable_by", "min_notice_hours", "horizon_days",
                                      "late_cancel_hours", "late_cancel_fee",
                                      "reminder_hours"]}),
        ("Where and price", {"fields": ["location", "location_detail", "video_url",
                                        "price_note"]}),
    ]

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Appointments protect their type; switching it off (is_active) is how it is retired.
        return False


@admin.register(WeeklyAvailability)
class WeeklyAvailabilityAdmin(ClinicianChoiceMixin, admin.ModelAdmin):
    list_display = ["clinician", "weekday", "start_time", "end_time", "service_line"]
    list_filter = [ClinicianFilter, "weekday", "service_line"]
    list_select_related = ["clinician"]
    search_fields = ["clinician__email", "clinician__full_name"]
    ordering = ["clinician__full_name", "weekday", "start_time"]


@admin.register(AvailabilityException)
class AvailabilityExceptionAdmin(ClinicianChoiceMixin, admin.ModelAdmin):
    list_display = ["date", "clinician", "kind", "start_time", "end_time", "service_line",
                    "note"]
    list_filter = [ClinicianFilter, "kind", "service_line"]
    list_select_related = ["clinician"]
    search_fields = ["clinician__email", "clinician__full_name", "note"]
    date_hierarchy = "date"
    ordering = ["-date", "start_time"]


class AppointmentChangeInline(admin.TabularInline):
    model = AppointmentChange
    fields = readonly_fields = ("at", "action", "by", "old_start", "new_start")
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[AppointmentChange]:
        return super().get_queryset(request).select_related("by")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Appointment)
class AppointmentAdmin(AccessLoggedAdmin, ReadOnlyAdmin):
    """View only: booking, moving, cancelling and outcomes are done by the client or their
    clinician in the portal, through the services."""

    list_display = ["start", "client", "clinician", "service_type", "status"]
    list_filter = ["status", "service_type__service_line", ClinicianFilter, "service_type"]
    search_fields = ["client__email", "client__full_name", "clinician__email",
                     "clinician__full_name", "=public_id"]
    list_select_related = ["client", "clinician", "service_type"]
    date_hierarchy = "start"
    ordering = ["-start"]
    inlines = [AppointmentChangeInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Appointment]:
        return super().get_queryset(request).select_related(
            "client", "clinician", "service_type", "series", "created_by", "updated_by")


@admin.register(RecurringSeries)
class RecurringSeriesAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "client", "clinician", "service_type", "first_date",
                    "local_time", "time_zone", "interval_weeks", "count", "collision_count"]
    list_filter = ["interval_weeks", ClinicianFilter, "service_type"]
    search_fields = ["client__email", "client__full_name", "clinician__email", "=public_id"]
    list_select_related = ["client", "clinician", "service_type"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]

    @admin.display(description="not booked")
    def collision_count(self, obj: RecurringSeries) -> int:
        return len(obj.collisions or [])


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "client", "clinician", "service_type", "status"]
    list_filter = ["status", ClinicianFilter, "service_type"]
    search_fields = ["client__email", "client__full_name", "clinician__email"]
    list_select_related = ["client", "clinician", "service_type"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin):
    """Who has a private feed and since when; the token itself stays hidden. A person revokes
    or renews their feed on their calendar settings page."""

    list_display = ["user", "created_at", "masked_token"]
    search_fields = ["user__email", "user__full_name"]
    list_select_related = ["user"]
    ordering = ["-created_at"]
    fields = ["user", "created_at", "masked_token"]
    readonly_fields = ["masked_token"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return cast("list[str]", self.fields)

    @admin.display(description="token")
    def masked_token(self, obj: CalendarFeed) -> str:
        return f"{obj.token[:4]}…" if obj.token else "—"


@admin.register(MeasurePlan)
class MeasurePlanAdmin(AccessLoggedAdmin):
    """The practice's plan per line (no client) is set here; a client's own by their clinician.
    Without a practice row, sessions.measures.DEFAULT_PLANS applies."""

    list_display = ("service_line", "client", "cadence", "every_weeks", "instruments")
    list_select_related = ("client",)
    raw_id_fields = ("client", "updated_by")
    readonly_fields = ("updated_by", "updated_at")

    def save_model(self, request, obj, form, change) -> None:
        obj.updated_by = request.user
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(SessionMeasures)
class SessionMeasuresAdmin(AccessLoggedAdmin, ReadOnlyAdmin):
    list_display = ("appointment", "client", "instruments", "expires_at", "completed_at")
    list_select_related = ("appointment__client", "appointment__service_type", "client")
