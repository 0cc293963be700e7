"""Rule 1 on every path that creates or moves coaching time (issue 10): one predicate,
``coaching_time_refusal``, asked by every booking service and every page that books or moves.

The lists below are checked against the code itself — the services module, the URL resolver,
the admin registry and every call that could write an appointment — so a new path that skips
the predicate fails here the day it is written. Then every path × {flag open, flag resolved}:
refused with the appointment unchanged, or allowed."""

from __future__ import annotations

import ast
import inspect
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
import time_machine
from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from clients.models import ServiceLines
from notifications.models import Notification
from screening.models import RiskFlag
from screening.services import risk_flag_resolve, safety_answers_report
from sessions import services
from sessions.models import Appointment, WaitlistEntry
from sessions.selectors import COACHING_AT_RISK, COACHING_AT_RISK_FOR_STAFF
from sessions.services import (
    BookingNotAllowed,
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
    series_book,
    waitlist_join,
)
from sessions.tests.conftest import service_type, sign_consent

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 1, 4, 6, 0, tzinfo=UTC)  # Monday 01:00 in New York
TUESDAY_10 = datetime(2027, 1, 5, 15, 0, tzinfo=UTC)  # 10:00 in New York
WEDNESDAY_10 = TUESDAY_10 + timedelta(days=1)
THURSDAY_10 = TUESDAY_10 + timedelta(days=2)

# Every public service of the booking app, sorted by whether it creates or moves time.
CREATES_OR_MOVES = {"appointment_book", "appointment_reschedule", "series_book",
                    "waitlist_join"}
NEITHER = {"appointment_cancel", "appointment_mark", "in_late_window", "waitlist_leave",
           "calendar_feed_regenerate", "calendar_feed_revoke"}
# Every page of the booking app, sorted the same way (by URL name).
PAGES_THAT_CREATE_OR_MOVE = {"booking:confirm", "booking:reschedule",
                             "booking:book_for_client", "booking:clinician_appointment",
                             "booking:waitlist_join"}
PAGES_THAT_DO_NEITHER = {"booking:appointments", "booking:choose_type", "booking:pick_time",
                         "booking:waitlist_leave", "booking:detail", "booking:cancel",
                         "booking:appointment_ics", "booking:calendar_feed_settings",
                         "booking:feed", "booking:week", "booking:availability",
                         "booking:exceptions", "booking:measures",
                         "booking:measure_plan"}
# Where an Appointment row may be constructed or have its time set, outside the services:
# the demo data (made before anyone is at risk), the benchmarks' data (bench/) and migrations.
WRITES_ALLOWED_IN = {"sessions/services.py", "portal/management/commands/seed_demo.py",
                     "portal/demo_large.py"}


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def coached(client_user, dana):
    """A client of Dana's in both lines, with both consents signed."""
    sign_consent(client_user, "therapy")
    sign_consent(client_user, "coaching")
    return client_user


def open_flag(client) -> RiskFlag:
    return safety_answers_report(client=client, instrument="safety", answers={"s1": 1})


def resolve(flag: RiskFlag, clinician) -> None:
    risk_flag_resolve(flag=flag, note="Called the client; safety plan agreed.", by=clinician)


def appointments_fingerprint() -> list[tuple]:
    return list(Appointment.objects.order_by("pk").values_list(
        "pk", "start", "end", "status", "sequence", "service_type__code"))


# --- The lists hold every path ----------------------------------------------------------------


def test_every_booking_service_is_sorted():
    public = {name for name, value in vars(services).items()
              if inspect.isfunction(value) and value.__module__ == services.__name__
              and not name.startswith("_")}
    assert public == CREATES_OR_MOVES | NEITHER


def _url_names(resolver: URLResolver, namespace: str = "") -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_booking_page_is_sorted():
    booking = {name for name in _url_names(get_resolver()) if name.startswith("booking:")}
    assert booking == PAGES_THAT_CREATE_OR_MOVE | PAGES_THAT_DO_NEITHER


def test_the_admin_cannot_create_or_move_an_appointment(rf, admin_user):
    request = rf.get("/")
    request.user = admin_user
    model_admin = admin.site._registry[Appointment]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)


