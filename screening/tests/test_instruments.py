"""Scoring is pure and exact: every possible total against the published bands."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import ValidationError

from screening.instruments import (
    GAD7,
    INSTRUMENTS,
    PHQ9,
    SAFETY,
    SAFETY_RISK,
    SELF_ASSESSMENT,
    WHO5,
    WIZARD_ORDER,
    instrument_get,
)
from screening.instruments.who5 import LOW_ITEM, LOW_WELLBEING

# The published bands, written out independently of the instrument modules.
PHQ9_BANDS = {**{t: "minimal" for t in range(0, 5)}, **{t: "mild" for t in range(5, 10)},
              **{t: "moderate" for t in range(10, 15)},
              **{t: "moderately severe" for t in range(15, 20)},
              **{t: "severe" for t in range(20, 28)}}
GAD7_BANDS = {**{t: "minimal" for t in range(0, 5)}, **{t: "mild" for t in range(5, 10)},
              **{t: "moderate" for t in range(10, 15)}, **{t: "severe" for t in range(15, 22)}}


def answers_with_total(instrument, total: int, *, maximum: int, avoid: str = "") -> dict:
    """Answers to the scored items that add up to ``total`` (filled from the first item, or
    keeping ``avoid`` at zero while possible)."""
    codes = [item.code for item in instrument.items if item.scored]
    codes.sort(key=lambda code: code == avoid)  # the avoided item is filled last
    answers, left = {}, total
    for code in codes:
        answers[code] = min(maximum, left)
        left -= answers[code]
    assert left == 0
    return answers


def test_registry_and_wizard_order():
    assert WIZARD_ORDER[0] == "safety"  # safety first (rule 1)
    # The C-SSRS screener is asked after a safety answer and PCL-5 when a therapist assigns it
    # (issue 17), never in the wizard.
    assert set(WIZARD_ORDER) == set(INSTRUMENTS) - {"cssrs", "pcl5"} == {
        "phq9", "gad7", "who5", "self_assessment", "safety"}
    assert [i.code for i in PHQ9.items] == [f"item{n}" for n in range(1, 11)]
    assert [i.code for i in GAD7.items] == [f"item{n}" for n in range(1, 8)]
    assert [i.code for i in WHO5.items] == [f"item{n}" for n in range(1, 6)]
    assert [i.code for i in SELF_ASSESSMENT.items] == (
        [f"t{n}" for n in range(1, 9)] + [f"c{n}" for n in range(1, 9)])
    assert [i.code for i in SAFETY.items] == ["s1", "s2", "s3", "s4"]
    with pytest.raises(ValidationError):
        instrument_get("beck")


@pytest.mark.parametrize("total", range(0, 28))
def test_phq9_every_total_has_its_published_band(total):
    answers = answers_with_total(PHQ9, total, maximum=3, avoid="item9")
    if total:
        answers["item10"] = 1
    score = PHQ9.score(answers)
    assert score.total == total
    assert score.band == PHQ9_BANDS[total]


@pytest.mark.parametrize("total", range(0, 22))
def test_gad7_every_total_has_its_published_band(total):
    score = GAD7.score(answers_with_total(GAD7, total, maximum=3))
    assert (score.total, score.band) == (total, GAD7_BANDS[total])
    assert score.flags == ()


def test_gad7_and_who5_exhaustively_sum_their_items():
    for values in itertools.product(range(4), repeat=7):
        answers = {f"item{n}": v for n, v in enumerate(values, start=1)}
        assert GAD7.score(answers).total == sum(values)
    for values in itertools.product(range(6), repeat=5):
        answers = {f"item{n}": v for n, v in enumerate(values, start=1)}
        score = WHO5.score(answers)
        assert score.total == sum(values)
        assert score.subscores["percent"] == 4 * sum(values)
        assert (LOW_WELLBEING in score.flags) == (4 * sum(values) <= 50)
        assert (LOW_ITEM in score.flags) == (min(values) <= 1)
        assert score.band == ""


@pytest.mark.parametrize("total", range(0, 26))
def test_who5_every_total_as_percentage(total):
    answers = answers_with_total(WHO5, total, maximum=5)
    score = WHO5.score(answers)
    assert score.total == total
    assert score.subscores["percent"] == total * 4
    assert (LOW_WELLBEING in score.flags) == (total <= 12)  # 48% flags, 52% does not


def test_phq9_item10_is_asked_only_above_zero_and_never_scored():
    zero = {f"item{n}": 0 for n in range(1, 10)}
    assert PHQ9.score(zero).total == 0
    assert "item10" not in PHQ9.clean({**zero, "item10": 2})  # not asked: dropped
    some = {**zero, "item1": 1}
    with pytest.raises(ValidationError) as error:
        PHQ9.score(some)
    assert "item10" in error.value.message_dict
    assert PHQ9.score({**some, "item10": 3}).total == 1


@pytest.mark.parametrize("item9", [0, 1, 2, 3])
def test_phq9_item9_above_zero_is_a_safety_risk(item9):
    answers = {f"item{n}": 0 for n in range(1, 10)} | {"item9": item9}
    if item9:
        answers["item10"] = 0
    assert (SAFETY_RISK in PHQ9.score(answers).flags) == (item9 > 0)


def test_safety_every_combination():
    for values in itertools.product((0, 1), repeat=4):
        answers = dict(zip(["s1", "s2", "s3", "s4"], values, strict=True))
        score = SAFETY.score(answers)
        assert score.total == sum(values)
        assert (SAFETY_RISK in score.flags) == any(values)


def test_self_assessment_counts_each_list():
    answers = {f"t{n}": int(n <= 3) for n in range(1, 9)} | {
        f"c{n}": int(n == 8) for n in range(1, 9)}
    score = SELF_ASSESSMENT.score(answers)
    assert score.total == 4
    assert score.subscores == {"therapy": 3, "coaching": 1}
    assert score.flags == ("therapy_indicators", "coaching_indicators")


@pytest.mark.parametrize("answers, field", [
    ({f"item{n}": 0 for n in range(1, 8)} | {"item8": 0}, "item8"),  # unknown item
    ({f"item{n}": 0 for n in range(1, 7)}, "item7"),  # missing
    ({f"item{n}": 0 for n in range(1, 7)} | {"item7": 4}, "item7"),  # out of range
    ({f"item{n}": 0 for n in range(1, 7)} | {"item7": -1}, "item7"),
    ({f"item{n}": 0 for n in range(1, 7)} | {"item7": "two"}, "item7"),
    ({f"item{n}": 0 for n in range(1, 7)} | {"item7": True}, "item7"),
    ({f"item{n}": 0 for n in range(1, 7)} | {"item7": 1.5}, "item7"),
])
def test_invalid_answers_name_the_item(answers, field):
    with pytest.raises(ValidationError) as error:
        GAD7.score(answers)
    assert field in error.value.message_dict


def test_form_strings_are_accepted():
    answers = {f"item{n}": "1" for n in range(1, 8)}
    assert GAD7.score(answers).total == 7
