"""The clinician's outcomes page for one client (issue 17): each measure over time with its
caseness line and the band of no reliable change, what the change means beside the latest
score (the published thresholds, and the practice's own Jacobson–Truax index once it has 30
baselines), the event notes, and what the client sees of it (sharing).

The client's own assigned clinician only (``client_for_staff``, which writes the access-log
row); a coaching-only clinician sees WHO-5 and the coaching line's event notes (the firewall,
``selectors.outcomes_for_clinician``).
"""

from __future__ import annotations

import csv
import uuid
from datetime import datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clients.access import client_for_staff, client_ids_visible
from clients.http import AuthenticatedRequest
from clients.models import AccessLog, User
from clients.services import access_log_record_many
from portal.lib.access import clinician_required, staff_required
from screening import services
from screening.forms import (
    MeasureEventForm,
    MeasureShareForm,
    ReportPeriodForm,
    form_add_service_errors,
)
from screening.instruments import INSTRUMENTS
from screening.outcome_charts import EventMark, measure_chart
from screening.outcomes import OUTCOME_INSTRUMENTS
from screening.report import outcomes_report as report_rows
from screening.selectors import outcome_instruments_for_clinician, outcomes_for_clinician


def _page(request: AuthenticatedRequest, client: User, *,
          event_form: MeasureEventForm | None = None,
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
def client_outcomes(request: AuthenticatedRequest, client_id: uuid.UUID) -> HttpResponse:
    client = client_for_staff(request=request, public_id=client_id,
                              what=AccessLog.What.SCREENING, detail="outcomes")
    return _page(request, client)


@clinician_required
@require_POST
def measure_event_add(request: AuthenticatedRequest, client_id: uuid.UUID) -> HttpResponse:
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
def measure_share(request: AuthenticatedRequest, client_id: uuid.UUID) -> HttpResponse:
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


# --- The practice's outcomes report ---------------------------------------------------------

REPORT_DEFAULT_DAYS = 365
CSV_COLUMNS = ("service line", "clinician", "measure", "clients measured",
               "reliably improved %", "recovered %", "reliably deteriorated %",
               "mean change (points)")


@staff_required
def outcomes_report(request: AuthenticatedRequest) -> HttpResponse:
    """Admins and clinicians: the practice's outcomes per line and clinician, over a chosen
    period; CSV with ?format=csv. A coaching-only clinician sees the coaching line only."""
    viewer = request.user
    zone = viewer.zone
    today = timezone.localdate(timezone=zone)
    data = request.GET if "start" in request.GET or "end" in request.GET else {
        "start": (today - timedelta(days=REPORT_DEFAULT_DAYS)).isoformat(),
        "end": today.isoformat()}
    form = ReportPeriodForm(data)
    rows: list = []
    named: dict[int, User] = {}
    if form.is_valid():
        start = datetime.combine(form.cleaned_data["start"], time.min, tzinfo=zone)
        end = datetime.combine(form.cleaned_data["end"] + timedelta(days=1), time.min,
                               tzinfo=zone)
        instruments = (outcome_instruments_for_clinician(viewer) if viewer.is_clinician
                       else [code for code in OUTCOME_INSTRUMENTS if code in INSTRUMENTS])
        rows = report_rows(instruments=instruments, start=start, end=end)
        if viewer.is_clinician:
            wanted = {pk for row in rows for pk in row.deteriorated_clients}
            named = {person.pk: person for person in User.objects.filter(
                pk__in=client_ids_visible(clinician=viewer, ids=wanted))}
            access_log_record_many(request=request, clients=list(named.values()),
                                   what=AccessLog.What.LIST, detail="outcomes report")
        if request.GET.get("format") == "csv":
            return _csv(rows, form)
    return render(request, "screening/outcomes_report.html", {
        "form": form,
        "rows": [(row, [named[pk] for pk in row.deteriorated_clients if pk in named])
                 for row in rows],
        "csv_query": request.GET.urlencode() if form.is_valid() and request.GET else
        f"start={data['start']}&end={data['end']}",
    })


def _csv(rows, form) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="outcomes-{form.cleaned_data["start"]}-'
        f'{form.cleaned_data["end"]}.csv"')
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([row.line, _cell(row.clinician), row.title, row.measured,
                         _num(row.improved_pct), _num(row.recovered_pct),
                         _num(row.deteriorated_pct), _num(row.mean_change)])
    return response


def _num(value) -> str:
    return "" if value is None else f"{value}"


def _cell(text: str) -> str:
    """A name as a spreadsheet reads it safely: never a formula (CSV injection)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
