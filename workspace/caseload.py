"""The clinician's caseload page: every assigned client with sessions, scores and goals.

It composes the apps (clients, booking, screening, goals), like the home page does. A fixed
number of queries whatever the caseload: the clinician's profile (the firewall), clients with
their last and next session and whether a risk flag is open (subqueries), their count, their
scores, and active goals with each one's latest value. A clinician who provides coaching only
sees no PHQ-9 or GAD-7 (the firewall of the goals issue) and no therapy goals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, TypedDict

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from clients.access import lines_for_staff
from clients.models import ClientStatus, ServiceLines, User
from clients.selectors import clients_for_clinician
from goals.models import CheckIn, Goal, GoalStatus, ServiceLine, goal_progress
from portal.lib.clock import clock_formatter
from portal.lib.links import public_id_link
from screening.models import RiskFlag, ScreeningResponse
from screening.selectors import THERAPY_INSTRUMENTS, clinician_sees_therapy
from sessions.models import Appointment, AppointmentStatus

INSTRUMENTS = (("phq9", "PHQ-9"), ("gad7", "GAD-7"), ("who5", "WHO-5"))
LINE_FILTERS = {ServiceLine.THERAPY: "Therapy", ServiceLine.COACHING: "Coaching"}
# What get_FOO_display() says, without its per-call work (some 3 µs a row each).
LINE_NAMES = {value: str(label) for value, label in ServiceLines.choices}
STATUS_NAMES = {value: str(label) for value, label in ClientStatus.choices}


@dataclass(frozen=True)
class Score:
    label: str
    value: int
    previous: int | None
    higher_is_better: bool
    unit: str = ""

    @property
    def arrow(self) -> str:
        if self.previous is None or self.previous == self.value:
            return "→" if self.previous is not None else ""
        return "↑" if self.value > self.previous else "↓"

    @property
    def trend(self) -> str:
        """The arrow in words, for screen readers: which way, and whether that is better."""
        if self.previous is None:
            return "first score"
        if self.value == self.previous:
            return "unchanged since the previous one"
        went = "up" if self.value > self.previous else "down"
        better = (self.value > self.previous) == self.higher_is_better
        return (f"{went} from {self.previous}{self.unit}, "
                f"{'better' if better else 'worse'}")


class Cell(TypedDict):
    """A score as the page shows it: the figure, its arrow and the arrow in words."""
    text: str
    arrow: str
    trend: str


class When(TypedDict):
    iso: str
    text: str


class Row(TypedDict):
    """One client of the page, ready to show: plain values, so the template looks up nothing
    but dictionary keys (a 50-row page does some 2,000 lookups)."""
    client: User  # for the access log
    url: str
    name: str
    flagged: bool
    lines: str
    status: str
    last: When | None
    next: When | None
    scores: list[Cell | None]
    goals: list[tuple[str, int | None]]


def _cell(score: Score | None) -> Cell | None:
    if score is None:
        return None
    return {"text": f"{score.value}{score.unit}", "arrow": score.arrow, "trend": score.trend}


def _when(value: datetime | None, text: Callable[[datetime], str], zone: tzinfo) -> When | None:
    """The ``datetime`` attribute and the words of a <time>, in the active zone (the reader's,
    set by their middleware), as the ``date`` and ``clock`` filters would write them."""
    if value is None:
        return None
    local = value.astimezone(zone)
    return {"iso": local.isoformat(), "text": text(local)}


def caseload_filters(params) -> dict[str, str]:
    """The valid filters among the GET parameters; anything else is ignored."""
    line = params.get("line", "")
    status = params.get("status", "")
    q = params.get("q", "").strip()[:100]
    return {"line": line if line in LINE_FILTERS else "",
            "status": status if status in ClientStatus.values else "", "q": q}


PER_PAGE = 50


def caseload_instruments(*, clinician: User) -> tuple[tuple[str, str], ...]:
    """The score columns this clinician sees, as (code, label): behind the firewall, WHO-5
    only. One query (the clinician's profile) unless it is cached on the user."""
    if clinician_sees_therapy(clinician):
        return INSTRUMENTS
    return tuple(pair for pair in INSTRUMENTS if pair[0] not in THERAPY_INSTRUMENTS)


def caseload_for_clinician(*, clinician: User, instruments: tuple[tuple[str, str], ...],
                           line: str = "", status: str = "", q: str = "",
                           page: int | str | None = 1,
                           now: datetime | None = None) -> tuple[list[Row], Page]:
    """One page of the caseload (PER_PAGE clients by name) with its figures, and the page for
    navigation, with a score for each of ``instruments`` (from caseload_instruments). A fixed
    number of queries: the page of clients, their count, scores, goals."""
    now = now or timezone.now()
    clients = clients_for_clinician(clinician=clinician)
    if line:
        clients = clients.filter(client_profile__service_lines__in=[line, ServiceLines.BOTH])
    if status:
        clients = clients.filter(client_profile__status=status)
    if q:
        clients = clients.filter(Q(full_name__icontains=q) | Q(email__icontains=q))
    # Only what the page shows (and the access log's role): a user row is some twenty columns.
    clients = clients.only("public_id", "full_name", "email", "role",
                           "client_profile__service_lines", "client_profile__status")
    mine = Appointment.objects.filter(client=OuterRef("pk"), clinician=clinician)
    annotated = clients.annotate(
        last_session=Subquery(mine.filter(
            start__lt=now, status__in=[AppointmentStatus.COMPLETED, AppointmentStatus.BOOKED,
                                       AppointmentStatus.NO_SHOW])
            .order_by("-start").values("start")[:1]),
        next_session=Subquery(mine.filter(start__gte=now, status=AppointmentStatus.BOOKED)
                              .order_by("start").values("start")[:1]),
        # The flag marker (issue 14): in the page's own query, so no query per row.
        has_open_flag=Exists(RiskFlag.objects.filter(client=OuterRef("pk"),
                                                     status=RiskFlag.Status.OPEN)),
    )
    current = Paginator(annotated, PER_PAGE).get_page(page)
    timeline_url = public_id_link("caseload:timeline")
    day, day_and_time = clock_formatter("j M Y"), clock_formatter("j M, H:i")
    zone = timezone.get_current_timezone()
    rows: dict[int, Row] = {}
    for client in current.object_list:
        # The annotations above, which the stubs lose through the Paginator.
        annotations: Any = client
        profile = client.client_profile
        rows[client.pk] = {
            "client": client,
            "url": timeline_url(client.public_id),
            "name": client.full_name,
            "flagged": annotations.has_open_flag,
            "lines": LINE_NAMES.get(profile.service_lines, profile.service_lines),
            "status": STATUS_NAMES.get(profile.status, profile.status),
            "last": _when(annotations.last_session, day, zone),
            "next": _when(annotations.next_session, day_and_time, zone),
            "scores": [],
            "goals": [],
        }
    if not rows:
        return [], current
    in_view = Q(client__in=list(rows))

    newest_two: dict[tuple[int, str], list[int]] = {}
    responses = (ScreeningResponse.objects
                 .filter(in_view, instrument__in=[code for code, _ in instruments])
                 .order_by("client_id", "instrument", "-submitted_at", "-pk")
                 .values_list("client_id", "instrument", "total", "subscores"))
    for client_id, instrument, total, subscores in responses:
        value = (subscores or {}).get("percent") if instrument == "who5" else total
        pair = newest_two.setdefault((client_id, instrument), [])
        if value is not None and len(pair) < 2:
            pair.append(value)
    for client_id, row in rows.items():
        for code, label in instruments:
            pair = newest_two.get((client_id, code)) or []
            row["scores"].append(_cell(Score(
                label=label, value=pair[0], previous=pair[1] if len(pair) > 1 else None,
                higher_is_better=code == "who5", unit="%" if code == "who5" else "",
            ) if pair else None))

    # The firewall on goals: the lines this clinician provides (every client here is theirs).
    goals = (Goal.objects.filter(in_view, service_line__in=lines_for_staff(clinician),
                                 status=GoalStatus.ACTIVE)
             .annotate(latest_value=Subquery(
                 CheckIn.objects.filter(goal=OuterRef("pk"), value__isnull=False)
                 .order_by("-at", "-pk").values("value")[:1]))
             .order_by("client_id", "service_line", "pk")
             .values_list("client_id", "title", "service_line", "baseline", "target",
                          "latest_value"))
    for client_id, title, service_line, baseline, target, latest_value in goals:
        rows[client_id]["goals"].append((title, goal_progress(
            service_line=service_line, baseline=baseline, target=target,
            latest_value=latest_value)))
    return list(rows.values()), current
