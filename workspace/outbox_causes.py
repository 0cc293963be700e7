"""Does the reason for a message still hold? One check per kind, for resending a failed or
needs-review message (notifications.services.notification_resend). The outbox sits below the
apps, so the workspace, which composes them, wires the checks in at start-up
(WorkspaceConfig.ready).
Each returns None when the message may go, or why not, in words for the person asking."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from django.utils import timezone

from goals.models import CheckIn, Goal, GoalStatus
from notifications.keys import Scope
from notifications.models import Notification
from notifications.services import cause_check_register
from screening.models import RiskFlag
from sessions.measures import retake_covered
from sessions.models import Appointment, AppointmentStatus, SessionMeasures

Kind = Notification.Kind


def _scoped(notification: Notification, kind: str) -> uuid.UUID | None:
    scope = Scope.parse(notification.scope)
    if scope is None or scope.kind != kind:
        return None
    return uuid.UUID(scope.ident)


def _start(notification: Notification) -> datetime | None:
    value = notification.context.get("start_at")
    return datetime.fromisoformat(value) if value else None


def _appointment(notification: Notification) -> Appointment | None:
    public_id = _scoped(notification, "appointment")
    if public_id is None:
        return None
    return Appointment.objects.filter(public_id=public_id).first()


def appointment_still_booked(notification: Notification) -> str | None:
    appointment = _appointment(notification)
    if appointment is None or appointment.status != AppointmentStatus.BOOKED:
        return "The appointment is no longer booked."
    if appointment.start != _start(notification):
        return "The appointment has moved; its new time has messages of its own."
    if notification.kind == Kind.APPOINTMENT_REMINDER and appointment.start <= timezone.now():
        return "The appointment has begun."
    return None


def appointment_still_cancelled(notification: Notification) -> str | None:
    appointment = _appointment(notification)
    if appointment is None or appointment.status not in (AppointmentStatus.CANCELLED,
                                                         AppointmentStatus.LATE_CANCELLED):
        return "The appointment is no longer cancelled."
    return None


def check_in_still_due(notification: Notification) -> str | None:
    public_id = _scoped(notification, "goal")
    goal = Goal.objects.filter(public_id=public_id).first() if public_id else None
    if goal is None or goal.status != GoalStatus.ACTIVE or goal.needs_approval:
        return "The goal is no longer active."
    period = notification.context.get("period")
    if period and CheckIn.objects.filter(goal=goal, period=date.fromisoformat(period)).exists():
        return "The client has checked in for that period."
    return None


def risk_flag_still_open(notification: Notification) -> str | None:
    flag_id = notification.context.get("flag_id")
    if not flag_id or not RiskFlag.objects.filter(public_id=flag_id,
                                                  status=RiskFlag.Status.OPEN).exists():
        return "The risk flag has been resolved."
    return None


def offer_still_ahead(notification: Notification) -> str | None:
    start = _start(notification)
    if start is None or start <= timezone.now():
        return "The offered time has passed."
    return None


def measures_still_wanted(notification: Notification) -> str | None:
    """Measures before a session: the session still ahead at the invitation's time, booked,
    and its measures not answered yet. The four-weekly retake: not replaced since by measures
    before sessions (the one rule, ``sessions.measures.retake_covered``)."""
    scope = Scope.parse(notification.scope)
    if scope is not None and scope.kind == "measures":
        if retake_covered(client=notification.recipient, line=scope.ident.split(":")[-1]):
            return "Measures before the client's sessions ask for these now."
        return None
    refusal = appointment_still_booked(notification)
    if refusal:
        return refusal
    appointment = _appointment(notification)
    if appointment is None or appointment.start <= timezone.now():
        return "The appointment has begun."
    measures_id = notification.context.get("measures_id")
    measures = (SessionMeasures.objects.filter(public_id=measures_id, appointment=appointment)
                .first() if measures_id else None)
    if measures is None:
        return "The appointment no longer asks for measures."
    if measures.completed_at is not None:
        return "The client has answered these measures."
    return None


def register() -> None:
    for kind in (Kind.APPOINTMENT_REMINDER, Kind.APPOINTMENT_CONFIRMED,
                 Kind.APPOINTMENT_CHANGED):
        cause_check_register(kind=kind, check=appointment_still_booked)
    cause_check_register(kind=Kind.APPOINTMENT_CANCELLED, check=appointment_still_cancelled)
    cause_check_register(kind=Kind.CHECK_IN_REMINDER, check=check_in_still_due)
    cause_check_register(kind=Kind.RISK_ALERT, check=risk_flag_still_open)
    cause_check_register(kind=Kind.WAITLIST_OFFER, check=offer_still_ahead)
    cause_check_register(kind=Kind.MEASURES_INVITATION, check=measures_still_wanted)
