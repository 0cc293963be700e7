"""The role-aware home page and the placeholders for features that are still being built."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from clients.selectors import client_profile_for_client, user_counts_by_role
from screening.models import Route, RouteRecommendation
from screening.selectors import (
    caseload_with_routes,
    current_recommendation,
    has_open_risk_flag,
    open_risk_flags_for_clinician,
    who5_reviews_for_clinician,
)
from sessions.models import ACTIVE_STATUSES, Appointment
from sessions.selectors import (
    appointments_for_clinician_between,
    appointments_upcoming_for_client,
)


@dataclass(frozen=True)
class Feature:
    title: str
    description: str


# Features whose pages are not built yet. Links from the home page and the navigation lead here
# until their issue lands; then the link changes and the entry goes.
COMING_SOON: dict[str, Feature] = {
    "clients": Feature(
        "Clients",
        "Each of your clients' screenings, goals and sessions, side by side.",
    ),
}


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return render(request, "portal/home_anonymous.html")
    if user.is_client:
        return _client_home(request)
    if user.is_clinician:
        return _clinician_home(request)
    if user.is_practice_admin:
        return render(request, "portal/home_admin.html", {"counts": user_counts_by_role()})
    raise Http404  # a role this page does not know


# How a route reads to the client on the home page (no clinical words).
ROUTE_FOR_CLIENT = {
    Route.CRISIS: "Support now, from a clinician",
    Route.THERAPY: "Therapy",
    Route.INTEGRATED: "Therapy and coaching",
    Route.COACHING: "Coaching",
}


def _client_home(request: HttpRequest) -> HttpResponse:
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
    return render(request, "portal/home_client.html", {
        "profile": profile,
        "next_steps": next_steps,
        # Safety first (rule 1): while a risk flag is open, crisis resources lead the page.
        "at_risk": has_open_risk_flag(request.user),
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
        "text": f"{ROUTE_FOR_CLIENT[recommendation.effective_route]}. See what you told us "
                "and what happens next.",
        "url": reverse("screening:results"),
        "action": "See your results",
    }


def _clinician_home(request: HttpRequest) -> HttpResponse:
    caseload = list(caseload_with_routes(clinician=request.user))
    for person in caseload:
        route = person.override_route or person.computed_route
        person.route_label = Route(route).label if route else ""
    context = {
        "today": timezone.localdate(timezone=request.user.zone),
        "caseload": caseload,
        "caseload_count": len(caseload),
        "sessions_today": _sessions_today(request.user),
        "needs_attention": open_risk_flags_for_clinician(clinician=request.user),
        "wellbeing_reviews": who5_reviews_for_clinician(clinician=request.user),
    }
    context["attention_count"] = len(context["needs_attention"]) + len(
        context["wellbeing_reviews"])
    return render(request, "portal/home_clinician.html", context)


def _sessions_today(clinician) -> list[Appointment]:
    """Today's appointments in the clinician's own zone (cancelled ones left out)."""
    today = timezone.localdate(timezone=clinician.zone)
    start = datetime.combine(today, time(0), tzinfo=clinician.zone)
    return list(appointments_for_clinician_between(
        clinician=clinician, start=start, end=start + timedelta(days=1),
    ).filter(status__in=ACTIVE_STATUSES))


@login_required
def coming_soon(request: HttpRequest, feature: str) -> HttpResponse:
    found = COMING_SOON.get(feature)
    if found is None:
        raise Http404("No such feature.")
    return render(request, "portal/coming_soon.html", {"feature": found, "slug": feature})
