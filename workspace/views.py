"""The role-aware home: the client's next steps, the clinician's dashboard, the admin's links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_POST

from clients.access import client_ids_visible
from clients.http import AuthenticatedRequest
from clients.models import AccessLog
from clients.selectors import (
    client_profile_for_client,
    clients_for_clinician_brief,
    user_counts_by_role,
)
from clients.services import access_log_record_many
from messaging.selectors import unanswered_for_clinician
from portal.lib.access import clinician_required
from screening.models import Route, RouteRecommendation
from screening.selectors import (
    client_for_clinician,
    current_recommendation,
    has_open_risk_flag,
    told_clinician_name,
)
from sessions.models import ACTIVE_STATUSES, Appointment, AppointmentStatus
from sessions.selectors import (
    appointments_for_clinician_between,
    appointments_upcoming_for_client,
)
from workspace.attention import needs_attention_for_clinician
from workspace.services import attention_acknowledge


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return render(request, "workspace/home_anonymous.html")
    signed_in = cast(AuthenticatedRequest, request)
    if user.is_client:
        return _client_home(signed_in)
    if user.is_clinician:
        return _clinician_home(signed_in)
    if user.is_practice_admin:
        return render(request, "workspace/home_admin.html", {"counts": user_counts_by_role()})
    raise Http404  # a role this page does not know


# How a route reads to the client on the home page (no clinical words).
ROUTE_FOR_CLIENT = {
    Route.CRISIS: "Support now, from a clinician",
    Route.THERAPY: "Therapy",
    Route.INTEGRATED: "Therapy and coaching",
    Route.COACHING: "Coaching",
}


def _client_home(request: AuthenticatedRequest) -> HttpResponse:
    profile = client_profile_for_client(client=request.user)
    recommendation = current_recommendation(client=request.user)
    next_appointment = appointments_upcoming_for_client(client=request.user).first()
    next_steps = [
        {
            "title": "Sign your consent",
            "text": "Read the therapy consent or the coaching agreement and sign it online.",
            "url": reverse("clients:consent_overview"),
            "action": "Review and sign",
        },
        _screening_step(recommendation),
        _booking_step(next_appointment),
        {
            "title": "Set your goals",
            "text": "Decide what you want to work on and how you will check in.",
            "url": reverse("goals:goals"),
            "action": "Set goals",
        },
    ]
    for number, step in enumerate(next_steps, start=1):
        step["eyebrow"] = f"Step {number}"
    at_risk = has_open_risk_flag(request.user)
    return render(request, "workspace/home_client.html", {
        "profile": profile,
        "next_steps": next_steps,
        # Safety first (rule 1): while a risk flag is open, crisis resources lead the page.
        "at_risk": at_risk,
        "told_name": told_clinician_name(profile),
    })


def _booking_step(appointment: Appointment | None) -> dict[str, str]:
    if appointment is None:
        return {
            "title": "Book a first consultation",
            "text": "Pick a time that suits you, shown in your own time zone.",
            "url": reverse("booking:choose_type"),
            "action": "See times",
        }
    when = date_format(timezone.localtime(appointment.start), "l j F \\a\\t H:i")
    return {
        "title": "Your next appointment",
        "text": f"{when}, with {appointment.clinician.full_name}.",
        "url": reverse("booking:detail", args=[appointment.public_id]),
        "action": "See the details",
    }


def _screening_step(recommendation: RouteRecommendation | None) -> dict[str, str]:
    if recommendation is None:
        return {
            "title": "Take the self-assessment",
            "text": "A few private questions that help us suggest the right path for you.",
            "url": reverse("screening:start"),
            "action": "Start",
        }
    return {
        "title": "Your recommended path",
        "text": f"{ROUTE_FOR_CLIENT[Route(recommendation.effective_route)]}. See what you told us "
                "and what happens next.",
        "url": reverse("screening:results"),
        "action": "See your results",
    }


def _clinician_home(request: AuthenticatedRequest) -> HttpResponse:
    clinician = request.user
    now = timezone.now()
    # The full list with scores and goals is the caseload page; here, the count and the people
    # the needs-attention rules speak of.
    caseload = list(clients_for_clinician_brief(clinician=clinician))
    schedule = _schedule(clinician, now=now)
    attention = needs_attention_for_clinician(clinician=clinician, now=now, clients=caseload)
    show_all = request.GET.get("attention") == "all"
    shown = attention if show_all else attention[:ATTENTION_SHOWN]
    # Client messages nobody has answered yet, longest wait first (issue 16).
    unanswered = unanswered_for_clinician(clinician, limit=UNANSWERED_SHOWN)
    # Every client named on the page is a read of their record (rule 8): one INSERT.
    access_log_record_many(request=request, what=AccessLog.What.LIST, detail="dashboard",
                           clients=[*(item.client for item in shown),
                                    *(thread.client for thread in unanswered),
                                    *(appointment.client for day in schedule
                                      for appointment in day.appointments)])
    return render(request, "workspace/home_clinician.html", {
        "today": schedule[0].day,
        "caseload_count": len(caseload),
        "schedule": schedule,
        "sessions_today": schedule[0].appointments,
        "schedule_count": sum(len(day.appointments) for day in schedule),
        # The most urgent first; a long list is cut (rendering hundreds of items with their
        # forms is slow and nobody reads them) with a link to all of it.
        "needs_attention": shown,
        "attention_hidden": 0 if show_all else max(0, len(attention) - ATTENTION_SHOWN),
        "attention_count": len(attention),
        "flag_count": sum(1 for item in attention if not item.can_acknowledge),
        "unanswered": unanswered,
    })


SCHEDULE_DAYS = 8  # today and the next seven
ATTENTION_SHOWN = 20
UNANSWERED_SHOWN = 10


@dataclass
class ScheduleDay:
    day: date
    appointments: list[Appointment]


def _schedule(clinician, *, now: datetime) -> list[ScheduleDay]:
    """Today and the next seven days in the clinician's own zone, every day present (an empty
    day says so), cancelled appointments left out. One query. An appointment that has started
    and is still booked can be marked completed or no-show from here."""
    zone = clinician.zone
    today = timezone.localdate(now, timezone=zone)
    days = [ScheduleDay(today + timedelta(days=n), []) for n in range(SCHEDULE_DAYS)]
    start = datetime.combine(today, time(0), tzinfo=zone)
    end = datetime.combine(today + timedelta(days=SCHEDULE_DAYS), time(0), tzinfo=zone)
    by_day = {day.day: day for day in days}
    appointments = list(appointments_for_clinician_between(
        clinician=clinician, start=start, end=end).filter(status__in=ACTIVE_STATUSES)
        .select_related("client__client_profile"))
    # "Open client" leads where the clinician may go (clients.access): their own client's
    # timeline, a new client's screening (read-only), or nowhere.
    visible = client_ids_visible(clinician=clinician, ids={
        appointment.client_id for appointment in appointments
        if appointment.client.client_profile.clinician_id != clinician.pk})
    for appointment in appointments:
        # What the schedule shows beside each appointment, read by the template.
        appointment.can_mark = (appointment.start <= now  # type: ignore[attr-defined]
                                and appointment.status == AppointmentStatus.BOOKED)
        client = appointment.client
        if client.client_profile.clinician_id == clinician.pk:
            client_url = reverse("caseload:timeline", args=[client.public_id])
        elif client.pk in visible:
            client_url = reverse("screening:client_history", args=[client.public_id])
        else:
            client_url = ""
        appointment.client_url = client_url  # type: ignore[attr-defined]
        local_day = appointment.start.astimezone(zone).date()
        by_day.get(local_day, days[0]).appointments.append(appointment)
    return days


class AcknowledgeForm(forms.Form):
    client = forms.UUIDField()
    rule = forms.CharField(max_length=32)
    fingerprint = forms.CharField(max_length=100)
    note = forms.CharField(max_length=2000, strip=True)


@clinician_required
@require_POST
def attention_ack(request: AuthenticatedRequest) -> HttpResponse:
    """Acknowledge one needs-attention item with a note; back to the dashboard either way."""
    back = reverse("home") + "#needs-attention"
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        if "client" in form.errors:
            raise Http404
        messages.error(request, "Not acknowledged: write a short note first."
                       if "note" in form.errors else "Not acknowledged: unknown item.")
        return redirect(back)
    client = client_for_clinician(clinician=request.user,
                                  public_id=form.cleaned_data["client"])
    try:
        attention_acknowledge(clinician=request.user, client=client,
                              rule=form.cleaned_data["rule"],
                              fingerprint=form.cleaned_data["fingerprint"],
                              note=form.cleaned_data["note"])
    except ValidationError as error:
        messages.error(request, "Not acknowledged: " + " ".join(error.messages))
    else:
        messages.success(request, f"Acknowledged for {client.full_name}. It comes back if "
                                  "something new happens.")
    return redirect(back)
