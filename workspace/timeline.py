"""One client's whole picture for their clinician, in time order (issue 6).

``timeline_sources`` reads every source once: one query each, whatever the number of rows, and
the same queries whatever the filter, so the page's query count is fixed. ``timeline_events``
turns them into events (no queries) and ``client_timeline`` does both.

The firewall of the goals issue holds: a clinician whose profile provides coaching only sees no
therapy goals (nor their check-ins and comments), no therapy appointments and no PHQ-9 or GAD-7
answers, totals or reasons. Safety stays visible to every clinician of the client: coaching is
not offered to a client at risk (rule 1), so the coach must see the flag.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from django.urls import reverse
from django.utils import timezone

from clients.access import lines_for_staff, require_assigned
from clients.models import ClinicianNote, ConsentSignature, ServiceLine, User
from clients.selectors import NoteRead, clinician_notes_decrypt
from goals.models import CheckIn, Comment, Goal
from portal.lib.clock import clock_formatter
from portal.lib.links import public_id_link
from screening.models import RiskFlag, RouteRecommendation, ScreeningResponse
from screening.selectors import (  # the firewall: one rule with the screening pages
    THERAPY_INSTRUMENTS,
    override_note_for_clinician,
    route_reasons_for_clinician,
)
from sessions.models import Appointment

KINDS: dict[str, str] = {
    "consent": "Consents",
    "screening": "Screenings",
    "route": "Routes",
    "flag": "Risk flags",
    "appointment": "Appointments",
    "goal": "Goals",
    "check_in": "Check-ins",
    "comment": "Comments",
    "note": "Notes",
}

NOTE_EXCERPT = 160
# Events a page lists, newest first; "Earlier events" goes on from the last one shown. Years
# of weekly check-ins would otherwise be hundreds of rows on every visit.
EVENTS_PER_PAGE = 50


@dataclass(frozen=True)
class Event:
    when: datetime
    kind: str  # one of KINDS
    title: str
    detail: str = ""
    url: str = ""
    tone: str = ""  # a badge tone for the status, if any: danger, warning, success, neutral
    status: str = ""

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]


@dataclass(frozen=True)
class Sources:
    sees_therapy: bool
    consents: list[ConsentSignature]
    responses: list[ScreeningResponse]  # newest first; firewall applied (also the chart's)
    recommendations: list[RouteRecommendation]  # newest first
    flags: list[RiskFlag]
    appointments: list[Appointment]
    goals: list[Goal]
    check_ins: list[CheckIn]
    comments: list[Comment]
    notes: list[NoteRead]

    @property
    def recommendation(self) -> RouteRecommendation | None:
        return self.recommendations[0] if self.recommendations else None


def kinds_from_query(values: Iterable[str]) -> list[str]:
    """The kinds asked for in ``?show=screening,appointment`` (or repeated ``show``), in page
    order; unknown values are ignored. Empty means everything."""
    asked = {part.strip() for value in values for part in value.split(",")}
    return [kind for kind in KINDS if kind in asked]


def timeline_sources(*, clinician: User, client: User,
                     before: datetime | None = None) -> Sources:
    """Every source of the client's timeline, each in one query (ten with the clinician's
    profile); 404 unless the client is assigned to this clinician. The two that grow without
    end, check-ins and appointments, are read only as far as one page of events before
    ``before`` (the newest page if None) can need: a page's events are the newest of each
    source's newest. The other sources are read whole (the summary and the chart use them)."""
    require_assigned(clinician=clinician, client=client)
    lines = lines_for_staff(clinician)
    sees_therapy = ServiceLine.THERAPY in lines
    # The answers themselves are not shown here (the screening history has them).
    responses = ScreeningResponse.objects.filter(client=client).defer("answers")
    if not sees_therapy:
        responses = responses.exclude(instrument__in=THERAPY_INSTRUMENTS)
    goals = list(Goal.objects.filter(client=client, service_line__in=lines)
                 .order_by("-created_at", "-pk"))
    # Check-ins and comments belong to these goals: each takes its goal from the list above
    # rather than a join that builds the same goal again for every row (years of check-ins).
    by_id = {goal.pk: goal for goal in goals}
    check_in_rows = CheckIn.objects.filter(goal__client=client, goal__service_line__in=lines)
    appointments = Appointment.objects.filter(client=client, service_type__service_line__in=lines)
    if before is not None:
        check_in_rows = check_in_rows.filter(at__lt=before)
        appointments = appointments.filter(start__lt=before)
    check_ins = list(check_in_rows.order_by("-at", "-pk")[:EVENTS_PER_PAGE + 1])
    comments = list(Comment.objects.filter(goal__client=client, goal__service_line__in=lines)
                    .select_related("author").order_by("-created_at", "-pk"))
    for check_in in check_ins:
        check_in.goal = by_id[check_in.goal_id]
    for comment in comments:
        comment.goal = by_id[comment.goal_id]
    return Sources(
        sees_therapy=sees_therapy,
        consents=list(ConsentSignature.objects.filter(client=client)
                      .select_related("document").defer("document__body")),
        responses=list(responses),
        recommendations=list(RouteRecommendation.objects.filter(client=client)
                             .select_related("overridden_by")),
        flags=list(RiskFlag.objects.filter(client=client)
                   .select_related("resolved_by", "response")
                   .defer("response__answers", "response__subscores")),
        appointments=list(appointments.select_related("service_type", "clinician")
                          .only("public_id", "start", "status", "clinician_id",
                                "service_type__name", "service_type__service_line",
                                "clinician__full_name", "clinician__email")
                          .order_by("-start", "-pk")[:EVENTS_PER_PAGE + 1]),
        goals=goals,
        check_ins=check_ins,
        comments=comments,
        notes=clinician_notes_decrypt(list(ClinicianNote.objects.filter(
            client=client, service_line__in=lines).select_related("author"))),
    )


