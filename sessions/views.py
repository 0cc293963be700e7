"""The client's booking pages, and the private calendar feed.

Client: choose a kind of appointment → pick a day → pick a time (in the client's own zone, the
zone named on the page) → confirm; their upcoming and past appointments; one appointment with
its history; reschedule; cancel (the late-cancellation warning comes before the button);
the waitlist. Clients and clinicians: the calendar feed settings. Anyone holding the secret
link: the feed itself.

Everything the URL carries (``?day=``, ``?start=``, ``?clinician=``, codes, ids) goes through a
form or a selector, so a bad value is a 404 or a clear message, never a 500. Staff get 404 on
the client pages: they book through the clinician's schedule (sessions/staff_views.py).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.views.decorators.http import require_http_methods, require_POST

from clients.http import AuthenticatedRequest
from clients.models import ClientProfile, User
from clients.selectors import client_profile_for_client, clinicians_active
from portal.lib.access import client_required
from sessions import services
from sessions.calendar import appointment_ics as render_appointment_ics
from sessions.calendar import feed_ics
from sessions.forms import CalendarFeedForm, DayForm, SlotForm, WaitlistJoinForm, slot_query
from sessions.models import (
    Appointment,
    AppointmentStatus,
    CalendarFeed,
    ServiceKind,
    ServiceLine,
    ServiceType,
    WaitlistEntry,
)
from sessions.selectors import (
    COACHING_AT_RISK,
    ClientBookingFacts,
    FreeTimes,
    appointment_for_client,
    appointments_for_feed,
    appointments_past_for_client,
    appointments_upcoming_for_client,
    booking_eligibility,
    coaching_time_refusal,
    free_times,
    join_link,
    service_type_bookable_for_client,
    service_types_bookable_for_client,
    slot_is_offered,
    waitlist_entries_for_client,
    waitlist_entry_for_client,
)
from sessions.services import (
    BookingNotAllowed,
    SlotUnavailable,
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
    calendar_feed_regenerate,
    calendar_feed_revoke,
    in_late_window,
)

# How many days the time page shows at once; "Later dates" moves on by as many.
DAYS_SHOWN = 14

TAKEN = "That time was just taken. Here are the times still free."
NOT_OFFERED = "That time can't be booked. Here are the times still free."


# --- Access ---------------------------------------------------------------------------------




def _profile(request: AuthenticatedRequest) -> ClientProfile:
    """The client's profile with their clinician, cached on the user so that the selectors' and
    services' ``client.client_profile`` costs no second query."""
    profile = client_profile_for_client(client=request.user)
    if profile is None:
        raise Http404("No client profile.")
    request.user.client_profile = profile
    return profile


def _spoken(moment: datetime, zone) -> str:
    """"Tuesday 10 March at 09:00", in the given zone (for messages)."""
    return date_format(moment.astimezone(zone), r"l j F \a\t H:i")


def clinician_name(clinician: User) -> str:
    profile = getattr(clinician, "clinician_profile", None)
    return (profile.display_name if profile else "") or clinician.full_name


@dataclass
class ClinicianChoice:
    clinician: User | None  # None: no clinician takes bookings at all
    choices: list[User]  # more than one only for a consultation of an unassigned client


def _clinician_for(profile: ClientProfile, service_type: ServiceType,
                   requested: uuid.UUID | None) -> ClinicianChoice:
    """The client's own clinician; for a consultation of a client who has none yet, the one
    they chose among the active clinicians (the first by default). A ``?clinician=`` naming
    anyone else is a 404."""
    own = profile.clinician if profile.clinician_id is not None else None
    if own is not None:
        if requested and requested != own.public_id:
            raise Http404("Not your clinician.")
        return ClinicianChoice(own, [])
    clinicians = clinicians_active()
    if service_type.kind != ServiceKind.CONSULTATION:
        # booking_eligibility explains that sessions come after a first consultation.
        return ClinicianChoice(clinicians[0] if clinicians else None, [])
    if requested:
        chosen = next((c for c in clinicians if c.public_id == requested), None)
        if chosen is None:
            raise Http404("No such clinician.")
        return ClinicianChoice(chosen, clinicians)
    return ClinicianChoice(clinicians[0] if clinicians else None, clinicians)


