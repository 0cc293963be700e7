"""The clinician's screening pages: least access (rule 8), what they show, override and resolve
through the pages, and query counts that do not grow with the history."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from clients.models import ClinicianProfile
from screening.models import RiskFlag, Route, RouteRecommendation, ScreeningResponse
from screening.services import risk_flag_resolve, screening_submit, screening_submit_many

pytestmark = pytest.mark.django_db

SAFETY_NO = {"s1": 0, "s2": 0, "s3": 0, "s4": 0}
PHQ9_HIGH = {**{f"item{n}": 2 for n in range(1, 9)}, "item9": 0, "item10": 2}  # 16
GAD7 = {f"item{n}": 1 for n in range(1, 8)}  # 7
WHO5 = {f"item{n}": 3 for n in range(1, 6)}  # 15 → 60 %
ASSESSMENT = {**{f"t{n}": 1 for n in range(1, 9)}, **{f"c{n}": 0 for n in range(1, 9)}}


def history_url(person) -> str:
    return reverse("screening:client_history", args=[person.public_id])


def override_url(person, recommendation) -> str:
    return reverse("screening:route_override", args=[person.public_id, recommendation.public_id])


def flag_url(flag) -> str:
    return reverse("screening:risk_flag", args=[flag.public_id])


def submit_all(person):
    return screening_submit_many(client=person, answers_by_instrument={
        "safety": SAFETY_NO, "phq9": PHQ9_HIGH, "gad7": GAD7, "who5": WHO5,
        "self_assessment": ASSESSMENT})


def open_flag(person) -> RiskFlag:
    screening_submit(client=person, instrument="safety", answers={**SAFETY_NO, "s1": 1})
    return RiskFlag.objects.get(client=person, status="open")


# Every history page: 1. session with user  2. MFA check of the staff middleware  3. the client,
# with their profile, if assigned  4. the access-log row (rule 8)  5. the clinician's profile
# (the firewall)  6. responses  7. recommendations with who overrode them  8. risk flags with
# who resolved them and their responses
HISTORY_QUERIES = 8
# The flag page: 1. session with user  2. MFA check  3. the flag with client, response and who
# resolved it  4. the clinician's profile (the firewall)  5. the access-log row
FLAG_QUERIES = 5
# What a coaching-only clinician never reads on the screening pages (the firewall).
THERAPY_WORDS = ("PHQ-9", "GAD-7", "minimal", "mild", "moderate", "severe")


@pytest.fixture
def signed_in(client, clinician):
    client.force_login(clinician)
    return client


def provides(clinician, service_lines: str) -> None:
    """Make the clinician's profile provide only this service line (or both)."""
    ClinicianProfile.objects.filter(user=clinician).update(service_lines=service_lines)


# --- Who reaches which page -----------------------------------------------------------------


def test_permissions(client, client_user, clinician, other_clinician, admin_user, stranger):
    submit_all(client_user)
    flag = open_flag(client_user)
    recommendation = RouteRecommendation.objects.filter(client=client_user).first()
    urls = [history_url(client_user), flag_url(flag)]
    post = (override_url(client_user, recommendation), {"route": "coaching", "note": "x"})

    for url in [*urls, reverse("screening:risk_flags")]:
        page = client.get(url)
        assert page.status_code == 302 and page["Location"].startswith(reverse("account_login"))

    # Clients (the client themself included) and admins: 404 on every clinician page.
    for person in (client_user, stranger, admin_user):
        client.force_login(person)
        for url in [*urls, reverse("screening:risk_flags")]:
            assert client.get(url).status_code == 404, (person, url)
        assert client.post(*post).status_code == 404
        assert client.post(flag_url(flag), {"note": "done"}).status_code == 404

    # Another clinician: 404 for everything about a client who is not theirs.
    client.force_login(other_clinician)
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(*post).status_code == 404
    assert client.post(flag_url(flag), {"note": "done"}).status_code == 404
    body = client.get(reverse("screening:risk_flags")).content.decode()
    assert client_user.full_name not in body
    assert client.get(history_url(stranger)).status_code == 200  # their own client

    recommendation.refresh_from_db()
    flag.refresh_from_db()
    assert recommendation.override_route == "" and flag.status == "open"

    client.force_login(clinician)
    assert client.get(history_url(stranger)).status_code == 404
    assert client.get(reverse("screening:client_history", args=[uuid.uuid4()])).status_code == 404
    assert client.get(reverse("screening:risk_flag", args=[uuid.uuid4()])).status_code == 404
    assert client.get(override_url(client_user, recommendation)).status_code == 405


