"""The clinician's "needs attention" list: one rule per reason, each over the whole caseload.

Every rule runs a fixed number of queries whatever the size of the caseload (never one per
client), and yields `Item`s with a *fingerprint*: the newest thing behind the item (its id, or
for missed check-ins the period of the last one).
An acknowledgement hides an item while its fingerprint is unchanged; when something new happens
the fingerprint changes and the item is back. Open risk flags cannot be acknowledged away: they
stay on top until a clinician resolves them (rule 1).
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property, partial
from typing import Any, cast
from uuid import UUID

from django.contrib.postgres.expressions import ArraySubquery
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet, Subquery, Value, Window
from django.db.models.functions import Concat, FirstValue, Lead, RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from clients.access import clients_assigned_q
from clients.models import (
    ClinicianProfile,
    ConsentDocument,
    ConsentKind,
    ConsentSignature,
    ServiceLines,
    User,
)
from clients.selectors import clients_for_clinician_brief
from goals.models import (
    Goal,
    GoalStatus,
    ServiceLine,
    default_quiet_end,
    default_quiet_start,
)
from goals.selectors import misses_in_a_row
from messaging.selectors import crisis_messages_for_clinician
from screening.models import RiskFlag, RouteRecommendation, ScreeningResponse
from screening.outcomes import DETERIORATED, IMPROVED, OUTCOME_INSTRUMENTS, outcome_for
from screening.outcomes import RULES as RULES_OF
from screening.selectors import (
    WHO5_REVIEW_DAYS,
    WHO5_REVIEW_FLAGS,
    open_risk_flags_for_clinician,
)
from sessions.models import ACTIVE_STATUSES, Appointment, AppointmentStatus
from workspace import attention_cache
from workspace.models import AttentionAcknowledgement


class Rule:
    RISK_FLAG = "risk_flag"
    SCORE_WORSENED = "score_worsened"
    DETERIORATION = "reliable_deterioration"
    NOT_ON_TRACK = "not_on_track"
    WELLBEING = "wellbeing"
    MISSED_CHECK_INS = "missed_check_ins"
    NO_BOOKING = "no_booking"
    GOAL_OVERDUE = "goal_overdue"
    CONSENT = "consent"
    CRISIS_MESSAGE = "crisis_message"


# Lower is more urgent. Risk flags are always first; crisis words in a message next.
URGENCY = {
    Rule.RISK_FLAG: 0,
    Rule.CRISIS_MESSAGE: 1,
    Rule.SCORE_WORSENED: 2,
    Rule.DETERIORATION: 2,
    Rule.NOT_ON_TRACK: 3,
    Rule.WELLBEING: 3,
    Rule.MISSED_CHECK_INS: 4,
    Rule.NO_BOOKING: 5,
    Rule.GOAL_OVERDUE: 6,
    Rule.CONSENT: 7,
}

LABELS = {
    Rule.RISK_FLAG: "Open risk flag",
    Rule.SCORE_WORSENED: "Scores worsened",
    Rule.DETERIORATION: "Reliable deterioration",
    Rule.NOT_ON_TRACK: "Not on track",
    Rule.WELLBEING: "Wellbeing check",
    Rule.MISSED_CHECK_INS: "Missed check-ins",
    Rule.NO_BOOKING: "Not booked yet",
    Rule.GOAL_OVERDUE: "Goal past due",
    Rule.CONSENT: "New consent unsigned",
    Rule.CRISIS_MESSAGE: "Crisis words in a message",
}

TONES = {Rule.RISK_FLAG: "danger", Rule.CRISIS_MESSAGE: "danger",
         Rule.SCORE_WORSENED: "danger", Rule.WELLBEING: "warning",
         Rule.DETERIORATION: "danger", Rule.NOT_ON_TRACK: "warning",
         Rule.MISSED_CHECK_INS: "warning", Rule.NO_BOOKING: "neutral",
         Rule.GOAL_OVERDUE: "neutral", Rule.CONSENT: "neutral"}

ACKNOWLEDGEABLE = frozenset(URGENCY) - {Rule.RISK_FLAG}

WORSENED_BY = 5  # PHQ-9 / GAD-7 points since the previous response
MISSED_IN_A_ROW = 2
NO_BOOKING_DAYS = 7
SCORED_LABELS = {"phq9": "PHQ-9", "gad7": "GAD-7"}
# Not on track (issue 17): at caseness at baseline, this long ago, and no reliable improvement.
NOT_ON_TRACK_AFTER = timedelta(weeks=8)


@dataclass(frozen=True)
class Item:
    client: User
    rule: str
    when: datetime
    fingerprint: str
    # The page about this reason and the reason in words (for the clinician: numbers and
    # severity words are fine here), made when first read: a large caseload has hundreds of
    # items and the dashboard shows twenty.
    describe: Callable[[], tuple[str, str]] = field(repr=False, compare=False)
    # False for a client the clinician sees read-only (clients.access): no timeline link.
    assigned: bool = True

    @cached_property
    def _description(self) -> tuple[str, str]:
        return self.describe()

    @property
    def url(self) -> str:
        return self._description[0]

    @property
    def reason(self) -> str:
        return self._description[1]

    @property
    def urgency(self) -> int:
        return URGENCY[self.rule]

    @property
    def label(self) -> str:
        return LABELS[self.rule]

    @property
    def tone(self) -> str:
        return TONES[self.rule]

    @property
    def can_acknowledge(self) -> bool:
        return self.rule in ACKNOWLEDGEABLE

    @cached_property
    def timeline_url(self) -> str:
        """The client's whole picture, beside ``url`` (the page about this one reason); "" for
        a client who is not the clinician's own."""
        return _timeline_url(self.client.public_id) if self.assigned else ""