NO_CLINICIAN = "No clinician is taking bookings online at the moment. Please contact the practice."


def _eligibility(client: User, choice: ClinicianChoice, service_type: ServiceType,
                 facts: ClientBookingFacts | None = None) -> str | None:
    if choice.clinician is None:
        return NO_CLINICIAN
    return booking_eligibility(client=client, clinician=choice.clinician,
                               service_type=service_type, facts=facts)


# --- Days and times -------------------------------------------------------------------------


def _zone_midnight(day: date, zone) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


@dataclass
class Day:
    date: date
    count: int
    url: str
    selected: bool


@dataclass
class TimePicker:
    """The day strip and the times of the selected day, all in the client's zone."""

    zone_name: str
    days: list[Day]
    selected: date | None
    times: list[tuple[datetime, str]]  # (local start, link)
    earlier_url: str
    later_url: str
    any_times: bool  # anything free up to the service type's horizon
    day_error: str


def _time_picker(request: AuthenticatedRequest, *, clinician: User, service_type: ServiceType,
                 page_url: str, time_url: Callable[[datetime], str],
                 extra: dict[str, str] | None = None,
                 ignore: Appointment | None = None) -> TimePicker:
    """The fortnight of the day strip and the times of its selected day, in the client's zone;
    ``?day=`` picks the day. Only the days shown are computed: the fortnight that holds the
    requested day, or without one, the first fortnight with free times (the first of its days
    with times selected). The calendar is read for that fortnight first (three queries); only
    when it has no free time is the whole horizon read, once (three more), to find the next
    free fortnight or to tell that nothing is free at all: a busy practice's months of
    appointments are not read to show two weeks."""
    zone = request.user.zone
    now = timezone.now()
    today = now.astimezone(zone).date()
    last_day = (now + timedelta(days=service_type.horizon_days)).astimezone(zone).date()

    def calendar_of(first: date, end: date) -> FreeTimes:
        return free_times(clinician=clinician, service_type=service_type,
                          start=_zone_midnight(first, zone), end=_zone_midnight(end, zone),
                          now=now, ignore=ignore)

    whole: list[FreeTimes] = []  # the horizon's calendar, read at most once

    def fortnight(block: int, calendar: FreeTimes | None = None) -> dict[date, list[datetime]]:
        first = today + timedelta(days=block * DAYS_SHOWN)
        end = first + timedelta(days=DAYS_SHOWN)
        if calendar is None:
            if not whole:
                whole.append(calendar_of(today, last_day + timedelta(days=1)))
            calendar = whole[0]
        by_day: dict[date, list[datetime]] = {}
        for slot in calendar.between(_zone_midnight(first, zone), _zone_midnight(end, zone)):
            local = slot.astimezone(zone)
            by_day.setdefault(local.date(), []).append(local)
        return by_day

    def shown(block: int) -> dict[date, list[datetime]]:
        """The fortnight on the page, from its own calendar."""
        first = today + timedelta(days=block * DAYS_SHOWN)
        return fortnight(block, calendar_of(first, first + timedelta(days=DAYS_SHOWN)))

    blocks = (last_day - today).days // DAYS_SHOWN + 1
    form = DayForm(request.GET)
    if not form.is_valid() and "day" in form.errors:
        requested = None
        day_error = "That is not a date. Choose one of the days below."
    else:
        requested = form.cleaned_data.get("day") if form.is_valid() else None
        day_error = ""
    if requested is not None and not today <= requested <= last_day:
        day_error = (f"Times can be booked online from today to "
                     f"{date_format(last_day, 'j F Y')}. Choose one of the days below.")
        requested = None
    if requested is not None:
        block = (requested - today).days // DAYS_SHOWN
        by_day = shown(block)
        # Whether anything is free at all decides between the picker and "nothing free":
        # other fortnights are computed only when this one has nothing.
        any_times = bool(by_day) or any(fortnight(other) for other in range(blocks)
                                        if other != block)
        selected = requested
    else:
        block, by_day = 0, shown(0)
        while not by_day and block + 1 < blocks:
            block += 1
            by_day = fortnight(block)
        if not by_day:
            block = 0
        any_times = bool(by_day)
        selected = min(by_day) if by_day else None

    first = today + timedelta(days=block * DAYS_SHOWN)
    extra = extra or {}

    def day_url(day: date) -> str:
        return f"{page_url}?{urlencode({'day': day.isoformat(), **extra})}"

    days = []
    for offset in range(DAYS_SHOWN):
        day = first + timedelta(days=offset)
        if day > last_day:
            break
        days.append(Day(day, len(by_day.get(day, [])), day_url(day), day == selected))
    earlier = first - timedelta(days=DAYS_SHOWN)
    later = first + timedelta(days=DAYS_SHOWN)
    return TimePicker(
        zone_name=request.user.time_zone,
        days=days,
        selected=selected,
        times=[(local, time_url(local)) for local in by_day.get(selected, [])],
        earlier_url=day_url(max(earlier, today)) if first > today else "",
        later_url=day_url(later) if later <= last_day else "",
        any_times=any_times,
        day_error=day_error,
    )


