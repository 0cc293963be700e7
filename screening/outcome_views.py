"""The clinician's outcomes page for one client (issue 17): each measure over time with its
caseness line and the band of no reliable change, what the change means beside the latest
score (the published thresholds, and the practice's own Jacobson–Truax index once it has 30
baselines), the event notes, and what the client sees of it (sharing).

The client's own assigned clinician only (``client_for_staff``, which writes the access-log
row); a coaching-only clinician sees WHO-5 and the coaching line's event notes (the firewall,
``selectors.outcomes_for_clinician``).
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clients.access import client_for_staff
from clients.models import AccessLog, User
from portal.lib.access import clinician_required
from screening import services
from screening.forms import MeasureEventForm, MeasureShareForm, form_add_service_errors
from screening.outcome_charts import EventMark, measure_chart
from screening.selectors import outcomes_for_clinician


def _page(request: HttpRequest, client: User, *, event_form: MeasureEventForm | None = None,
          status: int = 200) -> HttpResponse:
    data = outcomes_for_clinician(clinician=request.user, client=client)
    marks = [EventMark(event.occurred_on, event.text) for event in data["events"]]
    zone = request.user.zone
    panels = [(measure, measure_chart(measure.values, rules=measure.rules,
                                      title=f"{measure.title} over time", zone=zone,
                                      events=marks))
              for measure in data["measures"]]
    return render(request, "screening/client_outcomes.html", {
        "client": client,
        "panels": panels,
        "events": data["events"],
        "event_form": event_form or MeasureEventForm(),
        "coach_only": "phq9" not in data["instruments"],
    }, status=status)


@clinician_required
def client_outcomes(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    client = client_for_staff(request=request, public_id=client_id,
                              what=AccessLog.What.SCREENING, detail="outcomes")
    return _page(request, client)


@clinician_required
@require_POST
def measure_event_add(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    client = client_for_staff(request=request, public_id=client_id,
                              what=AccessLog.What.SCREENING, detail="outcomes")
    form = MeasureEventForm(request.POST)
    if form.is_valid():
        try:
            services.measure_event_add(client=client, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, "Event added to the charts.")
            return redirect("screening:client_outcomes", client_id=client.public_id)
    return _page(request, client, event_form=form, status=400)


@clinician_required
@require_POST
def measure_share(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    client = client_for_staff(request=request, public_id=client_id,
                              what=AccessLog.What.SCREENING, detail="outcomes")
    form = MeasureShareForm(request.POST)
    if form.is_valid():
        try:
            share = services.measure_share_set(client=client, by=request.user,
                                               **form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, "The client now sees this measure on their progress "
                                      "page." if share.shared else
                             "The client no longer sees this measure.")
            return redirect("screening:client_outcomes", client_id=client.public_id)
    messages.error(request, "Choose one of the measures.")
    return redirect("screening:client_outcomes", client_id=client.public_id)
