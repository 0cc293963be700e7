"""Measures before sessions (issue 17): which appointments ask for which measures, the
invitation through the outbox the day before, and the answers.

Per service line the practice keeps a plan (``MeasurePlan`` without a client; the defaults
below until it has one) and a clinician may set a client's own. Before every session, before
every other one (the client's 1st, 3rd, 5th ... appointment in the line, by start, cancelled
ones not counted), or every N weeks (when no earlier appointment of the line asked in the N
weeks before this one). Decided when the appointment is booked or moved, in that
transaction, with its reminders; the invitation is cancelled with the appointment.

The invitation says nothing clinical (rule 7): "a few questions before your next
appointment", a link to sign in. The form asks only the planned measures and closes when the
session ends.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from clients.models import User
from notifications import keys
from notifications.models import Notification
from notifications.services import notification_schedule, notifications_cancel
from screening.instruments import INSTRUMENTS
from screening.models import ScreeningResponse
from screening.services import RETAKE_LINE_INSTRUMENTS, screening_submit_many
from sessions.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    MeasureCadence,
    MeasurePlan,
    SessionMeasures,
)

# The measures each line asks for, by default (the defaults).
LINE_INSTRUMENTS: dict[str, tuple[str, ...]] = {"therapy": ("phq9", "gad7", "pcl5"),
                                                "coaching": ("who5",)}
INVITE_BEFORE = timedelta(hours=24)


@dataclass(frozen=True)
class Plan:
    cadence: str
    every_weeks: int
    instruments: tuple[str, ...]
    own: bool  # the client's own plan, not the practice's


DEFAULT_PLANS: dict[str, Plan] = {
    "therapy": Plan(MeasureCadence.EVERY, 4, ("phq9", "gad7"), own=False),
    "coaching": Plan(MeasureCadence.EVERY_OTHER, 4, ("who5",), own=False),
}


def measure_plan_for(*, client: User, line: str) -> Plan:
    """The client's own plan for the line, or the practice's, or the default (one query)."""
    rows = {row.client_id: row for row in MeasurePlan.objects.filter(
        Q(client=client) | Q(client__isnull=True), service_line=line)}
    row = rows.get(client.pk) or rows.get(None)
    if row is None:
        return DEFAULT_PLANS[line]
    return Plan(row.cadence, row.every_weeks, tuple(row.instruments), own=row.client_id is not None)


def _asks(appointment: Appointment, plan: Plan) -> bool:
    if plan.cadence == MeasureCadence.NONE or not plan.instruments:
        return False
    if plan.cadence == MeasureCadence.EVERY:
        return True
    same_line = Appointment.objects.filter(
        client=appointment.client, status__in=ACTIVE_STATUSES,
        service_type__service_line=appointment.service_type.service_line,
        start__lt=appointment.start).exclude(pk=appointment.pk)
    if plan.cadence == MeasureCadence.EVERY_OTHER:
        return same_line.count() % 2 == 0
    window = appointment.start - timedelta(weeks=plan.every_weeks)
    return not SessionMeasures.objects.filter(
        appointment__in=same_line.filter(start__gt=window)).exists()


def session_measures_plan(*, appointment: Appointment) -> SessionMeasures | None:
    """Ask (or stop asking) for measures before this appointment, and schedule the invitation
    for its current time. Runs inside the booking's transaction."""
    notifications_cancel(scope=keys.appointment_scope(appointment.public_id),
                         kinds=[Notification.Kind.MEASURES_INVITATION],
                         reason="The appointment was moved, cancelled or has taken place.")
    existing = SessionMeasures.objects.filter(appointment=appointment).first()
    if existing is not None and existing.completed_at is not None:
        return existing
    line = appointment.service_type.service_line
    plan = measure_plan_for(client=appointment.client, line=line)
    if appointment.status != AppointmentStatus.BOOKED or not _asks(appointment, plan):
        if existing is not None:
            existing.delete()
        return None
    instruments = [code for code in plan.instruments if code in INSTRUMENTS]
    measures, _ = SessionMeasures.objects.update_or_create(
        appointment=appointment, defaults={"client": appointment.client,
                                           "instruments": instruments,
                                           "expires_at": appointment.end})
    now = timezone.now()
    if appointment.start > now:
        notification_schedule(
            recipient=appointment.client,
            kind=Notification.Kind.MEASURES_INVITATION,
            dedupe_key=keys.session_measures(appointment_public_id=appointment.public_id,
                                             sequence=appointment.sequence),
            due_at=max(now, appointment.start - INVITE_BEFORE),
            context={"start_at": appointment.start.isoformat(),
                     "measures_id": str(measures.public_id)},
        )
    _retake_cancel_if_covered(client=appointment.client, line=line)
    return measures


# Session measures answered this recently stand in for the four-weekly retake.
RETAKE_RECENT = timedelta(days=28)