def _slot_or_404(request: AuthenticatedRequest) -> SlotForm:
    form = SlotForm(request.GET)
    if not form.is_valid():
        raise Http404("Choose one of the times offered.")
    return form


def _pick_time_url(service_type: ServiceType, *, day: date | None = None,
                   clinician: User | None = None, choose: bool = False) -> str:
    params = {}
    if day is not None:
        params["day"] = day.isoformat()
    if choose and clinician is not None:
        params["clinician"] = str(clinician.public_id)
    url = reverse("booking:pick_time", args=[service_type.code])
    return f"{url}?{urlencode(params)}" if params else url


# --- Booking --------------------------------------------------------------------------------


@dataclass
class TypeRow:
    service_type: ServiceType
    reason: str | None
    url: str


@client_required
def choose_type(request: AuthenticatedRequest) -> HttpResponse:
    profile = _profile(request)
    client = request.user
    # Every type asks the same few facts about the client (a risk flag, a line's consent, the
    # therapy intake): read each once for the page, not once per type.
    facts = ClientBookingFacts(client)
    types = service_types_bookable_for_client(client=client, facts=facts)
    clinicians: list[User] | None = None
    groups: dict[str, list[TypeRow]] = {}
    for service_type in types:
        if profile.clinician_id is not None:
            choice = ClinicianChoice(profile.clinician, [])
        else:
            if clinicians is None:
                clinicians = clinicians_active()
            choice = ClinicianChoice(clinicians[0] if clinicians else None, [])
        groups.setdefault(service_type.service_line, []).append(TypeRow(
            service_type, _eligibility(client, choice, service_type, facts),
            reverse("booking:pick_time", args=[service_type.code])))
    return render(request, "booking/client/choose_type.html", {
        "groups": [(ServiceLine(line).label, groups[line]) for line in ServiceLine.values
                   if line in groups],
        "has_clinician": profile.clinician_id is not None,
    })