@dataclass(frozen=True, slots=True)
class ActiveGoal:
    """What the goal rules read of an active goal (a goals.cadence.Schedule, too)."""

    pk: int
    client: User
    title: str
    due_date: date | None
    created_at: datetime
    cadence: str
    cadence_weekday: int | None
    check_in_time: time
    anchor_date: date
    quiet_start: time | None  # the client's, or None for the defaults
    quiet_end: time | None
    last_period: date | None  # of the last check-in


def _timeline_url(public_id: UUID | str) -> str:
    return reverse("caseload:timeline", args=[public_id])


def _day(value: date | datetime) -> str:
    return date_format(value, "j M")


class Caseload(Mapping[int, User]):
    """The clinician's caseload for the list, by id, read as rows in one query
    (``caseload_for_attention``): a User is made of a row only when it is asked for. A large
    caseload is hundreds of clients and a dashboard names twenty or so of them."""

    FIELDS = ("email", "full_name", "time_zone", "role", "public_id")

    def __init__(self, rows: Iterable[tuple]):
        self._rows = {row[0]: row for row in rows}
        self._made: dict[int, User] = {}
        wanted = {"id", *self.FIELDS}
        # User.from_db takes the values in the model's field order.
        self._names = [field.attname for field in User._meta.concrete_fields
                       if field.attname in wanted]
        self._at = {name: 1 + self.FIELDS.index(name) if name != "id" else 0
                    for name in self._names}

    def __getitem__(self, pk: int) -> User:
        user = self._made.get(pk)
        if user is None:
            row = self._rows[pk]
            user = User.from_db(DEFAULT_DB_ALIAS, self._names,
                                [row[self._at[name]] for name in self._names])
            self._made[pk] = user
        return user

    def __contains__(self, pk: object) -> bool:
        return pk in self._rows

    def __iter__(self) -> Iterator[int]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def acknowledged(self) -> set[tuple[int, str, str]]:
        return {(pk, *said.split("|", 1)) for pk, row in self._rows.items() for said in row[-2]}

    def sees_therapy(self) -> bool | None:
        """None for an empty caseload (nothing to say it)."""
        return bool(next(iter(self._rows.values()))[-1]) if self._rows else None


