"""The client's short form of the measures planned before one appointment (issue 17).

Safety first, as on every screening page (rule 1): a safety answer above zero (PHQ-9 item 9)
goes to the crisis page at once; complete answers are saved (the flag opens with them), a page
left half-done opens the flag on the safety answers alone.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from clients.access import client_for_staff, lines_for_staff
from clients.http import AuthenticatedRequest
from clients.models import AccessLog
from portal.lib.access import client_required, clinician_required
from screening.forms import InstrumentForm, form_add_service_errors
from screening.instruments import INSTRUMENTS
from screening.services import safety_answers_report
from sessions.measures import (
    measure_plan_for,
    measure_plan_set,
    session_measures_for_client,
    session_measures_refusal,
    session_measures_submit,
)
from sessions.staff_forms import MeasurePlanForm


def _sent(request: AuthenticatedRequest, code: str) -> dict[str, list[str]]:
    prefix = f"{code}-"
    return {key[len(prefix):]: request.POST.getlist(key) for key in request.POST
            if key.startswith(prefix)}


@client_required
@require_http_methods(["GET", "POST"])
def measures(request: AuthenticatedRequest, measures_id: uuid.UUID) -> HttpResponse:
    planned = session_measures_for_client(client=request.user, public_id=measures_id)
    refusal = session_measures_refusal(planned)
    instruments = [INSTRUMENTS[code] for code in planned.instruments if code in INSTRUMENTS]
    data = request.POST if request.method == "POST" and not refusal else None
    forms = [InstrumentForm(data, instrument=instrument, prefix=instrument.code)
             for instrument in instruments]
    if data is not None:
        positive = {form.instrument.code: form.instrument.safety_positive(
            _sent(request, form.instrument.code)) for form in forms}
        valid = all([form.is_valid() for form in forms])
        if valid:
            try:
                session_measures_submit(measures=planned, client=request.user,
                                        answers_by_instrument={f.instrument.code: f.answers
                                                               for f in forms})
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                return redirect("booking:measures", measures_id=planned.public_id)
            if any(positive.values()):
                return redirect("screening:crisis")
            messages.success(request, "Thank you. Your clinician will see your answers before "
                                      "your appointment.")
            return redirect("booking:detail", appointment_id=planned.appointment.public_id)
        if any(positive.values()):
            for code, answers in positive.items():
                if answers:
                    safety_answers_report(client=request.user, instrument=code,
                                          answers=_sent(request, code))
            return redirect("screening:crisis")
    return render(request, "booking/client/measures.html", {
        "planned": planned,
        "appointment": planned.appointment,
        "refusal": refusal,
        "forms": forms,
        "has_errors": any(form.errors for form in forms),
    })


@clinician_required
@require_http_methods(["GET", "POST"])
def measure_plan(request: AuthenticatedRequest, client_id: uuid.UUID) -> HttpResponse:
    """The client's own plan of measures before sessions, per line the clinician provides
    and the client uses (the practice's plan until one is set). PCL-5 is assigned here."""
    client = client_for_staff(request=request, public_id=client_id,
                              what=AccessLog.What.SCREENING, detail="measures plan")
    profile = client.client_profile
    lines = [line for line in lines_for_staff(request.user)
             if (line == "therapy" and profile.has_therapy)
             or (line == "coaching" and profile.has_coaching)]
    posted = request.POST.get("line") if request.method == "POST" else None
    sections: list[dict[str, Any]] = []
    for line in lines:
        plan = measure_plan_for(client=client, line=line)
        initial = {"cadence": plan.cadence, "every_weeks": plan.every_weeks,
                   "instruments": list(plan.instruments)}
        form = MeasurePlanForm(request.POST if posted == line else None, line=line,
                               prefix=line, initial=initial)
        if posted == line and form.is_valid():
            try:
                measure_plan_set(client=client, line=line, by=request.user,
                                 **form.cleaned_data)
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(request, "Saved. It applies to sessions booked or moved from "
                                          "now on.")
                return redirect("booking:measure_plan", client_id=client.public_id)
        sections.append({"line": line, "plan": plan, "form": form})
    if posted is not None and posted not in lines:
        raise Http404("No such line.")
    return render(request, "booking/clinician/measure_plan.html", {
        "client": client, "sections": sections,
        "has_errors": any(section["form"].errors for section in sections)},
        status=400 if posted and any(s["form"].errors for s in sections) else 200)
