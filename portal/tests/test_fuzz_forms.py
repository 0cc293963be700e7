"""Hostile input through every form a person can submit (issue 13), end to end: the real view,
form, service and database. For each endpoint, hypothesis fills every field with hostile text,
numbers, dates and times (portal/tests/hostile.py). The properties, for every example:

- never a 500 (the test client raises the view's exception, so one fails the test);
- a refused submission answers 200 (the form again, with an error shown next to the field or at
  the top) or 400/404/405, and saves nothing: every row count of the project's tables is as it
  was (a partial save fails the test);
- an accepted one redirects (302).

Examples per endpoint: the "tandem" hypothesis profile (conftest.py). The endpoints come from
ENDPOINTS; ``test_every_form_class_is_fuzzed`` fails when a form class is added to an app and
not here.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django import forms as django_forms
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from clients.models import AccessLog, SignInEvent
from documents.services import document_share
from documents.tests.conftest import PDF, upload
from goals.services import goal_create
from messaging.models import MessagingPreference
from portal.tests.hostile import (
    hostile_choice,
    hostile_date,
    hostile_datetime,
    hostile_number,
    hostile_text,
    hostile_time,
)
from screening.instruments import INSTRUMENTS
from screening.models import RiskFlag, RouteRecommendation
from screening.services import screening_submit_many
from screening.tests.conftest import full_set
from sessions.services import appointment_book
from sessions.tests.conftest import service_type, sign_consent, weekdays_nine_to_five

# Rows that a refused request may still write: the access log records a staff read of the page
# that shows the error; the sign-in history records a failed sign-in.
LOGS = {AccessLog, SignInEvent}
# Every table a form could write: the project's apps (from INSTALLED_APPS) and allauth's.
THIRD_PARTY_APPS = ("mfa", "account")


def _is_project_app(config) -> bool:
    path = Path(config.path)
    return path.is_relative_to(settings.BASE_DIR) and "site-packages" not in path.parts


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count()
            for config in apps.get_app_configs()
            if _is_project_app(config) or config.label in THIRD_PARTY_APPS
            for model in config.get_models() if model not in LOGS}


@dataclass
class Endpoint:
    name: str
    persona: str
    url: Callable[[dict[str, Any]], str]
    fields: Callable[[dict[str, Any]], dict[str, st.SearchStrategy]]
    fixed: Callable[[dict[str, Any]], dict[str, str]] = lambda world: {}
    method: str = "POST"
    forms: tuple[str, ...] = ()  # the form classes this endpoint exercises
    extra: dict[str, Any] = field(default_factory=dict)


def _instrument_fields(code: str) -> dict[str, st.SearchStrategy]:
    return {item.code: hostile_choice(*[str(o.value) for o in item.options])
            for item in INSTRUMENTS[code].items}


def _goal_fields(line: str) -> dict[str, st.SearchStrategy]:
    common = {"title": hostile_text(), "why": hostile_text(),
              "cadence": hostile_choice("daily", "weekly", "fortnightly", "monthly"),
              "cadence_weekday": hostile_choice("0", "3", "6"),
              "check_in_time": hostile_time()}
    if line == "coaching":
        return {**common, "metric": hostile_text(), "unit": hostile_text(),
                "baseline": hostile_number(), "target": hostile_number(),
                "direction": hostile_choice("up", "down"), "due_date": hostile_date()}
    return {**common, "skills": hostile_text(), "practice_frequency": hostile_text()}


def _hex(world, key: str) -> str:
    return world[key].public_id.hex


ENDPOINTS = [
    # --- anyone ----------------------------------------------------------------------------
    Endpoint("signup", "anonymous", lambda w: reverse("account_signup"),
             lambda w: {"full_name": hostile_text(), "email": hostile_text(),
                        "time_zone": hostile_choice("Europe/London", "America/New_York"),
                        "password1": hostile_text(), "password2": hostile_text()},
             forms=("SignupForm",)),
    Endpoint("login", "anonymous", lambda w: reverse("account_login"),
             lambda w: {"login": hostile_text(), "password": hostile_text()}),
    # --- the client ------------------------------------------------------------------------
    Endpoint("account_settings", "client", lambda w: reverse("account_rights:settings"),
             lambda w: {"full_name": hostile_text(),
                        "time_zone": hostile_choice("America/Chicago", "Europe/Berlin"),
                        "clock": hostile_choice("", "12", "24"), "phone": hostile_text(),
                        "discreet_mode": hostile_choice("on", "")},
             forms=("AccountSettingsForm",)),
    Endpoint("phone", "client", lambda w: reverse("account_rights:contact"),
             lambda w: {"phone": hostile_text()}, forms=("PhoneForm",)),
    Endpoint("crisis_phone", "client", lambda w: reverse("screening:crisis"),
             lambda w: {"phone": hostile_text()}),
    Endpoint("goal_new_coaching", "client", lambda w: reverse("goals:goal_new",
                                                              args=["coaching"]),
             lambda w: _goal_fields("coaching"), forms=("CoachingGoalForm",)),
    Endpoint("goal_new_therapy", "client", lambda w: reverse("goals:goal_new", args=["therapy"]),
             lambda w: _goal_fields("therapy"), forms=("TherapyGoalForm",)),
    Endpoint("goal_edit", "client", lambda w: reverse("goals:goal_edit",
                                                      args=[w["coaching"].public_id]),
             lambda w: _goal_fields("coaching")),
    Endpoint("step_add", "client", lambda w: reverse("goals:step_add",
                                                     args=[w["coaching"].public_id]),
             lambda w: {"text": hostile_text(), "due_date": hostile_date()},
             forms=("ActionStepForm",)),
    Endpoint("step_done", "client", lambda w: reverse("goals:step_done",
                                                      args=[w["coaching"].public_id]),
             lambda w: {"step": hostile_number(), "done": hostile_choice("1", "0")}),
    Endpoint("goal_status", "client", lambda w: reverse("goals:goal_status",
                                                        args=[w["coaching"].public_id]),
             lambda w: {"status": hostile_choice("active", "paused", "achieved")},
             forms=("StatusForm",)),
    Endpoint("check_in_therapy", "client", lambda w: reverse("goals:goal_check_in",
                                                             args=[w["therapy"].public_id]),
             lambda w: {f"{_hex(w, 'therapy')}-practice_count": hostile_number(),
                        f"{_hex(w, 'therapy')}-rating": hostile_number(),
                        f"{_hex(w, 'therapy')}-confidence": hostile_number(),
                        f"{_hex(w, 'therapy')}-note": hostile_text()},
             forms=("CheckInForm",)),
    Endpoint("check_in_coaching", "client", lambda w: reverse("goals:check_in"),
             lambda w: {f"{_hex(w, 'coaching')}-value": hostile_number(),
                        f"{_hex(w, 'coaching')}-confidence": hostile_number(),
                        f"{_hex(w, 'coaching')}-note": hostile_text(),
                        **{f"who5-{code}": strategy
                           for code, strategy in _instrument_fields("who5").items()}},
             forms=("Who5Form",)),
    Endpoint("reminders", "client", lambda w: reverse("goals:reminders"),
             lambda w: {"quiet_start": hostile_time(), "quiet_end": hostile_time(),
                        "action": hostile_choice("", "save")},
             forms=("ReminderHoursForm",)),
    # A message with crisis words is saved and answered with the crisis resources on the same
    # page (200, not a redirect): "crisis_page" accepts exactly that.
    Endpoint("message_client", "client", lambda w: reverse("messaging:thread",
                                                           args=["therapy"]),
             lambda w: {"body": hostile_text(), "attachments": hostile_text()},
             forms=("MessageForm",), extra={"crisis_page": True}),
    Endpoint("document_upload", "client", lambda w: reverse("documents:documents"),
             lambda w: {"title": hostile_text(), "line": hostile_choice("therapy", "coaching"),
                        "file": hostile_text()}, forms=("DocumentUploadForm",)),
    Endpoint("document_sign", "client", lambda w: reverse("documents:sign",
                                                          args=[w["document"].public_id]),
             lambda w: {"typed_name": hostile_text(), "understood": hostile_choice("on", "")},
             forms=("DocumentSignForm",)),
    Endpoint("consent_sign", "newcomer", lambda w: reverse("clients:consent_sign",
                                                           args=["coaching"]),
             lambda w: {"version": hostile_number(), "typed_name": hostile_text(),
                        "understood": hostile_choice("on", "")},
             forms=("ConsentSignForm",)),
    Endpoint("account_close", "client", lambda w: reverse("account_rights:close"),
             lambda w: {"action": hostile_choice("request", "withdraw"),
                        "reason": hostile_text()},
             forms=("ClosureRequestForm",)),
    Endpoint("screening_step_phq9", "newcomer", lambda w: reverse("screening:step",
                                                                  args=["phq9"]),
             lambda w: _instrument_fields("phq9"), forms=("InstrumentForm",)),
    Endpoint("screening_step_safety", "newcomer", lambda w: reverse("screening:step",
                                                                    args=["safety"]),
             lambda w: _instrument_fields("safety")),
    Endpoint("pick_time", "client", lambda w: reverse("booking:pick_time",
                                                      args=["therapy-consultation"]),
             lambda w: {"day": hostile_date(), "clinician": hostile_text()}, method="GET",
             forms=("DayForm",)),
    Endpoint("confirm", "client", lambda w: reverse("booking:confirm",
                                                    args=["therapy-consultation"]),
             lambda w: {"start": hostile_datetime(), "clinician": hostile_text()},
             method="GET", forms=("SlotForm",)),
    Endpoint("confirm_post", "client", lambda w: reverse("booking:confirm",
                                                         args=["therapy-consultation"]),
             lambda w: {"start": hostile_datetime(), "clinician": hostile_text()}),
    Endpoint("reschedule", "client", lambda w: reverse("booking:reschedule",
                                                       args=[w["appointment"].public_id]),
             lambda w: {"start": hostile_datetime(), "day": hostile_date()}, method="GET"),
    Endpoint("reschedule_post", "client", lambda w: reverse("booking:reschedule",
                                                            args=[w["appointment"].public_id]),
             lambda w: {"start": hostile_datetime()}),
    Endpoint("waitlist_join", "client", lambda w: reverse("booking:waitlist_join",
                                                          args=["therapy-consultation"]),
             lambda w: {"clinician": hostile_text()}, forms=("WaitlistJoinForm",)),
    Endpoint("calendar_feed", "client", lambda w: reverse("booking:calendar_feed_settings"),
             lambda w: {"action": hostile_choice("create", "regenerate", "revoke")},
             forms=("CalendarFeedForm",)),
    # --- the clinician ---------------------------------------------------------------------
    Endpoint("caseload_search", "clinician", lambda w: reverse("caseload:caseload"),
             lambda w: {"q": hostile_text(), "line": hostile_choice("therapy", "coaching"),
                        "status": hostile_choice("active"), "page": hostile_number()},
             method="GET"),
    Endpoint("timeline_filters", "clinician", lambda w: reverse("caseload:timeline",
                                                                args=[w["client"].public_id]),
             lambda w: {"show": hostile_choice("goals", "screening", "notes")}, method="GET"),
    Endpoint("clinician_note", "clinician", lambda w: reverse("caseload:timeline",
                                                              args=[w["client"].public_id]),
             lambda w: {"text": hostile_text()}, forms=("ClinicianNoteForm",)),
    Endpoint("goal_comment", "clinician", lambda w: reverse("goals:clinician_goal",
                                                            args=[w["coaching"].public_id]),
             lambda w: {"text": hostile_text(), "about": hostile_text()},
             forms=("CommentForm",)),
    Endpoint("route_override", "clinician",
             lambda w: reverse("screening:route_override",
                               args=[w["client"].public_id, w["recommendation"].public_id]),
             lambda w: {"route": hostile_choice("therapy", "coaching", "integrated"),
                        "note": hostile_text()}, forms=("RouteOverrideForm",)),
    Endpoint("risk_flag_resolve", "clinician", lambda w: reverse("screening:risk_flag",
                                                                 args=[w["flag"].public_id]),
             lambda w: {"note": hostile_text()}, forms=("RiskFlagResolveForm",)),
    Endpoint("measure_event", "clinician",
             lambda w: reverse("screening:measure_event_add", args=[w["client"].public_id]),
             lambda w: {"occurred_on": hostile_date(), "text": hostile_text()},
             forms=("MeasureEventForm",)),
    Endpoint("measure_share", "clinician",
             lambda w: reverse("screening:measure_share", args=[w["client"].public_id]),
             lambda w: {"instrument": hostile_choice("phq9", "who5", "safety"),
                        "shared": hostile_choice("0", "1")}, forms=("MeasureShareForm",)),
    Endpoint("measure_plan", "clinician",
             lambda w: reverse("booking:measure_plan", args=[w["client"].public_id]),
             lambda w: {"therapy-cadence": hostile_choice("every", "weeks", "none"),
                        "therapy-every_weeks": hostile_number(),
                        "therapy-instruments": hostile_choice("phq9", "pcl5", "who5")},
             fixed=lambda w: {"line": "therapy"}, forms=("MeasurePlanForm",)),
    Endpoint("outcomes_report", "clinician", lambda w: reverse("screening:outcomes_report"),
             lambda w: {"start": hostile_date(), "end": hostile_date(),
                        "format": hostile_choice("", "csv")}, method="GET",
             forms=("ReportPeriodForm",)),
    Endpoint("weekly_hours", "clinician", lambda w: reverse("booking:availability"),
             lambda w: {"weekday": hostile_choice("0", "6"), "start_time": hostile_time(),
                        "end_time": hostile_time(),
                        "service_line": hostile_choice("", "therapy")},
             forms=("WeeklyAvailabilityForm",)),
    Endpoint("weekly_hours_delete", "clinician", lambda w: reverse("booking:availability"),
             lambda w: {"delete": hostile_number()}, forms=("DeleteForm",)),
    Endpoint("exceptions", "clinician", lambda w: reverse("booking:exceptions"),
             lambda w: {"date": hostile_date(), "kind": hostile_choice("off", "extra"),
                        "start_time": hostile_time(), "end_time": hostile_time(),
                        "service_line": hostile_choice("", "coaching"),
                        "note": hostile_text()}, forms=("AvailabilityExceptionForm",)),
    Endpoint("book_for_client", "clinician", lambda w: reverse("booking:book_for_client"),
             lambda w: {"client": hostile_choice(str(w["client"].public_id)),
                        "service_type": hostile_choice("therapy-consultation"),
                        "date": hostile_date(), "time": hostile_time(),
                        "repeat": hostile_choice("", "1", "2"), "count": hostile_number()},
             forms=("BookForClientForm", "WhenForm")),
    Endpoint("appointment_move", "clinician",
             lambda w: reverse("booking:clinician_appointment",
                               args=[w["appointment"].public_id]),
             lambda w: {"move-date": hostile_date(), "move-time": hostile_time()},
             fixed=lambda w: {"action": "move"}, forms=("MoveForm",)),
    Endpoint("appointment_outcome", "clinician",
             lambda w: reverse("booking:clinician_appointment",
                               args=[w["appointment"].public_id]),
             lambda w: {"status": hostile_choice("completed", "no_show")},
             fixed=lambda w: {"action": "outcome"}, forms=("OutcomeForm",)),
    Endpoint("week", "clinician", lambda w: reverse("booking:week"),
             lambda w: {"week": hostile_date(), "series": hostile_text()}, method="GET"),
    Endpoint("message_clinician", "clinician",
             lambda w: reverse("messaging:clinician_thread",
                               args=[w["client"].public_id, "therapy"]),
             lambda w: {"body": hostile_text()}),
    Endpoint("document_share", "clinician",
             lambda w: reverse("documents:clinician_documents", args=[w["client"].public_id]),
             lambda w: {"title": hostile_text(), "line": hostile_choice("therapy", "coaching"),
                        "file": hostile_text(), "signature_requested": hostile_choice("on", "")},
             forms=("DocumentShareForm",)),
    Endpoint("attention_ack", "clinician", lambda w: reverse("attention_ack"),
             lambda w: {"client": hostile_choice(str(w["client"].public_id)),
                        "rule": hostile_text(), "fingerprint": hostile_text(),
                        "note": hostile_text()}, forms=("AcknowledgeForm",)),
]

NOW = datetime.now(UTC)


@pytest.fixture
def world(client_user, clinician, make_client):
    for kind in ("privacy", "therapy", "coaching"):
        sign_consent(client_user, kind)
    screening_submit_many(client=client_user, answers_by_instrument=full_set(
        phq9={"item1": 2, "item9": 1}))
    weekdays_nine_to_five(clinician)
    start = (NOW + timedelta(days=9)).replace(hour=15, minute=0, second=0, microsecond=0)
    appointment = appointment_book(client=client_user, clinician=clinician,
                                   service_type=service_type("therapy-consultation"),
                                   start=start, by=clinician)
    coaching = goal_create(client=client_user, service_line="coaching", created_by=client_user,
                           title="Run a 10k", metric="km", unit="km", baseline=Decimal("2"),
                           target=Decimal("10"), direction="up", cadence="daily",
                           check_in_time=time(18, 0))
    therapy = goal_create(client=client_user, service_line="therapy", created_by=clinician,
                          title="Breathe", skills="Box breathing", cadence="daily")
    newcomer = make_client(clinician=clinician)
    sign_consent(newcomer, "privacy")
    MessagingPreference.objects.create(client=client_user, enabled=True)
    client_user.refresh_from_db()
    document = document_share(by=clinician, client=client_user, file=upload("r.pdf", PDF),
                              title="Release", service_line="therapy", signature_requested=True)
    return {"client": client_user, "clinician": clinician, "newcomer": newcomer,
            "document": document,
            "appointment": appointment, "coaching": coaching, "therapy": therapy,
            "flag": RiskFlag.objects.get(client=client_user),
            "recommendation": RouteRecommendation.objects.filter(client=client_user).first()}


def _forms_with_errors(response) -> list:
    """The bound forms with errors that the page was rendered with."""
    found = []
    for context in response.context or []:
        for value in context.flatten().values():
            candidates = value if isinstance(value, list | tuple) else [value]
            found += [f for f in candidates
                      if isinstance(f, django_forms.BaseForm) and f.is_bound and f.errors]
    return found


ERROR_SHOWN = ('class="field__errors"', 'class="alert alert--error"', 'role="alert"')


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_hostile_input_never_500s_nor_half_saves(client, world, endpoint: Endpoint):
    if endpoint.persona != "anonymous":
        client.force_login(world[endpoint.persona])
    url = endpoint.url(world)
    strategies = endpoint.fields(world)

    @given(values=st.fixed_dictionaries(strategies))
    def run(values: dict[str, str]) -> None:
        data = {**endpoint.fixed(world), **values}
        before = row_counts()
        send = client.get if endpoint.method == "GET" else client.post
        response = send(url, data)
        status = response.status_code
        assert status in (200, 302, 400, 404, 405, 429), (status, data)
        if endpoint.method == "POST" and status != 302:
            if endpoint.extra.get("crisis_page") and 'class="crisis-panel"' in \
                    response.content.decode():
                return  # sent, and the crisis resources shown at once
            assert row_counts() == before, data
            if status == 200 and _forms_with_errors(response):
                body = response.content.decode()
                assert any(marker in body for marker in ERROR_SHOWN), (url, data)

    run()


def _project_form_classes() -> set[str]:
    """Every form class in the project's own apps (from INSTALLED_APPS: those under BASE_DIR),
    every module imported, so a form added to any app, or to a new app, is found."""
    names = set()
    for config in apps.get_app_configs():
        if not _is_project_app(config):
            continue
        package = importlib.import_module(config.name)
        modules = [package] + [
            importlib.import_module(info.name)
            for info in pkgutil.walk_packages(package.__path__, prefix=f"{config.name}.")
            if ".tests" not in info.name and ".migrations" not in info.name
            and ".management" not in info.name]
        for module in modules:
            for name, obj in inspect.getmembers(module, inspect.isclass):
                if (issubclass(obj, django_forms.BaseForm) and obj.__module__ == module.__name__
                        and "Admin" not in name and "Inline" not in name):
                    names.add(name)
    return names


# The admin's user forms: Django's own, reached only by practice admins (the admin list pages
# are fuzzed in test_hostile_admin.py).
NOT_TYPED_INTO = {"TandemUserChangeForm", "TandemUserCreationForm"}


def test_every_form_class_is_fuzzed():
    fuzzed = {name for endpoint in ENDPOINTS for name in endpoint.forms}
    missing = _project_form_classes() - fuzzed - NOT_TYPED_INTO
    assert missing == set(), missing
    assert len(fuzzed) >= 25


def test_caseload_search_with_nul_through_a_real_request(client, clinician):
    client.force_login(clinician)
    assert client.get("/clinician/clients/?q=%00").status_code == 200


def test_a_new_client_account_is_not_half_made(db):
    """Signup under hostile input is all or nothing: a refused one leaves no user."""
    anonymous = Client()
    response = anonymous.post(reverse("account_signup"), {
        "full_name": "\x00", "email": "x@example.com", "time_zone": "Europe/London",
        "password1": "long enough passphrase", "password2": "long enough passphrase"})
    assert response.status_code == 200
    from clients.models import User

    assert not User.objects.filter(email="x@example.com").exists()
