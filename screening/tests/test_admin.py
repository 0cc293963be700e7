"""Screening history in Django admin: every page renders, nothing can be added, changed or
deleted, and the lists do not grow in queries with the rows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from screening.models import RiskFlag, RouteRecommendation, ScreeningResponse
from screening.services import screening_submit_many

pytestmark = pytest.mark.django_db

MODELS = ("screeningresponse", "routerecommendation", "riskflag")
SAFETY_YES = {"s1": 1, "s2": 0, "s3": 0, "s4": 0}
PHQ9 = {**{f"item{n}": 1 for n in range(1, 10)}, "item10": 1}


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def submit(person) -> None:
    screening_submit_many(client=person, answers_by_instrument={"safety": SAFETY_YES,
                                                                "phq9": PHQ9})


def objects(person):
    return {
        "screeningresponse": ScreeningResponse.objects.filter(client=person).first(),
        "routerecommendation": RouteRecommendation.objects.filter(client=person).first(),
        "riskflag": RiskFlag.objects.filter(client=person).first(),
    }


def test_every_screening_admin_page_renders_read_only(admin_client, client_user):
    submit(client_user)
    for model, obj in objects(client_user).items():
        changelist = reverse(f"admin:screening_{model}_changelist")
        body = admin_client.get(changelist).content.decode()
        assert client_user.email in body or client_user.full_name in body, model
        assert admin_client.get(changelist + "?q=client%40example.com").status_code == 200
        assert reverse(f"admin:screening_{model}_add") not in body
        page = admin_client.get(reverse(f"admin:screening_{model}_change", args=[obj.pk]))
        assert page.status_code == 200, model
        body = page.content.decode()
        assert 'name="_save"' not in body  # a view-only page: no save button, no inputs
        assert "Delete" not in body
        assert admin_client.get(reverse(f"admin:screening_{model}_add")).status_code == 403
        assert admin_client.get(
            reverse(f"admin:screening_{model}_delete", args=[obj.pk])).status_code == 403


def test_recommendation_page_lists_its_responses(admin_client, client_user):
    submit(client_user)
    recommendation = RouteRecommendation.objects.get(client=client_user)
    body = admin_client.get(reverse("admin:screening_routerecommendation_change",
                                    args=[recommendation.pk])).content.decode()
    assert "PHQ-9 of Alex Morgan" in body and "Safety screen of Alex Morgan" in body


def test_posting_a_change_changes_nothing(admin_client, client_user):
    submit(client_user)
    flag = RiskFlag.objects.get(client=client_user)
    page = admin_client.post(reverse("admin:screening_riskflag_change", args=[flag.pk]),
                             {"status": "resolved", "resolution_note": "edited"})
    assert page.status_code == 403
    flag.refresh_from_db()
    assert flag.status == "open" and flag.resolution_note == ""


# 1. session  2. user  3. MFA check of the staff middleware  4. COUNT of the filtered rows
# 5. the page of rows with their people (list_select_related)  6. first and last date, and
# 7. the distinct days, for the date hierarchy; then per model: responses 8. the bands for
# the band filter (no full COUNT: show_full_result_count is off); recommendations and flags
# 8. the full COUNT for "x total".
@pytest.mark.parametrize("model", MODELS)
def test_lists_have_a_fixed_query_count(admin_client, make_client, clinician, model,
                                        django_assert_num_queries):
    url = reverse(f"admin:screening_{model}_changelist")
    submit(make_client(clinician=clinician))
    with django_assert_num_queries(8):
        assert admin_client.get(url).status_code == 200
    for _ in range(5):
        submit(make_client(clinician=clinician))
    with django_assert_num_queries(8):
        assert admin_client.get(url).status_code == 200
