"""Every outbox dedupe key and scope, in one place (DESIGN.md: "every outbox key").

A key names the *event* a message is about, never a time that can come back: an appointment
moved away and back is a new version of it (its ``sequence``), so the final time gets reminders
of its own instead of finding the cancelled rows of the first visit. A check-in reminder is
"the n-th plan for this goal's period", so a plan withdrawn and made again is a new row.

A scope names the thing rows are about (an appointment, a goal, a risk flag, a line of measures
invitations). Rows are cancelled by their exact key or by a typed scope, never by matching the
start of a key: ``Scope`` can only be built by the functions here.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # the layers point one way: notifications imports no app above it
    from clients.models import User

ScopeKind = Literal["appointment", "goal", "risk-flag", "measures", "thread", "document"]


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind
    ident: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.ident}"

    @classmethod
    def parse(cls, value: str) -> Scope | None:
        kind, _, ident = value.partition(":")
        if kind not in ("appointment", "goal", "risk-flag", "measures", "thread",
                        "document") or not ident:
            return None
        return cls(kind, ident)  # type: ignore[arg-type]


@dataclass(frozen=True)
class OutboxKey:
    """A row's dedupe key and the scope it belongs to (if any)."""

    value: str
    scope: Scope | None = None

    def __str__(self) -> str:
        return self.value


def _hex(public_id: uuid.UUID | str) -> str:
    # 32 hex digits: what a UUID column reads as text on SQLite, and on PostgreSQL once its
    # dashes are removed (the safety net joins goals to scopes in SQL; see goals.services).
    return uuid.UUID(str(public_id)).hex


# --- scopes ------------------------------------------------------------------------------------

def appointment_scope(public_id: uuid.UUID | str) -> Scope:
    return Scope("appointment", _hex(public_id))


def goal_scope(public_id: uuid.UUID | str) -> Scope:
    return Scope("goal", _hex(public_id))


def risk_flag_scope(public_id: uuid.UUID | str) -> Scope:
    return Scope("risk-flag", _hex(public_id))


def thread_scope(public_id: uuid.UUID | str) -> Scope:
    """A message thread: its "You have a new message" emails (at most one an hour)."""
    return Scope("thread", _hex(public_id))


def document_scope(public_id: uuid.UUID | str) -> Scope:
    return Scope("document", _hex(public_id))


def measures_scope(*, client_id: int, line: str) -> Scope:
    return Scope("measures", f"{client_id}:{line}")


# --- keys --------------------------------------------------------------------------------------

def welcome(*, user: User) -> OutboxKey:
    return OutboxKey(f"welcome:{user.pk}")


def risk_alert(*, flag_public_id: uuid.UUID | str, instrument: str,
               positive: Mapping[str, int], clinician_id: int) -> OutboxKey:
    """One alert per clinician for each distinct set of safety answers on a flag: the same
    answers sent again (a half-filled page, then the whole of it) alert once; new ones (a plan,
    after thoughts) alert again."""
    answered = ",".join(f"{code}={value}" for code, value in sorted(positive.items()))
    return OutboxKey(f"risk-alert:{flag_public_id}:{instrument}:{answered}:{clinician_id}",
                     risk_flag_scope(flag_public_id))


def measures_invitation(*, client_id: int, line: str,
                        response_public_id: uuid.UUID | str) -> OutboxKey:
    return OutboxKey(f"measures-invitation:{client_id}:{line}:{response_public_id}",
                     measures_scope(client_id=client_id, line=line))


def appointment_message(*, kind: str, appointment_public_id: uuid.UUID | str, sequence: int,
                        person_id: int) -> OutboxKey:
    """Confirmation, change or cancellation: one per version of the appointment and person."""
    return OutboxKey(f"{kind}:{appointment_public_id}:{sequence}:{person_id}",
                     appointment_scope(appointment_public_id))


def appointment_reminder(*, appointment_public_id: uuid.UUID | str, sequence: int,
                         hours: int) -> OutboxKey:
    """The reminder ``hours`` before this version of the appointment. Each move raises the
    sequence, so away and back is a new event with reminders of its own."""
    return OutboxKey(f"appointment-reminder:{appointment_public_id}:v{sequence}:{hours}h",
                     appointment_scope(appointment_public_id))


def waitlist_offer(*, entry_public_id: uuid.UUID | str, appointment_public_id: uuid.UUID | str,
                   freed_start: datetime) -> OutboxKey:
    return OutboxKey(f"waitlist-offer:{entry_public_id}:{appointment_public_id}:"
                     f"{freed_start.isoformat()}")


def check_in_reminder(*, goal_public_id: uuid.UUID | str, period: date, plan: int
                      ) -> OutboxKey:
    """The ``plan``-th reminder planned for this period of the goal (1 for the first)."""
    return OutboxKey(f"check-in:{goal_public_id}:{period.isoformat()}:{plan}",
                     goal_scope(goal_public_id))


def goal_comment(*, comment_public_id: uuid.UUID | str) -> OutboxKey:
    return OutboxKey(f"goal-comment:{comment_public_id}")


def new_message(*, thread_public_id: uuid.UUID | str, message_public_id: uuid.UUID | str,
                recipient_id: int) -> OutboxKey:
    """"You have a new message" for one message and recipient. Whether one is scheduled at
    all (at most one per thread and recipient an hour) is messaging.services' rule; the
    thread's scope is how it counts them."""
    return OutboxKey(f"new-message:{message_public_id}:{recipient_id}",
                     thread_scope(thread_public_id))


def document_shared(*, document_public_id: uuid.UUID | str, recipient_id: int) -> OutboxKey:
    return OutboxKey(f"document-shared:{document_public_id}:{recipient_id}",
                     document_scope(document_public_id))


def session_measures(*, appointment_public_id: uuid.UUID | str, sequence: int) -> OutboxKey:
    """The invitation to the measures before this version of an appointment (issue 17): moved,
    it is a new invitation; cancelled, it goes with the appointment's scope."""
    return OutboxKey(f"session-measures:{appointment_public_id}:v{sequence}",
                     appointment_scope(appointment_public_id))
