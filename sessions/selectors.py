"""Reads of the booking app: free slots, what a client may book, and appointments fetched for
the person asking."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import cast
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from clients.models import User
from clients.selectors import ConsentRefusal, consent_refusal, consent_refusals_for_client
from screening.selectors import has_open_risk_flag
from sessions.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    AvailabilityException,
    BookableBy,
    Location,
    ServiceKind,
    ServiceLine,
    ServiceType,
    WaitlistEntry,
    WeeklyAvailability,
)


def clinician_zone(clinician: User) -> ZoneInfo:
    """Availability is defined in the clinician's working zone (their profile), not in the zone
    they happen to read pages in."""
    return ZoneInfo(clinician.clinician_profile.time_zone)


def local_to_utc(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """A wall-clock time on a date in a zone, as UTC. In the spring gap a time that does not
    exist reads with the offset before the change (2:30 becomes 3:30), like a wall clock."""
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


def _overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def blocks_overlapping(*, clinician: User, start: datetime, end: datetime,
                       ignore: Appointment | None = None) -> QuerySet[Appointment]:
    """The clinician's active appointments whose block (buffers included) overlaps
    [start, end). On PostgreSQL the overlap is said a second time as a range overlap, the form
    the no-overlap constraint's GiST index answers: EXPLAIN on the large practice reads the 211
    rows of four weeks instead of all 3,764 of the clinician (5.9 ms -> 0.7 ms)."""
    query = Appointment.objects.filter(clinician=clinician, status__in=ACTIVE_STATUSES,
                                       block_start__lt=end, block_end__gt=start)
    if connection.vendor == "postgresql":
        query = query.filter(RawSQL("tstzrange(block_start, block_end, '[)') "
                                    "&& tstzrange(%s, %s, '[)')", (start, end),
                                    output_field=BooleanField()))
    if ignore is not None:
        query = query.exclude(pk=ignore.pk)
    return query


def _merged(blocks: list[tuple[datetime, datetime]]) -> tuple[list[datetime], list[datetime]]:
    """Busy blocks as a sorted union of disjoint intervals (starts, ends): the ends are then
    sorted too, so one bisection finds the only block a candidate can run into."""
    starts: list[datetime] = []
    ends: list[datetime] = []
    for block_start, block_end in sorted(blocks):
        if ends and block_start <= ends[-1]:
            ends[-1] = max(ends[-1], block_end)
        else:
            starts.append(block_start)
            ends.append(block_end)
    return starts, ends


@dataclass
class FreeTimes:
    """One clinician's calendar for one service type over a range, read once (three queries):
    weekly hours and extra hours for the line, time off, and the active appointments with their
    buffers. ``between`` computes the free start times of any part of the range without another
    query, so a page computes only the days it shows."""

    zone: ZoneInfo
    duration: timedelta
    before: timedelta
    after: timedelta
    grid: timedelta
    earliest: datetime
    latest: datetime
    weekly: dict[int, list[tuple[time, time]]]
    exceptions: dict[date, list[AvailabilityException]]
    busy_starts: list[datetime]
    busy_ends: list[datetime]

    def between(self, start: datetime, end: datetime) -> list[datetime]:
        """Free start times (aware, UTC, sorted) from ``start`` to ``end``: an interval sweep.
        Candidates of a window walk forward on the grid; the merged busy blocks are bisected
        once per window, and a candidate that runs into a block jumps past its end."""
        earliest, latest = max(start, self.earliest), min(end, self.latest)
        if earliest >= latest:
            return []
        zone, grid, duration = self.zone, self.grid, self.duration
        before, after = self.before, self.after
        starts, ends = self.busy_starts, self.busy_ends
        blocks = len(ends)
        slots: set[datetime] = set()
        day = earliest.astimezone(zone).date()
        last_day = latest.astimezone(zone).date()
        while day <= last_day:
            todays = self.exceptions.get(day, [])
            off = [e for e in todays if e.kind == AvailabilityException.Kind.OFF]
            if not any(e.whole_day for e in off):
                # A part-day exception has both times (its model's clean); whole days are out.
                off_ranges = [(local_to_utc(day, cast(time, e.start_time), zone),
                               local_to_utc(day, cast(time, e.end_time), zone)) for e in off]
                windows = self.weekly.get(day.weekday(), []) + [
                    (cast(time, e.start_time), cast(time, e.end_time)) for e in todays
                    if e.kind == AvailabilityException.Kind.EXTRA]
                for window_start, window_end in windows:
                    slot = local_to_utc(day, window_start, zone)
                    closes = local_to_utc(day, window_end, zone)
                    if slot < earliest:  # on to the window's first grid point from earliest
                        slot += grid * -((slot - earliest) // grid)
                    i = bisect_right(ends, slot - before)
                    while slot + duration <= closes and slot < latest:
                        needs_from = slot - before
                        while i < blocks and ends[i] <= needs_from:
                            i += 1
                        if i < blocks and starts[i] < slot + duration + after:
                            # Taken: the next candidate that can fit starts after this block.
                            slot += grid * -((slot - (ends[i] + before)) // grid)
                            continue
                        if not any(_overlaps(slot, slot + duration, a, b)
                                   for a, b in off_ranges):
                            slots.add(slot)
                        slot += grid
            day += timedelta(days=1)
        return sorted(slots)


def free_times(*, clinician: User, service_type: ServiceType, start: datetime, end: datetime,
               now: datetime | None = None, ignore: Appointment | None = None) -> FreeTimes:
    """The calendar ``available_slots`` reads, for callers that compute several parts of one
    range (the time picker). Three queries, whatever the range."""
    now = now or timezone.now()
    zone = clinician_zone(clinician)
    earliest = max(start, now + timedelta(hours=service_type.min_notice_hours))
    latest = min(end, now + timedelta(days=service_type.horizon_days))
    duration = service_type.duration
    before, after = service_type.buffer_before, service_type.buffer_after
    grid = timedelta(minutes=settings.BOOKING_SLOT_GRID_MINUTES)
    calendar = FreeTimes(zone=zone, duration=duration, before=before, after=after, grid=grid,
                         earliest=earliest, latest=latest, weekly={}, exceptions={},
                         busy_starts=[], busy_ends=[])
    if earliest >= latest:
        return calendar
    line = Q(service_line="") | Q(service_line=service_type.service_line)
    first_day = earliest.astimezone(zone).date()
    last_day = latest.astimezone(zone).date()
    for hours in WeeklyAvailability.objects.filter(line, clinician=clinician):
        calendar.weekly.setdefault(hours.weekday, []).append((hours.start_time, hours.end_time))
    for exception in AvailabilityException.objects.filter(
            line, clinician=clinician, date__range=(first_day, last_day)):
        calendar.exceptions.setdefault(exception.date, []).append(exception)
    busy_query = blocks_overlapping(clinician=clinician, start=earliest - before,
                                    end=latest + duration + after, ignore=ignore)
    calendar.busy_starts, calendar.busy_ends = _merged(
        list(busy_query.order_by().values_list("block_start", "block_end")))
    return calendar


def available_slots(*, clinician: User, service_type: ServiceType, start: datetime,
                    end: datetime, now: datetime | None = None,
                    ignore: Appointment | None = None) -> list[datetime]:
    """Free start times (aware, UTC, sorted) for this service type between ``start`` and
    ``end``: the clinician's weekly hours and extra hours for the line, minus time off, minus
    every active appointment and its buffers, from the minimum notice to the horizon, on the
    slot grid. Three queries whatever the range. ``ignore`` leaves one appointment out (the one
    being moved)."""
    return free_times(clinician=clinician, service_type=service_type, start=start, end=end,
                      now=now, ignore=ignore).between(start, end)


def slot_is_offered(*, clinician: User, service_type: ServiceType, start: datetime,
                    ignore: Appointment | None = None) -> bool:
    """Is ``start`` one of the free slots a client may pick (the booking page, the booking
    service and a move all ask this)? Never a time years away (the arithmetic near year 1 or
    9999 would overflow)."""
    if abs(start - timezone.now()) > timedelta(days=5 * 366):
        return False
    return start in available_slots(clinician=clinician, service_type=service_type,
                                    start=start, end=start + timedelta(seconds=1),
                                    ignore=ignore)


def service_types_bookable() -> QuerySet[ServiceType]:
    return ServiceType.objects.filter(is_active=True)


# --- What a client may book -------------------------------------------------------------------
#
# Two questions, answered side by side: which service types a client is offered at all (the
# booking page lists them), and whether one of those can be booked now, with whom, and if not,
# why not (booking_eligibility, which every booking service checks again).


COACHING_AT_RISK = (
    "Coaching can't be booked or moved right now: your clinician will be in touch first. If "
    "you need support now, call or text 988. A therapy consultation is still available.")


# The same refusal as a clinician reads it (their own booking for the client, a move).
COACHING_AT_RISK_FOR_STAFF = (
    "This client has an open risk flag: coaching can't be booked or moved until a clinician "
    "resolves it. Therapy stays bookable.")


def refusal_for_staff(reason: str) -> str:
    return COACHING_AT_RISK_FOR_STAFF if reason == COACHING_AT_RISK else reason


class ClientBookingFacts:
    """What booking_eligibility reads about one client, each read at most once: a page that
    asks about every service type (the booking page) pays one query per fact, not one per
    type. Made fresh per request and never stored, so nothing in it is stale or shared: the
    services that book ask again without it."""

    def __init__(self, client: User) -> None:
        self.client = client
        self._consent: dict[str, ConsentRefusal | None] = {}
        self.at_risk = cache(lambda: has_open_risk_flag(client))
        self.therapy_intake_done = cache(lambda: Appointment.objects.filter(
            client=client, status=AppointmentStatus.COMPLETED,
            service_type__service_line=ServiceLine.THERAPY,
            service_type__kind=ServiceKind.INTAKE).exists())

    def consent_refusal(self, kind: str) -> ConsentRefusal | None:
        """Every line's at once on the first ask (two queries, however many lines)."""
        if not self._consent:
            self._consent = consent_refusals_for_client(client=self.client)
        return self._consent[kind] if kind in self._consent \
            else consent_refusal(client=self.client, kind=kind)