def _score(response: ScreeningResponse) -> str:
    if response.instrument == "who5" and response.percent is not None:
        return f"{response.percent}%"
    if response.subscores and "therapy" in response.subscores:
        return (f"{response.subscores['therapy']} therapy, "
                f"{response.subscores.get('coaching', 0)} coaching indicators")
    if response.instrument == "safety":
        return "positive" if response.total else "negative"
    return "" if response.total is None else str(response.total)


def _person(user: User | None) -> str:
    return (user.full_name or user.email) if user is not None else ""


def timeline_events(sources: Sources, *, client: User, clinician: User,
                    kinds: Iterable[str] | None = None) -> list[Event]:
    """The events of these sources, newest first, of the kinds asked for (all if none). No
    queries."""
    wanted = set(kinds or ()) or set(KINDS)
    history = reverse("screening:client_history", args=[client.public_id])
    # One reverse() per kind of link, not per event (years of check-ins are hundreds).
    flag_url = public_id_link("screening:risk_flag")
    appointment_url = public_id_link("booking:clinician_appointment")
    goal_url = public_id_link("goals:clinician_goal")
    events: list[Event] = []

    if "consent" in wanted:
        for signature in sources.consents:
            events.append(Event(
                signature.signed_at, "consent", f"Signed the {signature.document}",
                f"Typed name “{signature.typed_name}”"))
    if "screening" in wanted:
        for response in sources.responses:
            score = _score(response)
            detail = " · ".join(part for part in (score, response.band) if part)
            risky = "safety_risk" in response.flags
            events.append(Event(response.submitted_at, "screening",
                                response.get_instrument_display(), detail, history,
                                "danger" if risky else "", "Safety risk" if risky else ""))
    if "route" in wanted:
        for recommendation in sources.recommendations:
            route = recommendation.get_route_display()
            events.append(Event(
                recommendation.created_at, "route", f"Recommended path: {route}",
                "; ".join(route_reasons_for_clinician(recommendation,
                                                      sees_therapy=sources.sees_therapy)),
                history, "danger" if recommendation.route == "crisis" else ""))
            if recommendation.override_route:
                events.append(Event(
                    recommendation.overridden_at or recommendation.created_at, "route",
                    f"Path set to {recommendation.get_override_route_display()} by "
                    f"{_person(recommendation.overridden_by)}",
                    override_note_for_clinician(recommendation,
                                                sees_therapy=sources.sees_therapy),
                    history, "warning"))
    if "flag" in wanted:
        for flag in sources.flags:
            url = flag_url(flag.public_id)
            is_open = flag.status == RiskFlag.Status.OPEN
            events.append(Event(
                flag.opened_at, "flag", "Risk flag opened",
                "From a safety answer; coaching is blocked while it is open.", url,
                "danger" if is_open else "neutral", "Open" if is_open else "Resolved"))
            if not is_open and flag.resolved_at:
                events.append(Event(flag.resolved_at, "flag",
                                    f"Risk flag resolved by {_person(flag.resolved_by)}",
                                    flag.resolution_note, url, "success", "Resolved"))
    if "appointment" in wanted:
        for appointment in sources.appointments:
            url = appointment_url(appointment.public_id) \
                if appointment.clinician_id == clinician.pk else ""
            tone = {"cancelled": "neutral", "late_cancelled": "warning",
                    "no_show": "warning", "completed": "success"}.get(appointment.status, "")
            events.append(Event(
                appointment.start, "appointment", appointment.service_type.name,
                f"With {_person(appointment.clinician)} · "
                f"{appointment.service_type.get_service_line_display()}",
                url, tone, appointment.get_status_display()))
    if "goal" in wanted:
        for goal in sources.goals:
            events.append(Event(
                goal.created_at, "goal", f"Goal set: {goal.title}",
                f"{goal.get_service_line_display()} · {goal.get_status_display()}",
                goal_url(goal.public_id),
                "warning" if goal.needs_approval else "",
                "Waiting for approval" if goal.needs_approval else ""))
    if "check_in" in wanted:
        for check_in in sources.check_ins:
            figures = []
            if check_in.value is not None:
                figures.append(f"{check_in.goal.metric or 'Value'} {check_in.value.normalize():f}"
                               f"{' ' + check_in.goal.unit if check_in.goal.unit else ''}")
            if check_in.practice_count is not None:
                figures.append(f"practised {check_in.practice_count}×")
            if check_in.rating is not None:
                figures.append(f"rating {check_in.rating}/10")
            if check_in.confidence is not None:
                figures.append(f"confidence {check_in.confidence}/10")
            if check_in.note:
                figures.append(f"“{check_in.note}”")
            events.append(Event(
                check_in.at, "check_in", f"Check-in: {check_in.goal.title}",
                " · ".join(figures),
                goal_url(check_in.goal.public_id)))
    if "comment" in wanted:
        for comment in sources.comments:
            events.append(Event(
                comment.created_at, "comment",
                f"Comment by {_person(comment.author)} on {comment.goal.title}", comment.text,
                goal_url(comment.goal.public_id)))
    if "note" in wanted:
        for note in sources.notes:
            text = note.text if note.readable else "This note cannot be read with the current key."
            if len(text) > NOTE_EXCERPT:
                text = text[:NOTE_EXCERPT].rstrip() + "…"
            events.append(Event(note.created_at, "note", f"Note by {note.author_name}", text,
                                f"#note-{note.public_id}"))

    events.sort(key=lambda event: event.when, reverse=True)
    return events