@client_required
def pick_time(request: AuthenticatedRequest, code: str) -> HttpResponse:
    profile = _profile(request)
    service_type = service_type_bookable_for_client(client=request.user, code=code)
    day_form = DayForm(request.GET)
    requested = (day_form.cleaned_data.get("clinician") if day_form.is_valid()
                 else None)
    if "clinician" in day_form.errors:
        raise Http404("No such clinician.")
    choice = _clinician_for(profile, service_type, requested)
    reason = _eligibility(request.user, choice, service_type)
    picker = None
    waiting = False
    if reason is None:
        clinician = choice.clinician
        assert clinician is not None  # _eligibility refuses when nobody takes bookings
        extra = {"clinician": str(clinician.public_id)} if choice.choices else {}
        confirm_url = reverse("booking:confirm", args=[service_type.code])
        picker = _time_picker(
            request, clinician=clinician, service_type=service_type,
            page_url=reverse("booking:pick_time", args=[service_type.code]), extra=extra,
            time_url=lambda local: f"{confirm_url}?"
                                   f"{slot_query(start=local, clinician_id=clinician.public_id)}")
        waiting = WaitlistEntry.objects.filter(
            client=request.user, clinician=clinician, service_type=service_type,
            status=WaitlistEntry.Status.WAITING).exists()
    return render(request, "booking/client/pick_time.html", {
        "service_type": service_type,
        "clinician": choice.clinician,
        "clinician_name": clinician_name(choice.clinician) if choice.clinician else "",
        "choices": [(c, clinician_name(c), _pick_time_url(service_type, clinician=c, choose=True))
                    for c in choice.choices],
        "reason": reason,
        "at_risk": reason == COACHING_AT_RISK,
        "picker": picker,
        "waiting": waiting,
    })


@client_required
@require_http_methods(["GET", "POST"])
def confirm(request: AuthenticatedRequest, code: str) -> HttpResponse:
    profile = _profile(request)
    service_type = service_type_bookable_for_client(client=request.user, code=code)
    slot = _slot_or_404(request)
    start = slot.cleaned_data["start"]
    choice = _clinician_for(profile, service_type, slot.cleaned_data["clinician"])
    clinician = choice.clinician
    reason = _eligibility(request.user, choice, service_type)
    zone = request.user.zone
    back_url = _pick_time_url(service_type, day=start.astimezone(zone).date(),
                              clinician=clinician, choose=bool(choice.choices))
    # No reason means a clinician (_eligibility refuses when nobody takes bookings).
    if reason is None and clinician is not None and request.method == "POST":
        try:
            appointment = appointment_book(client=request.user, clinician=clinician,
                                           service_type=service_type, start=start)
        except SlotUnavailable:
            messages.error(request, TAKEN)
            return redirect(back_url)
        except BookingNotAllowed as exc:
            reason = str(exc)
        else:
            messages.success(request, f"Booked: {service_type.name} on "
                                      f"{_spoken(appointment.start, zone)}.")
            return redirect("booking:detail", appointment_id=appointment.public_id)
    elif reason is None and clinician is not None and not slot_is_offered(
            clinician=clinician, service_type=service_type, start=start):
        messages.warning(request, NOT_OFFERED)
        return redirect(back_url)
    return render(request, "booking/client/confirm.html", {
        "service_type": service_type,
        "clinician_name": clinician_name(clinician) if clinician else "",
        "start": start,
        "end": start + service_type.duration,
        "reason": reason,
        "back_url": back_url,
    })


# --- The client's appointments --------------------------------------------------------------


@dataclass
class UpcomingRow:
    appointment: Appointment
    late: bool  # inside the late-cancellation window: moving it online is closed


@client_required
def appointments(request: AuthenticatedRequest) -> HttpResponse:
    now = timezone.now()
    upcoming = [UpcomingRow(a, in_late_window(a, now))
                for a in appointments_upcoming_for_client(client=request.user, now=now)]
    return render(request, "booking/client/appointments.html", {
        "upcoming": upcoming,
        "past": list(appointments_past_for_client(client=request.user, now=now)),
        "waitlist": list(waitlist_entries_for_client(client=request.user)),
        "now": now,
    })


def _is_open(appointment: Appointment) -> bool:
    """Booked and not over yet: it can still be moved, cancelled or added to a calendar."""
    return appointment.status == AppointmentStatus.BOOKED and appointment.end > timezone.now()


