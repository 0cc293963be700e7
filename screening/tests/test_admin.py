"""Screening history in Django admin: every page renders, nothing can be added, changed or
deleted, and the lists do not grow in queries with the rows."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse

from screening import admin as screening_admin
from screening.models import RiskFlag, RouteRecommendation, ScreeningResponse
from screening.services import risk_flag_resolve, screening_submit_many

pytestmark = pytest.mark.django_db

MODELS = ("screeningresponse", "routerecommendation", "riskflag")
SAFETY_YES = {"s1": 1, "s2": 0, "s3": 0, "s4": 0}
PHQ9 = {**{f"item{n}": 1 for n in range(1, 10)}, "item10": 1}


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


# 1. session with user  2. MFA check of the staff middleware  3. COUNT of the filtered rows
# 4. the page of rows with their people (list_select_related)  5. first and last date, and
# 6. the distinct days, for the date hierarchy; then per model: responses 7. the bands for
# the band filter (no full COUNT: show_full_result_count is off); recommendations and flags
# 7. the full COUNT for "x total"; and 8. the access-log rows of the clients listed.
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


# --- The "Resolve" action (issue 6) -----------------------------------------------------------

CHANGELIST = "admin:screening_riskflag_changelist"
NOTE = "Called them; safety plan in place."
RECORDED = "\n\n(Recorded in the admin by Pat Admin.)"


def resolve(admin_client, flags, **data):
    """The action as the list page posts it (index), or as its confirmation posts it (post)."""
    return admin_client.post(reverse(CHANGELIST), {
        "action": "resolve", "_selected_action": [str(flag.pk) for flag in flags], **data})


def page_messages(admin_client, response) -> list[str]:
    assert response.status_code == 302 and response["Location"] == reverse(CHANGELIST)
    return [str(m) for m in admin_client.get(response["Location"]).context["messages"]]


@pytest.fixture
def flags(client_user, stranger):
    submit(client_user)
    submit(stranger)
    return list(RiskFlag.objects.order_by("pk"))


def test_resolve_asks_for_a_note_on_a_confirmation_page(admin_client, flags,
                                                        django_assert_num_queries):
    # 1. session with user  2. MFA check  3. COUNT of the filtered and 4. of all flags (the
    # changelist is built before the action runs)  5. the selected flags with their clients
    # and profiles  6. the clinicians to choose from
    with django_assert_num_queries(6):
        response = resolve(admin_client, flags, index="0")
    assert response.status_code == 200
    assert response.templates[0].name == "admin/screening/riskflag/resolve_confirmation.html"
    body = response.content.decode()
    assert "Alex Morgan" in body and "Jordan Blake" in body
    assert '<textarea name="note"' in body and 'value="Resolve 2 flags"' in body
    for flag in flags:
        assert f'name="_selected_action" value="{flag.pk}"' in body
    assert "<script>" not in body and "style=" not in body  # strict CSP
    assert RiskFlag.objects.filter(status="open").count() == 2


def test_an_empty_note_is_an_error_next_to_the_field(admin_client, clinician, flags):
    for note in ("", "   \n "):
        response = resolve(admin_client, flags, post="yes", note=note, clinician=clinician.pk)
        assert response.status_code == 200
        body = response.content.decode()
        assert 'id="id_note_error"' in body and "This field is required." in body
        assert 'aria-describedby="id_note_helptext id_note_error"' in body
    assert RiskFlag.objects.filter(status="open").count() == 2
    assert all(flag.resolution_note == "" for flag in RiskFlag.objects.all())


def test_a_clinician_must_be_named(admin_client, flags, client_user, admin_user):
    """Only a clinician resolves (rule 1): no one chosen, or the admin themself, is an error
    next to the field and nothing changes."""
    for chosen in ("", admin_user.pk, client_user.pk):
        response = resolve(admin_client, flags, post="yes", note=NOTE, clinician=chosen)
        assert response.status_code == 200
        assert 'id="id_clinician_error"' in response.content.decode()
    assert RiskFlag.objects.filter(status="open").count() == 2


def test_the_clients_own_clinician_is_proposed(admin_client, clinician, flags):
    """Both flags here belong to clients of different clinicians: nothing is proposed; one
    flag alone proposes its client's clinician."""
    body = resolve(admin_client, flags, index="0").content.decode()
    assert f'<option value="{clinician.pk}" selected>' not in body
    body = resolve(admin_client, flags[:1], index="0").content.decode()
    assert f'<option value="{clinician.pk}" selected>' in body


def test_resolve_records_the_clinician_the_note_and_the_admin(admin_client, clinician, flags):
    response = resolve(admin_client, flags, post="yes", note=f"  {NOTE} ",
                       clinician=clinician.pk)
    assert sorted(page_messages(admin_client, response)) == [
        "Resolved the risk flag of Alex Morgan, as decided by Dana Reyes.",
        "Resolved the risk flag of Jordan Blake, as decided by Dana Reyes."]
    for flag in RiskFlag.objects.all():
        assert (flag.status, flag.resolution_note, flag.resolved_by) == (
            "resolved", NOTE + RECORDED, clinician)
        assert flag.resolved_at is not None
    assert LogEntry.objects.filter(object_id__in=[f.pk for f in flags]).count() == 2


def test_resolved_flags_are_skipped_with_a_message(admin_client, clinician, other_clinician,
                                                   flags):
    first, second = flags
    risk_flag_resolve(flag=first, note="Done by the clinician.", by=clinician)
    response = resolve(admin_client, flags, post="yes", note=NOTE, clinician=other_clinician.pk)
    messages = page_messages(admin_client, response)
    assert any("already resolved; skipped" in message for message in messages)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.resolved_by, first.resolution_note) == (clinician, "Done by the clinician.")
    assert (second.resolved_by, second.resolution_note) == (other_clinician, NOTE + RECORDED)


def test_a_refusal_by_the_service_is_shown_and_changes_nothing(admin_client, flags,
                                                               monkeypatch):
    def refuse(**kwargs):
        raise ValidationError("This flag was already resolved.")

    # Stands for any refusal: a clinician resolving the same flag a moment earlier, a rule.
    monkeypatch.setattr(screening_admin, "risk_flag_resolve", refuse)
    response = resolve(admin_client, flags[:1], post="yes", note=NOTE,
                       clinician=flags[0].client.client_profile.clinician_id)
    assert page_messages(admin_client, response) == [
        "Alex Morgan: This flag was already resolved."]
    assert RiskFlag.objects.filter(status="open").count() == 2


def test_the_confirmation_names_the_flags_it_will_skip(admin_client, clinician, flags):
    risk_flag_resolve(flag=flags[0], note="Done.", by=clinician)
    body = resolve(admin_client, flags, index="0").content.decode()
    assert "already resolved; it will be skipped" in body
    assert 'value="Resolve 1 flag"' in body


def test_selecting_only_resolved_flags_says_so(admin_client, clinician, flags):
    risk_flag_resolve(flag=flags[0], note="Done.", by=clinician)
    response = resolve(admin_client, flags[:1], index="0")
    assert page_messages(admin_client, response) == [
        "None of the selected risk flags is open; nothing was resolved."]


def test_clinicians_cannot_reach_the_action(client, clinician, flags):
    client.force_login(clinician)
    for data in ({"index": "0"}, {"post": "yes", "note": NOTE}):
        response = client.post(reverse(CHANGELIST), {
            "action": "resolve", "_selected_action": [str(flags[0].pk)], **data}, follow=True)
        assert response.status_code == 403
    assert RiskFlag.objects.filter(status="open").count() == 2
