"""The screening pages.

Client: the start page, the wizard (one instrument a page, answers kept in the session until
the last step), a single-questionnaire retake, the results in plain words and their own past
answers. Anyone: the crisis page. Clinician: a client's screening history with the chart, the
open risk flags, and one flag to resolve.

Safety first (rule 1): a yes on the safety screen, or PHQ-9 item 9 above zero, is submitted the
moment that page is sent, not at the end of the wizard, so the flag is open and the clinician
alerted even if the client closes the tab on the crisis page.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from clients.access import clinician_is_assigned
from clients.forms import PhoneForm
from clients.http import AuthenticatedRequest
from clients.models import AccessLog
from clients.selectors import client_profile_for_client
from clients.services import access_log_record, access_log_record_many, client_phone_set
from portal.lib.access import client_required, clinician_required
from screening import services
from screening.charts import screening_chart
from screening.forms import (
    RiskFlagResolveForm,
    RouteOverrideForm,
    form_add_service_errors,
    instrument_form,
)
from screening.instruments import (
    CSSRS,
    GAD7,
    INSTRUMENTS,
    PHQ9,
    SAFETY,
    SAFETY_RISK,
    WHO5,
    WIZARD_ORDER,
    Instrument,
)
from screening.instruments.self_assessment import COACHING_INDICATORS, THERAPY_INDICATORS
from screening.instruments.who5 import LOW_ITEM, LOW_WELLBEING
from screening.middleware import SAFETY_PENDING_KEY
from screening.models import RiskFlag, Route, ScreeningResponse
from screening.routing import reason_for_client, route_compute
from screening.selectors import (
    THERAPY_INSTRUMENTS,
    THERAPY_SAFETY_ITEMS,
    client_for_clinician,
    clinician_sees_therapy,
    current_recommendation,
    latest_responses,
    open_flag_and_followup,
    open_risk_flags_for_clinician,
    override_note_for_clinician,
    reasons_for_clinician,
    resolved_risk_flags_for_clinician,
    response_for_client,
    risk_flag_for_clinician,
    route_reasons_for_clinician,
    screening_history_for_clinician,
    told_clinician_name,
)
from screening.services import risk_flag_resolve, screening_submit, screening_submit_many
from screening.tasks import safety_answers_report_later

DRAFT_KEY = "screening_draft"
RETAKE_INSTRUMENTS = (PHQ9.code, GAD7.code, WHO5.code)

logger = logging.getLogger(__name__)
PARTIAL_KEY = "screening_partial"


# --- The draft ------------------------------------------------------------------------------


def _draft(request: AuthenticatedRequest) -> dict[str, dict[str, int]]:
    draft = request.session.get(DRAFT_KEY)
    if not isinstance(draft, dict):
        return {}
    return {code: answers for code, answers in draft.items() if code in INSTRUMENTS}


def _draft_save(request: AuthenticatedRequest, draft: dict[str, dict[str, int]]) -> None:
    if draft:
        request.session[DRAFT_KEY] = draft
    else:
        request.session.pop(DRAFT_KEY, None)


def _first_missing_step(draft: dict[str, Any], before: str | None = None) -> str | None:
    """The first step without a draft, looking only at the steps before ``before``."""
    for code in WIZARD_ORDER:
        if code == before:
            return None
        if code not in draft:
            return code
    return None


def _partial(request: AuthenticatedRequest, code: str) -> dict[str, int]:
    """What was answered on a page that was sent with a safety answer but not complete: shown
    again when the person comes back to it, never counted as done."""
    partial = request.session.get(PARTIAL_KEY)
    return partial.get(code, {}) if isinstance(partial, dict) else {}


def _partial_save(request: AuthenticatedRequest, code: str, answers: dict[str, int] | None) -> None:
    partial = request.session.get(PARTIAL_KEY)
    partial = dict(partial) if isinstance(partial, dict) else {}
    if answers:
        partial[code] = answers
    else:
        partial.pop(code, None)
    if partial:
        request.session[PARTIAL_KEY] = partial
    else:
        request.session.pop(PARTIAL_KEY, None)


def _as_sent(request: AuthenticatedRequest) -> dict[str, list[str]]:
    """The answers as they came, every value of every field: nothing is validated yet."""
    return {key: request.POST.getlist(key) for key in request.POST}


# --- Client pages ---------------------------------------------------------------------------


@client_required
def start(request: AuthenticatedRequest) -> HttpResponse:
    draft = _draft(request)
    resume = _first_missing_step(draft) if draft else None
    return render(request, "screening/start.html", {
        "recommendation": current_recommendation(client=request.user),
        "steps": [INSTRUMENTS[code] for code in WIZARD_ORDER],
        "resume": resume,
        "retakes": [INSTRUMENTS[code] for code in RETAKE_INSTRUMENTS],
    })


@client_required
@require_http_methods(["GET", "POST"])
def step(request: AuthenticatedRequest, instrument: str) -> HttpResponse:
    if instrument not in WIZARD_ORDER:
        raise Http404("No such step.")
    draft = _draft(request)
    missing = _first_missing_step(draft, before=instrument)
    if missing is not None:
        # Skipped ahead by URL: the earlier steps come first (safety above all).
        return redirect("screening:step", instrument=missing)

    current = INSTRUMENTS[instrument]
    index = WIZARD_ORDER.index(instrument)
    if request.method == "POST":
        form = instrument_form(current, data=request.POST)
        if current.safety_positive(_as_sent(request)):
            return _safety_first(request, current, form, draft=draft)
        if form.is_valid():
            return _step_done(request, draft, current, form.answers)
    else:
        form = instrument_form(current, initial=draft.get(instrument)
                               or _partial(request, instrument))

    previous = WIZARD_ORDER[index - 1] if index else None
    return render(request, "screening/step.html", {
        "instrument": current,
        "form": form,
        "number": index + 1,
        "count": len(WIZARD_ORDER),
        "back_url": reverse("screening:step", args=[previous]) if previous
        else reverse("screening:start"),
        "is_last": index == len(WIZARD_ORDER) - 1,
        "action": reverse("screening:step", args=[instrument]),
    })


def _safety_first(request: AuthenticatedRequest, instrument: Instrument, form,
                  *, draft: dict[str, dict[str, int]] | None) -> HttpResponse:
    """A page sent with a safety answer above zero (rule 1), whatever else it holds.

    Complete and valid: it is submitted now, not at the end of the wizard; the safety screen
    answered before (all no) goes with PHQ-9, so the route sees both. Anything less (a question
    left blank, a value out of range): the flag opens and the clinicians are alerted on the
    safety answers alone, and what was answered is kept for when the person comes back. If
    the database refuses either, the crisis page is shown all the same and a retrying task
    writes the flag. ``draft`` is the wizard's (None for a retake)."""
    code = instrument.code
    sent = _as_sent(request)
    try:
        if form.is_valid():
            now = {code: form.answers}
            if draft is not None and code == PHQ9.code and SAFETY.code in draft:
                now = {SAFETY.code: draft[SAFETY.code], **now}
            try:
                _submit(request, now)
            except ValidationError:
                # A safety draft from an older version of the screen: the answers sent now
                # still count.
                services.safety_answers_report(client=request.user, instrument=code,
                                               answers=sent)
            else:
                if draft is not None:
                    for submitted in now:
                        draft.pop(submitted, None)
                    _draft_save(request, draft)
                _partial_save(request, code, None)
        else:
            services.safety_answers_report(client=request.user, instrument=code, answers=sent)
            _partial_save(request, code, {
                item: value for item, value in form.cleaned_data.items()
                if value not in (None, "")})
    except DatabaseError:
        logger.critical("SAFETY: the safety-positive answers of client %s (%s) could not be "
                        "saved; the risk flag is left to a retrying task", request.user.pk,
                        code, exc_info=True)
        _safety_report_later(request, instrument=code,
                                     positive=instrument.safety_positive(sent))
        return _crisis_page(request, queued=True)
    return redirect("screening:crisis")


