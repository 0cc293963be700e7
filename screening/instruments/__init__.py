"""The instruments, by code. The wizard asks them in WIZARD_ORDER: safety first (rule 1)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from screening.instruments.base import SAFETY_RISK, Instrument, Item, Option, Score
from screening.instruments.cssrs import CSSRS
from screening.instruments.gad7 import GAD7
from screening.instruments.pcl5 import PCL5
from screening.instruments.phq9 import PHQ9
from screening.instruments.safety import SAFETY
from screening.instruments.self_assessment import SELF_ASSESSMENT
from screening.instruments.who5 import WHO5

INSTRUMENTS: dict[str, Instrument] = {
    instrument.code: instrument
    for instrument in (SAFETY, PHQ9, GAD7, WHO5, SELF_ASSESSMENT, CSSRS, PCL5)
}
WIZARD_ORDER: tuple[str, ...] = ("safety", "phq9", "gad7", "who5", "self_assessment")


def instrument_get(code: str) -> Instrument:
    try:
        return INSTRUMENTS[code]
    except (KeyError, TypeError):
        raise ValidationError({"instrument": f"Unknown instrument {code!r}."}) from None


__all__ = [
    "CSSRS", "GAD7", "INSTRUMENTS", "PCL5", "PHQ9", "SAFETY", "SAFETY_RISK", "SELF_ASSESSMENT",
    "WHO5", "WIZARD_ORDER", "Instrument", "Item", "Option", "Score", "instrument_get",
]
