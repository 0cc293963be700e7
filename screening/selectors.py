"""Reads of the screening app. Each one filters by the person it is for and owns its joins."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from clients.access import clients_assigned_q, clients_visible_q, lines_for_staff
from clients.access import clinician_sees_therapy as clinician_sees_therapy
from clients.models import ClientProfile, User
from screening.instruments import INSTRUMENTS
from screening.instruments.who5 import LOW_WELLBEING, WHO5_DROP
from screening.models import (
    MeasureEvent,
    MeasureShare,
    RiskFlag,
    RouteRecommendation,
    ScreeningResponse,
)
from screening.outcomes import (
    OUTCOME_INSTRUMENTS,
    RULES,
    SHARED_BY_DEFAULT,
    Outcome,
    ReliableChangeIndex,
    Rules,
    outcome_for,
    reliable_change_index,
)
from screening.routing import reason_for_clinician

# --- The firewall ---------------------------------------------------------------------------
# A clinician whose profile provides coaching only sees no therapy records: no PHQ-9 or GAD-7
# answers, totals, severity bands or chart lines, and no route reason that carries their numbers.
# Everything that reads screening for a clinician (these pages, the client timeline) uses these.
# Safety is never behind it (rule 1): the coach must see a risk flag and the answers that opened
# it, PHQ-9 item 9 included. WHO-5 (well-being) and the practice's self-assessment stay visible.

THERAPY_INSTRUMENTS = ("phq9", "gad7", "pcl5")
THERAPY_REASONS = ("phq9_high", "gad7_high")
# The safety questions inside a therapy instrument: shown with a risk flag to every clinician.
THERAPY_SAFETY_ITEMS: dict[str, tuple[str, ...]] = {
    code: tuple(item.code for item in INSTRUMENTS[code].items if item.safety)
    for code in THERAPY_INSTRUMENTS if code in INSTRUMENTS
}


def reasons_for_clinician(reasons: Iterable[Mapping[str, Any]], *,
                          sees_therapy: bool) -> list[str]:
    """Route reasons with their numbers; behind the firewall, without PHQ-9 and GAD-7 (PHQ-9
    item 9 still reads as the safety answer it is)."""
    shown = []
    for reason in reasons:
        code = reason.get("code")
        if not sees_therapy and code in THERAPY_REASONS:
            shown.append("A validated measure at or above the therapy threshold "
                         "(seen by therapy clinicians)")
        elif not sees_therapy and code == "phq9_item9":
            shown.append("Thoughts of death or self-harm reported (safety)")
        elif not sees_therapy and code == "nothing_positive":
            shown.append("No indicators; consultation offered")
        else:
            shown.append(reason_for_clinician(reason))
    return shown


def override_note_for_clinician(recommendation: RouteRecommendation, *,
                                sees_therapy: bool) -> str:
    """A clinician's note on a changed route, unless it was written in the therapy line and the
    reader provides coaching only (the firewall on free text)."""
    if not sees_therapy and recommendation.override_note_line != "coaching":
        return ""
    return recommendation.override_note


def route_reasons_for_clinician(recommendation: RouteRecommendation, *,
                                sees_therapy: bool) -> list[str]:
    """The recommendation's reasons for a clinician, firewall applied."""
    return reasons_for_clinician(recommendation.reasons, sees_therapy=sees_therapy)


# --- Reads ----------------------------------------------------------------------------------


def latest_responses(*, client: User,
                     instruments: Iterable[str]) -> dict[str, ScreeningResponse]:
    """The newest response of each of these instruments, in one query."""
    wanted = list(instruments)
    latest: dict[str, ScreeningResponse] = {}
    # Ordered newest first: the first seen of each instrument is its latest. DISTINCT ON would
    # do it in SQL on PostgreSQL only; a client has tens of responses, not thousands.
    for response in ScreeningResponse.objects.filter(client=client, instrument__in=wanted):
        latest.setdefault(response.instrument, response)
    return latest