def caseload_for_attention(*, clinician: User) -> Caseload:
    """The clinician's own active clients (clients.selectors), with what the list reads on
    every view (``for_attention``), in one query."""
    rows = for_attention(clients_for_clinician_brief(clinician=clinician), clinician=clinician)
    return Caseload(rows.values_list("id", *Caseload.FIELDS, "acknowledged", "sees_therapy"))


class _Scope:
    """The clinician's caseload and the moment the list is for; shared reads are cached so
    two rules over the same rows pay for them once."""

    def __init__(self, *, clinician: User, now: datetime,
                 clients: Caseload | Iterable[User] | None):
        self.clinician = clinician
        self.now = now
        self._given = clients

    @cached_property
    def clients(self) -> Mapping[int, User]:
        if self._given is None:
            return caseload_for_attention(clinician=self.clinician)
        if isinstance(self._given, Caseload):
            return self._given
        return {person.pk: person for person in self._given}

    @cached_property
    def therapy_seen(self) -> bool:
        """``sees_therapy`` asked now: read with the caseload (``for_attention``), or in one
        query. Part of the cache's key: a clinician who stops providing therapy never gets
        the items of therapy measures kept from before (the firewall)."""
        if isinstance(self.clients, Caseload) and self.clients.sees_therapy() is not None:
            return bool(self.clients.sees_therapy())
        first = next(iter(self.clients.values()), None)
        if first is not None and hasattr(first, "sees_therapy"):
            return bool(first.sees_therapy)
        return ClinicianProfile.objects.filter(
            user=self.clinician,
            service_lines__in=[ServiceLines.THERAPY, ServiceLines.BOTH]).exists()

    @cached_property
    def acknowledged(self) -> set[tuple[int, str, str]]:
        """The clinician's acknowledgements of their caseload's items: read with the caseload
        (``for_attention``), or in one query if it was read without them."""
        if isinstance(self.clients, Caseload):
            return self.clients.acknowledged()
        people = list(self.clients.values())
        if all(hasattr(person, "acknowledged") for person in people):
            return {(person.pk, *said.split("|", 1)) for person in people
                    for said in cast(Any, person).acknowledged}
        return set(AttentionAcknowledgement.objects.filter(clinician=self.clinician)
                   .values_list("client_id", "rule", "fingerprint"))

    @cached_property
    def responses(self) -> list[tuple]:
        """Each of the caseload's measures: the newest answer with the total of the one before
        it and the client's baseline (their first answer) beside it, in one query (window
        functions). Behind the firewall (coaching only) WHO-5 only. Read by the worsened,
        outcome and well-being rules."""
        partition = [F("client_id"), F("instrument")]
        newest_first: dict[str, Any] = {"partition_by": partition,
                                        "order_by": [F("submitted_at").desc(), F("pk").desc()]}
        oldest_first: dict[str, Any] = {"partition_by": partition,
                                        "order_by": [F("submitted_at").asc(), F("pk").asc()]}
        therapy = sorted({*SCORED_LABELS, *OUTCOME_INSTRUMENTS} - {"who5"})
        return list(ScreeningResponse.objects
                    .filter(self.mine(), Q(instrument="who5")
                            | (Q(instrument__in=therapy) & self.sees_therapy),
                            total__isnull=False)
                    .annotate(newest=Window(RowNumber(), **newest_first),
                              before=Window(Lead("total"), **newest_first),
                              baseline=Window(FirstValue("total"), **oldest_first),
                              baseline_at=Window(FirstValue("submitted_at"), **oldest_first))
                    .filter(newest=1)
                    .values_list("client_id", "instrument", "pk", "total", "submitted_at",
                                 "before", "baseline", "baseline_at", "flags",
                                 "subscores__percent"))

    def mine(self, prefix: str = "client") -> Q:
        """The rows of the clinician's active assigned clients (as a join, not an id list)."""
        return clients_assigned_q(clinician=self.clinician, prefix=prefix)

    @cached_property
    def sees_therapy(self) -> Exists:
        """The firewall of the goals issue as a condition inside a rule's query: true when the
        clinician provides therapy. The same on every row, so the database asks it once."""
        return Exists(ClinicianProfile.objects.filter(
            user=self.clinician, service_lines__in=[ServiceLines.THERAPY, ServiceLines.BOTH]))

    @cached_property
    def active_goals(self) -> list[ActiveGoal]:
        """Active, approved goals in the lines the clinician provides, each with its client
        (from the caseload), the period of its last check-in and the client's quiet hours (one
        query).

        Light rows, not Goal instances: at the large size this is hundreds of goals on every
        dashboard view, and building model instances was most of the page's time."""
        # The firewall: therapy goals only for a clinician who provides therapy.
        lines = Q(service_line=ServiceLine.COACHING) | (Q(service_line=ServiceLine.THERAPY)
                                                        & self.sees_therapy)
        rows = (
            Goal.objects.filter(self.mine(), lines, status=GoalStatus.ACTIVE)
            .exclude(service_line=ServiceLine.THERAPY, approved_at__isnull=True)
            .annotate(quiet_start=F("client__reminder_preference__quiet_start"),
                      quiet_end=F("client__reminder_preference__quiet_end"),
                      # Kept on the goal by check_in_record: no subquery per goal.
                      last_period=F("last_check_in_period"))
            .order_by("client_id", "pk")
            .values_list("pk", "client_id", "title", "due_date", "created_at", "cadence",
                         "cadence_weekday", "check_in_time", "anchor_date", "quiet_start",
                         "quiet_end", "last_period"))
        return [ActiveGoal(pk, self.clients[client_id], *rest)
                for pk, client_id, *rest in rows if client_id in self.clients]