def coaching_time_refusal(*, client: User, service_type: ServiceType,
                          facts: ClientBookingFacts | None = None) -> str | None:
    """Rule 1, the one predicate for coaching time: why no coaching appointment may be created
    or moved for this client now (an open risk flag), or None. Every service that creates or
    moves an appointment asks it (book, reschedule by either party, series, waitlist offers and
    the booking they lead to, a clinician booking for a client), and the save itself asks it
    once more under the calendar lock. Therapy is never refused here. One query, for coaching
    only."""
    if service_type.service_line == ServiceLine.COACHING and (
            facts.at_risk() if facts is not None else has_open_risk_flag(client)):
        return COACHING_AT_RISK
    return None


def booking_eligibility(*, client: User, clinician: User, service_type: ServiceType,
                        by: User | None = None,
                        facts: ClientBookingFacts | None = None) -> str | None:
    """Why this client cannot book this service type with this clinician, or None.

    Consultations are open to anyone signed up; intakes and sessions need a current consent for
    the line and the client's own clinician; therapy sessions come after a completed intake;
    coaching is never booked while a risk flag is open (rule 1), therapy stays bookable.
    ``facts`` (the client's, for one request) lets a page that asks about many service types
    read each fact once.
    """
    by = by or client
    facts = facts if facts is not None and facts.client == client else ClientBookingFacts(client)
    if not client.is_client or not client.is_active:
        return "Only an active client account can have appointments."
    if not clinician.is_clinician or not clinician.is_active:
        return "Choose one of the practice's clinicians."
    if not service_type.is_active:
        return "This kind of appointment is not offered at the moment."
    if by == client and service_type.bookable_by == BookableBy.CLINICIAN:
        return "Your clinician books this kind of appointment with you."
    assigned = client.client_profile.clinician_id
    if by != client and assigned not in (None, clinician.pk):
        return "This client is assigned to another clinician."
    line = service_type.service_line
    refusal = coaching_time_refusal(client=client, service_type=service_type, facts=facts)
    if refusal:
        return refusal
    if service_type.kind == ServiceKind.CONSULTATION:
        return None
    if assigned != clinician.pk:
        return "Sessions are booked with your own clinician, after a first consultation."
    if consent := facts.consent_refusal(line):
        return consent
    if line == ServiceLine.THERAPY and service_type.kind == ServiceKind.SESSION \
            and not facts.therapy_intake_done():
        return "Therapy sessions start after your therapy intake."
    return None