def current_recommendation(*, client: User) -> RouteRecommendation | None:
    return RouteRecommendation.objects.filter(client=client).first()


def current_route(client: User) -> str | None:
    """crisis, therapy, integrated or coaching (a clinician's override wins); None before any
    screening."""
    recommendation = current_recommendation(client=client)
    return recommendation.effective_route if recommendation else None


def has_open_risk_flag(client: User) -> bool:
    """Booking of coaching is blocked while this is true (rule 1)."""
    return RiskFlag.objects.filter(client=client, status=RiskFlag.Status.OPEN).exists()


def open_flag_and_followup(client: User) -> tuple[bool, bool]:
    """Whether the client has an open flag, and whether the C-SSRS screener is still to be
    asked (not answered since the flag opened): the crisis page's two questions, one query."""
    answered = ScreeningResponse.objects.filter(
        client=OuterRef("client"), instrument="cssrs", submitted_at__gte=OuterRef("opened_at"))
    row = (RiskFlag.objects.filter(client=client, status=RiskFlag.Status.OPEN)
           .annotate(answered=Exists(answered)).values_list("answered", flat=True).first())
    return row is not None, row is False


def response_for_client(*, client: User, public_id) -> ScreeningResponse:
    """One of the client's own responses; 404 for anyone else's."""
    return get_object_or_404(ScreeningResponse, client=client, public_id=public_id)


def clients_for_clinician_q(*, clinician: User) -> Q:
    """Which clients a clinician may see: the one rule, in ``clients.access``."""
    return clients_visible_q(clinician=clinician)


def client_for_clinician(*, clinician: User, public_id) -> User:
    """A client the clinician may see (``clients.access``), by public id; 404 for every other
    id."""
    if not clinician.is_clinician:
        raise Http404
    return get_object_or_404(
        User.objects.filter(clients_visible_q(clinician=clinician))
        .select_related("client_profile"),
        public_id=public_id,
    )


def _flags_for_clinician_q(clinician: User) -> Q:
    """The flags a clinician may read: those of every client they may see, and those they
    resolved themselves (an unassigned client's flag leaves their view once it is resolved)."""
    visible = User.objects.filter(clients_visible_q(clinician=clinician))
    return Q(client__in=visible) | Q(resolved_by=clinician)


def risk_flag_for_clinician(*, clinician: User, public_id) -> RiskFlag:
    if not clinician.is_clinician:
        raise Http404
    return get_object_or_404(
        RiskFlag.objects.select_related("client__client_profile", "response", "resolved_by")
        .filter(_flags_for_clinician_q(clinician)),
        public_id=public_id,
    )


def resolved_risk_flags_for_clinician(*, clinician: User, limit: int = 50) -> list[RiskFlag]:
    """The most recently resolved flags the clinician may read, newest first."""
    return list(RiskFlag.objects.filter(_flags_for_clinician_q(clinician),
                                        status=RiskFlag.Status.RESOLVED)
                .select_related("client", "resolved_by")
                .order_by("-resolved_at", "-pk")[:limit])


def told_clinician_name(profile: ClientProfile | None) -> str:
    """Whom the client is told a risk alert went to: their clinician's name, or "" when the
    alert went to every clinician of the practice (nobody is assigned). The same choice as
    ``services.risk_alert_recipients``. Reads the profile as ``client_profile_for_client``
    fetches it (clinician and their profile joined): no query."""
    clinician = profile.clinician if profile is not None and profile.clinician_id else None
    if clinician is None or not clinician.is_active:
        return ""
    display = getattr(clinician, "clinician_profile", None)
    return (display.display_name if display else "") or clinician.full_name