def _risk_flags(scope: _Scope) -> Iterable[Item]:
    # Includes an unassigned client with an open flag: every clinician was alerted (rule 1).
    for flag in open_risk_flags_for_clinician(clinician=scope.clinician):
        yield Item(client=flag.client, rule=Rule.RISK_FLAG, when=flag.opened_at,
                   fingerprint=f"flag:{flag.pk}", describe=partial(_flag_described, flag),
                   assigned=flag.client_id in scope.clients)


def _flag_described(flag: RiskFlag) -> tuple[str, str]:
    return (reverse("screening:risk_flag", args=[flag.public_id]),
            f"Safety answers on {date_format(timezone.localtime(flag.opened_at), 'j M, H:i')}. "
            "Crisis resources were shown; coaching is blocked until you resolve the flag.")


def _scores_worsened(scope: _Scope) -> Iterable[Item]:
    """Each client's newest PHQ-9 and GAD-7 beside the one before it (``scope.responses``).
    Behind the firewall (coaching only) there are none: the clinician does not see these
    measures."""
    for client_id, instrument, pk, total, at, before, *_ in scope.responses:
        if instrument not in SCORED_LABELS or before is None or total < before + WORSENED_BY:
            continue
        client = scope.clients.get(client_id)
        if client is None:
            continue
        yield Item(client=client, rule=Rule.SCORE_WORSENED, when=at,
                   fingerprint=f"response:{pk}",
                   describe=partial(_worsened_described, str(client.public_id), instrument,
                                    cast(int, total), cast(int, before), at))


def _worsened_described(public_id: str, instrument: str, total: int, before: int,
                        at: datetime) -> tuple[str, str]:
    return (reverse("screening:client_history", args=[public_id]),
            f"{SCORED_LABELS[instrument]} {total} on {_day(timezone.localtime(at))}, up "
            f"{total - before} from {before} the time before.")


