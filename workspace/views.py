"""The role-aware home: the client's next steps, the clinician's dashboard, the admin's links."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import cast
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clients.access import client_record_urls
from clients.http import AuthenticatedRequest
from clients.models import AccessLog, ClientProfile, ConsentKind, ServiceLines, User
from clients.selectors import (
    consent_status_for_client,
    user_counts_by_role,
)
from clients.services import access_log_record_many
from goals.models import Goal
from messaging.selectors import unanswered_for_clinician
from portal.lib.access import clinician_required
from portal.lib.clock import clock_format
from screening.models import RiskFlag, Route, RouteRecommendation
from screening.selectors import (
    client_for_clinician,
    told_clinician_name,
)
from sessions.models import ACTIVE_STATUSES, Appointment, AppointmentStatus
from sessions.selectors import (
    appointments_for_clinician_between,
    appointments_upcoming_for_client,
)
from workspace.attention import attention_for_clinician, caseload_for_attention
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


@dataclass(frozen=True)
class _ClientHomeFacts:
    profile: ClientProfile | None
    route: str | None  # the current recommendation's effective route; None before screening
    has_goals: bool
    booked_before: bool  # any appointment at all, past or cancelled included
    at_risk: bool  # an open risk flag (rule 1), read live with the rest


def _client_home_facts(client: User) -> _ClientHomeFacts:
    """What the home page asks about the client, in one query: their profile with their
    clinician (and the clinician's display name), the current route, and whether they have a
    goal, any appointment and an open risk flag. Nothing here is cached: the risk flag is the
    same predicate as screening.selectors.has_open_risk_flag, asked afresh on every page."""
    newest = RouteRecommendation.objects.filter(client=OuterRef("pk"))  # the model's ordering
    row = (User.objects.filter(pk=client.pk)
           .select_related("client_profile__clinician__clinician_profile")
           .annotate(
               home_route=Subquery(newest.values("route")[:1]),
               home_override=Subquery(newest.values("override_route")[:1]),
               home_has_goals=Exists(Goal.objects.filter(client=OuterRef("pk"))),
               home_booked_before=Exists(Appointment.objects.filter(client=OuterRef("pk"))),
               home_at_risk=Exists(RiskFlag.objects.filter(client=OuterRef("pk"),
                                                           status=RiskFlag.Status.OPEN)))
           .get())
    try:
        profile: ClientProfile | None = row.client_profile
    except ClientProfile.DoesNotExist:
        profile = None
    return _ClientHomeFacts(
        profile=profile, route=row.home_override or row.home_route,
        has_goals=row.home_has_goals, booked_before=row.home_booked_before,
        at_risk=row.home_at_risk)


def _client_home(request: AuthenticatedRequest) -> HttpResponse:
    client = request.user
    facts = _client_home_facts(client)
    profile = facts.profile
    next_appointment = appointments_upcoming_for_client(client=client).first()
    statuses = consent_status_for_client(client=client)
    # A document signed before in an older version: the new one leads the page, with what
    # changed and where to sign it.
    resign = [status for status in statuses if status.needs_new_signature]
    steps = [
        _consent_step(statuses, profile),
        _screening_step(facts.route),
        _booking_step(next_appointment,
                      booked_before=next_appointment is None and facts.booked_before),
        {
            "title": "Set your goals",
            "text": "Decide what you want to work on and how you will check in.",
            "url": reverse("goals:goals"),
            "action": "Set goals",
            "done": facts.has_goals,
            "done_text": "Your goals and check-ins are on the goals page.",
        },
    ]
    # What is next comes first; what is done folds away under one line (issue 14: a client
    # with everything signed, goals and sessions still saw "Step 1 Sign your consent").
    next_steps = [step for step in steps if not step["done"]]
    done_steps = [step for step in steps if step["done"]]
    for number, step in enumerate(next_steps, start=1):
        step["eyebrow"] = "Next" if number == 1 else f"Then, step {number}"
    return render(request, "workspace/home_client.html", {
        "profile": profile,
        "next_steps": next_steps,
        "done_steps": done_steps,
        "resign": resign,
        # Safety first (rule 1): while a risk flag is open, crisis resources lead the page.
        "at_risk": facts.at_risk,
        "told_name": told_clinician_name(profile),
    })


def _consent_step(statuses: list, profile) -> dict:
    """Signed when the privacy notice and the document of each of the client's lines are
    current (a client with no line yet: the privacy notice and one line's document)."""
    by_kind = {status.kind: status for status in statuses}
    lines = set()
    if profile is not None and profile.service_lines:
        lines = ({"therapy", "coaching"} if profile.service_lines == ServiceLines.BOTH
                 else {profile.service_lines})
    signed = {kind for kind, status in by_kind.items() if status.signature is not None}
    current = signed | {kind for kind, status in by_kind.items() if status.document is None}
    if lines:
        done = {ConsentKind.PRIVACY, *lines} <= current
    else:
        done = ConsentKind.PRIVACY in current and bool(
            signed & {ConsentKind.THERAPY, ConsentKind.COACHING})
    return {
        "title": "Sign your consent",
        "text": "Read the therapy consent or the coaching agreement and sign it online.",
        "url": reverse("clients:consent_overview"),
        "action": "Review and sign",
        "done": done,
        "done_text": "Your consents are signed and current.",
    }


def _booking_step(appointment: Appointment | None, *, booked_before: bool) -> dict:
    if appointment is None and booked_before:
        return {
            "title": "Book your next appointment",
            "text": "Nothing is booked at the moment. Pick a time in your own time zone.",
            "url": reverse("booking:choose_type"),
            "action": "See times",
            "done": False,
        }
    if appointment is None:
        return {
            "title": "Book a first consultation",
            "text": "Pick a time that suits you, shown in your own time zone.",
            "url": reverse("booking:choose_type"),
            "action": "See times",
            "done": False,
        }
    when = clock_format(timezone.localtime(appointment.start), "l j F \\a\\t H:i")
    # Booked: what is next is that appointment, which stays in the list to be seen.
    return {
        "title": "Your next appointment",
        "text": f"{when}, with {appointment.clinician.full_name}.",
        "url": reverse("booking:detail", args=[appointment.public_id]),
        "action": "See the details",
        "done": False,
    }


def _screening_step(effective_route: str | None) -> dict:
    if effective_route is None:
        return {
            "title": "Take the self-assessment",
            "text": "A few private questions that help us suggest the right path for you.",
            "url": reverse("screening:start"),
            "action": "Start",
            "done": False,
        }
    route = ROUTE_FOR_CLIENT[Route(effective_route)]
    return {
        "title": "Your recommended path",
        "text": f"{route}. See what you told us "
                "and what happens next.",
        "url": reverse("screening:results"),
        "action": "See your results",
        "done": True,
        "done_text": f"Self-assessment taken: {route}.",
    }


def _clinician_home(request: AuthenticatedRequest) -> HttpResponse:
    clinician = request.user
    now = timezone.now()
    # The full list with scores and goals is the caseload page; here, the count and the people
    # the needs-attention rules speak of.
    caseload = caseload_for_attention(clinician=clinician)
    schedule = _schedule(clinician, now=now)
    show_all = request.GET.get("attention") == "all"
    attention = attention_for_clinician(clinician=clinician, now=now, clients=caseload,
                                        limit=None if show_all else ATTENTION_SHOWN)
    shown = attention.items
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
        "needs_attention": [_attention_card(item) for item in shown],
        "attention_hidden": 0 if show_all else max(0, attention.count - ATTENTION_SHOWN),
        "attention_count": attention.count,
        "flag_count": attention.flags,
        "unanswered": unanswered,
        "ack_url": reverse("attention_ack"),
    })


