"""The client's short form of the measures planned before one appointment (issue 17).

Safety first, as on every screening page (rule 1): a safety answer above zero (PHQ-9 item 9)
goes to the crisis page at once; complete answers are saved (the flag opens with them), a page
left half-done opens the flag on the safety answers alone.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from portal.lib.access import client_required
from screening.forms import InstrumentForm
from screening.instruments import INSTRUMENTS
from screening.services import safety_answers_report
from sessions.measures import (
    session_measures_for_client,
    session_measures_refusal,
    session_measures_submit,
)


def _sent(request: HttpRequest, code: str) -> dict[str, list[str]]:
    prefix = f"{code}-"
    return {key[len(prefix):]: request.POST.getlist(key) for key in request.POST
            if key.startswith(prefix)}


@client_required
@require_http_methods(["GET", "POST"])
def measures(request: HttpRequest, measures_id: uuid.UUID) -> HttpResponse:
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
