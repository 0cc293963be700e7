"""The needs-attention items of issue 17: reliable deterioration since baseline and "not on
track" (at caseness eight weeks after baseline without a reliable improvement), behind the
firewall, acknowledgeable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from clients.models import ClinicianProfile, User
from screening.services import screening_submit_many
from screening.tests.test_outcomes_pages import phq9, who5
from workspace.attention import Rule, needs_attention_for_clinician
from workspace.services import attention_acknowledge

pytestmark = pytest.mark.django_db
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def answered(person, weeks_ago: float, **by_code) -> None:
    screening_submit_many(client=person, answers_by_instrument=by_code,
                          submitted_at=NOW - timedelta(weeks=weeks_ago))


def items(clinician, rule=None):
    with time_machine.travel(NOW, tick=False):
        return [i for i in needs_attention_for_clinician(clinician=clinician)
                if rule is None or i.rule == rule]


def test_reliable_deterioration_since_baseline(clinician, client_user):
    # 4 → 8 → 10: never five points since the answer before, but 6 since baseline.
    answered(client_user, 6, phq9=phq9(4))
    answered(client_user, 4, phq9=phq9(8))
    answered(client_user, 1, phq9=phq9(10))
    [item] = items(clinician, Rule.DETERIORATION)
    assert item.client == client_user and item.can_acknowledge
    assert "PHQ-9 10, a reliable change for the worse from 4" in item.reason
    assert item.url.endswith(f"/clinician/clients/{client_user.public_id}/outcomes/")
    assert not items(clinician, Rule.SCORE_WORSENED)


def test_not_on_track_after_eight_weeks_at_caseness(clinician, client_user, make_client):
    answered(client_user, 9, phq9=phq9(16))
    answered(client_user, 1, phq9=phq9(13))  # 3 better: not reliable, still at caseness
    improving = make_client(clinician=clinician)
    answered(improving, 9, phq9=phq9(16))
    answered(improving, 1, phq9=phq9(10))  # 6 better: reliable
    recent = make_client(clinician=clinician)
    answered(recent, 7, phq9=phq9(16))  # seven weeks: too soon to say
    answered(recent, 1, phq9=phq9(15))
    [item] = items(clinician, Rule.NOT_ON_TRACK)
    assert item.client == client_user
    assert "still at caseness with no reliable improvement since 16" in item.reason


def test_wellbeing_counts_for_the_coach_and_the_therapy_measures_do_not(clinician,
                                                                        client_user):
    answered(client_user, 10, phq9=phq9(4), who5=who5(12))  # 48 %
    answered(client_user, 1, phq9=phq9(14), who5=who5(8))  # 32 %: down 16 points
    # Both changes are the "worsened" and well-being rules' items already (the previous answer
    # is the baseline): one answer, one item.
    assert items(clinician, Rule.DETERIORATION) == []
    assert {Rule.SCORE_WORSENED, Rule.WELLBEING} <= {i.rule for i in items(clinician)}
    ClinicianProfile.objects.filter(user=clinician).update(service_lines="coaching")
    coach = User.objects.get(pk=clinician.pk)
    assert items(coach, Rule.DETERIORATION) == []  # PHQ-9's is behind the firewall
    assert Rule.WELLBEING in {i.rule for i in items(coach)}
    assert Rule.SCORE_WORSENED not in {i.rule for i in items(coach)}


def test_wellbeing_drifting_down_from_baseline_is_a_deterioration(clinician, client_user):
    answered(client_user, 10, who5=who5(20))  # 80 %
    answered(client_user, 5, who5=who5(18))  # 72 %
    answered(client_user, 1, who5=who5(17))  # 68 %: 4 below the last, 12 below baseline
    ClinicianProfile.objects.filter(user=clinician).update(service_lines="coaching")
    [item] = items(User.objects.get(pk=clinician.pk), Rule.DETERIORATION)
    assert "WHO-5 68%" in item.reason and "from 80%" in item.reason


def test_acknowledged_it_stays_away_until_a_new_answer(clinician, client_user):
    answered(client_user, 9, phq9=phq9(16))
    answered(client_user, 2, phq9=phq9(15))
    [item] = items(clinician, Rule.NOT_ON_TRACK)
    with time_machine.travel(NOW, tick=False):
        attention_acknowledge(clinician=clinician, client=client_user, rule=item.rule,
                              fingerprint=item.fingerprint, note="Reviewing the plan.")
    assert not items(clinician, Rule.NOT_ON_TRACK)
    answered(client_user, 1, phq9=phq9(15))
    assert len(items(clinician, Rule.NOT_ON_TRACK)) == 1