def _safety_report_later(request: AuthenticatedRequest, *, instrument: str,
                                 positive: dict[str, int]) -> None:
    """Hand the flag to the retrying task; with the broker down as well, keep it in the
    session, where the next request of this person tries again (SafetyPendingMiddleware)."""
    try:
        safety_answers_report_later(client=request.user, instrument=instrument,
                                    answers=positive)
    except Exception:
        logger.critical("SAFETY: the retrying task for client %s could not be queued either; "
                        "kept in the session for the next request", request.user.pk,
                        exc_info=True)
        pending = list(request.session.get(SAFETY_PENDING_KEY) or [])
        pending.append({"instrument": instrument, "answers": positive})
        request.session[SAFETY_PENDING_KEY] = pending


def _step_done(request: AuthenticatedRequest, draft: dict[str, dict[str, int]],
               instrument: Instrument, answers: dict[str, int]) -> HttpResponse:
    code = instrument.code
    draft[code] = answers
    _partial_save(request, code, None)
    _draft_save(request, draft)
    missing = _first_missing_step(draft)
    if missing is not None:
        return redirect("screening:step", instrument=missing)
    try:
        _submit(request, {c: draft[c] for c in WIZARD_ORDER})
    except ValidationError as error:
        # A draft saved under an older version of a questionnaire: ask that one again.
        stale = {key.split(".")[0] for key in error.message_dict if "." in key}
        for stale_code in stale:
            draft.pop(stale_code, None)
        _draft_save(request, draft)
        messages.warning(request, "Some of the questions changed since you started. Please "
                                  "answer them again.")
        return redirect("screening:step", instrument=_first_missing_step(draft) or WIZARD_ORDER[0])
    _draft_save(request, {})
    return redirect("screening:results")


