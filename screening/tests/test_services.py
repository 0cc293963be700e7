"""Submitting answers: what is recorded, routed, flagged and sent, in one transaction."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from clients.models import ServiceLines
from notifications.models import Notification
from screening.models import RiskFlag, RouteRecommendation, ScreeningResponse
from screening.selectors import current_route, has_open_risk_flag, latest_responses
from screening.services import (
    risk_flag_resolve,
    route_override,
    screening_submit,
    screening_submit_many,
)
from screening.tests.conftest import answers, full_set

pytestmark = pytest.mark.django_db

SAFETY_COMBINATIONS = list(itertools.product((0, 1), repeat=4))


def test_submit_records_everything(client_user):
    response = screening_submit(client=client_user, instrument="phq9",
                                answers=answers("phq9", item1=3, item2=2, item9=0))
    response.refresh_from_db()
    assert (response.instrument, response.version) == ("phq9", 1)
    assert response.answers == answers("phq9", item1=3, item2=2)
    assert (response.total, response.band, response.flags) == (5, "mild", [])
    assert current_route(client_user) == "coaching"


@pytest.mark.parametrize("instrument, bad", [
    ("phq9", {"item1": 0}),
    ("gad7", answers("gad7") | {"item3": 9}),
    ("who5", answers("who5") | {"item6": 1}),
    ("beck", {"item1": 1}),
])
def test_invalid_answers_save_nothing(client_user, instrument, bad):
    with pytest.raises(ValidationError):
        screening_submit(client=client_user, instrument=instrument, answers=bad)
    assert not ScreeningResponse.objects.exists()
    assert not RouteRecommendation.objects.exists()
    assert current_route(client_user) is None


def test_one_invalid_instrument_in_a_set_saves_none(client_user):
    answer_sets = full_set()
    answer_sets["gad7"].pop("item7")
    with pytest.raises(ValidationError) as error:
        screening_submit_many(client=client_user, answers_by_instrument=answer_sets)
    assert "gad7.item7" in error.value.message_dict
    assert not ScreeningResponse.objects.exists()


def test_staff_do_not_take_the_screening(clinician):
    with pytest.raises(ValidationError):
        screening_submit(client=clinician, instrument="safety", answers=answers("safety"))


def test_full_set_makes_one_recommendation(client_user):
    responses = screening_submit_many(client=client_user,
                                      answers_by_instrument=full_set(self_assessment={"c1": 1}))
    assert len(responses) == 5
    assert RouteRecommendation.objects.count() == 1
    recommendation = RouteRecommendation.objects.get()
    assert recommendation.route == "coaching"
    assert recommendation.reasons == [{"code": "coaching_indicators", "items": ["c1"]}]
    assert set(recommendation.responses.values_list("instrument", flat=True)) == {
        "safety", "phq9", "gad7", "self_assessment"}  # WHO-5 is for review, not routing


@pytest.mark.parametrize("safety_values, item9",
                         list(itertools.product(SAFETY_COMBINATIONS, range(4))))
def test_every_safety_combination(make_client, clinician, safety_values, item9):
    client = make_client(clinician=clinician)
    safety = dict(zip(["s1", "s2", "s3", "s4"], safety_values, strict=True))
    screening_submit_many(client=client, answers_by_instrument=full_set(
        safety=safety, phq9={"item9": item9}))
    positive = any(safety_values) or item9 > 0
    assert current_route(client) == ("crisis" if positive else "coaching")
    assert has_open_risk_flag(client) is positive
    alerts = Notification.objects.filter(kind="risk_alert")
    assert RiskFlag.objects.filter(client=client).count() == (1 if positive else 0)
    # One alert per safety-positive response: the safety screen and PHQ-9 are two responses.
    expected = (1 if any(safety_values) else 0) + (1 if item9 else 0)
    assert alerts.count() == expected
    assert set(alerts.values_list("recipient", flat=True)) <= {clinician.pk}


def test_alert_goes_to_every_active_clinician_when_none_is_assigned(
        make_client, clinician, other_clinician, make_user):
    inactive = make_user(role="clinician", is_active=False)
    lone = make_client(clinician=None)
    screening_submit(client=lone, instrument="safety", answers=answers("safety", s2=1))
    recipients = set(Notification.objects.filter(kind="risk_alert")
                     .values_list("recipient", flat=True))
    assert recipients == {clinician.pk, other_clinician.pk}
    assert inactive.pk not in recipients


def test_alert_is_due_now_and_carries_no_clinical_content(client_user, clinician):
    before = timezone.now()
    screening_submit(client=client_user, instrument="safety", answers=answers("safety", s1=1))
    alert = Notification.objects.get(kind="risk_alert")
    assert before <= alert.due_at <= timezone.now()
    assert alert.recipient == clinician
    assert set(alert.context) == {"flag_id"}


def test_a_second_positive_keeps_one_open_flag_and_alerts_again(client_user):
    screening_submit(client=client_user, instrument="safety", answers=answers("safety", s1=1))
    screening_submit(client=client_user, instrument="safety", answers=answers("safety", s4=1))
    assert RiskFlag.objects.filter(client=client_user, status="open").count() == 1
    assert Notification.objects.filter(kind="risk_alert").count() == 2


def test_resolving_needs_a_clinician_and_a_note(client_user, clinician, admin_user):
    screening_submit(client=client_user, instrument="safety", answers=answers("safety", s1=1))
    flag = RiskFlag.objects.get()
    with pytest.raises(ValidationError):
        risk_flag_resolve(flag=flag, note="  ", by=clinician)
    with pytest.raises(ValidationError):
        risk_flag_resolve(flag=flag, note="Called.", by=admin_user)
    risk_flag_resolve(flag=flag, note="Called; safety plan in place.", by=clinician)
    assert not has_open_risk_flag(client_user)
    flag.refresh_from_db()
    assert (flag.status, flag.resolved_by, flag.resolution_note) == (
        "resolved", clinician, "Called; safety plan in place.")
    with pytest.raises(ValidationError):
        risk_flag_resolve(flag=flag, note="Again.", by=clinician)
    # The route stays crisis until the client screens again or the clinician overrides it.
    assert current_route(client_user) == "crisis"


def test_an_admin_records_a_clinicians_resolution(client_user, stranger, clinician,
                                                   other_clinician, admin_user):
    """Rule 1: a clinician decides; a practice admin may only type the decision in."""
    for person in (client_user, stranger):
        screening_submit(client=person, instrument="safety", answers=answers("safety", s1=1))
    flag, other = RiskFlag.objects.filter(client=client_user).get(), stranger.risk_flags.get()
    with pytest.raises(ValidationError, match="practice admin"):
        risk_flag_resolve(flag=flag, note="Called.", by=clinician, recorded_by=other_clinician)
    assert has_open_risk_flag(client_user)
    risk_flag_resolve(flag=flag, note="Called.", by=clinician, recorded_by=admin_user)
    flag.refresh_from_db()
    assert (flag.status, flag.resolved_by) == ("resolved", clinician)
    assert flag.resolution_note == "Called.\n\n(Recorded in the admin by Pat Admin.)"
    # A clinician recording their own decision is just resolving it.
    risk_flag_resolve(flag=other, note="Seen.", by=other_clinician, recorded_by=other_clinician)
    other.refresh_from_db()
    assert other.resolution_note == "Seen."


def test_override_is_kept_beside_the_computed_route(client_user, clinician):
    screening_submit_many(client=client_user,
                          answers_by_instrument=full_set(self_assessment={"t1": 1, "t2": 1,
                                                                          "t3": 1}))
    recommendation = RouteRecommendation.objects.get()
    with pytest.raises(ValidationError):
        route_override(recommendation=recommendation, route="coaching", note="", by=clinician)
    with pytest.raises(ValidationError):
        route_override(recommendation=recommendation, route="astrology", note="x", by=clinician)
    route_override(recommendation=recommendation, route="integrated",
                   note="Wants coaching alongside.", by=clinician)
    assert current_route(client_user) == "integrated"
    recommendation.refresh_from_db()
    assert recommendation.route == "therapy"  # the computed one is kept

    # A retake that computes the same route keeps the override ...
    screening_submit(client=client_user, instrument="gad7", answers=answers("gad7"))
    assert current_route(client_user) == "integrated"
    assert RouteRecommendation.objects.count() == 1
    # ... new evidence that changes the route does not.
    screening_submit(client=client_user, instrument="safety", answers=answers("safety", s3=1))
    assert current_route(client_user) == "crisis"
    assert RouteRecommendation.objects.count() == 2


def test_who5_retake_does_not_recompute_the_route(client_user):
    screening_submit_many(client=client_user, answers_by_instrument=full_set())
    screening_submit(client=client_user, instrument="who5", answers=answers("who5"))
    assert RouteRecommendation.objects.count() == 1


def test_latest_responses_takes_the_newest_of_each(client_user):
    with time_machine.travel(timezone.now() - timedelta(days=30)):
        screening_submit(client=client_user, instrument="gad7",
                         answers=answers("gad7", item1=3))
    newest = screening_submit(client=client_user, instrument="gad7", answers=answers("gad7"))
    assert latest_responses(client=client_user, instruments=["gad7", "phq9"]) == {
        "gad7": newest}


@pytest.mark.parametrize("lines, expected", [
    (ServiceLines.THERAPY, {"therapy"}),
    (ServiceLines.COACHING, {"coaching"}),
    (ServiceLines.BOTH, {"therapy", "coaching"}),
    ("", set()),
])
def test_invitations_every_four_weeks_by_service_line(make_client, clinician, lines, expected):
    client = make_client(clinician=clinician, service_lines=lines)
    responses = screening_submit_many(client=client, answers_by_instrument=full_set())
    invitations = Notification.objects.filter(kind="measures_invitation", status="pending")
    assert {key.split(":")[2] for key in invitations.values_list("dedupe_key", flat=True)} \
        == expected
    for invitation in invitations:
        assert invitation.due_at == responses[0].submitted_at + timedelta(weeks=4)


def test_a_retake_replaces_the_pending_invitation(make_client, clinician):
    client = make_client(clinician=clinician, service_lines=ServiceLines.THERAPY)
    screening_submit(client=client, instrument="phq9", answers=answers("phq9"))
    screening_submit(client=client, instrument="gad7", answers=answers("gad7"))
    invitations = Notification.objects.filter(kind="measures_invitation")
    assert invitations.filter(status="pending").count() == 1
    assert invitations.filter(status="cancelled").count() == 1


@pytest.mark.parametrize("first, second, dropped", [(20, 17, True), (20, 18, False),
                                                   (10, 25, False)])
def test_who5_drop_of_ten_points_is_flagged(client_user, first, second, dropped):
    def raw(total):
        values = [5] * (total // 5) + [total % 5]
        values += [0] * (5 - len(values))
        return {f"item{n}": v for n, v in enumerate(values[:5], start=1)}

    first_response = screening_submit(client=client_user, instrument="who5", answers=raw(first))
    assert "who5_drop" not in first_response.flags
    second_response = screening_submit(client=client_user, instrument="who5",
                                       answers=raw(second))
    # 4 points a raw step: 20 -> 17 is 80% -> 68% (12 points); 20 -> 18 is 8 points.
    assert ("who5_drop" in second_response.flags) is dropped


@pytest.mark.parametrize("note", ["x" * 4001, "Called\x00them"])
def test_a_resolution_note_too_long_or_with_nul_is_refused(client_user, clinician, note):
    screening_submit(client=client_user, instrument="safety", answers=answers("safety", s1=1))
    flag = RiskFlag.objects.get()
    with pytest.raises(ValidationError) as error:
        risk_flag_resolve(flag=flag, note=note, by=clinician)
    assert "note" in error.value.message_dict
    flag.refresh_from_db()
    assert flag.status == "open"


def test_a_route_override_note_too_long_is_refused(client_user, clinician):
    screening_submit_many(client=client_user, answers_by_instrument=full_set())
    recommendation = client_user.route_recommendations.first()
    with pytest.raises(ValidationError):
        route_override(recommendation=recommendation, route="therapy", note="x" * 2001,
                       by=clinician)
    recommendation.refresh_from_db()
    assert recommendation.override_route == ""