def test_appointments_are_written_only_by_the_booking_services():
    """No code outside the services constructs an Appointment, creates one through the
    manager, or sets a start time: a new path would bypass the predicate."""
    offenders = []
    for path in Path(settings.BASE_DIR).rglob("*.py"):
        relative = path.relative_to(settings.BASE_DIR).as_posix()
        if (relative.startswith((".venv/", "var/", "bench/")) or "/tests/" in relative
                or "/migrations/" in relative or relative in WRITES_ALLOWED_IN):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                text = ast.unparse(node.func)
                if text == "Appointment" or (text.startswith("Appointment.objects.") and \
                        text.rsplit(".", 1)[-1] in ("create", "bulk_create", "get_or_create",
                                                    "update_or_create", "bulk_update")):
                    offenders.append(f"{relative}:{node.lineno} {text}")
                # A queryset's update() that sets a time (a dict's update() is not one).
                if text.endswith(".update") and ("objects" in text or "filter(" in text) \
                        and any(k.arg in ("start", "block_start") for k in node.keywords):
                    offenders.append(f"{relative}:{node.lineno} update(start=...)")
    assert offenders == []


# --- Every service: refused while the flag is open, allowed once resolved --------------------


def _booked_coaching(client, clinician, start=TUESDAY_10) -> Appointment:
    return appointment_book(client=client, clinician=clinician,
                            service_type=service_type("coaching-session"), start=start)


SERVICE_CASES = {
    "appointment_book (client)": lambda c, d: appointment_book(
        client=c, clinician=d, service_type=service_type("coaching-consultation"),
        start=TUESDAY_10),
    "appointment_book (clinician for the client)": lambda c, d: appointment_book(
        client=c, clinician=d, service_type=service_type("coaching-session"),
        start=TUESDAY_10, by=d),
    "series_book": lambda c, d: series_book(
        client=c, clinician=d, service_type=service_type("coaching-session"),
        first_date=TUESDAY_10.date(), local_time=datetime(2027, 1, 5, 10).time(),
        time_zone="America/New_York", interval_weeks=1, count=3, by=d),
    "waitlist_join": lambda c, d: waitlist_join(
        client=c, clinician=d, service_type=service_type("coaching-session")),
}
MOVE_CASES = {
    "appointment_reschedule (client)": lambda appointment, c, d: appointment_reschedule(
        appointment=appointment, start=THURSDAY_10, by=c),
    "appointment_reschedule (clinician)": lambda appointment, c, d: appointment_reschedule(
        appointment=appointment, start=THURSDAY_10, by=d),
}


def test_the_cases_cover_every_service_that_creates_or_moves():
    covered = {name.split(" ")[0] for name in (*SERVICE_CASES, *MOVE_CASES)}
    assert covered == CREATES_OR_MOVES


@pytest.mark.parametrize("resolved", [False, True], ids=["flag open", "flag resolved"])
@pytest.mark.parametrize("case", SERVICE_CASES)
def test_creating_coaching_time(coached, dana, case, resolved):
    flag = open_flag(coached)
    if resolved:
        resolve(flag, dana)
        SERVICE_CASES[case](coached, dana)
        assert Appointment.objects.exists() or WaitlistEntry.objects.exists()
        return
    with pytest.raises(BookingNotAllowed) as refused:
        SERVICE_CASES[case](coached, dana)
    assert str(refused.value) == COACHING_AT_RISK
    assert not Appointment.objects.exists() and not WaitlistEntry.objects.exists()


@pytest.mark.parametrize("resolved", [False, True], ids=["flag open", "flag resolved"])
@pytest.mark.parametrize("case", MOVE_CASES)
def test_moving_coaching_time(coached, dana, case, resolved):
    appointment = _booked_coaching(coached, dana)
    flag = open_flag(coached)
    before = appointments_fingerprint()
    if resolved:
        resolve(flag, dana)
        MOVE_CASES[case](appointment, coached, dana)
        appointment.refresh_from_db()
        assert appointment.start == THURSDAY_10
        return
    with pytest.raises(BookingNotAllowed):
        MOVE_CASES[case](appointment, coached, dana)
    assert appointments_fingerprint() == before


def test_therapy_time_is_never_refused(coached, dana):
    open_flag(coached)
    therapy = appointment_book(client=coached, clinician=dana,
                               service_type=service_type("therapy-consultation"),
                               start=TUESDAY_10)
    appointment_reschedule(appointment=therapy, start=THURSDAY_10, by=coached)
    assert therapy.start == THURSDAY_10


