"""A client's own record, for them to download (issue 6, client rights): everything the portal
holds about them that they may see, as JSON, as one CSV per table and as an .ics calendar.

What is left out, on purpose: clinician-only notes (a risk flag's resolution note, the note
behind a clinician's change of route, private clinician notes), other people's data beyond the
names of the clinicians they worked with, and technical rows (reminders, the access log, which
has its own page).

`client_record_data` runs a fixed number of queries whatever the size of the record (pinned in
clients/tests/test_record_export.py). Every value is JSON-ready: datetimes as ISO 8601 in UTC,
dates and times as ISO strings, Decimals as strings (never floats, so 2.10 stays 2.10).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from clients.models import ClientProfile, ConsentSignature, User
from documents.models import DocumentSignature, SharedDocument, documents_storage
from goals.models import ActionStep, CheckIn, Comment, Goal
from messaging.models import Message
from screening.models import RiskFlag, RouteRecommendation, ScreeningResponse
from sessions.calendar import feed_ics
from sessions.models import ACTIVE_STATUSES, Appointment, AppointmentChange

FORMAT_VERSION = 1


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _person(user: User | None) -> str:
    return user.full_name if user is not None else ""


def _profile(client: User) -> dict[str, Any]:
    profile = (ClientProfile.objects.select_related("clinician__clinician_profile")
               .filter(user=client).first())
    clinician = profile.clinician if profile else None
    clinician_name = ""
    if clinician is not None:
        clinician_profile = getattr(clinician, "clinician_profile", None)
        clinician_name = clinician_profile.display_name if clinician_profile else _person(
            clinician)
    return {
        "email": client.email,
        "full_name": client.full_name,
        "time_zone": client.time_zone,
        "date_joined": _value(client.date_joined),
        "service_lines": profile.service_lines if profile else "",
        "status": profile.status if profile else "",
        "clinician": clinician_name,
        "discreet_mode": profile.discreet_mode if profile else False,
    }


def _consents(client: User) -> list[dict[str, Any]]:
    signatures = (ConsentSignature.objects.filter(client=client).select_related("document")
                  .order_by("signed_at", "pk"))
    return [{
        "id": str(signature.public_id),
        "document_kind": signature.document.kind,
        "document_version": signature.document.version,
        "document_title": signature.document.title,
        "signed_at": _value(signature.signed_at),
        "typed_name": signature.typed_name,
        "understood": signature.understood,
        "text_sha256": signature.text_sha256,
    } for signature in signatures]


def _screenings(client: User) -> list[dict[str, Any]]:
    responses = ScreeningResponse.objects.filter(client=client).order_by("submitted_at", "pk")
    return [{
        "id": str(response.public_id),
        "instrument": response.instrument,
        "version": response.version,
        "answers": response.answers,
        "total": response.total,
        "band": response.band,
        "flags": list(response.flags),
        "subscores": response.subscores,
        "submitted_at": _value(response.submitted_at),
    } for response in responses]


def _recommendations(client: User) -> list[dict[str, Any]]:
    recommendations = (
        RouteRecommendation.objects.filter(client=client).order_by("created_at", "pk")
        .prefetch_related(Prefetch("responses",
                                   queryset=ScreeningResponse.objects.only("public_id")))
    )
    # The clinician's override note is theirs (a clinician note); the route they chose is not.
    return [{
        "id": str(recommendation.public_id),
        "created_at": _value(recommendation.created_at),
        "route": recommendation.route,
        "reasons": recommendation.reasons,
        "changed_by_clinician_to": recommendation.override_route,
        "changed_at": _value(recommendation.overridden_at),
        "screenings": sorted(str(r.public_id) for r in recommendation.responses.all()),
    } for recommendation in recommendations]


def _risk_flags(client: User) -> list[dict[str, Any]]:
    flags = (RiskFlag.objects.filter(client=client).select_related("response")
             .order_by("opened_at", "pk"))
    # No resolution note: it is the clinician's clinical note, not part of this download.
    return [{
        "id": str(flag.public_id),
        "status": flag.status,
        "opened_at": _value(flag.opened_at),
        "resolved_at": _value(flag.resolved_at),
        # None while the flag stands on the safety answers alone (a page sent incomplete).
        "screening": str(flag.response.public_id) if flag.response else None,
    } for flag in flags]


def _appointments(client: User) -> tuple[list[dict[str, Any]], list[Appointment]]:
    appointments = list(
        Appointment.objects.filter(client=client)
        .select_related("service_type", "clinician__clinician_profile")
        .prefetch_related(Prefetch("changes",
                                   queryset=AppointmentChange.objects.select_related("by")))
        .order_by("start", "pk")
    )
    rows = []
    for appointment in appointments:
        clinician = appointment.clinician
        clinician_profile = getattr(clinician, "clinician_profile", None)
        rows.append({
            "id": str(appointment.public_id),
            "type": appointment.service_type.name,
            "service_line": appointment.service_type.service_line,
            "start": _value(appointment.start),
            "end": _value(appointment.end),
            "status": appointment.status,
            "clinician": clinician_profile.display_name if clinician_profile else _person(
                clinician),
            "changes": [{
                "action": change.action,
                "at": _value(change.at),
                "by": _person(change.by),
                "old_start": _value(change.old_start),
                "new_start": _value(change.new_start),
            } for change in appointment.changes.all()],
        })
    return rows, appointments


def _goals(client: User) -> list[dict[str, Any]]:
    goals = (Goal.objects.filter(client=client).order_by("created_at", "pk")
             .prefetch_related(Prefetch("steps", queryset=ActionStep.objects.order_by(
                 "created_at", "pk"))))
    return [{
        "id": str(goal.public_id),
        "service_line": goal.service_line,
        "title": goal.title,
        "why": goal.why,
        "metric": goal.metric,
        "unit": goal.unit,
        "baseline": _value(goal.baseline),
        "target": _value(goal.target),
        "direction": goal.direction,
        "due_date": _value(goal.due_date),
        "skills": goal.skills,
        "practice_frequency": goal.practice_frequency,
        "status": goal.status,
        "approved_at": _value(goal.approved_at),
        "cadence": goal.cadence,
        "cadence_weekday": goal.cadence_weekday,
        "check_in_time": _value(goal.check_in_time),
        "created_at": _value(goal.created_at),
        "steps": [{
            "text": step.text,
            "due_date": _value(step.due_date),
            "done_at": _value(step.done_at),
            "created_at": _value(step.created_at),
        } for step in goal.steps.all()],
    } for goal in goals]


def _check_ins(client: User) -> list[dict[str, Any]]:
    check_ins = (CheckIn.objects.filter(goal__client=client).select_related("goal", "who5")
                 .order_by("at", "pk"))
    return [{
        "id": str(check_in.public_id),
        "goal": str(check_in.goal.public_id),
        "goal_title": check_in.goal.title,
        "at": _value(check_in.at),
        "period": _value(check_in.period),
        "value": _value(check_in.value),
        "practice_count": check_in.practice_count,
        "rating": check_in.rating,
        "confidence": check_in.confidence,
        "note": check_in.note,
        "who5_screening": str(check_in.who5.public_id) if check_in.who5 else None,
    } for check_in in check_ins]


def _comments(client: User) -> list[dict[str, Any]]:
    # Comments on goals are written to the client and shown to them, so they belong here.
    comments = (Comment.objects.filter(goal__client=client)
                .select_related("goal", "check_in", "author").order_by("created_at", "pk"))
    return [{
        "id": str(comment.public_id),
        "goal": str(comment.goal.public_id),
        "check_in": str(comment.check_in.public_id) if comment.check_in else None,
        "author": _person(comment.author),
        "text": comment.text,
        "created_at": _value(comment.created_at),
    } for comment in comments]


def _messages(client: User) -> list[dict[str, Any]]:
    # Secure messages both ways, in every line (issue 16): the client wrote or received them.
    messages = (Message.objects.filter(thread__client=client)
                .select_related("thread", "sender", "amends").order_by("sent_at", "pk"))
    return [{
        "id": str(message.public_id),
        "service_line": message.thread.service_line,
        "sent_at": _value(message.sent_at),
        "from": _person(message.sender),
        "body": message.body,
        "outside_hours": message.outside_hours,
        "amends": str(message.amends.public_id) if message.amends else None,
    } for message in messages]


def _documents(client: User) -> list[dict[str, Any]]:
    documents = (SharedDocument.objects.filter(client=client)
                 .select_related("uploaded_by", "signature").order_by("uploaded_at", "pk"))
    rows = []
    for document in documents:
        signature = getattr(document, "signature", None) if _signed(document) else None
        rows.append({
            "id": str(document.public_id),
            "service_line": document.service_line,
            "title": document.title,
            "file": f"documents/{document.download_name}",
            "type": document.content_type,
            "size": document.size,
            "sha256": document.sha256,
            "shared_by": _person(document.uploaded_by),
            "shared_at": _value(document.uploaded_at),
            "signature_requested": document.signature_requested,
            "signed_at": _value(signature.signed_at) if signature else None,
            "signed_typed_name": signature.typed_name if signature else None,
            "signed_sha256": signature.sha256 if signature else None,
            "_storage_name": document.storage_name,
        })
    return rows


def _signed(document: SharedDocument) -> bool:
    try:
        return document.signature is not None
    except DocumentSignature.DoesNotExist:
        return False


def _client_record(client: User) -> tuple[dict[str, Any], list[Appointment]]:
    appointments, appointment_objects = _appointments(client)
    data = {
        "format_version": FORMAT_VERSION,
        "practice": settings.PRACTICE_NAME,
        "generated_at": _value(timezone.now()),
        "profile": _profile(client),
        "consents": _consents(client),
        "screenings": _screenings(client),
        "route_recommendations": _recommendations(client),
        "risk_flags": _risk_flags(client),
        "appointments": appointments,
        "goals": _goals(client),
        "check_ins": _check_ins(client),
        "comments": _comments(client),
        "messages": _messages(client),
        "documents": _documents(client),
    }
    return data, appointment_objects


def client_record_data(*, client: User) -> dict[str, Any]:
    """The client's whole record as JSON-ready data (see the module docstring for what is left
    out). Fourteen queries, whatever the size of the record."""
    return _public(_client_record(client)[0])


def _public(data: dict[str, Any]) -> dict[str, Any]:
    """The record without the storage's own names of the documents (they are for the ZIP's
    copy of each file only)."""
    return {**data, "documents": [{k: v for k, v in row.items() if not k.startswith("_")}
                                  for row in data["documents"]]}


# --- The download -----------------------------------------------------------------------------

# One CSV per table: (file, columns, rows from the data). Nested values (answers, flags) are
# written as JSON inside their cell.
CSV_TABLES: dict[str, tuple[list[str], str]] = {
    "profile.csv": (["email", "full_name", "time_zone", "date_joined", "service_lines",
                     "status", "clinician", "discreet_mode"], "profile"),
    "consents.csv": (["id", "document_kind", "document_version", "document_title",
                      "signed_at", "typed_name", "understood", "text_sha256"], "consents"),
    "screenings.csv": (["id", "instrument", "version", "submitted_at", "total", "band",
                        "flags", "answers"], "screenings"),
    "appointments.csv": (["id", "type", "service_line", "start", "end", "status",
                          "clinician"], "appointments"),
    "goals.csv": (["id", "service_line", "title", "why", "metric", "unit", "baseline", "target",
                   "direction", "due_date", "skills", "practice_frequency", "status",
                   "cadence", "created_at"], "goals"),
    "check_ins.csv": (["id", "goal", "goal_title", "at", "period", "value", "practice_count",
                       "rating", "confidence", "note"], "check_ins"),
    "messages.csv": (["id", "service_line", "sent_at", "from", "body", "outside_hours",
                      "amends"], "messages"),
    "documents.csv": (["id", "service_line", "title", "file", "type", "size", "sha256",
                       "shared_by", "shared_at", "signature_requested", "signed_at",
                       "signed_typed_name", "signed_sha256"], "documents"),
}

README = """Your record at {practice}, downloaded {generated_at} (times are in UTC).