def screening_history_for_clinician(*, clinician: User, client: User) -> dict:
    """Everything the clinician's screening page shows for one client, in a fixed number of
    queries: the clinician's profile (the firewall), responses (newest first; behind the
    firewall without PHQ-9 and GAD-7), recommendations with who overrode them, risk flags."""
    sees_therapy = clinician_sees_therapy(clinician)
    responses = ScreeningResponse.objects.filter(client=client)
    if not sees_therapy:
        responses = responses.exclude(instrument__in=THERAPY_INSTRUMENTS)
    return {
        "sees_therapy": sees_therapy,
        "responses": list(responses),
        "recommendations": list(RouteRecommendation.objects.filter(client=client)
                                .select_related("overridden_by")),
        "flags": list(RiskFlag.objects.filter(client=client)
                      .select_related("resolved_by", "response")),
    }


def open_risk_flags_for_clinician(*, clinician: User) -> list[RiskFlag]:
    visible = User.objects.filter(clients_visible_q(clinician=clinician))
    return list(RiskFlag.objects.filter(status=RiskFlag.Status.OPEN, client__in=visible)
                .select_related("client"))


WHO5_REVIEW_FLAGS = (LOW_WELLBEING, WHO5_DROP)
WHO5_REVIEW_DAYS = 30


def who5_reviews_for_clinician(*, clinician: User, now=None) -> list[ScreeningResponse]:
    """The clinician's clients whose latest WHO-5 of the last 30 days is low (50% or less) or
    dropped by 10 points or more: coaching clients who are struggling are noticed. One query."""
    now = now or timezone.now()
    recent = (ScreeningResponse.objects
              .filter(clients_assigned_q(clinician=clinician, prefix="client"),
                      instrument="who5", submitted_at__gte=now - timedelta(days=WHO5_REVIEW_DAYS))
              .select_related("client").order_by("client_id", "-submitted_at", "-pk"))
    latest: dict[int, ScreeningResponse] = {}
    for response in recent:
        latest.setdefault(response.client_id, response)
    return [r for r in latest.values() if set(r.flags) & set(WHO5_REVIEW_FLAGS)]


# --- Outcomes (issue 17) ----------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """One instrument of one client over time, with what its change means."""

    code: str
    title: str  # the clinician's name for it ("PHQ-9")
    client_title: str  # the client's ("Mood over the last two weeks")
    values: list[tuple[datetime, int]]  # oldest first, on the instrument's scale
    outcome: Outcome | None  # None until there are two answers
    rci: ReliableChangeIndex | None
    practice_baselines: int
    shared: bool

    @property
    def latest(self) -> int:
        return self.values[-1][1]

    @property
    def baseline(self) -> int:
        return self.values[0][1]

    @property
    def rules(self) -> Rules:
        return RULES[self.code]


def measure_value(response: ScreeningResponse) -> int | None:
    """A response's total on the scale its outcome rules use (WHO-5 as a percentage)."""
    return response.percent if response.instrument == "who5" else response.total


def practice_baselines(instruments: Iterable[str]) -> dict[str, tuple[int, float | None]]:
    """How many clients of the practice have a baseline (their first answers) of each
    instrument, and the sample SD of those baselines on the outcome scale. One query however
    large the practice: an anti-join on the (client, instrument, time) index."""
    wanted = list(instruments)
    earlier = ScreeningResponse.objects.filter(
        client=OuterRef("client"), instrument=OuterRef("instrument")).filter(
        Q(submitted_at__lt=OuterRef("submitted_at"))
        | Q(submitted_at=OuterRef("submitted_at"), pk__lt=OuterRef("pk")))
    rows = (ScreeningResponse.objects
            .filter(instrument__in=wanted, total__isnull=False)
            .filter(~Exists(earlier))
            .values("instrument")
            # Sums, not StdDev: SQLite's sample deviation raises below two values where
            # PostgreSQL gives NULL; from the sums the SD is exact for whole totals on both.
            .annotate(n=Count("pk"), total_sum=Sum("total"),
                      square_sum=Sum(F("total") * F("total")))
            .order_by())
    found = {}
    for row in rows:
        n = row["n"]
        sd = None
        if n >= 2:
            variance = (row["square_sum"] - row["total_sum"] ** 2 / n) / (n - 1)
            sd = math.sqrt(max(variance, 0.0))
        # WHO-5's percentage is the raw total × 4: so is its SD.
        scale = 4 if row["instrument"] == "who5" else 1
        found[row["instrument"]] = (n, sd * scale if sd is not None else None)
    return {code: found.get(code, (0, None)) for code in wanted}