def _submit(request: AuthenticatedRequest,
            answers_by_instrument: dict[str, dict[str, int]]) -> None:
    if len(answers_by_instrument) == 1:
        [(code, answers)] = answers_by_instrument.items()
        screening_submit(client=request.user, instrument=code, answers=answers)
    else:
        screening_submit_many(client=request.user, answers_by_instrument=answers_by_instrument)


@client_required
@require_http_methods(["GET", "POST"])
def retake(request: AuthenticatedRequest, instrument: str) -> HttpResponse:
    """One questionnaire again (the measures a clinician follows over time)."""
    if instrument not in RETAKE_INSTRUMENTS:
        raise Http404("This questionnaire cannot be retaken on its own.")
    current = INSTRUMENTS[instrument]
    form = instrument_form(current, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and current.safety_positive(_as_sent(request)):
        return _safety_first(request, current, form, draft=None)
    if request.method == "POST" and form.is_valid():
        screening_submit(client=request.user, instrument=instrument, answers=form.answers)
        messages.success(request, "Thank you. Your answers are saved and your clinician can "
                                  "see them.")
        return redirect("screening:results")
    return render(request, "screening/step.html", {
        "instrument": current,
        "form": form,
        "retake": True,
        "back_url": reverse("screening:start"),
        "is_last": True,
        "action": reverse("screening:retake", args=[instrument]),
    })


@require_http_methods(["GET", "POST"])
def crisis(request: AuthenticatedRequest) -> HttpResponse:
    """Public: crisis resources must reach anyone, signed in or not. A client may leave a
    number the practice can call them on today (optional, one field)."""
    phone_form = None
    user = request.user
    if user.is_authenticated and user.is_client:
        phone_form = PhoneForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and phone_form.is_valid():
            client_phone_set(client=user, phone=phone_form.cleaned_data["phone"])
            messages.success(request, "Thank you. The practice can call you on "
                                      f"{phone_form.cleaned_data['phone']}.")
            return redirect("screening:crisis")
    elif request.method == "POST":
        return redirect("screening:crisis")
    return _crisis_page(request, phone_form=phone_form)


def _crisis_page(request: AuthenticatedRequest, *, queued: bool = False,
                 phone_form=None) -> HttpResponse:
    """The crisis page. It renders whatever the database does: the resources come first and
    need nothing; what the practice was told is read only if it can be (``queued``: the flag
    is with the retrying task, so the alert is on its way)."""
    context: dict[str, Any] = {"told": queued, "queued": queued, "clinician_name": "",
                               "resume": None, "phone_form": phone_form, "phone": ""}
    user = request.user
    if user.is_authenticated and user.is_client:
        if phone_form is None and not queued:
            phone_form = context["phone_form"] = PhoneForm()
        try:
            if not queued:
                # Only say the practice was told when it was: an open flag means an alert went
                # out.
                # The step-up: the C-SSRS screener next, below the resources.
                context["told"], context["followup"] = open_flag_and_followup(user)
            if context["told"]:
                profile = client_profile_for_client(client=user)
                context["clinician_name"] = told_clinician_name(profile)
                context["phone"] = profile.phone if profile else ""
        except DatabaseError:
            logger.exception("crisis page: the client's record could not be read")
        draft = _draft(request)
        if draft or request.session.get(PARTIAL_KEY):
            context["resume"] = _first_missing_step(draft)
    return render(request, "screening/crisis.html", context)


@client_required
def results(request: AuthenticatedRequest) -> HttpResponse:
    recommendation = current_recommendation(client=request.user)
    if recommendation is None:
        return redirect("screening:start")
    latest = latest_responses(client=request.user, instruments=WIZARD_ORDER)
    return render(request, "screening/results.html", {
        "recommendation": recommendation,
        "route": recommendation.effective_route,
        "reviewed": bool(recommendation.override_route),
        # Two crisis reasons (safety screen, PHQ-9 item 9) read the same in plain words.
        "reasons": list(dict.fromkeys(reason_for_client(r) for r in recommendation.reasons)),
        "answers": [(INSTRUMENTS[code], latest[code]) for code in WIZARD_ORDER if code in latest],
        "booking_url": reverse("booking:choose_type"),
    })


@client_required
def response_detail(request: AuthenticatedRequest, response_id: uuid.UUID) -> HttpResponse:
    response = response_for_client(client=request.user, public_id=response_id)
    return render(request, "screening/response.html", {
        "response": response,
        "instrument": INSTRUMENTS.get(response.instrument),
        "answered": answered_items(response),
    })


# --- Clinician pages ------------------------------------------------------------------------


@dataclass(frozen=True)
class Answered:
    code: str
    text: str
    value: int
    label: str


def answered_items(response: ScreeningResponse) -> list[Answered]:
    """Each question with the answer chosen, in the instrument's order; items not asked (PHQ-9
    item 10 when nothing was checked off) are left out."""
    instrument = INSTRUMENTS.get(response.instrument)
    rows = []
    items = instrument.items if instrument else ()
    known = {item.code for item in items}
    for item in items:
        if item.code not in response.answers:
            continue
        value = response.answers[item.code]
        label = next((o.label for o in item.options if o.value == value), str(value))
        rows.append(Answered(item.code, item.text, value, label))
    # Answers to items a later version dropped still show, by code.
    for code, value in response.answers.items():
        if code not in known:
            rows.append(Answered(code, code, value, str(value)))
    return rows


FLAG_BADGES = {
    SAFETY_RISK: ("Safety risk", "danger"),
    LOW_WELLBEING: ("Low well-being", "warning"),
    LOW_ITEM: ("An item at 0 or 1", "warning"),
    THERAPY_INDICATORS: ("Therapy indicators", "neutral"),
    COACHING_INDICATORS: ("Coaching indicators", "neutral"),
}


@dataclass(frozen=True)
class HistoryRow:
    response: ScreeningResponse | None
    title: str
    score: str
    band: str
    flags: list[tuple[str, str]]
    answered: list[Answered]


def _history_row(response: ScreeningResponse) -> HistoryRow:
    instrument = INSTRUMENTS.get(response.instrument)
    if response.instrument == WHO5.code and response.percent is not None:
        score = f"{response.percent}% (raw {response.total})"
    elif response.instrument == SAFETY.code:
        score = f"{response.total} of {len(SAFETY.items)} yes"
    elif response.subscores and "therapy" in response.subscores:
        score = (f"{response.subscores['therapy']} therapy, "
                 f"{response.subscores['coaching']} coaching")
    else:
        score = "" if response.total is None else str(response.total)
    return HistoryRow(
        response=response,
        title=instrument.title if instrument else response.get_instrument_display(),
        score=score,
        band=response.band,
        flags=[FLAG_BADGES.get(flag, (flag, "neutral")) for flag in response.flags],
        answered=answered_items(response),
    )


def _flag_row(response: ScreeningResponse, *, sees_therapy: bool) -> tuple[HistoryRow, bool]:
    """The response that opened a risk flag, and whether the firewall trimmed it. A coaching-only
    clinician sees the safety question of a PHQ-9 (item 9) and its answer, never the measure's
    other answers, total or severity band: safety first, the rest stays with therapy."""
    row = _history_row(response)
    if sees_therapy or response.instrument not in THERAPY_INSTRUMENTS:
        return row, False
    safety_items = THERAPY_SAFETY_ITEMS.get(response.instrument, ())
    return HistoryRow(
        response=response,
        title="Safety question",
        score="",
        band="",
        flags=[FLAG_BADGES[SAFETY_RISK]] if SAFETY_RISK in response.flags else [],
        answered=[answer for answer in row.answered if answer.code in safety_items],
    ), True


def _client_history_page(request: AuthenticatedRequest, client, *, override_form=None,
                         status: int = 200) -> HttpResponse:
    access_log_record(request=request, client=client, what=AccessLog.What.SCREENING)
    history = screening_history_for_clinician(clinician=request.user, client=client)
    sees_therapy = history["sees_therapy"]
    recommendation = history["recommendations"][0] if history["recommendations"] else None
    # Read-only for a clinician who is not the client's own (clients.access): no override.
    assigned = clinician_is_assigned(clinician=request.user, client=client)
    if override_form is None and recommendation is not None and assigned:
        override_form = RouteOverrideForm(initial={"route": recommendation.effective_route})
    flags = history["flags"]
    return render(request, "screening/client_history.html", {
        "client": client,
        "sees_therapy": sees_therapy,
        "recommendation": recommendation,
        "reasons": route_reasons_for_clinician(recommendation, sees_therapy=sees_therapy)
        if recommendation else [],
        "override_form": override_form if assigned else None,
        "override_note": override_note_for_clinician(recommendation, sees_therapy=sees_therapy)
        if recommendation else "",
        "assigned": assigned,
        # The responses are already without PHQ-9 and GAD-7 behind the firewall; their panels
        # go too, so not even an empty "PHQ-9 total" axis is drawn.
        "chart": screening_chart(history["responses"], zone=request.user.zone,
                                 client_name=client.full_name,
                                 leave_out=() if sees_therapy else THERAPY_INSTRUMENTS),
        "rows": [_history_row(response) for response in history["responses"]],
        "open_flags": [flag for flag in flags if flag.status == RiskFlag.Status.OPEN],
        "resolved_flags": [flag for flag in flags if flag.status == RiskFlag.Status.RESOLVED],
    }, status=status)


@clinician_required
def client_history(request: AuthenticatedRequest, client_id: uuid.UUID) -> HttpResponse:
    client = client_for_clinician(clinician=request.user, public_id=client_id)
    return _client_history_page(request, client)


@clinician_required
@require_POST
def route_override(request: AuthenticatedRequest, client_id: uuid.UUID,
                   recommendation_id: uuid.UUID) -> HttpResponse:
    client = client_for_clinician(clinician=request.user, public_id=client_id)
    if not clinician_is_assigned(clinician=request.user, client=client):
        raise Http404("Only the client's own clinician changes the route.")
    recommendation = current_recommendation(client=client)
    if recommendation is None:
        raise Http404("No recommendation.")
    history_url = reverse("screening:client_history", args=[client.public_id])
    if recommendation.public_id != recommendation_id:
        # The client answered again while the page was open: the route shown was replaced.
        messages.warning(request, "A newer recommendation arrived while you were reading. "
                                  "Review it before changing the route.")
        return redirect(history_url)
    form = RouteOverrideForm(request.POST)
    if form.is_valid():
        try:
            services.route_override(recommendation=recommendation,
                                   route=form.cleaned_data["route"],
                                   note=form.cleaned_data["note"], by=request.user)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"Route set to {Route(form.cleaned_data['route']).label}.")
            return redirect(history_url)
    return _client_history_page(request, client, override_form=form)