def _client_lines(client: User) -> frozenset[str]:
    """The service lines on the client's profile (signing a line's consent adds it); none for a
    prospective client."""
    return frozenset(client.client_profile.lines)


def _offered_to_client(service_type: ServiceType, *, lines: frozenset[str],
                       at_risk: Callable[[], bool]) -> bool:
    """A client is offered the service types of their own lines; a prospective client (no line
    yet) the consultations of both; a coaching-only client with an open risk flag the therapy
    consultation too: it stays bookable while booking_eligibility blocks coaching (rule 1), and
    the reason it gives points to it. Coaching stays listed, with that reason. ``at_risk`` is
    only called in that last case, so other clients cost no risk-flag query."""
    if service_type.service_line in lines:
        return True
    is_consultation = service_type.kind == ServiceKind.CONSULTATION
    if not lines:
        return is_consultation
    return (is_consultation and service_type.service_line == ServiceLine.THERAPY
            and lines == {ServiceLine.COACHING} and at_risk())


def service_types_bookable_for_client(*, client: User,
                                      facts: ClientBookingFacts | None = None
                                      ) -> list[ServiceType]:
    """The active service types this client is offered, in the service types' order. One query,
    and one more (an open risk flag?) for a coaching-only client. Reads
    ``client.client_profile``: a caller that already fetched it keeps it cached on the user."""
    lines = _client_lines(client)
    at_risk = facts.at_risk if facts is not None else cache(lambda: has_open_risk_flag(client))
    return [service_type for service_type in service_types_bookable()
            if _offered_to_client(service_type, lines=lines, at_risk=at_risk)]


