"""Who may see a new client before their first session, and a resolved flag afterwards (issue 10,
rule 8; the rule is ``clients.access``): the clinician a new client booked a first meeting with
reads their answers, route and flags read-only, logged; every clinician reads an unassigned
client's open flag and can resolve it, and the resolver lands on the resolved flag and finds it
again under "Resolved"; the dashboard only links where the clinician may go."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from clients.access import clients_visible_q
from clients.models import AccessLog, User
from screening.models import RiskFlag
from screening.services import safety_answers_report, screening_submit_many
from screening.tests.conftest import full_set
from sessions.services import appointment_book, appointment_cancel
from sessions.tests.conftest import service_type, sign_consent

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 1, 4, 14, 0, tzinfo=UTC)  # Monday 09:00 in New York
TUESDAY_10 = datetime(2027, 1, 5, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def newcomer(make_client):
    """A new client, nobody assigned, who took the self-assessment."""
    person = make_client(clinician=None, full_name="Robin Vale", email="robin@example.com")
    screening_submit_many(client=person, answers_by_instrument=full_set(
        phq9={"item1": 3, "item2": 3, "item3": 2, "item4": 2}))
    return person


def visible_to(clinician) -> set[int]:
    return set(User.objects.filter(clients_visible_q(clinician=clinician))
               .values_list("pk", flat=True))


def history_url(person) -> str:
    return reverse("screening:client_history", args=[person.public_id])


def hrefs(html: str) -> set[str]:
    return set(re.findall(r'href="(/[^"#?]*)', html))


@pytest.mark.parametrize("code, visible", [
    ("therapy-consultation", True), ("coaching-consultation", True),
    ("therapy-intake", True), ("coaching-session", False)])
def test_a_first_meeting_makes_a_new_client_visible_to_that_clinician(
        dana, other_clinician, newcomer, code, visible):
    # Intakes and sessions are booked with one's own clinician: book, then the assignment
    # goes (a clinician leaves the practice, an admin reassigns).
    newcomer.client_profile.clinician = dana
    newcomer.client_profile.save()
    sign_consent(newcomer, service_type(code).service_line)
    appointment = appointment_book(client=newcomer, clinician=dana,
                                   service_type=service_type(code), start=TUESDAY_10, by=dana)
    newcomer.client_profile.clinician = None
    newcomer.client_profile.save()
    assert (newcomer.pk in visible_to(dana)) is visible
    assert newcomer.pk not in visible_to(other_clinician)
    appointment_cancel(appointment=appointment, by=newcomer)
    assert newcomer.pk not in visible_to(dana)


def test_an_assigned_client_is_not_read_by_the_clinician_of_their_consultation(
        dana, other_clinician, newcomer):
    appointment_book(client=newcomer, clinician=dana,
                     service_type=service_type("therapy-consultation"), start=TUESDAY_10)
    newcomer.client_profile.clinician = other_clinician
    newcomer.client_profile.save()
    assert newcomer.pk not in visible_to(dana)
    assert newcomer.pk in visible_to(other_clinician)


def test_the_dashboard_opens_a_new_client_read_only_and_logs_it(client, dana, newcomer,
                                                               other_clinician,
                                                               django_assert_num_queries):
    appointment_book(client=newcomer, clinician=dana,
                     service_type=service_type("therapy-consultation"), start=TUESDAY_10,
                     by=dana)
    client.force_login(dana)
    # The dashboard's (workspace/tests/test_dashboard.py) for a clinician with no client of
    # her own yet, so none of the rules over a caseload is read: session with user, MFA, the
    # (empty) caseload, the week's appointments, and one more: which of the people on the
    # schedule who are not the clinician's own she may open; then open risk flags, crisis words,
    # unanswered messages and the access log.
    with django_assert_num_queries(9):
        dashboard = client.get(reverse("home")).content.decode()
    assert history_url(newcomer) in dashboard
    assert f'href="{reverse("caseload:timeline", args=[newcomer.public_id])}"' not in dashboard
    # Every link on the dashboard leads somewhere the clinician may go.
    for href in sorted(hrefs(dashboard)):
        if href.startswith(("/static/", "/accounts/logout")):
            continue
        assert client.get(href).status_code == 200, href

    page = client.get(history_url(newcomer)).content.decode()
    assert "Robin Vale" in page and "Read-only" in page
    assert "Change the route" not in page
    assert AccessLog.objects.filter(client=newcomer, by=dana,
                                    what=AccessLog.What.SCREENING).exists()
    recommendation = newcomer.route_recommendations.first()
    override = reverse("screening:route_override",
                       args=[newcomer.public_id, recommendation.public_id])
    assert client.post(override, {"route": "coaching", "note": "x"}).status_code == 404
    for url in (reverse("caseload:timeline", args=[newcomer.public_id]),
                reverse("goals:clinician_goals", args=[newcomer.public_id])):
        assert client.get(url).status_code == 404, url
    # A clinician the newcomer has not booked with finds nothing.
    client.force_login(other_clinician)
    assert client.get(history_url(newcomer)).status_code == 404


def test_an_unassigned_client_s_flag_is_resolved_and_found_again(
        client, clinician, other_clinician, make_client):
    lone = make_client(clinician=None, full_name="Quinn Foster")
    flag = safety_answers_report(client=lone, instrument="safety", answers={"s1": 1})
    flag_url = reverse("screening:risk_flag", args=[flag.public_id])
    client.force_login(other_clinician)
    page = client.get(flag_url).content.decode()
    assert "None assigned yet: every clinician was alerted" in page
    assert "None given" in page  # no phone number yet

    resolved = client.post(flag_url, {"note": "Called Quinn; safe with family tonight."},
                           follow=True)
    assert resolved.status_code == 200
    assert resolved.redirect_chain == [(flag_url, 302)]
    body = resolved.content.decode()
    assert "Resolved" in body and "Called Quinn; safe with family tonight." in body
    assert "Sam Okafor" in body

    tab = client.get(reverse("screening:risk_flags") + "?tab=resolved").content.decode()
    assert flag_url in tab and "Quinn Foster" in tab
    assert flag_url not in client.get(reverse("screening:risk_flags")).content.decode()
    assert client.get(flag_url).status_code == 200  # afterwards, too
    # The other clinician was alerted while it was open; once resolved, the client is nobody's.
    client.force_login(clinician)
    assert client.get(flag_url).status_code == 404
    assert flag_url not in client.get(
        reverse("screening:risk_flags") + "?tab=resolved").content.decode()


def test_the_resolved_tab_costs_the_same_whatever_the_flags(client, clinician, make_client,
                                                             django_assert_num_queries):
    client.force_login(clinician)
    url = reverse("screening:risk_flags") + "?tab=resolved"
    for count in (1, 4):
        for _ in range(count):
            person = make_client(clinician=clinician)
            flag = safety_answers_report(client=person, instrument="safety", answers={"s2": 1})
            client.post(reverse("screening:risk_flag", args=[flag.public_id]),
                        {"note": "Reached them."})
        # 1. session with user  2. MFA check  3. the resolved flags with client and resolver
        # 4. the access-log rows of the clients listed
        with django_assert_num_queries(4):
            page = client.get(url)
        assert page.content.decode().count("Reached") == 0  # notes stay on the flag page
        assert RiskFlag.objects.filter(status="resolved").count() >= count