@client_required
def detail(request: AuthenticatedRequest, appointment_id: uuid.UUID) -> HttpResponse:
    appointment = appointment_for_client(client=request.user, public_id=appointment_id)
    is_open = _is_open(appointment)
    return render(request, "booking/client/detail.html", {
        "appointment": appointment,
        "clinician_name": clinician_name(appointment.clinician),
        "changes": list(appointment.changes.all()),
        "is_open": is_open,
        "late": is_open and in_late_window(appointment),
        "now": timezone.now(),
        "join": join_link(appointment),
    })


@client_required
def appointment_ics(request: AuthenticatedRequest, appointment_id: uuid.UUID) -> HttpResponse:
    appointment = appointment_for_client(client=request.user, public_id=appointment_id)
    profile = _profile(request)
    body = render_appointment_ics(appointment=appointment, zone_name=request.user.time_zone,
                                  discreet=profile.discreet_mode)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    local = appointment.start.astimezone(request.user.zone)
    response["Content-Disposition"] = f'attachment; filename="appointment-{local:%Y-%m-%d}.ics"'
    return response


@client_required
@require_http_methods(["GET", "POST"])
def reschedule(request: AuthenticatedRequest, appointment_id: uuid.UUID) -> HttpResponse:
    appointment = appointment_for_client(client=request.user, public_id=appointment_id)
    if not _is_open(appointment):
        messages.info(request, "This appointment can no longer be moved.")
        return redirect("booking:detail", appointment_id=appointment.public_id)
    context: dict[str, Any] = {
        "appointment": appointment,
        "clinician_name": clinician_name(appointment.clinician),
        "late": in_late_window(appointment),
        "error": "",
        "picker": None,
        "start": None,
    }
    page_url = reverse("booking:reschedule", args=[appointment.public_id])
    if context["late"]:
        return render(request, "booking/client/reschedule.html", context)
    refusal = coaching_time_refusal(client=request.user, service_type=appointment.service_type)
    if refusal:
        # Rule 1: no moving coaching time while a flag is open; the service refuses it too.
        context["error"] = refusal
        context["refused"] = True
        return render(request, "booking/client/reschedule.html", context)

    if "start" in request.GET:
        start = _slot_or_404(request).cleaned_data["start"]
        day_url = f"{page_url}?{urlencode({'day': start.astimezone(request.user.zone).date()})}"
        if request.method == "POST":
            try:
                appointment_reschedule(appointment=appointment, start=start, by=request.user)
            except SlotUnavailable:
                messages.error(request, TAKEN)
                return redirect(day_url)
            except BookingNotAllowed as exc:
                context["error"] = str(exc)
            except ValidationError as exc:
                context["error"] = " ".join(exc.messages)
            else:
                messages.success(request,
                                 f"Moved to {_spoken(start, request.user.zone)}.")
                return redirect("booking:detail", appointment_id=appointment.public_id)
        elif not slot_is_offered(clinician=appointment.clinician,
                             service_type=appointment.service_type, start=start,
                             ignore=appointment):
            messages.warning(request, NOT_OFFERED)
            return redirect(day_url)
        context.update(start=start, end=start + appointment.service_type.duration,
                       back_url=day_url)
        return render(request, "booking/client/reschedule.html", context)

    if request.method == "POST":
        raise Http404("Choose one of the times offered.")
    context["picker"] = _time_picker(
        request, clinician=appointment.clinician, service_type=appointment.service_type,
        page_url=page_url, ignore=appointment,
        time_url=lambda local: f"{page_url}?{slot_query(start=local)}")
    return render(request, "booking/client/reschedule.html", context)