# --- History --------------------------------------------------------------------------------


def test_history_shows_totals_bands_reasons_and_chart(signed_in, client_user,
                                                      django_assert_num_queries):
    submit_all(client_user)
    with django_assert_num_queries(HISTORY_QUERIES):  # listed above HISTORY_QUERIES
        page = signed_in.get(history_url(client_user))
    body = page.content.decode()
    assert "Alex Morgan" in body
    assert '<th scope="row">PHQ-9</th>' in body
    assert "<td>16</td>" in body and "moderately severe" in body
    assert "<td>7</td>" in body and "<td>mild</td>" in body
    assert "60% (raw 15)" in body
    assert "PHQ-9 16 (moderately severe), at or above 10" in body
    assert "8 therapy indicators" in body
    assert '<span class="badge">Therapy</span>' in body
    assert "<details" in body and "Little interest or pleasure in doing things" in body
    assert '<svg class="chart__svg"' in body and 'role="img"' in body
    for series in ("phq9", "gad7", "who5"):
        assert f'data-series="{series}"' in body
    assert "chart__key--phq9" in body and "You provide coaching only" not in body
    assert "No risk flags" in body
    assert "style=" not in body


def test_history_shows_times_in_the_clinicians_zone(signed_in, client_user):
    with time_machine.travel("2026-03-02 15:30:00+00:00", tick=False):
        submit_all(client_user)
    body = signed_in.get(history_url(client_user)).content.decode()
    assert "2 Mar 2026, 09:30" in body  # America/Chicago, the clinician's zone
    assert ">2 Mar 2026, 15:30<" not in body


def test_history_query_count_does_not_grow(signed_in, client_user, clinician,
                                           django_assert_num_queries):
    submit_all(client_user)
    with django_assert_num_queries(HISTORY_QUERIES):
        signed_in.get(history_url(client_user))
    for days in range(1, 6):
        with time_machine.travel(timezone.now() + timedelta(days=days * 7)):
            submit_all(client_user)
    flag = open_flag(client_user)
    risk_flag_resolve(flag=flag, note="Called; safe.", by=clinician)
    open_flag(client_user)
    with django_assert_num_queries(HISTORY_QUERIES):
        page = signed_in.get(history_url(client_user))
    body = page.content.decode()
    assert body.count('<th scope="row">PHQ-9</th>') == 6
    assert "Called; safe." in body and "Review and resolve" in body


def test_history_leads_back_to_the_clinicians_clients(signed_in, client_user):
    body = signed_in.get(history_url(client_user)).content.decode()
    assert f'href="{reverse("caseload:caseload")}">← Clients' in body
    assert f'href="{reverse("caseload:timeline", args=[client_user.public_id])}"' in body


def test_history_without_screening_shows_empty_states(signed_in, client_user,
                                                      django_assert_num_queries):
    with django_assert_num_queries(HISTORY_QUERIES):
        body = signed_in.get(history_url(client_user)).content.decode()
    assert "No screening yet" in body and "No measures yet" in body
    assert "No responses yet" in body and "No risk flags" in body


