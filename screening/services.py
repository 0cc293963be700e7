"""Writes of the screening app: submit answers, recommend a route, open and resolve risk flags.

Everything a submission causes happens in its transaction: the response, the route, the risk
flag, the clinician's alert and the next invitation are all written or none is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clients.access import clinician_is_assigned, clinician_sees_therapy, free_text_line
from clients.models import Role, User
from notifications import keys
from notifications.models import Notification
from notifications.services import notification_schedule, notifications_cancel
from portal.lib.limits import TEXT_LONG, TEXT_NOTE
from screening.instruments import CSSRS, GAD7, INSTRUMENTS, PHQ9, WHO5, instrument_get
from screening.instruments.cssrs import NONE, TRIAGE_ORDER
from screening.instruments.who5 import WHO5_DROP, WHO5_DROP_POINTS
from screening.models import (
    MeasureEvent,
    MeasureShare,
    RiskFlag,
    Route,
    RouteRecommendation,
    ScreeningResponse,
)
from screening.outcomes import OUTCOME_INSTRUMENTS
from screening.routing import ROUTING_INSTRUMENTS, route_compute
from screening.selectors import THERAPY_INSTRUMENTS, latest_responses

# Therapy clients are invited to PHQ-9 and GAD-7, coaching clients to WHO-5, this long after
# their last answers.
INVITATION_INTERVAL = timedelta(weeks=4)


def _require_client(client: User) -> None:
    if not client.is_client:
        raise ValidationError("Only clients take the self-assessment.")


def screening_submit(*, client: User, instrument: str,
                     answers: Mapping[str, int]) -> ScreeningResponse:
    """Score and record one instrument's answers, then bring the route up to date.

    Invalid answers (unknown instrument, a missing item, a value out of range) raise
    ValidationError and save nothing. A safety risk (any safety item, PHQ-9 item 9 above zero)
    opens a risk flag and alerts the clinician in the same transaction.
    """
    return screening_submit_many(client=client, answers_by_instrument={instrument: answers})[0]


def screening_submit_many(*, client: User,
                          answers_by_instrument: Mapping[str, Mapping[str, int]],
                          submitted_at: datetime | None = None) -> list[ScreeningResponse]:
    """Several instruments at once (the wizard's last step): every one is valid or none is
    saved, and one route recommendation covers them all. ``submitted_at`` is for importing
    history (the demo practice); a person's answers are always recorded at the present."""
    _require_client(client)
    scored = []
    errors: dict[str, list[str]] = {}
    for code, answers in answers_by_instrument.items():
        instrument = instrument_get(code)
        try:
            scored.append((instrument, instrument.clean(answers)))
        except ValidationError as exc:
            for item, messages in exc.message_dict.items():
                errors[item if len(answers_by_instrument) == 1 else f"{code}.{item}"] = messages
    if errors:
        raise ValidationError(errors)

    now = submitted_at or timezone.now()
    with transaction.atomic():
        responses = []
        for instrument, answers in scored:
            score = instrument.scorer(answers)
            flags = list(score.flags)
            if instrument.code == WHO5.code and _who5_dropped(client, score.subscores["percent"]):
                flags.append(WHO5_DROP)
            responses.append(ScreeningResponse.objects.create(
                client=client, instrument=instrument.code, version=instrument.version,
                answers=answers, total=score.total, band=score.band, flags=flags,
                subscores=dict(score.subscores), submitted_at=now,
            ))
        for (instrument, _), response in zip(scored, responses, strict=True):
            positive = instrument.safety_positive(response.answers)
            if positive:
                risk_flag_raise(client=client, instrument=instrument.code, positive=positive,
                                response=response)
            if instrument.code == CSSRS.code:
                risk_flag_triage_record(client=client, level=response.band or NONE)
        if any(r.instrument in ROUTING_INSTRUMENTS for r in responses):
            route_recommend(client=client, now=now)
        measures_invitations_schedule(client=client, responses=responses)
    return responses


def _who5_dropped(client: User, percent: int) -> bool:
    """A WHO-5 ten points or more (percentage scale) below the client's previous one."""
    previous = (ScreeningResponse.objects.filter(client=client, instrument=WHO5.code)
                .order_by("-submitted_at", "-pk").first())
    return (previous is not None and previous.percent is not None
            and previous.percent - percent >= WHO5_DROP_POINTS)


def route_recommend(*, client: User, now: datetime | None = None) -> RouteRecommendation:
    """Compute the route from the latest responses and record it.

    A clinician's override stands while the computed route is unchanged (a routine retake does
    not undo it); a different computed route is new evidence and becomes a new recommendation.
    """
    now = now or timezone.now()
    latest = latest_responses(client=client, instruments=ROUTING_INSTRUMENTS)
    route, reasons = route_compute(latest)
    current = RouteRecommendation.objects.filter(client=client).first()
    if current is not None and current.override_route and current.route == route:
        return current
    recommendation = RouteRecommendation.objects.create(
        client=client, route=route, reasons=[r.as_json() for r in reasons], created_at=now)
    recommendation.responses.set(latest.values())
    return recommendation


def route_override(*, recommendation: RouteRecommendation, route: str, note: str,
                   by: User) -> RouteRecommendation:
    """A clinician sets the route by hand, with a note; the computed route is kept beside it."""
    if not by.is_clinician:
        raise ValidationError("Only clinicians can change a recommended route.")
    note = note.strip()
    if not note:
        raise ValidationError({"note": "Say why you are changing the route."})
    if len(note) > TEXT_LONG or "\x00" in note:
        raise ValidationError({"note": f"Keep the note to {TEXT_LONG:,} characters of text."})
    if route not in Route.values:
        raise ValidationError({"route": "Choose one of the routes."})
    recommendation.override_route = route
    recommendation.override_note = note
    recommendation.override_note_line = free_text_line(by)
    recommendation.overridden_by = by
    recommendation.overridden_at = timezone.now()
    recommendation.save(update_fields=["override_route", "override_note", "override_note_line",
                                       "overridden_by",
                                       "overridden_at"])
    return recommendation


def safety_answers_report(*, client: User, instrument: str,
                          answers: Mapping[str, object]) -> RiskFlag | None:
    """Rule 1 on the answers as they were sent, before any other question is checked.

    Any safety item above zero (``Instrument.safety_positive``) opens the client's risk flag,
    or keeps the open one, and alerts the clinicians, on those answers alone: the rest of the
    page may be blank or invalid. Returns the flag, or None when nothing is positive. Safe to
    call again with the same answers (one flag, one alert per clinician); the retrying task of
    a failed save calls it too.
    """
    _require_client(client)
    positive = instrument_get(instrument).safety_positive(answers)
    if not positive:
        return None
    with transaction.atomic():
        return risk_flag_raise(client=client, instrument=instrument, positive=positive)


def risk_flag_raise(*, client: User, instrument: str, positive: Mapping[str, int],
                    response: ScreeningResponse | None = None) -> RiskFlag:
    """Open a risk flag (or keep the open one) and alert the clinician(s) about these safety
    answers. Runs inside the caller's transaction.

    Alerts go once per clinician for each distinct set of positive answers: the same answers
    sent again (a half-filled page, then the whole of it) alert once; new ones (a plan, after
    thoughts) alert again. The first complete response is linked to a flag opened on the
    answers alone. Recipients: the assigned clinician, or every active clinician when nobody
    is assigned, so someone always knows within a minute.
    """
    trigger = {"instrument": instrument, "answers": dict(positive)}
    flag = _open_flag_locked(client)
    if flag is None:
        try:
            with transaction.atomic():
                flag = RiskFlag.objects.create(
                    client=client, response=response, trigger=trigger,
                    opened_at=response.submitted_at if response else timezone.now())
        except IntegrityError:
            # Another request opened it a moment ago (one open flag per client).
            flag = _open_flag_locked(client)
            if flag is None:
                raise
    if response is not None and flag.response_id is None:
        flag.response = response
        flag.save(update_fields=["response"])
    for clinician in risk_alert_recipients(client=client):
        notification_schedule(
            recipient=clinician,
            kind=Notification.Kind.RISK_ALERT,
            dedupe_key=keys.risk_alert(flag_public_id=flag.public_id, instrument=instrument,
                                       positive=positive, clinician_id=clinician.pk),
            due_at=timezone.now(),
            context={"flag_id": str(flag.public_id)},
        )
    return flag


def risk_flag_triage_record(*, client: User, level: str) -> RiskFlag | None:
    """Write the C-SSRS triage on the client's open flag: the highest level answered while it
    is open (a later, calmer answer does not lower it; the clinician decides when the flag
    closes). No open flag: nothing to write (all-no answers open none)."""
    flag = _open_flag_locked(client)
    if flag is None:
        return None
    if TRIAGE_ORDER.index(level) > TRIAGE_ORDER.index(flag.triage or ""):
        flag.triage = level
        flag.save(update_fields=["triage"])
    return flag


def _open_flag_locked(client: User) -> RiskFlag | None:
    return RiskFlag.objects.select_for_update().filter(
        client=client, status=RiskFlag.Status.OPEN).first()


def risk_alert_recipients(*, client: User) -> list[User]:
    clinician = client.client_profile.clinician
    if clinician is not None and clinician.is_active:
        return [clinician]
    return list(User.objects.filter(role=Role.CLINICIAN, is_active=True))


def risk_flag_resolve(*, flag: RiskFlag, note: str, by: User,
                      recorded_by: User | None = None) -> RiskFlag:
    """A clinician closes the flag with a note; coaching becomes bookable again.

    Only a clinician decides (rule 1). A practice admin may record a clinician's decision
    (``recorded_by``, from the admin): the flag then names the clinician as the resolver, and
    the note says who typed it in."""
    if not by.is_clinician or not by.is_active:
        raise ValidationError("Only clinicians can resolve a risk flag.")
    if recorded_by is not None and recorded_by != by and not recorded_by.is_practice_admin:
        raise ValidationError("Only a practice admin can record a clinician's resolution.")
    note = note.strip()
    if not note:
        raise ValidationError({"note": "Write what was done and why the flag can close."})
    if len(note) > TEXT_NOTE or "\x00" in note:
        raise ValidationError({"note": f"Keep the note to {TEXT_NOTE:,} characters of text."})
    if recorded_by is not None and recorded_by != by:
        note += f"\n\n(Recorded in the admin by {recorded_by.full_name or recorded_by.email}.)"
    updated = RiskFlag.objects.filter(pk=flag.pk, status=RiskFlag.Status.OPEN).update(
        status=RiskFlag.Status.RESOLVED, resolved_by=by, resolved_at=timezone.now(),
        resolution_note=note)
    if not updated:
        raise ValidationError("This flag was already resolved.")
    # An alert not sent yet (a lost hand-off, a mail server down) has nothing left to say.
    notifications_cancel(scope=keys.risk_flag_scope(flag.public_id),
                         kinds=[Notification.Kind.RISK_ALERT],
                         reason="The risk flag was resolved.")
    flag.refresh_from_db()
    return flag


# What each line's four-weekly retake invitation asks for.
RETAKE_LINE_INSTRUMENTS: dict[str, frozenset[str]] = {
    "therapy": frozenset({PHQ9.code, GAD7.code}), "coaching": frozenset({WHO5.code})}

# "Does a measures-before-sessions schedule already ask this client for the line's retake?"
# The rule lives in booking (sessions.measures.retake_covered), which sits above screening;
# BookingConfig.ready wires it in here, as the workspace wires the outbox's cause checks.
RetakeCover = Callable[..., bool]
_retake_cover: list[RetakeCover] = []


def retake_cover_register(*, check: RetakeCover) -> None:
    _retake_cover[:] = [check]


def measures_invitations_schedule(*, client: User,
                                  responses: list[ScreeningResponse]) -> None:
    """Invite the client to retake their measures four weeks after this answer: PHQ-9 and
    GAD-7 for therapy clients, WHO-5 for coaching clients. One pending invitation per line:
    a newer answer replaces the older invitation. No retake for a line whose measures go out
    before the client's sessions already (one schedule per measure:
    ``sessions.measures.retake_covered``)."""
    profile = client.client_profile
    lines = []
    taken = {response.instrument for response in responses}
    if profile.has_therapy and taken & {PHQ9.code, GAD7.code}:
        lines.append("therapy")
    if profile.has_coaching and WHO5.code in taken:
        lines.append("coaching")
    for line in lines:
        notifications_cancel(scope=keys.measures_scope(client_id=client.pk, line=line),
                             reason="A newer answer replaces this invitation.")
        if any(check(client=client, line=line) for check in _retake_cover):
            continue
        notification_schedule(
            recipient=client,
            kind=Notification.Kind.MEASURES_INVITATION,
            dedupe_key=keys.measures_invitation(client_id=client.pk, line=line,
                                                response_public_id=responses[0].public_id),
            due_at=responses[0].submitted_at + INVITATION_INTERVAL,
        )


# --- Outcomes (issue 17) ----------------------------------------------------------------------

MEASURE_EVENT_TEXT = 200
# An event further back than this is a typing mistake, not a note on a chart of measures.
MEASURE_EVENT_OLDEST = date(2000, 1, 1)


def _require_own_clinician(*, by: User, client: User) -> None:
    if not clinician_is_assigned(clinician=by, client=client):
        raise ValidationError("Only the client's own clinician can do this.")


def measure_event_add(*, client: User, occurred_on: date, text: str, by: User) -> MeasureEvent:
    """A note beside the client's measures ("new role", "medication change"), in the author's
    line (a therapist's is never shown to a coaching-only clinician)."""
    _require_own_clinician(by=by, client=client)
    text = (text or "").strip()
    errors = {}
    if not text:
        errors["text"] = "Say what happened, in a few words."
    elif len(text) > MEASURE_EVENT_TEXT or "\x00" in text:
        errors["text"] = f"Keep it to {MEASURE_EVENT_TEXT} characters of text."
    today = timezone.localdate(timezone=by.zone)
    if not isinstance(occurred_on, date) or isinstance(occurred_on, datetime):
        errors["occurred_on"] = "Enter a date."
    elif occurred_on > today:
        errors["occurred_on"] = "The date cannot be in the future."
    elif occurred_on < MEASURE_EVENT_OLDEST:
        errors["occurred_on"] = "Enter a date from 2000 on."
    if errors:
        raise ValidationError(errors)
    return MeasureEvent.objects.create(client=client, author=by, occurred_on=occurred_on,
                                       text=text, line=free_text_line(by),
                                       created_at=timezone.now())


def measure_share_set(*, client: User, instrument: str, shared: bool, by: User) -> MeasureShare:
    """Show a measure on the client's progress page, or stop showing it. A coaching-only
    clinician cannot share what they may not see."""
    _require_own_clinician(by=by, client=client)
    if instrument not in OUTCOME_INSTRUMENTS or instrument not in INSTRUMENTS:
        raise ValidationError({"instrument": "Choose one of the measures."})
    if instrument in THERAPY_INSTRUMENTS and not clinician_sees_therapy(by):
        raise ValidationError({"instrument": "Choose one of the measures."})
    share, _ = MeasureShare.objects.update_or_create(
        client=client, instrument=instrument,
        defaults={"shared": bool(shared), "set_by": by, "set_at": timezone.now()})
    return share
