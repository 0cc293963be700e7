"""The clinician's schedule pages: the week, weekly hours, exceptions, booking on a client's
behalf (one appointment or a series) and one appointment with its history and actions.

Clinicians only: clients and admins get a 404, as do other clinicians for anything that is not
theirs (rule 8). Every write goes through a service (sessions/services.py) or a model form whose
model's ``clean()`` holds the rule; a form with errors saves nothing. The week renders in the
clinician's own zone (User.time_zone, like every page); what they type as a time is read in
their working zone (ClinicianProfile.time_zone), where their hours are defined.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_http_methods

from clients.access import client_record_urls
from clients.http import AuthenticatedRequest
from clients.models import AccessLog, User
from clients.selectors import clients_for_clinician
from clients.services import access_log_record, access_log_record_many
from portal.lib.access import clinician_required
from sessions.measures import session_measures_for_clinician
from sessions.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentChange,
    AppointmentStatus,
    AvailabilityException,
    RecurringSeries,
    WeeklyAvailability,
)
from sessions.selectors import (
    appointment_for_clinician,
    appointments_for_clinician_between,
    clinician_zone,
    refusal_for_staff,
    service_types_bookable,
)
from sessions.services import (
    BookingNotAllowed,
    SlotUnavailable,
    appointment_book,
    appointment_cancel,
    appointment_mark,
    appointment_reschedule,
    series_book,
)
from sessions.staff_forms import (
    AvailabilityExceptionForm,
    BookForClientForm,
    DeleteForm,
    MoveForm,
    OutcomeForm,
    WeeklyAvailabilityForm,
    default_when,
    form_add_service_errors,
)

STATUS_TONES: dict[str, str] = {
    AppointmentStatus.BOOKED: "",
    AppointmentStatus.COMPLETED: "success",
    AppointmentStatus.NO_SHOW: "warning",
    AppointmentStatus.CANCELLED: "neutral",
    AppointmentStatus.LATE_CANCELLED: "neutral",
}

TAKEN = "You already have an appointment then (buffers included). Choose another time."




def status_tone(appointment: Appointment) -> str:
    return STATUS_TONES.get(appointment.status, "neutral")


# --- The week ---------------------------------------------------------------------------------


@dataclass
class Day:
    date: date
    is_today: bool
    appointments: list[Appointment] = field(default_factory=list)


# The week a URL may ask for: wide enough for any real use, narrow enough that date arithmetic
# never leaves the calendar.
FIRST_WEEK, LAST_WEEK = date(2000, 1, 3), date(2199, 12, 30)


def _monday(value: str | None, today: date) -> date:
    """The Monday of the week that holds ``value`` (YYYY-MM-DD); this week for anything else."""
    try:
        day = date.fromisoformat(value) if value else today
    except ValueError:
        day = today
    if not FIRST_WEEK <= day <= LAST_WEEK:
        day = today
    return day - timedelta(days=day.weekday())


@clinician_required
def week(request: AuthenticatedRequest) -> HttpResponse:
    zone = request.user.zone
    today = timezone.now().astimezone(zone).date()
    monday = _monday(request.GET.get("week"), today)
    days = [Day(date=monday + timedelta(days=n), is_today=monday + timedelta(days=n) == today)
            for n in range(7)]
    start = datetime.combine(monday, time(0), tzinfo=zone)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=zone)
    for appointment in appointments_for_clinician_between(clinician=request.user, start=start,
                                                          end=end):
        appointment.tone = status_tone(appointment)  # type: ignore[attr-defined]  # for the page
        # An appointment over midnight sits on the day it starts (or on Monday, if it started
        # the Sunday before).
        index = max(0, (appointment.start.astimezone(zone).date() - monday).days)
        days[min(index, 6)].appointments.append(appointment)
    access_log_record_many(request=request, what=AccessLog.What.LIST, detail="schedule",
                           clients=[a.client for day in days for a in day.appointments])
    return render(request, "booking/clinician/week.html", {
        "days": days,
        "monday": monday,
        "sunday": monday + timedelta(days=6),
        "previous_week": monday - timedelta(days=7),
        "next_week": monday + timedelta(days=7),
        "this_week": today - timedelta(days=today.weekday()),
        "is_this_week": monday <= today < monday + timedelta(days=7),
        "count": sum(len(day.appointments) for day in days),
    })


# --- Weekly hours and exceptions -------------------------------------------------------------


def _delete_own(request: AuthenticatedRequest, queryset, what: str) -> None:
    """Delete one of the signed-in clinician's own rows (the queryset is already theirs)."""
    form = DeleteForm(request.POST)
    if form.is_valid() and queryset.filter(pk=form.cleaned_data["delete"]).delete()[0]:
        messages.success(request, f"The {what} is removed.")
    else:
        messages.info(request, f"That {what} was already removed.")