def service_type_bookable_for_client(*, client: User, code: str) -> ServiceType:
    """One active service type by code, if this client is offered it; 404 otherwise (an unknown
    code, an inactive type, or another line's)."""
    service_type = get_object_or_404(service_types_bookable(), code=code)
    if not _offered_to_client(service_type, lines=_client_lines(client),
                              at_risk=lambda: has_open_risk_flag(client)):
        raise Http404("Not offered to this client.")
    return service_type


# The video link shows on the appointment page from this long before the start.
JOIN_OPENS_BEFORE = timedelta(minutes=15)


@dataclass(frozen=True)
class JoinLink:
    url: str  # "" until it opens (or when there is no room)
    opens_at: datetime


def join_link(appointment: Appointment, *, now: datetime | None = None) -> JoinLink | None:
    """The video room of a booked video appointment: the clinician's own, else the type's.
    None for other appointments; the url is given from 15 minutes before the start until the
    end. Needs service_type and clinician__clinician_profile (appointment_for_client)."""
    if (appointment.service_type.location != Location.VIDEO
            or appointment.status != AppointmentStatus.BOOKED):
        return None
    now = now or timezone.now()
    opens_at = appointment.start - JOIN_OPENS_BEFORE
    if now >= appointment.end:
        return None
    profile = getattr(appointment.clinician, "clinician_profile", None)
    room = (profile.video_url if profile is not None else "") or appointment.service_type.video_url
    return JoinLink(url=room if now >= opens_at else "", opens_at=opens_at)


def appointment_for_client(*, client: User, public_id) -> Appointment:
    """One of the client's own appointments; 404 for anyone else's."""
    return get_object_or_404(
        Appointment.objects.select_related("service_type", "clinician__clinician_profile"),
        client=client, public_id=public_id)


def appointment_for_clinician(*, clinician: User, public_id) -> Appointment:
    """One of the clinician's own appointments; 404 for anyone else's (and for clients)."""
    if not clinician.is_clinician:
        raise Http404
    return get_object_or_404(
        Appointment.objects.select_related("service_type", "client__client_profile"),
        clinician=clinician, public_id=public_id)


def appointments_upcoming_for_client(*, client: User, now: datetime | None = None
                                     ) -> QuerySet[Appointment]:
    now = now or timezone.now()
    return (Appointment.objects.filter(client=client, status=AppointmentStatus.BOOKED,
                                       end__gt=now)
            .select_related("service_type", "clinician__clinician_profile").order_by("start"))


def appointments_past_for_client(*, client: User, now: datetime | None = None
                                 ) -> QuerySet[Appointment]:
    now = now or timezone.now()
    return (Appointment.objects.filter(client=client)
            .filter(Q(end__lte=now) | ~Q(status=AppointmentStatus.BOOKED))
            .select_related("service_type", "clinician__clinician_profile").order_by("-start"))


def appointments_for_clinician_between(*, clinician: User, start: datetime, end: datetime
                                       ) -> QuerySet[Appointment]:
    return (Appointment.objects.filter(clinician=clinician, start__lt=end, end__gt=start)
            .select_related("service_type", "client").order_by("start"))


def appointments_for_feed(*, user: User, now: datetime | None = None
                          ) -> QuerySet[Appointment]:
    """What a private calendar feed lists: the person's booked appointments from a week ago on
    (as client or as clinician)."""
    now = now or timezone.now()
    mine = Q(clinician=user) if user.is_clinician else Q(client=user)
    return (Appointment.objects.filter(mine, status=AppointmentStatus.BOOKED,
                                       end__gt=now - timedelta(days=7))
            .select_related("service_type").order_by("start"))


def waitlist_entries_for_client(*, client: User) -> QuerySet[WaitlistEntry]:
    return (WaitlistEntry.objects.filter(client=client, status=WaitlistEntry.Status.WAITING)
            .select_related("service_type", "clinician__clinician_profile"))


def waitlist_entry_for_client(*, client: User, public_id) -> WaitlistEntry:
    """One of the client's own waitlist entries; 404 for anyone else's."""
    return get_object_or_404(WaitlistEntry, client=client, public_id=public_id)