SCHEDULE_DAYS = 8  # today and the next seven
ATTENTION_SHOWN = 20
UNANSWERED_SHOWN = 10


@dataclass
class ScheduleDay:
    day: date
    appointments: list[Appointment]
    # What the template shows of each appointment, as plain dicts (below).
    cards: list[dict[str, object]] = field(default_factory=list)


# The page's two long lists are read by the template as dicts of what it shows, made here:
# the template language looks a name up in a dict first and tries attributes only after that
# fails, and a week of a full caseload with twenty needs-attention items was most of the
# page's time in those lookups.


def _attention_card(item) -> dict[str, object]:
    return {
        "tone": item.tone, "label": item.label, "url": item.url, "reason": item.reason,
        "client_name": item.client.full_name, "client_public_id": item.client.public_id,
        # The client's timeline beside the page about this reason, when it is another page.
        "timeline_url": item.timeline_url if item.timeline_url != item.url else "",
        "can_acknowledge": item.can_acknowledge, "rule": item.rule,
        "fingerprint": item.fingerprint,
    }


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
        .select_related(None).select_related("client__client_profile")
        .annotate(service_name=F("service_type__name"))
        .only("public_id", "client_id", "start", "end", "status", "client__full_name",
              "client__public_id", "client__role", "client__email", "client__time_zone",
              "client__client_profile__clinician_id"))
    # "Open client" leads where the clinician may go (clients.access): their own client's
    # timeline, a new client's screening (read-only), or nowhere.
    record_urls = client_record_urls(clinician=clinician,
                                     clients=[appointment.client for appointment in appointments])
    # The schedule is most of the page's markup (a week of a full caseload is sixty
    # appointments): what each shows is made here once, not by filters and tags in the loop.
    # One reverse() for all the appointments' links; each clock time formatted once.
    placeholder = str(UUID(int=0))
    detail = reverse("booking:clinician_appointment", args=[placeholder])
    clock: dict[tuple[int, int], str] = {}
    statuses = dict(AppointmentStatus.choices)

    def on_clock(value: datetime) -> str:
        key = (value.hour, value.minute)
        if key not in clock:
            clock[key] = clock_format(value, "H:i")
        return clock[key]

    for appointment in appointments:
        start, end = timezone.localtime(appointment.start), timezone.localtime(appointment.end)
        local_day = appointment.start.astimezone(zone).date()
        day = by_day.get(local_day, days[0])
        day.appointments.append(appointment)
        day.cards.append({
            "start_iso": start.isoformat(), "times": f"{on_clock(start)}–{on_clock(end)}",
            "url": detail.replace(placeholder, str(appointment.public_id)),
            "client_name": appointment.client.full_name,
            "what": f"{appointment.service_name} · {statuses[appointment.status]}",
            "client_url": record_urls[appointment.client_id],
            "can_mark": appointment.start <= now and appointment.status == AppointmentStatus.BOOKED,
        })
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