@clinician_required
def risk_flags(request: AuthenticatedRequest) -> HttpResponse:
    """Open flags, oldest first (the client who has waited longest is seen first); the
    "Resolved" tab: the latest resolved flags the clinician may read, newest first."""
    resolved_tab = request.GET.get("tab") == "resolved"
    if resolved_tab:
        flags = resolved_risk_flags_for_clinician(clinician=request.user)
    else:
        flags = sorted(open_risk_flags_for_clinician(clinician=request.user),
                       key=lambda flag: (flag.opened_at, flag.pk))
    access_log_record_many(request=request, clients=[flag.client for flag in flags],
                           what=AccessLog.What.LIST, detail="risk flags")
    return render(request, "screening/risk_flags.html", {
        "flags": flags, "resolved_tab": resolved_tab})


@dataclass(frozen=True)
class SentAnswers:
    """The safety answers a flag opened on before any response was complete, in the shape
    ``route_compute`` and the flag page read."""

    answers: dict[str, int]
    total: None = None
    band: str = ""
    flags: tuple[str, ...] = (SAFETY_RISK,)


def _trigger_row(flag: RiskFlag) -> HistoryRow | None:
    instrument = INSTRUMENTS.get(flag.trigger.get("instrument", ""))
    if instrument is None:
        return None
    answers = flag.trigger.get("answers", {})
    answered = []
    for item in instrument.items:
        if item.code in answers:
            value = answers[item.code]
            label = next((o.label for o in item.options if o.value == value), str(value))
            answered.append(Answered(item.code, item.text, value, label))
    return HistoryRow(response=None, title="Safety answers (sent before the page was complete)",
                      score="", band="", flags=[FLAG_BADGES[SAFETY_RISK]], answered=answered)