def retake_covered(*, client: User, line: str, now=None) -> bool:
    """One schedule per measure (issue 17): True when measures before sessions already ask
    this client for every measure of the line's four-weekly retake
    (``screening.services.RETAKE_LINE_INSTRUMENTS``), so the retake is not sent as well.

    Covered means the plan for the client and line (their own or the practice's) asks for the
    measure, and either an appointment of the line is booked with that measure still open
    (not answered, not expired) or the client answered it before a session in the last 28
    days. Both planners call this: the retake's (screening, through the hook registered in
    BookingConfig.ready) and ``session_measures_plan``. Two queries."""
    now = now or timezone.now()
    plan = measure_plan_for(client=client, line=line)
    wanted = RETAKE_LINE_INSTRUMENTS.get(line, frozenset())
    if plan.cadence == MeasureCadence.NONE or not wanted <= set(plan.instruments):
        return False
    asked = SessionMeasures.objects.filter(
        client=client, appointment__service_type__service_line=line).filter(
        Q(completed_at__isnull=True, appointment__status=AppointmentStatus.BOOKED,
          expires_at__gt=now)
        | Q(completed_at__gte=now - RETAKE_RECENT)).values_list("instruments", flat=True)
    return wanted <= set().union(*map(set, asked))


def _retake_cancel_if_covered(*, client: User, line: str) -> None:
    if retake_covered(client=client, line=line):
        notifications_cancel(scope=keys.measures_scope(client_id=client.pk, line=line),
                             reason="Measures before sessions ask for these now.")


def session_measures_for_client(*, client: User, public_id) -> SessionMeasures:
    """The client's own measures before one of their appointments; 404 for anyone else's."""
    return get_object_or_404(SessionMeasures.objects.select_related("appointment"),
                             client=client, public_id=public_id)


def session_measures_refusal(measures: SessionMeasures, *, now=None) -> str:
    """Why the form is closed, or "" while it is open."""
    now = now or timezone.now()
    if measures.completed_at is not None:
        return "Thank you: you have already answered these."
    if measures.appointment.status != AppointmentStatus.BOOKED or now >= measures.expires_at:
        return "These questions have closed: the appointment they were for is over."
    return ""


def session_measures_submit(*, measures: SessionMeasures, client: User,
                            answers_by_instrument: Mapping[str, Mapping[str, int]]
                            ) -> list[ScreeningResponse]:
    """Record the answers to exactly the planned measures, once, while the form is open. A
    safety answer opens the flag as any screening does (``screening_submit_many``)."""
    if measures.client_id != client.pk:
        raise ValidationError("These questions are not yours.")
    if set(answers_by_instrument) != set(measures.instruments):
        raise ValidationError("Answer every questionnaire on the page.")
    with transaction.atomic():
        locked = SessionMeasures.objects.select_for_update().get(pk=measures.pk)
        locked.appointment = measures.appointment
        refusal = session_measures_refusal(locked)
        if refusal:
            raise ValidationError(refusal)
        responses = screening_submit_many(client=client,
                                          answers_by_instrument=answers_by_instrument)
        locked.completed_at = timezone.now()
        locked.save(update_fields=["completed_at"])
        locked.responses.set(responses)
    return responses


def measure_plan_set(*, client: User, line: str, cadence: str, every_weeks: int,
                     instruments: list[str], by: User) -> MeasurePlan:
    """A clinician sets the client's own plan for a line (their own client only)."""
    from clients.access import clinician_is_assigned, lines_for_staff

    if not clinician_is_assigned(clinician=by, client=client) or line not in lines_for_staff(by):
        raise ValidationError("Only the client's own clinician sets their measures.")
    errors = {}
    if cadence not in MeasureCadence.values:
        errors["cadence"] = "Choose when the measures go out."
    if not isinstance(every_weeks, int) or not 1 <= every_weeks <= 52:
        errors["every_weeks"] = "Choose from 1 to 52 weeks."
    allowed = [code for code in LINE_INSTRUMENTS.get(line, ()) if code in INSTRUMENTS]
    if not instruments and cadence != MeasureCadence.NONE:
        errors["instruments"] = "Choose at least one measure."
    elif any(code not in allowed for code in instruments):
        errors["instruments"] = "Choose from this line's measures."
    if errors:
        raise ValidationError(errors)
    plan, _ = MeasurePlan.objects.update_or_create(
        client=client, service_line=line,
        defaults={"cadence": cadence, "every_weeks": every_weeks, "instruments": instruments,
                  "updated_by": by, "updated_at": timezone.now()})
    return plan


@dataclass(frozen=True)
class AnsweredMeasure:
    title: str
    score: str
    band: str


def session_measures_for_clinician(*, clinician: User, appointment: Appointment) -> dict | None:
    """What the clinician's appointment page shows of the measures asked before it (two
    queries): which were asked, whether they are answered, and the answers' totals, without
    the therapy measures behind the firewall."""
    from screening.selectors import outcome_instruments_for_clinician

    planned = SessionMeasures.objects.filter(appointment=appointment).first()
    if planned is None:
        return None
    visible = set(outcome_instruments_for_clinician(clinician))
    answered = []
    if planned.completed_at is not None:
        for response in planned.responses.all():
            if response.instrument not in visible:
                continue
            instrument = INSTRUMENTS[response.instrument]
            score = (f"{response.percent}%" if response.instrument == "who5"
                     else str(response.total))
            answered.append(AnsweredMeasure(instrument.title, score, response.band))
    return {"planned": planned,
            "titles": [INSTRUMENTS[code].title for code in planned.instruments
                       if code in visible and code in INSTRUMENTS],
            "answered": answered,
            "closed": bool(session_measures_refusal(planned)) and planned.completed_at is None}