@clinician_required
@require_http_methods(["GET", "POST"])
def availability(request: AuthenticatedRequest) -> HttpResponse:
    mine = WeeklyAvailability.objects.filter(clinician=request.user)
    form = WeeklyAvailabilityForm(clinician=request.user)
    if request.method == "POST":
        if "delete" in request.POST:
            _delete_own(request, mine, "hours")
            return redirect("booking:availability")
        form = WeeklyAvailabilityForm(request.POST, clinician=request.user)
        if form.is_valid():
            hours = form.save()
            messages.success(request, f"Added {hours.get_weekday_display()} "
                                      f"{hours.start_time:%H:%M}–{hours.end_time:%H:%M}.")
            return redirect("booking:availability")
    return render(request, "booking/clinician/availability.html", {
        "form": form,
        "rows": list(mine.order_by("weekday", "start_time")),
        "working_zone": clinician_zone(request.user),
    })


@clinician_required
@require_http_methods(["GET", "POST"])
def exceptions(request: AuthenticatedRequest) -> HttpResponse:
    zone = clinician_zone(request.user)
    today = timezone.now().astimezone(zone).date()
    mine = AvailabilityException.objects.filter(clinician=request.user)
    form = AvailabilityExceptionForm(clinician=request.user, today=today,
                                     initial={"kind": AvailabilityException.Kind.OFF})
    if request.method == "POST":
        if "delete" in request.POST:
            _delete_own(request, mine, "exception")
            return redirect("booking:exceptions")
        form = AvailabilityExceptionForm(request.POST, clinician=request.user, today=today)
        if form.is_valid():
            exception = form.save()
            messages.success(request, f"Added {exception.get_kind_display().lower()} on "
                                      f"{date_format(exception.date, 'D j M Y')}.")
            return redirect("booking:exceptions")
    return render(request, "booking/clinician/exceptions.html", {
        "form": form,
        "rows": list(mine.filter(date__gte=today).order_by("date", "start_time")),
        "working_zone": zone,
    })


# --- Booking on a client's behalf ------------------------------------------------------------


@dataclass(frozen=True)
class SeriesReport:
    series: RecurringSeries
    booked: list[Appointment]
    collisions: list[datetime]
    zone: ZoneInfo


def _series_report(*, clinician: User, value: str | None) -> SeriesReport | None:
    """The series named in ``?series=``, if it is one of this clinician's; None otherwise."""
    try:
        public_id = uuid.UUID(value) if value else None
    except ValueError:
        return None
    series = (RecurringSeries.objects.filter(clinician=clinician, public_id=public_id)
              .select_related("client", "service_type").first() if public_id else None)
    if series is None:
        return None
    zone = ZoneInfo(series.time_zone)
    booked = list(series.appointments.order_by("start"))
    collisions = [datetime.fromisoformat(moment) for moment in series.collisions]
    return SeriesReport(series=series, booked=booked, collisions=collisions, zone=zone)


@clinician_required
@require_http_methods(["GET", "POST"])
def book_for_client(request: AuthenticatedRequest) -> HttpResponse:
    zone = clinician_zone(request.user)
    options: dict[str, Any] = {"clients": clients_for_clinician(clinician=request.user),
               "service_types": service_types_bookable(), "zone": zone}
    if request.method == "POST":
        form = BookForClientForm(request.POST, **options)
        if form.is_valid():
            done = _book(request, form, zone)
            if done is not None:
                return done
    else:
        form = BookForClientForm(initial={**default_when(zone), "repeat": ""}, **options)
    # The form lists the clinician's clients by name.
    access_log_record_many(request=request, clients=list(options["clients"]),
                           what=AccessLog.What.LIST, detail="booking form")
    return render(request, "booking/clinician/book.html", {
        "form": form,
        "working_zone": zone,
        "report": _series_report(clinician=request.user, value=request.GET.get("series")),
    })


def _book(request: AuthenticatedRequest, form: BookForClientForm,
          zone: ZoneInfo) -> HttpResponse | None:
    """Book what the valid form asks for; a redirect on success, None (with the errors on the
    form, nothing saved) otherwise."""
    data = form.cleaned_data
    client, service_type = data["client"], data["service_type"]
    try:
        if form.interval_weeks:
            series, booked, collisions = series_book(
                client=client, clinician=request.user, service_type=service_type,
                first_date=data["date"], local_time=data["time"], time_zone=zone.key,
                interval_weeks=form.interval_weeks, count=data["count"], by=request.user)
        else:
            appointment = appointment_book(client=client, clinician=request.user,
                                           service_type=service_type, start=form.start,
                                           by=request.user)
    except BookingNotAllowed as error:
        form.add_error(None, f"This can't be booked: {refusal_for_staff(str(error))}")
        return None
    except SlotUnavailable:
        form.add_error("time", TAKEN)
        return None
    except ValidationError as error:
        form_add_service_errors(form, error)
        return None
    if form.interval_weeks:
        if collisions:
            messages.warning(request, f"Booked {len(booked)} of {series.count}: "
                                      f"{len(collisions)} collided and were not booked.")
        else:
            messages.success(request, f"Booked all {series.count} sessions.")
        return redirect(f"{reverse('booking:book_for_client')}?series={series.public_id}")
    messages.success(request, f"Booked for {client}.")
    return redirect("booking:clinician_appointment", appointment_id=appointment.public_id)