def timeline_page(events: list[Event], *, before: datetime | None = None,
                  size: int | None = None) -> tuple[list[Event], datetime | None]:
    """The newest ``size`` of these events (newest first) from before ``before``, and where
    the earlier ones begin (the time of the last one shown), or None if there are none. Events
    of one moment are never split between pages: the page takes them all."""
    if before is not None:
        events = [event for event in events if event.when < before]
    cut = size or EVENTS_PER_PAGE
    while cut < len(events) and events[cut].when == events[cut - 1].when:
        cut += 1
    if cut >= len(events):
        return events, None
    return events[:cut], events[cut - 1].when


def before_from_query(value: str | None) -> datetime | None:
    """``?before=`` as the "Earlier events" link writes it (an ISO time with its offset);
    anything else, or a time without a zone, is ignored."""
    try:
        when = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


class EventRow(TypedDict):
    """An event as the page lists it: plain values (a history of years is hundreds of rows,
    and a template looks a dictionary key up faster than an attribute or a filter)."""
    kind: str
    kind_label: str
    title: str
    detail: str
    url: str
    tone: str
    status: str
    iso: str  # the <time> element's datetime
    text: str  # its words, on the reader's clock


def timeline_rows(events: Iterable[Event]) -> list[EventRow]:
    """The events ready to show, their times in the active zone (the reader's, set by their
    middleware), as the ``date:'c'`` and ``clock`` filters would write them."""
    when, zone = clock_formatter("j M Y, H:i"), timezone.get_current_timezone()
    rows: list[EventRow] = []
    for event in events:
        local = event.when.astimezone(zone)
        rows.append({"kind": event.kind, "kind_label": KINDS[event.kind], "title": event.title,
                     "detail": event.detail, "url": event.url, "tone": event.tone,
                     "status": event.status, "iso": local.isoformat(), "text": when(local)})
    return rows


def client_timeline(*, clinician: User, client: User,
                    kinds: Iterable[str] | None = None) -> list[Event]:
    """The client's events for this clinician, newest first, of these kinds (all if none)."""
    return timeline_events(timeline_sources(clinician=clinician, client=client), client=client,
                           clinician=clinician, kinds=kinds)
