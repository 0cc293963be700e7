"""Who on the staff may see which client (rule 8 of DESIGN.md), stated once.

A clinician may open a client's record when

1. the client is assigned to them: everything their service lines allow (the firewall); or,
   read-only, while nobody is assigned to the client:
2. the client has booked a consultation or an intake with them that is not cancelled: the
   clinician reads the person's screening answers, route and risk flags before meeting them;
3. the client has an open risk flag: every clinician was alerted, so any of them can read it
   and act (and resolve the flag, which stays readable to whoever resolved it).

Read-only means the screening pages and the flag: no route override, no notes, no timeline,
no goals. Every such read is access-logged by the page that makes it.

The rule reads risk flags (screening) and appointments (booking), apps that sit above clients
in the layers. It names their models by label at call time, so the one statement of the rule
lives at the bottom and no import points up.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.apps import apps
from django.db.models import Exists, OuterRef, Q

from clients.models import Role, User

# The kinds of appointment that make a new client visible to the clinician they booked with.
FIRST_MEETING_KINDS = ("consultation", "intake")
NOT_CANCELLED = ("booked", "completed", "no_show")


def clients_assigned_q(*, clinician: User) -> Q:
    """The clinician's own clients (rule 1 above): the full record, behind the firewall."""
    return Q(role=Role.CLIENT, client_profile__clinician=clinician)


def clients_visible_q(*, clinician: User) -> Q:
    """Every client the clinician may see, assigned or read-only (rules 1 to 3 above), as a
    filter on User. Two EXISTS subqueries, no joins: one row per client."""
    risk_flag = apps.get_model("screening", "RiskFlag")
    appointment = apps.get_model("booking", "Appointment")
    open_flag = risk_flag.objects.filter(client=OuterRef("pk"), status="open")
    booked_with = appointment.objects.filter(
        client=OuterRef("pk"), clinician=clinician, status__in=NOT_CANCELLED,
        service_type__kind__in=FIRST_MEETING_KINDS)
    return clients_assigned_q(clinician=clinician) | (
        Q(role=Role.CLIENT, client_profile__clinician__isnull=True)
        & (Exists(open_flag) | Exists(booked_with)))


def clinician_is_assigned(*, clinician: User, client: User) -> bool:
    """Whether the clinician has the client's full record, not only the read-only view."""
    return (clinician.is_clinician and client.is_client
            and client.client_profile.clinician_id == clinician.pk)


def client_ids_visible(*, clinician: User, ids: Iterable[int]) -> set[int]:
    """Which of these clients the clinician may open (one query): for pages that list people
    and link to them, so that no link leads to a 404."""
    wanted = set(ids)
    if not wanted or not clinician.is_clinician:
        return set()
    return set(User.objects.filter(clients_visible_q(clinician=clinician), pk__in=wanted)
               .values_list("pk", flat=True))