# --- One appointment --------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    change: AppointmentChange
    who: str


def _who(change: AppointmentChange, appointment: Appointment, viewer: User) -> str:
    if change.by_id == viewer.pk:
        return "You"
    if change.by_id == appointment.client_id:
        return f"{appointment.client} (client)"
    return str(change.by)


def _series_position(appointment: Appointment, changes: list[AppointmentChange]) -> int | None:
    """Which occurrence of its series this is ("3" of 12), from the time it was first booked
    at, so moving it does not renumber it."""
    series = appointment.series
    if series is None:
        return None
    booked = next((c for c in changes if c.action == AppointmentChange.Action.BOOKED), None)
    original = booked.new_start if booked and booked.new_start else appointment.start
    local = original.astimezone(ZoneInfo(series.time_zone)).date()
    return (local - series.first_date).days // (7 * series.interval_weeks) + 1


@clinician_required
@require_http_methods(["GET", "POST"])
def appointment(request: AuthenticatedRequest, appointment_id: uuid.UUID) -> HttpResponse:
    appt = appointment_for_clinician(clinician=request.user, public_id=appointment_id)
    zone = clinician_zone(request.user)
    move_form = MoveForm(zone=zone, prefix="move", initial={
        "date": appt.start.astimezone(zone).date(),
        "time": appt.start.astimezone(zone).time()})
    errors: dict[str, list[str]] = {}
    here = reverse("booking:clinician_appointment", args=[appt.public_id])

    if request.method == "POST":
        action = request.POST.get("action")
        if action == "move":
            move_form = MoveForm(request.POST, zone=zone, prefix="move")
            if move_form.is_valid():
                try:
                    appointment_reschedule(appointment=appt, start=move_form.start,
                                           by=request.user)
                except SlotUnavailable:
                    move_form.add_error("time", TAKEN)
                except BookingNotAllowed as error:
                    move_form.add_error(None, refusal_for_staff(str(error)))
                except ValidationError as error:
                    form_add_service_errors(move_form, error)
                else:
                    messages.success(request, "Moved. The client is told by email.")
                    return redirect(here)
        elif action == "cancel":
            try:
                appointment_cancel(appointment=appt, by=request.user)
            except ValidationError as error:
                errors["cancel"] = error.messages
            else:
                messages.success(request, "Cancelled. The client is told by email.")
                return redirect(here)
        elif action == "outcome":
            outcome = OutcomeForm(request.POST)
            if not outcome.is_valid():
                errors["outcome"] = ["Choose completed or no-show."]
            else:
                try:
                    appointment_mark(appointment=appt,
                                     status=outcome.cleaned_data["status"], by=request.user)
                except ValidationError as error:
                    errors["outcome"] = error.messages
                else:
                    messages.success(request, f"Marked {appt.get_status_display()}.")
                    if appt.status == AppointmentStatus.COMPLETED:
                        # The page the clinician lands on prompts for the session note.
                        return redirect(f"{here}?completed=1#session-note")
                    return redirect(here)
        else:
            raise Http404("No such action.")
        # A refused change may have touched the object in memory: show what is saved.
        appt.refresh_from_db()

    changes = list(appt.changes.select_related("by"))
    now = timezone.now()
    local_day = appt.start.astimezone(request.user.zone).date()
    access_log_record(request=request, client=appt.client, what=AccessLog.What.APPOINTMENT,
                      detail=str(appt.public_id))
    return render(request, "booking/clinician/appointment.html", {
        "appointment": appt,
        "tone": status_tone(appt),
        "working_zone": zone,
        "week_of": local_day - timedelta(days=local_day.weekday()),
        "same_zone": zone.key == request.user.time_zone,
        "series_position": _series_position(appt, changes),
        "history": [HistoryRow(change=c, who=_who(c, appt, request.user))
                    for c in changes],
        "is_booked": appt.status == AppointmentStatus.BOOKED,
        "has_started": appt.start <= now,
        "can_mark": appt.status in ACTIVE_STATUSES,
        "move_form": move_form,
        "errors": errors,
        "measures": session_measures_for_clinician(clinician=request.user, appointment=appt),
        # The client's record where this clinician may open it (clients.access): the timeline
        # (with its note form) for their own client, the screening history read-only otherwise.
        "record_url": client_record_urls(clinician=request.user,
                                         clients=[appt.client])[appt.client_id],
        "just_completed": (request.GET.get("completed") == "1"
                           and appt.status == AppointmentStatus.COMPLETED),
    })
