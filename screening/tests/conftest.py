from __future__ import annotations

import pytest

from screening.instruments import INSTRUMENTS


def answers(instrument: str, **values: int) -> dict[str, int]:
    """Every item of the instrument answered 0 (or "no"), except the ones given; PHQ-9's
    item 10 is added when the total is above zero."""
    result = {item.code: 0 for item in INSTRUMENTS[instrument].items if item.scored}
    result.update(values)
    if instrument == "phq9" and "item10" not in values and sum(result.values()) > 0:
        result["item10"] = 1
    return result


def full_set(*, safety=None, phq9=None, gad7=None, who5=None, self_assessment=None) -> dict:
    """A whole wizard's answers, all negative unless told otherwise."""
    who5_default = {f"item{n}": 3 for n in range(1, 6)}
    return {
        "safety": answers("safety", **(safety or {})),
        "phq9": answers("phq9", **(phq9 or {})),
        "gad7": answers("gad7", **(gad7 or {})),
        "who5": answers("who5", **(who5 or who5_default)),
        "self_assessment": answers("self_assessment", **(self_assessment or {})),
    }


@pytest.fixture
def answers_for():
    return answers