def _outcomes(scope: _Scope) -> Iterable[Item]:
    """Reliable deterioration since baseline, and "not on track": at caseness at baseline
    eight weeks or more ago, still at caseness, no reliable improvement (screening.outcomes,
    the published thresholds)."""
    for client_id, code, pk, total, at, _, baseline, baseline_at, *_ in scope.responses:
        client = scope.clients.get(client_id)
        if client is None or code not in RULES_OF or at == baseline_at:
            continue
        scale = 4 if code == "who5" else 1
        outcome = outcome_for(instrument=code, baseline=baseline * scale, latest=total * scale)
        rules = RULES_OF[code]
        if outcome.change == DETERIORATED:
            rule = Rule.DETERIORATION
        elif (rules.at_caseness(outcome.baseline) and rules.at_caseness(outcome.latest)
              and outcome.change != IMPROVED and scope.now - baseline_at >= NOT_ON_TRACK_AFTER):
            rule = Rule.NOT_ON_TRACK
        else:
            continue
        yield Item(client=client, rule=rule, when=at, fingerprint=f"response:{pk}",
                   describe=partial(_outcome_described, str(client.public_id), code,
                                    outcome.change == DETERIORATED, outcome.latest,
                                    outcome.baseline, baseline_at))


def _outcome_described(public_id: str, code: str, deteriorated: bool, latest: int,
                       baseline: int, baseline_at: datetime) -> tuple[str, str]:
    title = RULES_OF[code].title
    unit = "%" if code == "who5" else ""
    since = _day(timezone.localtime(baseline_at))
    if deteriorated:
        text = (f"{title} {latest}{unit}, a reliable change for the worse from "
                f"{baseline}{unit} at baseline ({since}).")
    else:
        text = (f"{title} {latest}{unit}, still at caseness with no reliable "
                f"improvement since {baseline}{unit} at baseline ({since}).")
    return reverse("screening:client_outcomes", args=[public_id]), text


def _wellbeing(scope: _Scope) -> Iterable[Item]:
    """The latest WHO-5, when it is of the last 30 days and low (50% or less) or 10 points or
    more below the one before (screening.selectors.who5_reviews_for_clinician's rule, read from
    ``scope.responses``): coaching clients who are struggling are noticed."""
    since = scope.now - timedelta(days=WHO5_REVIEW_DAYS)
    for client_id, code, pk, _, at, _, _, _, flags, percent in scope.responses:
        if code != "who5" or at < since or not set(flags or ()) & set(WHO5_REVIEW_FLAGS):
            continue
        client = scope.clients.get(client_id)
        if client is None:
            continue
        yield Item(client=client, rule=Rule.WELLBEING, when=at, fingerprint=f"response:{pk}",
                   describe=partial(_wellbeing_described, str(client.public_id), percent,
                                    "who5_drop" in flags, at))


def _wellbeing_described(public_id: str, percent: int | None, dropped: bool,
                         at: datetime) -> tuple[str, str]:
    return (reverse("screening:client_history", args=[public_id]),
            f"WHO-5 {percent}% on {_day(timezone.localtime(at))}"
            + (", 10 points or more below the one before." if dropped else ", 50% or less."))


def _missed_check_ins(scope: _Scope) -> Iterable[Item]:
    for goal in scope.active_goals:
        client = goal.client
        missed = misses_in_a_row(goal, zone=client.zone, last_period=goal.last_period,
                                 now=scope.now,
                                 quiet_start=goal.quiet_start or default_quiet_start(),
                                 quiet_end=goal.quiet_end or default_quiet_end())
        if missed < MISSED_IN_A_ROW:
            continue
        last = goal.last_period
        # New is a check-in (for a later period): acknowledged, the item stays away while the
        # client stays silent and comes back when they check in and then miss again.
        yield Item(client=client, rule=Rule.MISSED_CHECK_INS,
                   when=(datetime.combine(last, goal.check_in_time, tzinfo=client.zone)
                         if last else goal.created_at),
                   fingerprint=f"goal:{goal.pk}:check-in:{last or 'none'}",
                   describe=partial(_missed_described, str(client.public_id), goal.title,
                                    goal.last_period, missed))


