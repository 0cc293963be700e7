"""The clinician's screening pages: least access (rule 8), what they show, override and resolve
through the pages, and query counts that do not grow with the history."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from screening.models import RiskFlag, Route, RouteRecommendation
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


@pytest.fixture
def signed_in(client, clinician):
    client.force_login(clinician)
    return client


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
    # 1. session  2. user  3. MFA check of the staff middleware  4. the client, with their
    # profile, if assigned  5. responses  6. recommendations with who overrode them
    # 7. risk flags with who resolved them and their responses  8. the access-log row (rule 8)
    with django_assert_num_queries(8):
        page = signed_in.get(history_url(client_user))
    body = page.content.decode()
    assert "Alex Morgan" in body
    assert '<th scope="row">PHQ-9</th>' in body
    assert "<td>16</td>" in body and "moderately severe" in body
    assert "<td>7</td>" in body and "<td>mild</td>" in body
    assert "60% (raw 15)" in body
    assert "PHQ-9 16 (moderately severe), at or above 10" in body
    assert "8 therapy indicator(s)" in body
    assert '<span class="badge">Therapy</span>' in body
    assert "<details" in body and "Little interest or pleasure in doing things" in body
    assert '<svg class="chart__svg"' in body and 'role="img"' in body
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
    with django_assert_num_queries(8):
        signed_in.get(history_url(client_user))
    for days in range(1, 6):
        with time_machine.travel(timezone.now() + timedelta(days=days * 7)):
            submit_all(client_user)
    flag = open_flag(client_user)
    risk_flag_resolve(flag=flag, note="Called; safe.", by=clinician)
    open_flag(client_user)
    with django_assert_num_queries(8):
        page = signed_in.get(history_url(client_user))
    body = page.content.decode()
    assert body.count('<th scope="row">PHQ-9</th>') == 6
    assert "Called; safe." in body and "Review and resolve" in body


def test_history_without_screening_shows_empty_states(signed_in, client_user,
                                                      django_assert_num_queries):
    with django_assert_num_queries(8):
        body = signed_in.get(history_url(client_user)).content.decode()
    assert "No screening yet" in body and "No measures yet" in body
    assert "No responses yet" in body and "No risk flags" in body


def test_unassigned_client_with_open_flag_is_visible_to_every_clinician(client, make_client,
                                                                        other_clinician):
    lone = make_client(clinician=None)
    flag = open_flag(lone)
    client.force_login(other_clinician)
    assert client.get(history_url(lone)).status_code == 200
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
    # 1. session  2. user  3. MFA check  4. open flags with their clients
    with django_assert_num_queries(4):
        body = signed_in.get(reverse("screening:risk_flags")).content.decode()
    assert "No open risk flags" in body

    second = make_client(clinician=clinician, full_name="Blair Second")
    with time_machine.travel(timezone.now() - timedelta(days=2)):
        open_flag(client_user)
    open_flag(second)
    for _ in range(3):
        open_flag(make_client(clinician=clinician))
    with django_assert_num_queries(4):
        body = signed_in.get(reverse("screening:risk_flags")).content.decode()
    assert body.index("Alex Morgan") < body.index("Blair Second")
    assert body.count("Review<span") == 5


def test_flag_page_and_resolve(signed_in, client_user, clinician, django_assert_num_queries):
    screening_submit_many(client=client_user, answers_by_instrument={
        "safety": {**SAFETY_NO, "s2": 1}, "phq9": {**PHQ9_HIGH, "item9": 2}})
    flag = RiskFlag.objects.get(client=client_user)
    # 1. session  2. user  3. MFA check  4. the flag with client, response and who resolved
    # 5. the access-log row
    with django_assert_num_queries(5):
        body = signed_in.get(flag_url(flag)).content.decode()
    assert "Alex Morgan" in body and "Open" in body
    assert "Safety screen positive — s2:" in body
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

    with django_assert_num_queries(5):
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
