"""Least access (rule 8 of DESIGN.md), stated once: which clients a clinician may see, which
service lines they see of them (the firewall), and the one call that fetches a client for a
member of staff and writes the access-log row. Every staff read goes through here.

Which clients. A clinician may open a client's record when

1. the client is assigned to them and the account is open: everything their lines allow; or,
   read-only, while nobody is assigned to the client and the account is open:
2. the client has booked a consultation or an intake with them that is not cancelled: the
   clinician reads the person's screening answers, route and risk flags before meeting them;
3. the client has an open risk flag: every clinician was alerted, so any of them can read it
   and act (and resolve the flag, which stays readable to whoever resolved it).

A closed account (the login deactivated on the client's request) leaves every clinician's view:
the record is retained and the practice admin exports it. One exception, safety first: while a
closed account still has an open risk flag, the clinicians who were alerted (the assigned one,
or everyone when nobody is) still read it and can resolve it.

Read-only means the screening pages and the flag: no route override, no notes, no timeline, no
goals.

Which lines. A clinician whose profile provides coaching only sees no therapy records: no PHQ-9
or GAD-7, no therapy goals, appointments or notes, and no free text written in the therapy line
(a therapist's private notes, a route override's note). Safety is never behind it: risk flags and
the answers that opened them are shown to every clinician who may see the client.

The rule reads risk flags (screening) and appointments (booking), apps that sit above clients
in the layers. It names their models by label at call time, so the one statement of the rule
lives at the bottom and no import points up.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.apps import apps
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from clients.http import AuthenticatedRequest
from clients.models import Role, User
from portal.lib.links import public_id_link

# The kinds of appointment that make a new client visible to the clinician they booked with.
FIRST_MEETING_KINDS = ("consultation", "intake")
NOT_CANCELLED = ("booked", "completed", "no_show")
THERAPY, COACHING = "therapy", "coaching"


def _prefixed(prefix: str, **lookups) -> Q:
    return Q(**{f"{prefix}__{key}" if prefix else key: value for key, value in lookups.items()})


# --- Which clients ----------------------------------------------------------------------------


def clients_assigned_q(*, clinician: User, prefix: str = "") -> Q:
    """The clinician's own open client accounts (rule 1 above), as a filter on User, or with
    ``prefix`` ("client", "goal__client") on the rows that belong to a client."""
    return _prefixed(prefix, role=Role.CLIENT, is_active=True,
                     client_profile__clinician=clinician)


def clients_visible_q(*, clinician: User) -> Q:
    """Every client the clinician may see, assigned or read-only (rules 1 to 3 above, and the
    closed accounts' exception), as a filter on User. Two EXISTS subqueries, no joins: one row
    per client."""
    risk_flag = apps.get_model("screening", "RiskFlag")
    appointment = apps.get_model("booking", "Appointment")
    open_flag = Exists(risk_flag.objects.filter(client=OuterRef("pk"), status="open"))
    booked_with = Exists(appointment.objects.filter(
        client=OuterRef("pk"), clinician=clinician, status__in=NOT_CANCELLED,
        service_type__kind__in=FIRST_MEETING_KINDS))
    mine = Q(client_profile__clinician=clinician)
    nobody = Q(client_profile__clinician__isnull=True)
    return Q(role=Role.CLIENT) & (
        (Q(is_active=True) & (mine | (nobody & (open_flag | booked_with))))
        | (open_flag & (mine | nobody)))


def clinician_is_assigned(*, clinician: User, client: User) -> bool:
    """Whether the clinician has the client's full record, not only the read-only view."""
    return (clinician.is_clinician and client.is_client and client.is_active
            and client.client_profile.clinician_id == clinician.pk)


def client_ids_visible(*, clinician: User, ids: Iterable[int]) -> set[int]:
    """Which of these clients the clinician may open (one query): for pages that list people
    and link to them, so that no link leads to a 404."""
    wanted = set(ids)
    if not wanted or not clinician.is_clinician:
        return set()
    return set(User.objects.filter(clients_visible_q(clinician=clinician), pk__in=wanted)
               .values_list("pk", flat=True))


def client_record_urls(*, clinician: User, clients: Iterable[User]) -> dict[int, str]:
    """Where a link to each client leads for this clinician, by the client's pk: their own
    client's timeline, the read-only screening history of a client they may see, or "" (no
    link, so that none leads to a 404). The clients carry ``client_profile``; at most one query
    (for those not assigned to the clinician)."""
    people = {client.pk: client for client in clients}
    visible = client_ids_visible(clinician=clinician, ids={
        pk for pk, client in people.items()
        if client.client_profile.clinician_id != clinician.pk})
    timeline, history = (public_id_link("caseload:timeline"),
                         public_id_link("screening:client_history"))
    urls: dict[int, str] = {}
    for pk, client in people.items():
        if client.client_profile.clinician_id == clinician.pk:
            urls[pk] = timeline(client.public_id)
        elif pk in visible:
            urls[pk] = history(client.public_id)
        else:
            urls[pk] = ""
    return urls


def client_for_staff(*, request: AuthenticatedRequest, public_id, what: str, detail: str = "",
                     assigned_only: bool = True) -> User:
    """The one way a page fetches a client for a member of staff: the client with this public
    id if the signed-in clinician may see them (their own, or with ``assigned_only=False`` the
    read-only view too), with the profile; 404 for every other id and for anyone who is not a
    clinician. Writes the access-log row for ``what`` (an ``AccessLog.What``)."""
    from clients.services import access_log_record

    clinician = request.user
    if not clinician.is_clinician:
        raise Http404
    rule = (clients_assigned_q(clinician=clinician) if assigned_only
            else clients_visible_q(clinician=clinician))
    client = get_object_or_404(User.objects.filter(rule).select_related("client_profile"),
                               public_id=public_id)
    access_log_record(request=request, client=client, what=what, detail=detail)
    return client


def require_assigned(*, clinician: User, client: User) -> None:
    """404 unless the client is the clinician's own (for selectors handed a client)."""
    if not clinician_is_assigned(clinician=clinician, client=client):
        raise Http404


# --- Which lines (the firewall) ---------------------------------------------------------------


def clinician_sees_therapy(clinician: User) -> bool:
    """Whether the clinician's profile provides therapy (one query unless cached on the user).
    No profile says nothing about therapy: fail closed."""
    try:
        return clinician.clinician_profile.sees_therapy
    except User.clinician_profile.RelatedObjectDoesNotExist:
        return False


def lines_for_staff(clinician: User) -> list[str]:
    """The service lines whose records the clinician sees: coaching always, therapy only if
    their profile provides it."""
    return [COACHING, THERAPY] if clinician_sees_therapy(clinician) else [COACHING]


def free_text_line(author: User | None) -> str:
    """The line a clinician's free text belongs to (a private note, a route override's note):
    therapy when its author provides therapy, coaching otherwise. Text written by a therapist
    may carry scores, diagnoses or medication; a coaching-only clinician never reads it."""
    return THERAPY if author is not None and clinician_sees_therapy(author) else COACHING
