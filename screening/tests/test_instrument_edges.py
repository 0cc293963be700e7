"""Edges of the instruments' one validation and the safety predicate that mutation testing
found unguarded: which message a left-empty or invalid answer gets, the safety rule on an empty
list, on text that is no number and on a long one; and routing and its reasons at their
edges."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from notifications import keys
from screening.instruments import PHQ9, SAFETY
from screening.routing import reason_for_client, reason_for_clinician, route_compute
from screening.tests.conftest import answers


def errors_of(instrument, given) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        instrument.clean(given)
    return caught.value.message_dict


@pytest.mark.parametrize("empty", ["", None])
def test_an_empty_answer_is_a_question_to_answer_not_a_wrong_choice(empty):
    assert errors_of(SAFETY, answers("safety") | {"s2": empty}) == {
        "s2": ["Please answer this question."]}


def test_an_invalid_answer_keeps_its_own_message():
    assert errors_of(SAFETY, answers("safety") | {"s2": "7"}) == {
        "s2": ["Choose one of the answers."]}


def test_the_safety_rule_on_an_empty_list_text_and_long_numbers():
    assert SAFETY.safety_positive({"s1": []}) == {}  # nothing submitted
    assert SAFETY.safety_positive({"s1": "yes please"}) == {}  # no number at all
    assert SAFETY.safety_positive({"s1": ["0", "1"]}) == {"s1": 1}  # the highest counts
    # A value is read from its first eight digits (a huge number never reaches int()), after
    # any leading zeros: a padded one is still a yes.
    assert SAFETY.safety_positive({"s1": "123456789"}) == {"s1": 12345678}
    assert SAFETY.safety_positive({"s1": "000000001"}) == {"s1": 1}
    assert SAFETY.safety_positive({"s1": "+1"}) == {"s1": 1}
    assert SAFETY.safety_positive({"s1": "0000"}) == {}
    assert SAFETY.safety_positive({"s1": "-1"}) == {}


def test_a_measure_without_a_total_does_not_route_to_therapy():
    untotalled = SimpleNamespace(answers=answers("phq9"), total=None, band="", flags=[])
    assert route_compute({"phq9": untotalled}) == ("coaching", route_compute({})[1])


def test_nothing_positive_reads_for_each_reader():
    reason = {"code": "nothing_positive"}
    assert reason_for_client(reason) == (
        "Nothing you told us points to one path yet. A free consultation is a good place to "
        "talk it through.")
    assert reason_for_clinician(reason) == (
        "No indicators; PHQ-9 and GAD-7 below 10 (or not taken); consultation offered")
    with pytest.raises(ValueError, match="unknown reason"):
        reason_for_client({"code": "made_up"})
    with pytest.raises(ValueError, match="unknown reason"):
        reason_for_clinician({"code": "made_up"})
    assert PHQ9.code == "phq9"


def test_a_scope_needs_a_known_kind_and_an_id():
    assert keys.Scope.parse("goal:abc") == keys.Scope("goal", "abc")
    assert keys.Scope.parse("goal:") is None
    assert keys.Scope.parse("bogus:abc") is None
    assert keys.Scope.parse("bogus:") is None
