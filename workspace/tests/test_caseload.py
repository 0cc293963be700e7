"""The clinician's caseload page: content, filters, search, trend arrows, a fixed cost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from clients.models import ClientProfile, ClinicianProfile
from goals.services import check_in_record
from screening.models import RiskFlag
from screening.services import screening_submit
from sessions.models import ServiceType
from sessions.services import appointment_book
from workspace.tests.test_attention import coaching_goal, phq9, who5

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 1, 18, 0, tzinfo=UTC)
URL = reverse("caseload:caseload")


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _full(person, clinician, i=0):
    with time_machine.travel(NOW - timedelta(days=3), tick=False):
        service = ServiceType.objects.get(code="therapy-consultation")
        appointment_book(client=person, clinician=clinician, by=clinician, service_type=service,
                         start=datetime(2027, 2, 26, 14 + i % 8, 0, tzinfo=UTC) + timedelta(
                             days=-(i // 8)))
        appointment_book(client=person, clinician=clinician, by=clinician, service_type=service,
                         start=datetime(2027, 3, 3, 14 + i % 8, 0, tzinfo=UTC) + timedelta(
                             days=i // 8))
    screening_submit(client=person, instrument="phq9", answers=phq9(4))
    screening_submit(client=person, instrument="phq9", answers=phq9(9))
    screening_submit(client=person, instrument="who5", answers=who5(10))
    screening_submit(client=person, instrument="who5", answers=who5(15))
    goal = coaching_goal(person)
    check_in_record(goal=goal, by=person, value=Decimal("6"))


def test_caseload_shows_sessions_scores_and_goals(client, clinician, client_user, stranger):
    _full(client_user, clinician)
    client.force_login(clinician)
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("caseload:timeline", args=[client_user.public_id]) in body
    assert stranger.full_name not in body
    assert "Therapy and coaching" in body
    assert "26 Feb 2027" in body  # last session
    assert "3 Mar, " in body  # next session
    assert "9 <span class=\"score__trend\" aria-hidden=\"true\">↑</span>" in body
    assert "(up from 4, worse)" in body  # PHQ-9: up is worse
    assert "60% <span class=\"score__trend\" aria-hidden=\"true\">↑</span>" in body
    assert "(up from 40%, better)" in body  # WHO-5: up is better
    assert "(first score)" not in body
    assert "Run a 10k" in body and "50%" in body  # 2 → 6 of 2 → 10


def test_caseload_filters_and_search(client, clinician, client_user, make_client):
    make_client(clinician=clinician, full_name="Casey Therapy", service_lines="therapy")
    coach = make_client(clinician=clinician, full_name="Cory Coach", service_lines="coaching")
    ClientProfile.objects.filter(user=coach).update(status="paused")
    client.force_login(clinician)

    def names(**params):
        body = client.get(URL, params).content.decode()
        return {n for n in ("Alex Morgan", "Casey Therapy", "Cory Coach") if f">{n}</a>" in body}

    assert names() == {"Alex Morgan", "Casey Therapy", "Cory Coach"}
    assert names(line="coaching") == {"Alex Morgan", "Cory Coach"}
    assert names(line="therapy") == {"Alex Morgan", "Casey Therapy"}
    assert names(status="paused") == {"Cory Coach"}
    assert names(q="case") == {"Casey Therapy"}
    assert names(q="nobody") == set()
    # Unknown values are ignored, never an error.
    assert names(line="surgery", status="<x>") == {"Alex Morgan", "Casey Therapy", "Cory Coach"}
    assert "No clients match" in client.get(URL, {"q": "nobody"}).content.decode()


def _flag(person, resolved_by=None) -> RiskFlag:
    flag = RiskFlag.objects.create(client=person, opened_at=timezone.now(),
                                   trigger={"instrument": "phq9", "answers": {"q9": 1}})
    if resolved_by is not None:
        RiskFlag.objects.filter(pk=flag.pk).update(
            status=RiskFlag.Status.RESOLVED, resolved_by=resolved_by,
            resolved_at=timezone.now(), resolution_note="Safe; plan agreed.")
    return flag


def test_clients_with_an_open_risk_flag_are_marked_in_words(client, clinician, make_client):
    """Issue 14: the marker is text (not only a colour), for open flags only."""
    flagged = make_client(clinician=clinician, full_name="Fran Flagged")
    resolved = make_client(clinician=clinician, full_name="Remy Resolved")
    make_client(clinician=clinician, full_name="Nell None")
    _flag(flagged)
    _flag(resolved, resolved_by=clinician)
    client.force_login(clinician)
    body = client.get(URL).content.decode()
    rows = {name: body.split(f">{name}</a>", 1)[1].split("</th>", 1)[0]
            for name in ("Fran Flagged", "Remy Resolved", "Nell None")}
    assert rows["Fran Flagged"] == ' <span class="badge badge--danger">Open risk flag</span>'
    assert rows["Remy Resolved"] == "" and rows["Nell None"] == ""


def test_caseload_is_for_clinicians(client, client_user, admin_user):
    client.force_login(client_user)
    assert client.get(URL).status_code == 404
    client.logout()
    assert client.get(URL).status_code == 302


@pytest.mark.parametrize("size", [2, 10])
def test_caseload_query_count_is_fixed(client, clinician, make_client, size,
                                       django_assert_num_queries):
    people = [make_client(clinician=clinician, service_lines="both") for _ in range(size)]
    for i, person in enumerate(people):
        _full(person, clinician, i)
    for person in people[::2]:  # half of them flagged: the marker costs no query
        _flag(person)
    client.force_login(clinician)
    # 1. session with user  2. MFA check  3. the clinician's profile (the firewall)  4. clients
    # with last and next session and an open flag (subqueries)  5. the count of them (for the
    # pages)  6. their PHQ-9/GAD-7/WHO-5 scores  7. active goals with each one's latest value
    # 8. the access-log rows of the clients on the page (one INSERT)
    with django_assert_num_queries(8):
        response = client.get(URL, {"line": "coaching", "q": ""})
    body = response.content.decode()
    assert body.count("(up from 4, worse)") == size
    assert body.count("Open risk flag</span>") == len(people[::2])


def test_a_coaching_only_clinician_sees_no_therapy_measures(client, clinician, client_user):
    """The firewall of the goals issue: WHO-5 and coaching goals, no PHQ-9 or GAD-7."""
    _full(client_user, clinician)
    ClinicianProfile.objects.filter(user=clinician).update(service_lines="coaching")
    client.force_login(clinician)
    body = client.get(URL).content.decode()
    assert "PHQ-9" not in body and "GAD-7" not in body
    assert "(up from 4, worse)" not in body
    assert '<th scope="col" class="score">WHO-5</th>' in body and "(up from 40%, better)" in body
    assert "Run a 10k" in body  # the coaching goal


def test_caseload_pages_fifty_clients_at_a_time(client, clinician, make_client):
    for n in range(55):
        make_client(clinician=clinician, full_name=f"Paged {n:02d}")
    client.force_login(clinician)
    first = client.get(reverse("caseload:caseload")).content.decode()
    assert "55 clients; page 1 of 2" in first and "Paged 49" in first and "Paged 50" not in first
    second = client.get(reverse("caseload:caseload") + "?page=2&q=Paged").content.decode()
    assert "Paged 50" in second and "Paged 54" in second and "Paged 00" not in second
    assert client.get(reverse("caseload:caseload") + "?page=abc").status_code == 200