@clinician_required
@require_http_methods(["GET", "POST"])
def risk_flag(request: AuthenticatedRequest, flag_id: uuid.UUID) -> HttpResponse:
    flag = risk_flag_for_clinician(clinician=request.user, public_id=flag_id)
    is_open = flag.status == RiskFlag.Status.OPEN
    form = None
    if is_open:
        form = RiskFlagResolveForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                risk_flag_resolve(flag=flag, note=form.cleaned_data["note"], by=request.user)
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(request, f"The flag for {flag.client} is resolved.")
                return redirect("screening:risk_flag", flag_id=flag.public_id)
    elif request.method == "POST":
        messages.info(request, "This flag was already resolved.")
        return redirect("screening:risk_flag", flag_id=flag.public_id)

    # The flag is never behind the firewall (rule 1): every clinician who can see the client
    # sees it, why it opened and the safety answers; only a PHQ-9's other answers are hidden.
    sees_therapy = clinician_sees_therapy(request.user)
    response = flag.response
    row: HistoryRow | None
    if response is not None:
        _, reasons = route_compute({response.instrument: response})
        row, firewalled = _flag_row(response, sees_therapy=sees_therapy)
    else:
        _, reasons = route_compute({flag.trigger.get("instrument", ""):
                                    SentAnswers(dict(flag.trigger.get("answers", {})))})
        row, firewalled = _trigger_row(flag), False
    access_log_record(request=request, client=flag.client, what=AccessLog.What.RISK_FLAG,
                      detail=str(flag.public_id))
    return render(request, "screening/risk_flag.html", {
        "flag": flag,
        "is_open": is_open,
        "form": form,
        "row": row,
        "firewalled": firewalled,
        "phone": flag.client.client_profile.phone,
        "assigned": clinician_is_assigned(clinician=request.user, client=flag.client),
        "reasons": reasons_for_clinician(
            [reason.as_json() for reason in reasons
             if reason.code in ("safety_positive", "phq9_item9")],
            sees_therapy=sees_therapy),
    })


@client_required
@require_http_methods(["GET", "POST"])
def safety_followup(request: AuthenticatedRequest) -> HttpResponse:
    """The C-SSRS screener, asked after a safety answer (the step-up). The crisis resources
    stay at the top of the page; a yes here alerts as any safety answer does, even on a page
    left half-done."""
    form = instrument_form(CSSRS, data=request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            screening_submit(client=request.user, instrument=CSSRS.code, answers=form.answers)
            messages.success(request, "Thank you. Your clinician sees your answers and will "
                                      "be in touch.")
            return redirect("screening:crisis")
        if CSSRS.safety_positive(_as_sent(request)):
            services.safety_answers_report(client=request.user, instrument=CSSRS.code,
                                           answers=_as_sent(request))
    return render(request, "screening/safety_followup.html", {"form": form,
                                                               "instrument": CSSRS})