def test_unassigned_client_with_open_flag_is_visible_to_every_clinician(client, make_client,
                                                                        other_clinician):
    lone = make_client(clinician=None)
    flag = open_flag(lone)
    client.force_login(other_clinician)
    page = client.get(history_url(lone))
    assert page.status_code == 200
    # Not their client: back to the open flags, no timeline or goals (those are the assigned
    # clinician's).
    body = page.content.decode()
    assert f'href="{reverse("screening:risk_flags")}">← Open risk flags' in body
    assert f'href="{reverse("caseload:timeline", args=[lone.public_id])}"' not in body
    assert client.get(flag_url(flag)).status_code == 200


# --- Override -------------------------------------------------------------------------------


def test_override_through_the_page(signed_in, client_user, clinician):
    submit_all(client_user)
    recommendation = RouteRecommendation.objects.get(client=client_user)
    assert recommendation.route == Route.THERAPY

    page = signed_in.post(override_url(client_user, recommendation),
                          {"route": "integrated", "note": "   "})
    assert page.status_code == 200
    body = page.content.decode()
    assert '<ul class="field__errors" id="id_note_error">' in body
    assert "<title>Error:" in body
    recommendation.refresh_from_db()
    assert recommendation.override_route == ""

    page = signed_in.post(override_url(client_user, recommendation),
                          {"route": "nope", "note": "Because"})
    assert page.status_code == 200
    assert '<ul class="field__errors" id="id_route_error">' in page.content.decode()

    page = signed_in.post(override_url(client_user, recommendation),
                          {"route": "integrated", "note": "Wants coaching alongside."})
    assert page["Location"] == history_url(client_user)
    recommendation.refresh_from_db()
    assert recommendation.override_route == Route.INTEGRATED
    assert recommendation.overridden_by == clinician
    body = signed_in.get(history_url(client_user)).content.decode()
    assert "Wants coaching alongside." in body and "Dana Reyes" in body
    assert "<s>Therapy</s>" in body


def test_override_of_a_replaced_recommendation_is_refused(signed_in, client_user):
    submit_all(client_user)
    old = RouteRecommendation.objects.get(client=client_user)
    screening_submit(client=client_user, instrument="phq9", answers={**PHQ9_HIGH, "item9": 1})
    page = signed_in.post(override_url(client_user, old), {"route": "coaching", "note": "x"})
    assert page["Location"] == history_url(client_user)
    old.refresh_from_db()
    assert old.override_route == ""


# --- Risk flags -----------------------------------------------------------------------------


def test_risk_flags_list_oldest_first(signed_in, client_user, clinician, make_client,
                                      django_assert_num_queries):
    # 1. session with user  2. MFA check  3. open flags with their clients
    with django_assert_num_queries(3):
        body = signed_in.get(reverse("screening:risk_flags")).content.decode()
    assert "No open risk flags" in body

    second = make_client(clinician=clinician, full_name="Blair Second")
    with time_machine.travel(timezone.now() - timedelta(days=2)):
        open_flag(client_user)
    open_flag(second)
    for _ in range(3):
        open_flag(make_client(clinician=clinician))
    # ... and 5. the access-log rows of the clients listed (one INSERT)
    with django_assert_num_queries(4):
        body = signed_in.get(reverse("screening:risk_flags")).content.decode()
    assert body.index("Alex Morgan") < body.index("Blair Second")
    assert body.count("Review<span") == 5