record.json       everything below in one file, with the history of each appointment, the
                  steps of each goal, your route recommendations and the comments from your
                  clinician
profile.csv       your account and profile
consents.csv      the consent documents you signed: which version, when, the name you typed
                  and the fingerprint (SHA-256) of the exact text
screenings.csv    your questionnaires, with every answer
appointments.csv  your appointments
goals.csv         your goals
check_ins.csv     your check-ins
messages.csv      your secure messages with your clinician, both ways
documents.csv     the documents you and your clinician shared (the files are in documents/),
                  and your signatures of them
appointments.ics  your appointments (not the cancelled ones), for a calendar app

Your clinician's private notes are not part of this download.
"""


# A spreadsheet runs a cell that begins with one of these as a formula (OWASP, "CSV Injection"):
# =, +, -, @, tab and carriage return, and their full-width forms, which some spreadsheets fold.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_cell_escape(text: str) -> str:
    """Text made safe to open in a spreadsheet: a cell that would start a formula gets a
    leading apostrophe, which spreadsheets show as text and do not run. The csv module quotes
    what needs quoting (commas, quotes, line breaks)."""
    if text.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        value = json.dumps(value, sort_keys=True)
    if value is None:
        return ""
    if isinstance(value, str):
        # Numbers (a negative baseline) stay numbers; only text can carry a formula.
        return csv_cell_escape(value)
    return value


def _csv(columns: list[str], rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: _cell(row.get(column)) for column in columns})
    return out.getvalue()


def client_record_zip(*, client: User) -> bytes:
    """The download: record.json, one CSV per table, appointments.ics and a README."""
    full, appointments = _client_record(client)
    data = _public(full)
    # Cancelled ones are left out: a PUBLISH feed would show them as confirmed.
    ics = feed_ics(appointments=[a for a in appointments if a.status in ACTIVE_STATUSES],
                   zone_name=client.time_zone, discreet=data["profile"]["discreet_mode"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README.format(practice=data["practice"],
                                                     generated_at=data["generated_at"]))
        archive.writestr("record.json", json.dumps(data, indent=2, ensure_ascii=False))
        for name, (columns, key) in CSV_TABLES.items():
            rows = data[key] if isinstance(data[key], list) else [data[key]]
            archive.writestr(name, _csv(columns, rows))
        archive.writestr("appointments.ics", ics)
        storage = documents_storage()
        for row in full["documents"]:
            with storage.open(row["_storage_name"], "rb") as handle:
                archive.writestr(row["file"], handle.read())
    return buffer.getvalue()
