"""The two decisions of ``clients.access`` that no other page's tests make (issue 12): a closed
account leaves every clinician's view (one answer on every page, safety excepted), and free text
written in the therapy line stays behind the firewall when the client moves to a coaching-only
clinician."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clients.access import clients_visible_q, free_text_line
from clients.models import ClientProfile, ClinicianProfile, ServiceLines, User
from clients.services import clinician_note_add
from goals.models import Goal
from goals.tests.test_services import coaching_goal
from screening.services import route_override, safety_answers_report, screening_submit_many
from screening.tests.conftest import full_set

pytestmark = pytest.mark.django_db


def provides(clinician, service_lines: str) -> None:
    ClinicianProfile.objects.filter(user=clinician).update(service_lines=service_lines)
    clinician.clinician_profile.refresh_from_db()


def staff_pages(person, goal: Goal) -> list[str]:
    return [reverse("screening:client_history", args=[person.public_id]),
            reverse("caseload:timeline", args=[person.public_id]),
            reverse("goals:clinician_goals", args=[person.public_id]),
            reverse("goals:clinician_goal", args=[goal.public_id])]


@pytest.fixture
def with_a_goal(client_user):
    return coaching_goal(client_user, title="Ship the quarterly plan")


def close(person) -> None:
    User.objects.filter(pk=person.pk).update(is_active=False)
    ClientProfile.objects.filter(user=person).update(status="closed")
    person.refresh_from_db()


def test_a_closed_account_is_404_on_every_staff_page_of_its_clinician(
        client, clinician, client_user, with_a_goal):
    client.force_login(clinician)
    pages = staff_pages(client_user, with_a_goal)
    for url in pages:
        assert client.get(url).status_code == 200, url
    close(client_user)
    for url in pages:
        assert client.get(url).status_code == 404, url
    assert not User.objects.filter(clients_visible_q(clinician=clinician),
                                   pk=client_user.pk).exists()


def test_an_open_flag_of_a_closed_account_stays_with_the_clinicians_alerted(
        client, clinician, other_clinician, client_user):
    flag = safety_answers_report(client=client_user, instrument="safety", answers={"s1": 1})
    close(client_user)
    client.force_login(clinician)
    flag_url = reverse("screening:risk_flag", args=[flag.public_id])
    assert client.get(flag_url).status_code == 200
    assert client.get(reverse("screening:client_history",
                              args=[client_user.public_id])).status_code == 200
    # Only the history and the flag: the rest of a closed record is the admin's.
    assert client.get(reverse("caseload:timeline",
                              args=[client_user.public_id])).status_code == 404
    client.force_login(other_clinician)  # not alerted: the client had a clinician
    assert client.get(flag_url).status_code == 404
    client.force_login(clinician)
    client.post(flag_url, {"note": "Reached them; safe."})
    assert client.get(flag_url).status_code == 200  # the resolver keeps it


def test_a_therapists_free_text_stays_with_therapy_after_a_move_to_a_coach(
        client, clinician, other_clinician, make_client):
    """The client moves from their therapist (Dana) to a coaching-only clinician (Sam): Sam
    sees neither Dana's private notes nor her reasons for changing the route."""
    person = make_client(clinician=clinician, service_lines=ServiceLines.BOTH)
    provides(other_clinician, "coaching")
    screening_submit_many(client=person, answers_by_instrument=full_set(
        phq9={"item1": 3, "item2": 3, "item3": 3, "item4": 2}))
    clinician_note_add(client=person, author=clinician,
                       text="PHQ-9 at 11; started sertraline 50 mg; MARKER-NOTE")
    route_override(recommendation=person.route_recommendations.first(), route="integrated",
                   note="Therapy first given the PHQ-9; MARKER-OVERRIDE", by=clinician)
    assert free_text_line(clinician) == "therapy"

    ClientProfile.objects.filter(user=person).update(clinician=other_clinician)
    person.client_profile.refresh_from_db()
    client.force_login(other_clinician)
    for url in (reverse("caseload:timeline", args=[person.public_id]),
                reverse("screening:client_history", args=[person.public_id])):
        body = client.get(url).content.decode()
        assert "MARKER-NOTE" not in body and "MARKER-OVERRIDE" not in body, url
        assert "sertraline" not in body
    # The coach's own note is theirs to read; back with a therapist, both are there.
    clinician_note_add(client=person, author=other_clinician, text="Coaching plan: MARKER-COACH")
    assert "MARKER-COACH" in client.get(
        reverse("caseload:timeline", args=[person.public_id])).content.decode()
    ClientProfile.objects.filter(user=person).update(clinician=clinician)
    client.force_login(clinician)
    body = client.get(reverse("caseload:timeline", args=[person.public_id])).content.decode()
    assert "MARKER-NOTE" in body and "MARKER-COACH" in body and "MARKER-OVERRIDE" in body
