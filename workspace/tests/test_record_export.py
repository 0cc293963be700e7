"""Download my record: the builder's contents and query count, and the page (issue 6)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import icalendar
import pytest
import time_machine
from django.urls import reverse

from clients.models import ConsentSignature
from conftest import reauthenticated
from goals.models import CheckIn, Comment, Goal
from goals.services import action_step_add, check_in_record, comment_add, goal_create
from screening.models import RiskFlag, RouteRecommendation, ScreeningResponse
from screening.services import risk_flag_resolve, screening_submit_many
from screening.tests.conftest import full_set
from sessions.models import Appointment
from sessions.services import appointment_book, appointment_cancel
from sessions.tests.conftest import service_type, sign_consent
from workspace.record import CSV_TABLES, client_record_data

NOW = datetime(2027, 3, 1, 15, 0, tzinfo=UTC)  # a Monday
RESOLUTION_NOTE = "Called them; safety plan in place. CLINICIAN-ONLY-NOTE"


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def coaching_goal(client, title: str = "Run a 10k") -> Goal:
    return goal_create(client=client, service_line="coaching", created_by=client, title=title,
                       why="Energy", metric="distance", unit="km", baseline=Decimal("2"),
                       target=Decimal("10.50"), direction="up", cadence="daily",
                       check_in_time=time(18, 0))


def book(client, clinician, days: int) -> Appointment:
    return appointment_book(client=client, clinician=clinician,
                            service_type=service_type("therapy-consultation"),
                            start=NOW + timedelta(days=days, hours=1), by=clinician)


def add_goal_with_check_in(client, clinician, title: str) -> Goal:
    goal = coaching_goal(client, title=title)
    action_step_add(goal=goal, by=client, text=f"First step of {title}")
    check_in = check_in_record(goal=goal, by=client, value=Decimal("4.50"), confidence=7,
                               note="Felt good")
    comment_add(goal=goal, author=clinician, text=f"Well done on {title}", check_in=check_in)
    return goal


@pytest.fixture
def record(client_user, clinician):
    """client_user with a bit of everything, and a resolved risk flag."""
    sign_consent(client_user, "privacy")
    sign_consent(client_user, "therapy")
    sign_consent(client_user, "coaching")
    screening_submit_many(client=client_user, answers_by_instrument=full_set(
        phq9={"item1": 2, "item9": 1}))
    risk_flag_resolve(flag=RiskFlag.objects.get(client=client_user), note=RESOLUTION_NOTE,
                      by=clinician)
    first = book(client_user, clinician, days=1)
    cancelled = book(client_user, clinician, days=2)
    appointment_cancel(appointment=cancelled, by=client_user)
    add_goal_with_check_in(client_user, clinician, "Run a 10k")
    return first, cancelled


@pytest.fixture
def other_record(stranger, other_clinician):
    sign_consent(stranger, "coaching")
    screening_submit_many(client=stranger, answers_by_instrument=full_set())
    goal = coaching_goal(stranger, title="STRANGER-GOAL")
    check_in_record(goal=goal, by=stranger, value=Decimal("3"), note="STRANGER-NOTE")
    return goal


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def test_data_matches_the_database(client_user, clinician, record, other_record):
    first, cancelled = record
    data = client_record_data(client=client_user)
    assert json.loads(json.dumps(data)) == data  # JSON-ready as it is

    assert data["profile"] == {
        "email": "client@example.com", "full_name": "Alex Morgan",
        "time_zone": "America/New_York", "date_joined": iso(client_user.date_joined),
        "service_lines": "both", "status": "prospective", "clinician": "Dana Reyes",
        "discreet_mode": False,
    }

    signatures = ConsentSignature.objects.filter(client=client_user).select_related("document")
    assert len(data["consents"]) == signatures.count() == 3
    by_id = {row["id"]: row for row in data["consents"]}
    for signature in signatures:
        row = by_id[str(signature.public_id)]
        assert row["document_kind"] == signature.document.kind
        assert row["document_version"] == signature.document.version
        assert row["document_title"] == signature.document.title
        assert row["signed_at"] == iso(signature.signed_at)
        assert row["typed_name"] == "Alex Morgan"
        assert row["text_sha256"] == signature.document.text_sha256

    responses = ScreeningResponse.objects.filter(client=client_user)
    assert len(data["screenings"]) == responses.count() == 5
    phq9 = next(row for row in data["screenings"] if row["instrument"] == "phq9")
    stored = responses.get(instrument="phq9")
    assert (phq9["answers"], phq9["total"], phq9["band"], phq9["flags"], phq9["submitted_at"]) \
        == (stored.answers, stored.total, stored.band, stored.flags, iso(stored.submitted_at))
    assert phq9["version"] == stored.version

    [recommendation] = data["route_recommendations"]
    stored_route = RouteRecommendation.objects.get(client=client_user)
    assert recommendation["route"] == stored_route.route
    assert recommendation["screenings"] == sorted(
        str(r.public_id) for r in stored_route.responses.all())

    [flag] = data["risk_flags"]
    stored_flag = RiskFlag.objects.get(client=client_user)
    assert flag == {"id": str(stored_flag.public_id), "status": "resolved",
                    "opened_at": iso(stored_flag.opened_at),
                    "resolved_at": iso(stored_flag.resolved_at),
                    "screening": str(stored_flag.response.public_id)}

    assert [row["id"] for row in data["appointments"]] == [str(first.public_id),
                                                           str(cancelled.public_id)]
    booked, gone = data["appointments"]
    assert booked["type"] == "Therapy consultation"
    assert (booked["start"], booked["end"]) == (iso(first.start), iso(first.end))
    assert (booked["status"], gone["status"]) == ("booked", "cancelled")
    assert booked["clinician"] == "Dana Reyes"
    assert [change["action"] for change in gone["changes"]] == ["booked", "cancelled"]
    assert gone["changes"][1]["by"] == "Alex Morgan"

    [goal] = data["goals"]
    stored_goal = Goal.objects.get(client=client_user)
    assert (goal["id"], goal["title"], goal["baseline"], goal["target"]) == (
        str(stored_goal.public_id), "Run a 10k", "2.00", "10.50")
    assert [step["text"] for step in goal["steps"]] == ["First step of Run a 10k"]

    [check_in] = data["check_ins"]
    stored_check_in = CheckIn.objects.get(goal__client=client_user)
    assert check_in["value"] == "4.50"  # a string, never a float
    assert (check_in["goal"], check_in["at"], check_in["note"], check_in["confidence"]) == (
        goal["id"], iso(stored_check_in.at), "Felt good", 7)

    [comment] = data["comments"]
    assert comment == {"id": str(Comment.objects.get().public_id), "goal": goal["id"],
                       "check_in": check_in["id"], "author": "Dana Reyes",
                       "text": "Well done on Run a 10k", "created_at": iso(NOW)}


def test_download_round_trips(client, client_user, record, other_record):
    client.force_login(client_user)
    reauthenticated(client)
    response = client.post(reverse("account_rights:record"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    # 10:00 in New York on 1 March.
    assert response["Content-Disposition"] == \
        'attachment; filename="tandem-record-2027-03-01.zip"'
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert set(archive.namelist()) == {"README.txt", "record.json", "appointments.ics",
                                       *CSV_TABLES}

    data = json.loads(archive.read("record.json"))
    expected = client_record_data(client=client_user)
    assert data == expected

    for name, (columns, key) in CSV_TABLES.items():
        rows = list(csv.reader(io.StringIO(archive.read(name).decode())))
        assert rows[0] == columns, name
        expected_rows = expected[key] if isinstance(expected[key], list) else [expected[key]]
        assert len(rows) - 1 == len(expected_rows), name
    screenings = list(csv.DictReader(io.StringIO(archive.read("screenings.csv").decode())))
    phq9 = next(row for row in screenings if row["instrument"] == "phq9")
    assert json.loads(phq9["answers"]) == next(
        row["answers"] for row in expected["screenings"] if row["instrument"] == "phq9")
    [check_in] = csv.DictReader(io.StringIO(archive.read("check_ins.csv").decode()))
    assert check_in["value"] == "4.50"

    calendar = icalendar.Calendar.from_ical(archive.read("appointments.ics"))
    events = calendar.walk("VEVENT")
    first, _cancelled = record
    assert [str(event["uid"]) for event in events] == [f"{first.public_id}@tandem"]
    assert events[0].decoded("dtstart") == first.start
    assert str(events[0].decoded("dtstart").tzinfo) == "America/New_York"

    everything = b"".join(archive.read(name) for name in archive.namelist()).decode()
    assert "CLINICIAN-ONLY-NOTE" not in everything
    assert "STRANGER" not in everything
    assert "Jordan Blake" not in everything and "stranger@example.com" not in everything


def test_get_with_download_flag_also_downloads(client, client_user):
    client.force_login(client_user)
    reauthenticated(client)
    response = client.get(reverse("account_rights:record"), {"download": "1"})
    assert response["Content-Type"] == "application/zip"
    data = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("record.json"))
    assert data["appointments"] == [] and data["goals"] == []


def test_empty_record_downloads(client, make_client):
    lone = make_client(clinician=None)
    client.force_login(lone)
    reauthenticated(client)
    response = client.post(reverse("account_rights:record"))
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert json.loads(archive.read("record.json"))["profile"]["clinician"] == ""
    assert icalendar.Calendar.from_ical(archive.read("appointments.ics")).walk("VEVENT") == []


def record_queries(client_user, django_assert_num_queries) -> None:
    # 1. profile with clinician and clinician profile  2. signatures with documents
    # 3. screening responses  4. route recommendations  5. their responses (prefetch)
    # 6. risk flags with their response  7. appointments with type, clinician and profile
    # 8. their changes with who made them (prefetch)  9. goals  10. their steps (prefetch)
    # 11. check-ins with goal and WHO-5  12. comments with goal, check-in and author
    # 13. messages with thread, sender and the message amended  14. shared documents with
    # uploader and signature
    with django_assert_num_queries(14):
        client_record_data(client=client_user)


def test_query_count_does_not_grow(client_user, clinician, record,
                                   django_assert_num_queries):
    record_queries(client_user, django_assert_num_queries)  # 2 appointments, 1 goal
    for n in range(4):
        book(client_user, clinician, days=3 + n)
        add_goal_with_check_in(client_user, clinician, f"Goal {n}")
    assert len(client_record_data(client=client_user)["goals"]) == 5
    record_queries(client_user, django_assert_num_queries)


def test_page_explains_and_costs_one_query(client, client_user, django_assert_num_queries):
    client.force_login(client_user)
    # 1. session with user
    with django_assert_num_queries(1):
        response = client.get(reverse("account_rights:record"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Download my record (ZIP)" in body
    assert "clinician&#x27;s own notes are not part" in body or \
        "clinician's own notes are not part" in body
    assert reverse("account_rights:close") in body


def test_download_costs_a_fixed_number_of_queries(client, client_user, record,
                                                  django_assert_num_queries):
    client.force_login(client_user)
    reauthenticated(client)
    # 1. session with user  2.–4. allauth's reauthentication check (recovery codes, TOTP,
    # passkeys: which ways back in the person has)  5.–18. the record (see record_queries)
    with django_assert_num_queries(18):
        response = client.post(reverse("account_rights:record"))
    assert response.status_code == 200


def test_staff_get_404(client, clinician, admin_user):
    for person in (clinician, admin_user):
        client.force_login(person)
        assert client.get(reverse("account_rights:record")).status_code == 404
        assert client.post(reverse("account_rights:record")).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, db):
    url = reverse("account_rights:record")
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