def _missed_described(public_id: str, title: str, last_period: date | None,
                      missed: int) -> tuple[str, str]:
    since = f"since the one for {_day(last_period)}" if last_period else "and none yet"
    return (reverse("goals:clinician_goals", args=[public_id]),
            f"{missed} check-ins in a row missed for “{title}”, {since}.")


def _goals_overdue(scope: _Scope) -> Iterable[Item]:
    for goal in scope.active_goals:
        client = goal.client
        if goal.due_date is None:
            continue
        if goal.due_date >= timezone.localdate(scope.now, timezone=client.zone):
            continue
        yield Item(client=client, rule=Rule.GOAL_OVERDUE, when=goal.created_at,
                   fingerprint=f"goal:{goal.pk}:due:{goal.due_date.isoformat()}",
                   describe=partial(_overdue_described, str(client.public_id), goal.title,
                                    goal.due_date))


def _overdue_described(public_id: str, title: str, due_date: date) -> tuple[str, str]:
    return (reverse("goals:clinician_goals", args=[public_id]),
            f"“{title}” was due on {_day(due_date)} and is still active.")


def _no_booking(scope: _Scope) -> Iterable[Item]:
    """The newest recommendation is a week old and nothing was booked since (nor is anything
    coming up)."""
    newer = RouteRecommendation.objects.filter(
        client=OuterRef("client"), created_at__gt=OuterRef("created_at"))
    booked_since = Appointment.objects.filter(
        client=OuterRef("client"), status__in=ACTIVE_STATUSES,
        created_at__gte=OuterRef("created_at"))
    upcoming = Appointment.objects.filter(client=OuterRef("client"),
                                          status=AppointmentStatus.BOOKED, start__gt=scope.now)
    recommendations = (RouteRecommendation.objects
                       .filter(scope.mine(),
                               created_at__lte=scope.now - timedelta(days=NO_BOOKING_DAYS))
                       .filter(~Exists(newer), ~Exists(booked_since), ~Exists(upcoming))
                       .only("pk", "client_id", "route", "override_route", "created_at"))
    for recommendation in recommendations:
        client = scope.clients.get(recommendation.client_id)
        if client is None:
            continue
        yield Item(client=client, rule=Rule.NO_BOOKING, when=recommendation.created_at,
                   fingerprint=f"recommendation:{recommendation.pk}",
                   describe=partial(_no_booking_described, str(client.public_id),
                                    recommendation.get_effective_route_display(),
                                    days=(scope.now - recommendation.created_at).days))


def _no_booking_described(public_id: str, route: str, *, days: int) -> tuple[str, str]:
    return (_timeline_url(public_id),
            f"Recommended {route.lower()} {days} days "
            "ago; nothing booked since.")


def _consent_unsigned(scope: _Scope) -> Iterable[Item]:
    """A client signed an earlier version of a document and not the current one (the newest
    published version of its kind: clients.selectors.consent_documents_current). One query:
    the caseload's signatures, each with its kind's current document beside it."""
    current = (ConsentDocument.objects
               .filter(kind=OuterRef("document__kind"), published_at__isnull=False)
               .order_by("-version"))
    signed = (ConsentSignature.objects.filter(scope.mine())
              .annotate(current_pk=Subquery(current.values("pk")[:1]),
                        current_version=Subquery(current.values("version")[:1]),
                        current_at=Subquery(current.values("published_at")[:1]))
              .filter(current_pk__isnull=False)
              .values_list("client_id", "document_id", "document__kind", "document__version",
                           "current_pk", "current_version", "current_at"))
    has_current: set[tuple[int, str]] = set()
    older: dict[tuple[int, str], int] = {}
    documents: dict[str, tuple[int, int, datetime]] = {}
    for client_id, document_id, kind, version, current_pk, current_version, at in signed:
        documents[kind] = (current_pk, current_version, at)
        if document_id == current_pk:
            has_current.add((client_id, kind))
        else:
            older[(client_id, kind)] = max(version, older.get((client_id, kind), 0))
    for (client_id, kind), version in sorted(older.items()):
        client = scope.clients.get(client_id)
        if client is None or (client_id, kind) in has_current:
            continue
        document_pk, current_version, published_at = documents[kind]
        yield Item(client=client, rule=Rule.CONSENT, when=published_at,
                   fingerprint=f"document:{document_pk}",
                   describe=partial(_consent_described, str(client.public_id), kind,
                                    current_version,
                                    signed=version))