@pytest.mark.parametrize("resolved", [False, True], ids=["flag open", "flag resolved"])
def test_a_freed_coaching_time_is_offered_only_to_a_client_who_may_have_it(
        coached, dana, make_client, resolved):
    waiting = make_client(clinician=dana, service_lines=ServiceLines.COACHING)
    sign_consent(waiting, "coaching")
    waitlist_join(client=waiting, clinician=dana, service_type=service_type("coaching-session"))
    flag = open_flag(waiting)
    if resolved:
        resolve(flag, dana)
    appointment_cancel(appointment=_booked_coaching(coached, dana), by=coached)
    offers = Notification.objects.filter(kind=Notification.Kind.WAITLIST_OFFER,
                                         recipient=waiting)
    assert offers.exists() is resolved


def test_the_save_itself_asks_again(coached, dana, monkeypatch):
    """A flag opened between the eligibility check and the save (another request) still stops
    the booking, under the calendar lock."""
    from sessions import selectors

    eligibility = selectors.booking_eligibility

    def checked_then_flagged(**kwargs):
        reason = eligibility(**kwargs)
        open_flag(coached)
        return reason

    monkeypatch.setattr(services, "booking_eligibility", checked_then_flagged)
    with pytest.raises(BookingNotAllowed):
        _booked_coaching(coached, dana)
    assert not Appointment.objects.exists()


# --- Every page: the same, through HTTP -------------------------------------------------------


def _slot_query(start: datetime) -> str:
    return urlencode({"start": start.strftime("%Y-%m-%dT%H:%M:%SZ")})


def _nothing(coached, dana) -> None:
    return None


def _booked_wednesday(coached, dana) -> Appointment:
    return _booked_coaching(coached, dana, start=WEDNESDAY_10)


def _confirm(client, coached, dana, appointment):
    client.force_login(coached)
    return client.post(reverse("booking:confirm", args=["coaching-session"])
                       + "?" + _slot_query(TUESDAY_10))


def _reschedule(client, coached, dana, appointment):
    client.force_login(coached)
    return client.post(reverse("booking:reschedule", args=[appointment.public_id])
                       + "?" + _slot_query(THURSDAY_10))


def _book_for_client(client, coached, dana, appointment):
    client.force_login(dana)
    return client.post(reverse("booking:book_for_client"), {
        "client": coached.public_id, "service_type": "coaching-session",
        "date": "2027-01-05", "time": "10:00", "repeat": "1", "count": "2"})


def _clinician_move(client, coached, dana, appointment):
    client.force_login(dana)
    return client.post(reverse("booking:clinician_appointment", args=[appointment.public_id]),
                       {"action": "move", "move-date": "2027-01-07", "move-time": "10:00"})


def _waitlist(client, coached, dana, appointment):
    client.force_login(coached)
    return client.post(reverse("booking:waitlist_join", args=["coaching-session"]), {})


# URL name: (what exists before the flag opens, the request, the refusal its person reads)
PAGE_CASES = {
    "booking:confirm": (_nothing, _confirm, COACHING_AT_RISK),
    "booking:reschedule": (_booked_wednesday, _reschedule, COACHING_AT_RISK),
    "booking:book_for_client": (_nothing, _book_for_client, COACHING_AT_RISK_FOR_STAFF),
    "booking:clinician_appointment": (_booked_wednesday, _clinician_move,
                                      COACHING_AT_RISK_FOR_STAFF),
    "booking:waitlist_join": (_nothing, _waitlist, COACHING_AT_RISK),
}


def test_the_page_cases_cover_every_page_that_creates_or_moves():
    assert set(PAGE_CASES) == PAGES_THAT_CREATE_OR_MOVE


@pytest.mark.parametrize("resolved", [False, True], ids=["flag open", "flag resolved"])
@pytest.mark.parametrize("page", PAGE_CASES)
def test_every_page_that_creates_or_moves_coaching_time(client, coached, dana, page,
                                                        resolved):
    setup, post, refusal = PAGE_CASES[page]
    appointment = setup(coached, dana)
    flag = open_flag(coached)
    if resolved:
        resolve(flag, dana)
    before = appointments_fingerprint()

    response = post(client, coached, dana, appointment)

    if resolved:
        assert response.status_code == 302, response.content.decode()[:3000]
        assert appointments_fingerprint() != before or WaitlistEntry.objects.exists()
        return
    shown = client.get(response["Location"]) if response.status_code == 302 else response
    assert refusal.replace("'", "&#x27;") in shown.content.decode()
    assert appointments_fingerprint() == before
    assert not WaitlistEntry.objects.exists()