@client_required
@require_http_methods(["GET", "POST"])
def cancel(request: AuthenticatedRequest, appointment_id: uuid.UUID) -> HttpResponse:
    appointment = appointment_for_client(client=request.user, public_id=appointment_id)
    if not _is_open(appointment):
        messages.info(request, "This appointment is not booked any more.")
        return redirect("booking:detail", appointment_id=appointment.public_id)
    error = ""
    if request.method == "POST":
        try:
            appointment = appointment_cancel(appointment=appointment, by=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            text = (f"Your appointment on {_spoken(appointment.start, request.user.zone)} is "
                    "cancelled.")
            if appointment.status == AppointmentStatus.LATE_CANCELLED:
                text += " It was cancelled late, so the late-cancellation policy applies."
            messages.success(request, text)
            return redirect("booking:appointments")
    return render(request, "booking/client/cancel.html", {
        "appointment": appointment,
        "clinician_name": clinician_name(appointment.clinician),
        "late": in_late_window(appointment),
        "error": error,
    })


# --- Waitlist -------------------------------------------------------------------------------


@client_required
@require_POST
def waitlist_join(request: AuthenticatedRequest, code: str) -> HttpResponse:
    profile = _profile(request)
    service_type = service_type_bookable_for_client(client=request.user, code=code)
    form = WaitlistJoinForm(request.POST)
    if not form.is_valid():
        raise Http404("No such clinician.")
    choice = _clinician_for(profile, service_type, form.cleaned_data["clinician"])
    if choice.clinician is None:
        messages.error(request, NO_CLINICIAN)
        return redirect("booking:pick_time", code=service_type.code)
    try:
        services.waitlist_join(client=request.user, clinician=choice.clinician,
                              service_type=service_type)
    except BookingNotAllowed as exc:
        messages.error(request, str(exc))
        return redirect("booking:pick_time", code=service_type.code)
    messages.success(request, f"You are on the waitlist for a {service_type.name.lower()}. We "
                              "will email you when an earlier time opens.")
    return redirect("booking:appointments")


@client_required
@require_POST
def waitlist_leave(request: AuthenticatedRequest, entry_id: uuid.UUID) -> HttpResponse:
    entry = waitlist_entry_for_client(client=request.user, public_id=entry_id)
    services.waitlist_leave(entry=entry)
    messages.success(request, "You have left the waitlist.")
    return redirect("booking:appointments")


# --- Calendar feeds -------------------------------------------------------------------------


def _feed_url(feed: CalendarFeed | None) -> str:
    if feed is None:
        return ""
    return settings.SITE_URL + reverse("booking:feed", args=[feed.token])


@login_required
@require_http_methods(["GET", "POST"])
def calendar_feed_settings(request: AuthenticatedRequest) -> HttpResponse:
    """Clients and clinicians: create, replace or turn off their private feed link."""
    user = request.user
    if not (user.is_client or user.is_clinician):
        raise Http404("Calendar feeds are for clients and clinicians.")
    if request.method == "POST":
        form = CalendarFeedForm(request.POST)
        if form.is_valid():
            action = form.cleaned_data["action"]
            if action == "revoke":
                calendar_feed_revoke(user=user)
                messages.success(request, "Your calendar link is turned off. Calendars that "
                                          "used it stop updating.")
            else:
                calendar_feed_regenerate(user=user)
                messages.success(request, "Your new calendar link is ready. The old one, if "
                                          "you had one, no longer works."
                                 if action == "regenerate" else
                                 "Your calendar link is ready.")
        return redirect("booking:calendar_feed_settings")
    feed = CalendarFeed.objects.filter(user=user).first()
    url = _feed_url(feed)
    return render(request, "booking/calendar/settings.html", {
        "feed": feed,
        "feed_url": url,
        "webcal_url": url.replace("https://", "webcal://", 1).replace("http://", "webcal://", 1),
    })


FEED_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed: no sign-in, the token is the key. Two queries: the feed with its user
    (and client profile), then the appointments."""
    if not FEED_TOKEN.fullmatch(token):  # also keeps NUL bytes and the like away from the database
        raise Http404
    found = (CalendarFeed.objects.select_related("user__client_profile")
             .filter(token=token, user__is_active=True).first())
    if found is None:
        raise Http404
    user = found.user
    discreet = user.is_client and user.client_profile.discreet_mode
    body = feed_ics(appointments=appointments_for_feed(user=user), zone_name=user.time_zone,
                    discreet=discreet)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="appointments.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
