"""Reads of the goals app, each for the person asking, and each goal's progress figures.

The firewall: a client sees only the lines they use; a clinician sees goals of their own clients
only, and therapy goals only if they provide therapy (ClinicianProfile.service_lines).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from clients.access import clients_assigned_q, lines_for_staff, require_assigned
from clients.models import User
from goals.cadence import Schedule, period_dates, reminder_at
from goals.models import ActionStep, CheckIn, Comment, Goal, ReminderPreference


def _with_details(goals: QuerySet[Goal]) -> QuerySet[Goal]:
    return goals.select_related("created_by", "client").prefetch_related(
        Prefetch("check_ins", queryset=CheckIn.objects.order_by("-at", "-pk")),
        Prefetch("steps", queryset=ActionStep.objects.all()),
        Prefetch("comments", queryset=Comment.objects.select_related("author")),
    )


def goals_for_client(*, client: User) -> list[Goal]:
    """The client's goals in the lines they use, with check-ins, steps and comments (four
    queries)."""
    return list(_with_details(Goal.objects.filter(client=client,
                                                  service_line__in=client.client_profile.lines)))


def goals_for_check_in(*, client: User) -> list[Goal]:
    """The client's goals in the lines they use, without their history: the check-in page
    needs only the goals themselves (one query)."""
    return list(Goal.objects.filter(client=client, service_line__in=client.client_profile.lines))


def who5_answered_recently(*, client: User, now: datetime) -> bool:
    """Did the client answer the weekly WHO-5 (it goes with a coaching check-in) within
    WHO5_INTERVAL? The page asks it to offer the questions; the service to refuse a second."""
    from goals.services import WHO5_INTERVAL  # the services module imports this one

    return CheckIn.objects.filter(goal__client=client, who5__isnull=False,
                                  at__gt=now - WHO5_INTERVAL).exists()


def goal_for_client(*, client: User, public_id) -> Goal:
    """One of the client's own goals; 404 for anyone else's."""
    return get_object_or_404(_with_details(Goal.objects.filter(
        client=client, service_line__in=client.client_profile.lines)), public_id=public_id)


def goals_for_clinician(*, clinician: User, client: User) -> list[Goal]:
    require_assigned(clinician=clinician, client=client)
    return list(_with_details(Goal.objects.filter(
        client=client, service_line__in=lines_for_staff(clinician))))


def goal_for_clinician(*, clinician: User, public_id) -> Goal:
    """A goal of one of the clinician's clients, in a line they provide; 404 otherwise."""
    if not clinician.is_clinician:
        raise Http404
    return get_object_or_404(_with_details(Goal.objects.filter(
        clients_assigned_q(clinician=clinician, prefix="client"),
        service_line__in=lines_for_staff(clinician))), public_id=public_id)


def check_in_for_client(*, client: User, public_id) -> CheckIn:
    return get_object_or_404(CheckIn.objects.select_related("goal"), goal__client=client,
                             goal__service_line__in=client.client_profile.lines,
                             public_id=public_id)


@dataclass(frozen=True)
class Progress:
    last_check_in: datetime | None
    latest_value: Decimal | None
    percent: int | None  # coaching: from baseline to target
    streak: int  # the most recent check-in days in a row that have a check-in
    missed: int  # check-in days whose reminder time has passed without a check-in
    missed_in_a_row: int  # the most recent of those, back to the last check-in


def goal_progress(goal: Goal, *, now: datetime | None = None,
                  preference: ReminderPreference | None = None,
                  check_ins: Sequence | None = None) -> Progress:
    """Figures for one goal from its check-ins, newest first: the prefetched ones, or light rows
    with .at, .period and .value (a caseload's worth of model instances is slow). No queries."""
    now = now or timezone.now()
    check_ins = list(goal.check_ins.all()) if check_ins is None else list(check_ins)
    zone = goal.client.zone
    quiet = preference or ReminderPreference(client=goal.client)
    today = timezone.localdate(now, timezone=zone)
    checked = {check_in.period for check_in in check_ins}
    # Every check-in day before today is over; only today's depends on the reminder time
    # (computing it for each past day made a caseload of goals slow).
    passed: list[date] = [
        day for day in period_dates(goal, goal.anchor_date, today)
        if day < today or day in checked
        or reminder_at(goal, day, zone=zone, quiet_start=quiet.quiet_start,
                       quiet_end=quiet.quiet_end) <= now
    ]
    streak = missed_in_a_row = 0
    for day in reversed(passed):
        if day in checked:
            if missed_in_a_row:
                break
            streak += 1
        else:
            if streak:
                break
            missed_in_a_row += 1
    latest = next((c.value for c in check_ins if c.value is not None), None)
    return Progress(
        last_check_in=check_ins[0].at if check_ins else None,
        latest_value=latest,
        percent=goal.progress(latest),
        streak=streak,
        missed=sum(1 for day in passed if day not in checked),
        missed_in_a_row=missed_in_a_row,
    )


def reminder_preference_get(client: User) -> ReminderPreference:
    """The client's reminder preferences, or the defaults (unsaved) if they set none: a page
    view never writes."""
    try:
        return client.reminder_preference
    except ReminderPreference.DoesNotExist:
        return ReminderPreference(client=client)


def misses_in_a_row(goal: Schedule, *, zone: ZoneInfo, last_period: date | None,
                    now: datetime, quiet_start: time, quiet_end: time) -> int:
    """Check-in days missed since the last check-in (or since the goal began), counting today's
    only once its reminder time (moved out of the client's quiet hours, in the client's
    ``zone``) has passed. Needs only the last check-in's period, so a whole caseload's goals
    cost no more than their own rows. No queries."""
    today = timezone.localdate(now, timezone=zone)
    start = last_period + timedelta(days=1) if last_period else goal.anchor_date
    return sum(
        1 for day in period_dates(goal, start, today)
        if day < today or reminder_at(goal, day, zone=zone, quiet_start=quiet_start,
                                      quiet_end=quiet_end) <= now)