def test_flag_page_and_resolve(signed_in, client_user, clinician, django_assert_num_queries):
    screening_submit_many(client=client_user, answers_by_instrument={
        "safety": {**SAFETY_NO, "s2": 1}, "phq9": {**PHQ9_HIGH, "item9": 2}})
    flag = RiskFlag.objects.get(client=client_user)
    with django_assert_num_queries(FLAG_QUERIES):  # listed above FLAG_QUERIES
        body = signed_in.get(flag_url(flag)).content.decode()
    assert "Alex Morgan" in body and "Open" in body
    assert "Safety screen positive: yes to “" in body
    assert "plan or the intention" in body
    assert "Resolve the flag" in body
    assert history_url(client_user) in body

    page = signed_in.post(flag_url(flag), {"note": "  "})
    assert page.status_code == 200
    body = page.content.decode()
    assert '<ul class="field__errors" id="id_note_error">' in body
    assert 'aria-invalid="true"' in body
    flag.refresh_from_db()
    assert flag.status == "open"

    page = signed_in.post(flag_url(flag), {"note": "Called the client; safety plan agreed."})
    assert page["Location"] == flag_url(flag)
    flag.refresh_from_db()
    assert flag.status == "resolved" and flag.resolved_by == clinician

    with django_assert_num_queries(FLAG_QUERIES):
        body = signed_in.get(flag_url(flag)).content.decode()
    assert "Resolved" in body and "Called the client; safety plan agreed." in body
    assert "Dana Reyes" in body
    assert "Resolve the flag" not in body

    # A second post (another tab) changes nothing.
    page = signed_in.post(flag_url(flag), {"note": "again"})
    assert page["Location"] == flag_url(flag)
    flag.refresh_from_db()
    assert flag.resolution_note == "Called the client; safety plan agreed."


def test_flag_page_for_phq9_item9(signed_in, client_user):
    screening_submit(client=client_user, instrument="phq9", answers={**PHQ9_HIGH, "item9": 1})
    flag = RiskFlag.objects.get(client=client_user)
    body = signed_in.get(flag_url(flag)).content.decode()
    assert "PHQ-9 item 9 (thoughts of death or self-harm) = 1 (Several days)" in body


# --- The firewall: a coaching-only clinician ------------------------------------------------


def test_history_for_a_coaching_only_clinician(signed_in, client_user, clinician,
                                               django_assert_num_queries):
    provides(clinician, "coaching")
    submit_all(client_user)  # PHQ-9 16 (moderately severe), GAD-7 7 (mild), WHO-5 60 %
    with django_assert_num_queries(HISTORY_QUERIES):
        body = signed_in.get(history_url(client_user)).content.decode()
    for hidden in (*THERAPY_WORDS, "Little interest or pleasure", 'data-series="phq9"',
                   'data-series="gad7"', "chart__key--phq9", "chart__key--gad7", "<td>16</td>"):
        assert hidden not in body, hidden
    # The route and its reasons, without the measure's name or numbers.
    assert '<span class="badge">Therapy</span>' in body
    assert "A validated measure at or above the therapy threshold" in body
    assert "8 therapy indicators" in body
    # What a coach works with: well-being, the self-assessment, the safety screen.
    assert '<th scope="row">WHO-5</th>' in body and "60% (raw 15)" in body
    assert 'data-series="who5"' in body and "<title id=\"chart-title\">WHO-5 over time" in body
    assert '<th scope="row">Self-assessment</th>' in body
    assert '<th scope="row">Safety screen</th>' in body
    assert "You provide coaching only" in body

    # A safety answer in the PHQ-9 (item 9): the flag and its safety reason show, the PHQ-9
    # does not.
    screening_submit(client=client_user, instrument="phq9", answers={**PHQ9_HIGH, "item9": 1})
    flag = RiskFlag.objects.get(client=client_user, status="open")
    with django_assert_num_queries(HISTORY_QUERIES):
        body = signed_in.get(history_url(client_user)).content.decode()
    for hidden in THERAPY_WORDS:
        assert hidden not in body, hidden
    assert "Open risk flag" in body and flag_url(flag) in body
    assert "Thoughts of death or self-harm reported (safety)" in body
    assert '<span class="badge badge--danger">Help now</span>' in body


def test_history_chart_for_a_coaching_only_clinician_without_wellbeing(signed_in, client_user,
                                                                       clinician):
    provides(clinician, "coaching")
    screening_submit(client=client_user, instrument="phq9", answers=PHQ9_HIGH)
    body = signed_in.get(history_url(client_user)).content.decode()
    assert "No measures yet" in body and "WHO-5 well-being answers are drawn here" in body
    assert "<svg" not in body and "No responses yet" in body
    for hidden in THERAPY_WORDS:
        assert hidden not in body, hidden


