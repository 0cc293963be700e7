"""The clinician's client timeline and private notes (issue 6)."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from clients.http import AuthenticatedRequest
from clients.models import AccessLog, ConsentKind
from clients.selectors import client_for_clinician_assigned
from clients.services import NOTE_MAX_LENGTH, access_log_record, clinician_note_add
from portal.lib.access import clinician_required
from screening.charts import screening_chart
from screening.selectors import THERAPY_INSTRUMENTS, route_reasons_for_clinician
from workspace.timeline import (
    KINDS,
    before_from_query,
    kinds_from_query,
    timeline_events,
    timeline_page,
    timeline_rows,
    timeline_sources,
)


class ClinicianNoteForm(forms.Form):
    text = forms.CharField(
        label="New note", max_length=NOTE_MAX_LENGTH, strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Plain text. Only staff with access to this client read it; it is never "
                  f"shown to the client nor included in their record export. Up to "
                  f"{NOTE_MAX_LENGTH:,} characters.",
        error_messages={"required": "Write the note."},
    )


@clinician_required
@require_http_methods(["GET", "POST"])
def timeline(request: AuthenticatedRequest, client_id: uuid.UUID) -> HttpResponse:
    """GET: the page (one access-log row). POST: add a note, then back to the page."""
    client = client_for_clinician_assigned(clinician=request.user, public_id=client_id)
    here = reverse("caseload:timeline", args=[client.public_id])
    form = ClinicianNoteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            clinician_note_add(client=client, author=request.user,
                               text=form.cleaned_data["text"])
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Note saved.")
            return redirect(f"{here}#notes-title")

    kinds = kinds_from_query(request.GET.getlist("show"))
    before = before_from_query(request.GET.get("before"))
    sources = timeline_sources(clinician=request.user, client=client, before=before)
    events, earlier = timeline_page(
        timeline_events(sources, client=client, clinician=request.user, kinds=kinds),
        before=before)
    shown = [("show", kind) for kind in kinds]
    recommendation = sources.recommendation
    signed: dict[str, object] = {}
    for signature in sources.consents:  # newest first: the first of each kind is the latest
        signed.setdefault(signature.document.kind, signature)
    detail = [f"show={','.join(kinds)}"] if kinds else []
    if before is not None:
        detail.append(f"before={before.isoformat()}")
    access_log_record(request=request, client=client, what=AccessLog.What.TIMELINE,
                      detail="; ".join(detail))
    return render(request, "workspace/timeline/timeline.html", {
        "client": client,
        "profile": client.client_profile,
        "consents": [(ConsentKind(kind).label, signed.get(kind)) for kind in ConsentKind.values],
        "recommendation": recommendation,
        "reasons": route_reasons_for_clinician(recommendation, sees_therapy=sources.sees_therapy)
        if recommendation else [],
        "open_flags": [flag for flag in sources.flags if flag.status == "open"],
        "events": timeline_rows(events),
        "before": before,
        # The next page, and back to the newest, with the same kinds shown.
        "earlier_url": f"{here}?{urlencode([*shown, ('before', earlier.isoformat())])}"
                       "#events-title" if earlier else "",
        "newest_url": f"{here}?{urlencode(shown)}#events-title" if shown
                      else f"{here}#events-title",
        "kinds": [(code, label, code in kinds) for code, label in KINDS.items()],
        "filtered": bool(kinds),
        "chart": screening_chart(sources.responses, zone=request.user.zone,
                                 client_name=client.full_name,
                                 leave_out=() if sources.sees_therapy else THERAPY_INSTRUMENTS),
        "sees_therapy": sources.sees_therapy,
        "notes": sources.notes,
        "note_form": form,
        "here": here,
    }, status=400 if form.is_bound else 200)