def _consent_described(public_id: str, kind: str, current_version: int, *,
                       signed: int) -> tuple[str, str]:
    return (_timeline_url(public_id),
            f"Has not signed version {current_version} of the "
            f"{ConsentKind(kind).label.lower()} (signed version {signed}).")


def _crisis_messages(scope: _Scope) -> Iterable[Item]:
    """A client's message with crisis language (messaging.crisis) in a conversation the
    clinician reads: the newest one per client is the fingerprint, so an acknowledged item
    comes back with the next such message. Not a risk flag: only a screening opens one."""
    rows = (crisis_messages_for_clinician(scope.clinician)
            .values("thread__client_id", "thread__service_line")
            .annotate(newest=Max("pk"), at=Max("sent_at"))
            .order_by("thread__client_id", "thread__service_line"))
    newest: dict[int, Any] = {}
    for row in rows:
        current = newest.get(row["thread__client_id"])
        if current is None or row["at"] > current["at"]:
            newest[row["thread__client_id"]] = row
    for client_id, row in newest.items():
        client = scope.clients.get(client_id)
        if client is None:
            continue
        yield Item(client=client, rule=Rule.CRISIS_MESSAGE, when=row["at"],
                   fingerprint=f"message:{row['newest']}",
                   describe=partial(_crisis_described, client, row["thread__service_line"],
                                    row["at"]))


def _crisis_described(client: User, line: str, at: datetime) -> tuple[str, str]:
    return (reverse("messaging:clinician_thread", args=[client.public_id, line]),
            f"A message on {date_format(timezone.localtime(at), 'j M, H:i')} has crisis "
            "words. The client was shown 988 and 911 at once; reach out, and screen for "
            "safety if it is needed.")


# Computed on every view: safety first (rule 1), never from the cache.
LIVE_RULES: tuple[Callable[[_Scope], Iterable[Item]], ...] = (_risk_flags, _crisis_messages)
# Kept between views (workspace.attention_cache) until a write they read or the clock moves.
KEPT_RULES: tuple[Callable[[_Scope], Iterable[Item]], ...] = (
    _scores_worsened, _outcomes, _wellbeing, _missed_check_ins, _no_booking, _goals_overdue,
    _consent_unsigned,
)
RULES = LIVE_RULES + KEPT_RULES

# What is kept of an item: (client id, rule, fingerprint, the rest pickled). The rest is when
# and ``describe``, a partial of one of this module's functions over plain values (ids as
# text, numbers, words, dates): a view unpickles it only for the items it shows, not for the
# hundreds of a large caseload's list.
Kept = tuple[int, str, str, bytes]


def for_attention(clients: QuerySet[User], *, clinician: User) -> QuerySet[User]:
    """The caseload with what the list reads on every view, in the same query: each client's
    acknowledgements by this clinician ("rule|fingerprint", an array subquery per client on the
    acknowledgements' index) and whether the clinician provides therapy (the same on every
    row: the database asks it once)."""
    said = (AttentionAcknowledgement.objects
            .filter(clinician=clinician, client=OuterRef("pk"))
            .values_list(Concat("rule", Value("|"), "fingerprint")))
    return clients.annotate(acknowledged=ArraySubquery(said), sees_therapy=Exists(
        ClinicianProfile.objects.filter(
            user=clinician, service_lines__in=[ServiceLines.THERAPY, ServiceLines.BOTH])))