def test_flag_page_for_a_coaching_only_clinician(signed_in, client_user, clinician,
                                                 django_assert_num_queries):
    """Safety first: the coach sees the flag, why it opened and the safety answer in the PHQ-9,
    and can resolve it; not the PHQ-9's other answers, total or band."""
    provides(clinician, "coaching")
    screening_submit(client=client_user, instrument="phq9", answers={**PHQ9_HIGH, "item9": 1})
    flag = RiskFlag.objects.get(client=client_user)
    with django_assert_num_queries(FLAG_QUERIES):
        body = signed_in.get(flag_url(flag)).content.decode()
    assert "Thoughts of death or self-harm reported (safety)" in body
    assert "Thoughts that you would be better off dead" in body and "Several days" in body
    assert "Only the safety question is shown" in body
    assert "Resolve the flag" in body
    for hidden in (*THERAPY_WORDS, "Little interest or pleasure", "· 17"):
        assert hidden not in body, hidden

    page = signed_in.post(flag_url(flag), {"note": "Called; referred to the therapist."})
    assert page["Location"] == flag_url(flag)
    flag.refresh_from_db()
    assert flag.status == "resolved" and flag.resolved_by == clinician


def test_flag_from_the_safety_screen_is_whole_for_a_coaching_only_clinician(signed_in,
                                                                           client_user,
                                                                           clinician):
    provides(clinician, "coaching")
    flag = open_flag(client_user)
    body = signed_in.get(flag_url(flag)).content.decode()
    assert "Safety screen positive: yes to “" in body and "s1:" not in body
    assert "Only the safety question is shown" not in body
    assert client_user.full_name in signed_in.get(reverse("screening:risk_flags")).content.decode()


def test_phq9_and_gad7_response_pages_are_404_for_a_coaching_only_clinician(
        signed_in, client_user, clinician):
    # The single-response page belongs to the client; clinicians read answers on the history
    # page, where the firewall applies. Either way a coach never opens a PHQ-9 or a GAD-7.
    provides(clinician, "coaching")
    submit_all(client_user)
    for instrument in ("phq9", "gad7", "who5"):
        response = ScreeningResponse.objects.get(client=client_user, instrument=instrument)
        page = signed_in.get(reverse("screening:response", args=[response.public_id]))
        assert page.status_code == 404, instrument


@pytest.mark.parametrize("service_lines", ["therapy", "both"])
def test_a_therapy_clinician_sees_everything(signed_in, client_user, clinician, service_lines):
    provides(clinician, service_lines)
    submit_all(client_user)
    screening_submit(client=client_user, instrument="phq9", answers={**PHQ9_HIGH, "item9": 1})
    flag = RiskFlag.objects.get(client=client_user)
    body = signed_in.get(history_url(client_user)).content.decode()
    assert '<th scope="row">PHQ-9</th>' in body and '<th scope="row">GAD-7</th>' in body
    assert "moderately severe" in body and "<td>mild</td>" in body
    assert 'data-series="phq9"' in body and 'data-series="gad7"' in body
    assert "PHQ-9 item 9 (thoughts of death or self-harm) = 1 (Several days)" in body
    assert "You provide coaching only" not in body
    body = signed_in.get(flag_url(flag)).content.decode()
    assert "Little interest or pleasure" in body and "moderately severe" in body
    assert "· 17" in body and "Only the safety question is shown" not in body


def test_a_clinician_without_a_profile_is_behind_the_firewall(signed_in, client_user,
                                                              clinician):
    # No profile says nothing about therapy: fail closed.
    ClinicianProfile.objects.filter(user=clinician).delete()
    submit_all(client_user)
    body = signed_in.get(history_url(client_user)).content.decode()
    for hidden in THERAPY_WORDS:
        assert hidden not in body, hidden
    assert "60% (raw 15)" in body
