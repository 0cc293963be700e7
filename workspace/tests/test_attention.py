"""The needs-attention rules, one by one (positive and negative), their order and the
acknowledgements that hide an item until something new happens."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from clients.selectors import consent_documents_current
from clients.services import consent_document_new_draft, consent_document_publish, consent_sign
from goals.services import check_in_record, goal_create
from screening.services import screening_submit, screening_submit_many
from screening.tests.conftest import answers, full_set
from sessions.models import ServiceType
from sessions.services import appointment_book
from workspace.attention import Rule, needs_attention_for_clinician
from workspace.models import AttentionAcknowledgement
from workspace.services import attention_acknowledge

pytestmark = pytest.mark.django_db

MONDAY = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _monday():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def rules_for(clinician, client=None) -> list[str]:
    items = needs_attention_for_clinician(clinician=clinician)
    return [i.rule for i in items if client is None or i.client == client]


def item_for(clinician, client, rule):
    return next(i for i in needs_attention_for_clinician(clinician=clinician)
                if i.client == client and i.rule == rule)


def phq9(total: int) -> dict[str, int]:
    values = {f"item{n}": min(3, max(0, total - 3 * (n - 1))) for n in range(1, 9)}
    return answers("phq9", **values)


def who5(total: int) -> dict[str, int]:
    values = [min(5, max(0, total - 5 * n)) for n in range(5)]
    return {f"item{n}": v for n, v in enumerate(values, start=1)}


def coaching_goal(client, **fields):
    defaults = {"title": "Run a 10k", "why": "Energy", "metric": "distance", "unit": "km",
                "baseline": Decimal("2"), "target": Decimal("10"), "direction": "up",
                "cadence": "daily", "check_in_time": time(9, 0)}
    return goal_create(client=client, service_line="coaching", created_by=client,
                       **(defaults | fields))


def sign(person, kind="therapy"):
    return consent_sign(client=person, document=consent_documents_current()[kind],
                        typed_name=person.full_name, understood=True, ip_address="192.0.2.1",
                        user_agent="test")


def publish_new_version(kind="therapy"):
    return consent_document_publish(
        document=consent_document_new_draft(document=consent_documents_current()[kind]))


# --- risk flags ---------------------------------------------------------------------------

def test_open_risk_flag_is_listed_and_first(clinician, client_user, make_client):
    other = make_client(clinician=clinician)
    screening_submit(client=other, instrument="phq9", answers=phq9(3))
    screening_submit(client=other, instrument="phq9", answers=phq9(12))
    assert rules_for(clinician) == [Rule.SCORE_WORSENED]
    screening_submit(client=client_user, instrument="safety", answers=answers("safety", s1=1))
    items = needs_attention_for_clinician(clinician=clinician)
    assert [i.rule for i in items] == [Rule.RISK_FLAG, Rule.SCORE_WORSENED]
    assert items[0].client == client_user and not items[0].can_acknowledge


def test_resolved_risk_flag_is_not_listed(clinician, client_user):
    from screening.services import risk_flag_resolve

    screening_submit(client=client_user, instrument="safety", answers=answers("safety", s1=1))
    risk_flag_resolve(flag=client_user.risk_flags.get(), by=clinician, note="Called; safe.")
    assert rules_for(clinician) == []


def test_risk_flag_cannot_be_acknowledged(clinician, client_user):
    screening_submit(client=client_user, instrument="safety", answers=answers("safety", s1=1))
    item = item_for(clinician, client_user, Rule.RISK_FLAG)
    with pytest.raises(ValidationError, match="until you resolve it"):
        attention_acknowledge(clinician=clinician, client=client_user, rule=item.rule,
                              fingerprint=item.fingerprint, note="Seen")
    assert rules_for(clinician) == [Rule.RISK_FLAG]


# --- PHQ-9 / GAD-7 worsened -----------------------------------------------------------------

def test_phq9_worsened_by_five_is_listed(clinician, client_user):
    screening_submit(client=client_user, instrument="phq9", answers=phq9(4))
    screening_submit(client=client_user, instrument="phq9", answers=phq9(9))
    item = item_for(clinician, client_user, Rule.SCORE_WORSENED)
    assert "PHQ-9 9" in item.reason and "up 5 from 4" in item.reason


def test_gad7_worsened_by_five_is_listed(clinician, client_user):
    screening_submit(client=client_user, instrument="gad7", answers=answers("gad7", item1=1))
    screening_submit(client=client_user, instrument="gad7",
                     answers=answers("gad7", item1=3, item2=3))
    assert "GAD-7 6" in item_for(clinician, client_user, Rule.SCORE_WORSENED).reason


def test_score_worsened_by_four_or_improved_is_not_listed(clinician, client_user):
    screening_submit(client=client_user, instrument="phq9", answers=phq9(4))
    screening_submit(client=client_user, instrument="phq9", answers=phq9(8))  # +4
    screening_submit(client=client_user, instrument="gad7",
                     answers=answers("gad7", item1=3, item2=3))
    screening_submit(client=client_user, instrument="gad7", answers=answers("gad7"))  # better
    screening_submit(client=client_user, instrument="phq9", answers=phq9(0))
    assert Rule.SCORE_WORSENED not in rules_for(clinician)


def test_worsened_scores_are_behind_the_firewall(clinician, client_user):
    """A clinician who provides coaching only does not see PHQ-9 or GAD-7, nor items made of
    them; an open risk flag still comes first for them (safety first)."""
    from clients.models import ClinicianProfile

    screening_submit(client=client_user, instrument="phq9", answers=phq9(4))
    screening_submit(client=client_user, instrument="phq9", answers=phq9(12))
    assert rules_for(clinician) == [Rule.SCORE_WORSENED]
    ClinicianProfile.objects.filter(user=clinician).update(service_lines="coaching")
    assert rules_for(clinician) == []
    screening_submit(client=client_user, instrument="safety", answers=answers("safety", s1=1))
    assert rules_for(clinician) == [Rule.RISK_FLAG]


# --- WHO-5 ------------------------------------------------------------------------------------

def test_who5_flag_is_listed(clinician, client_user):
    screening_submit(client=client_user, instrument="who5", answers=who5(20))
    screening_submit(client=client_user, instrument="who5", answers=who5(17))
    assert "WHO-5 68%" in item_for(clinician, client_user, Rule.WELLBEING).reason


def test_who5_without_flag_is_not_listed(clinician, client_user):
    screening_submit(client=client_user, instrument="who5", answers=who5(20))
    assert Rule.WELLBEING not in rules_for(clinician)


# --- missed check-ins -----------------------------------------------------------------------

def test_two_missed_check_ins_in_a_row_are_listed(clinician, client_user, _monday):
    coaching_goal(client_user)  # daily at 09:00 New York, from Monday 1 March
    _monday.move_to(datetime(2027, 3, 2, 15, 0, tzinfo=UTC))  # Tuesday 10:00 New York
    item = item_for(clinician, client_user, Rule.MISSED_CHECK_INS)
    assert "2 check-ins in a row missed" in item.reason and "Run a 10k" in item.reason


def test_one_missed_check_in_is_not_listed(clinician, client_user, _monday):
    goal = coaching_goal(client_user)
    _monday.move_to(datetime(2027, 3, 2, 13, 0, tzinfo=UTC))  # before Tuesday's 09:00
    assert Rule.MISSED_CHECK_INS not in rules_for(clinician)
    check_in_record(goal=goal, by=client_user, value=Decimal("3"))
    _monday.move_to(datetime(2027, 3, 3, 15, 0, tzinfo=UTC))  # Tuesday checked, Wednesday not
    assert Rule.MISSED_CHECK_INS not in rules_for(clinician)


def test_acknowledged_misses_come_back_after_a_check_in_and_new_misses(clinician, client_user,
                                                                       _monday):
    goal = coaching_goal(client_user)  # daily at 09:00 New York, from Monday 1 March
    _monday.move_to(datetime(2027, 3, 2, 15, 0, tzinfo=UTC))  # Tuesday 10:00 New York
    item = item_for(clinician, client_user, Rule.MISSED_CHECK_INS)
    assert item.reason.endswith("and none yet.")
    attention_acknowledge(clinician=clinician, client=client_user, rule=item.rule,
                          fingerprint=item.fingerprint, note="Left a message.")
    _monday.move_to(datetime(2027, 3, 3, 15, 0, tzinfo=UTC))  # a third miss: nothing new
    assert Rule.MISSED_CHECK_INS not in rules_for(clinician)
    check_in_record(goal=goal, by=client_user, value=Decimal("3"))  # Wednesday's
    _monday.move_to(datetime(2027, 3, 5, 15, 0, tzinfo=UTC))  # Thursday and Friday missed
    again = item_for(clinician, client_user, Rule.MISSED_CHECK_INS)
    assert again.fingerprint != item.fingerprint
    assert "2 check-ins in a row missed" in again.reason
    assert again.reason.endswith("since the one for 3 Mar.")


# --- goal past due ----------------------------------------------------------------------------

def test_goal_past_due_is_listed(clinician, client_user, _monday):
    coaching_goal(client_user, due_date=date(2027, 3, 5), cadence="monthly")
    assert Rule.GOAL_OVERDUE not in rules_for(clinician)  # due on Friday
    _monday.move_to(datetime(2027, 3, 6, 15, 0, tzinfo=UTC))
    item = item_for(clinician, client_user, Rule.GOAL_OVERDUE)
    assert "was due on 5 Mar" in item.reason


def test_achieved_goal_past_due_is_not_listed(clinician, client_user, _monday):
    from goals.services import goal_set_status

    goal = coaching_goal(client_user, due_date=date(2027, 3, 5), cadence="monthly")
    goal_set_status(goal=goal, status="achieved", by=client_user)
    _monday.move_to(datetime(2027, 3, 6, 15, 0, tzinfo=UTC))
    assert Rule.GOAL_OVERDUE not in rules_for(clinician)


# --- recommended path, nothing booked ---------------------------------------------------------

def test_recommendation_without_booking_after_seven_days_is_listed(clinician, client_user,
                                                                   _monday):
    screening_submit_many(client=client_user, answers_by_instrument=full_set(
        self_assessment={"c1": 1}))
    _monday.move_to(MONDAY + timedelta(days=6))
    assert Rule.NO_BOOKING not in rules_for(clinician)
    _monday.move_to(MONDAY + timedelta(days=8))
    item = item_for(clinician, client_user, Rule.NO_BOOKING)
    assert "Recommended coaching 8 days ago" in item.reason


def test_recommendation_followed_by_a_booking_is_not_listed(clinician, client_user, _monday):
    screening_submit_many(client=client_user, answers_by_instrument=full_set(
        self_assessment={"c1": 1}))
    appointment_book(client=client_user, clinician=clinician, by=clinician,
                     service_type=ServiceType.objects.get(code="therapy-consultation"),
                     start=MONDAY + timedelta(days=2, hours=4))
    _monday.move_to(MONDAY + timedelta(days=10))
    assert Rule.NO_BOOKING not in rules_for(clinician)


# --- new consent version unsigned -------------------------------------------------------------

def test_unsigned_new_consent_version_is_listed(clinician, client_user):
    sign(client_user)
    assert Rule.CONSENT not in rules_for(clinician)
    document = publish_new_version()
    item = item_for(clinician, client_user, Rule.CONSENT)
    assert f"version {document.version}" in item.reason
    sign(client_user)
    assert Rule.CONSENT not in rules_for(clinician)


def test_never_signed_is_not_a_new_version(clinician, client_user):
    publish_new_version()
    assert Rule.CONSENT not in rules_for(clinician)


# --- order, acknowledgements, other clinicians --------------------------------------------------

def test_order_by_urgency(clinician, client_user, make_client, _monday):
    second = make_client(clinician=clinician)
    sign(second)
    publish_new_version()
    screening_submit(client=second, instrument="who5", answers=who5(5))
    screening_submit(client=client_user, instrument="phq9", answers=phq9(1))
    screening_submit(client=client_user, instrument="phq9", answers=phq9(7))
    screening_submit(client=second, instrument="safety", answers=answers("safety", s1=1))
    assert rules_for(clinician) == [Rule.RISK_FLAG, Rule.SCORE_WORSENED, Rule.WELLBEING,
                                    Rule.CONSENT]


def test_acknowledgement_hides_until_something_new(clinician, client_user):
    screening_submit(client=client_user, instrument="phq9", answers=phq9(1))
    screening_submit(client=client_user, instrument="phq9", answers=phq9(7))
    item = item_for(clinician, client_user, Rule.SCORE_WORSENED)
    attention_acknowledge(clinician=clinician, client=client_user, rule=item.rule,
                          fingerprint=item.fingerprint, note="Discussed in session.")
    assert Rule.SCORE_WORSENED not in rules_for(clinician)
    screening_submit(client=client_user, instrument="phq9", answers=phq9(13))  # new, worse
    again = item_for(clinician, client_user, Rule.SCORE_WORSENED)
    assert again.fingerprint != item.fingerprint


def test_acknowledgement_needs_a_note(clinician, client_user):
    with pytest.raises(ValidationError) as error:
        attention_acknowledge(clinician=clinician, client=client_user, rule=Rule.CONSENT,
                              fingerprint="document:1", note="   ")
    assert "note" in error.value.message_dict
    assert not AttentionAcknowledgement.objects.exists()


def test_other_clinicians_client_never_appears_nor_acknowledged(clinician, stranger,
                                                                other_clinician):
    screening_submit(client=stranger, instrument="phq9", answers=phq9(1))
    screening_submit(client=stranger, instrument="phq9", answers=phq9(9))
    screening_submit(client=stranger, instrument="who5", answers=who5(3))
    assert rules_for(clinician) == []
    assert set(rules_for(other_clinician)) == {Rule.SCORE_WORSENED, Rule.WELLBEING}
    with pytest.raises(ValidationError, match="not in your caseload"):
        attention_acknowledge(clinician=clinician, client=stranger, rule=Rule.WELLBEING,
                              fingerprint="response:1", note="Not mine")