def measures_build(responses: Iterable[ScreeningResponse], *, instruments: Sequence[str],
                   baselines: Mapping[str, tuple[int, float | None]],
                   shares: Mapping[str, bool]) -> list[Measure]:
    """The measures of these responses (any order), in ``instruments`` order; pure."""
    by_code: dict[str, list[tuple[datetime, int]]] = {code: [] for code in instruments}
    for response in sorted(responses, key=lambda r: (r.submitted_at, r.pk)):
        value = measure_value(response)
        if response.instrument in by_code and value is not None:
            by_code[response.instrument].append((response.submitted_at, value))
    measures = []
    for code in instruments:
        values = by_code[code]
        if not values:
            continue
        instrument = INSTRUMENTS[code]
        count, sd = baselines.get(code, (0, None))
        baseline, latest = values[0][1], values[-1][1]
        two = len(values) > 1
        measures.append(Measure(
            code=code, title=instrument.title, client_title=instrument.client_title,
            values=values,
            outcome=outcome_for(instrument=code, baseline=baseline, latest=latest) if two
            else None,
            rci=reliable_change_index(instrument=code, baseline=baseline, latest=latest,
                                      baseline_sd=sd or 0.0, baselines=count) if two else None,
            practice_baselines=count,
            shared=shares.get(code, SHARED_BY_DEFAULT.get(code, False)),
        ))
    return measures


def measure_shares(*, client: User) -> dict[str, bool]:
    """What the clinician chose to share with the client, by instrument (defaults aside)."""
    return dict(MeasureShare.objects.filter(client=client).values_list("instrument", "shared"))


def outcome_instruments_for_clinician(clinician: User) -> list[str]:
    """The outcome measures a clinician may see: behind the firewall, no therapy measure."""
    sees_therapy = clinician_sees_therapy(clinician)
    return [code for code in OUTCOME_INSTRUMENTS if code in INSTRUMENTS
            and (sees_therapy or code not in THERAPY_INSTRUMENTS)]


def outcomes_for_clinician(*, clinician: User, client: User) -> dict:
    """Everything the clinician's outcomes page shows, in five queries whatever the history:
    the clinician's profile (the firewall), the client's responses of the measures they may
    see, the practice's baselines, the shares and the event notes (behind the firewall, only
    those written in the coaching line)."""
    instruments = outcome_instruments_for_clinician(clinician)
    responses = ScreeningResponse.objects.filter(client=client, instrument__in=instruments)
    events = MeasureEvent.objects.filter(client=client).select_related("author")
    if "therapy" not in lines_for_staff(clinician):
        events = events.filter(line="coaching")
    return {
        "instruments": instruments,
        "measures": measures_build(responses, instruments=instruments,
                                   baselines=practice_baselines(instruments),
                                   shares=measure_shares(client=client)),
        "events": list(events),
    }


def progress_for_client(*, client: User) -> list[Measure]:
    """The client's own measures that are shared with them (three queries: shares, responses,
    the practice's baselines are not needed: no index is shown to a client)."""
    shares = measure_shares(client=client)
    shown = [code for code in OUTCOME_INSTRUMENTS if code in INSTRUMENTS
             and shares.get(code, SHARED_BY_DEFAULT.get(code, False))]
    if not shown:
        return []
    responses = ScreeningResponse.objects.filter(client=client, instrument__in=shown)
    return measures_build(responses, instruments=shown, baselines={}, shares=shares)