def _kept(scope: _Scope) -> list[Kept]:
    """The kept rules' items, most urgent first and newest first within a rule."""
    items = [item for rule in KEPT_RULES for item in rule(scope)]
    # One answer, one item: a deterioration the "worsened" or well-being rule already reports
    # (the same latest response, the previous answer being the baseline) is not listed twice.
    said = {(item.client.pk, item.fingerprint) for item in items
            if item.rule in (Rule.SCORE_WORSENED, Rule.WELLBEING)}
    items = [item for item in items if item.rule != Rule.DETERIORATION
             or (item.client.pk, item.fingerprint) not in said]
    _sort(items)
    return [(item.client.pk, item.rule, item.fingerprint,
             pickle.dumps((item.when, item.describe), pickle.HIGHEST_PROTOCOL))
            for item in items]


def _sort(items: list[Item]) -> None:
    items.sort(key=lambda item: -item.when.timestamp())
    items.sort(key=lambda item: item.urgency)


def _kept_cached(scope: _Scope) -> list[Kept]:
    if not scope.clients:
        return []  # every kept rule is about the clinician's own clients
    if not attention_cache.caching():
        return _kept(scope)
    key = attention_cache.entry_key(clinician_id=scope.clinician.pk,
                                    client_ids=scope.clients, now=scope.now,
                                    therapy=scope.therapy_seen)
    kept = attention_cache.entry_get(key)
    if kept is None:
        kept = _kept(scope)
        attention_cache.entry_set(key, kept)
    return kept


@dataclass(frozen=True)
class Attention:
    items: list[Item]  # the most urgent first: all of them, or the first ``limit``
    count: int  # all of them
    flags: int  # open risk flags among them


def attention_for_clinician(*, clinician: User, now: datetime | None = None,
                            clients: Caseload | Iterable[User] | None = None,
                            limit: int | None = None) -> Attention:
    """The clinician's list, most urgent first (open risk flags on top, always), newest first
    within a rule; acknowledged items with an unchanged fingerprint left out. With ``limit``,
    only the first ones are made (the count is of all).

    Open risk flags and crisis words are read on every call (two queries); the other rules'
    items come from the cache (workspace.attention_cache) and on a miss are computed, in a
    fixed number of queries whatever the caseload: each measure's newest answer beside the one
    before and the baseline (worsened totals, reliable deterioration, not on track, WHO-5
    reviews), goals with their last check-in, recommendations, signatures with the current
    documents. The caseload comes with the acknowledgements (``for_attention``): pass
    it as ``clients``, or it is read here (one query).
    """
    scope = _Scope(clinician=clinician, now=now or timezone.now(), clients=clients)
    acknowledged = scope.acknowledged
    # Every live rule is more urgent than every kept one: the live items lead, in order.
    items = [item for rule in LIVE_RULES for item in rule(scope)
             if not item.can_acknowledge
             or (item.client.pk, item.rule, item.fingerprint) not in acknowledged]
    _sort(items)
    flags = sum(1 for item in items if not item.can_acknowledge)
    # Every kept item can be acknowledged.
    kept = [row for row in _kept_cached(scope)
            if row[0] in scope.clients and row[:3] not in acknowledged]
    count = len(items) + len(kept)
    if limit is not None:
        del items[limit:]
        kept = kept[:max(0, limit - len(items))]
    for client_id, rule, fingerprint, rest in kept:
        # Written by _kept into our own cache, which pickles every value alike.
        when, describe = pickle.loads(rest)  # noqa: S301
        items.append(Item(client=scope.clients[client_id], rule=rule, when=when,
                          fingerprint=fingerprint, describe=describe))
    return Attention(items=items, count=count, flags=flags)


def needs_attention_for_clinician(*, clinician: User, now: datetime | None = None,
                                  clients: Caseload | Iterable[User] | None = None
                                  ) -> list[Item]:
    """All of the clinician's list (``attention_for_clinician``)."""
    return attention_for_clinician(clinician=clinician, now=now, clients=clients).items
