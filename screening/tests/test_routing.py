"""Routing (rule 3): safety first, then the therapy threshold, then coaching."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from screening.instruments import INSTRUMENTS
from screening.routing import reason_for_client, reason_for_clinician, route_compute
from screening.tests.conftest import answers, full_set

SEVERITY_WORDS = ("minimal", "mild", "moderate", "severe")


def scored(answer_sets: dict) -> dict:
    out = {}
    for code, values in answer_sets.items():
        score = INSTRUMENTS[code].score(values)
        out[code] = SimpleNamespace(answers=INSTRUMENTS[code].clean(values), total=score.total,
                                    band=score.band, flags=list(score.flags))
    return out


def t(n: int) -> dict:
    return {f"t{i}": 1 for i in range(1, n + 1)}


def c(n: int) -> dict:
    return {f"c{i}": 1 for i in range(1, n + 1)}


@pytest.mark.parametrize("kwargs, route, codes", [
    ({}, "coaching", ["nothing_positive"]),
    ({"self_assessment": c(2)}, "coaching", ["coaching_indicators"]),
    ({"self_assessment": t(2)}, "coaching", ["some_therapy_indicators", "nothing_positive"]),
    ({"self_assessment": t(2) | c(1)}, "coaching",
     ["coaching_indicators", "some_therapy_indicators"]),
    ({"self_assessment": t(3)}, "therapy", ["therapy_indicators"]),
    ({"self_assessment": t(3) | c(1)}, "integrated",
     ["therapy_indicators", "coaching_indicators"]),
    ({"phq9": {"item1": 3, "item2": 3, "item3": 3, "item4": 1}}, "therapy", ["phq9_high"]),
    ({"phq9": {"item1": 3, "item2": 3, "item3": 3}}, "coaching", ["nothing_positive"]),  # 9
    ({"gad7": {"item1": 3, "item2": 3, "item3": 3, "item4": 1}}, "therapy", ["gad7_high"]),
    ({"gad7": {"item1": 3, "item2": 3, "item3": 3}, "self_assessment": c(1)}, "coaching",
     ["coaching_indicators"]),
    ({"gad7": {"item1": 3, "item2": 3, "item3": 3, "item4": 1}, "self_assessment": c(1)},
     "integrated", ["gad7_high", "coaching_indicators"]),
    ({"phq9": {"item9": 1}}, "crisis", ["phq9_item9"]),
    ({"safety": {"s4": 1}, "self_assessment": c(8)}, "crisis", ["safety_positive"]),
    ({"safety": {"s1": 1}, "phq9": {"item9": 3}}, "crisis", ["safety_positive", "phq9_item9"]),
])
def test_route_and_reasons(kwargs, route, codes):
    computed, reasons = route_compute(scored(full_set(**kwargs)))
    assert computed == route
    assert [r.code for r in reasons] == codes


def test_missing_instruments_count_as_nothing_positive():
    assert route_compute({})[0] == "coaching"
    only = scored({"self_assessment": answers("self_assessment", **t(3))})
    assert route_compute(only)[0] == "therapy"


def test_client_reasons_are_plain_words_without_severity_or_numbers():
    everything = full_set(phq9={"item1": 3, "item2": 3, "item3": 3, "item4": 3, "item5": 3,
                                "item6": 3, "item7": 3},
                          gad7={f"item{n}": 3 for n in range(1, 8)},
                          self_assessment=t(8) | c(8))
    route, reasons = route_compute(scored(everything))
    assert route == "integrated"
    for reason in reasons:
        text = reason_for_client(reason.as_json())
        assert text.startswith("You told us")
        assert not any(word in text.lower() for word in SEVERITY_WORDS)
        assert not any(ch.isdigit() for ch in text)
    clinician = [reason_for_clinician(r.as_json()) for r in reasons]
    assert clinician[0] == "PHQ-9 21 (severe), at or above 10"
    assert clinician[1] == "GAD-7 21 (severe), at or above 10"
    assert clinician[2].startswith("8 therapy indicators: “")
    assert not re.search(r"\b[tcs]\d:", " ".join(clinician))  # no internal codes


def test_told_us_lists_read_as_a_sentence():
    _, reasons = route_compute(scored(full_set(self_assessment=c(3))))
    assert reason_for_client(reasons[0].as_json()) == (
        "You told us that you feel stuck in your career, you want someone to hold you "
        "accountable and you want to grow as a leader or communicator.")
