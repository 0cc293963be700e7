"""What an instrument is: versioned questions with fixed answer options, and a pure scorer.

Instruments are data, not database rows: their wording and scoring are published and must not
be edited by hand. A response records the instrument's code and version, so a later version
never changes how an earlier response reads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

# The flag that sends a response to the crisis route (rule 1 of DESIGN.md).
SAFETY_RISK = "safety_risk"


@dataclass(frozen=True)
class Option:
    value: int
    label: str


@dataclass(frozen=True)
class Item:
    code: str
    text: str
    options: tuple[Option, ...]
    # An unscored item (PHQ-9's "how difficult") is recorded but never added to the total.
    scored: bool = True
    # Asked only when this returns True for the scored answers (None: always asked).
    asked_when: Callable[[Mapping[str, int]], bool] | None = None
    # What the form says about when to answer a conditional item ("" : the PHQ-9 wording).
    asked_hint: str = ""
    # How a yes reads back to the client ("You told us that ..."); for yes/no items.
    told_us: str = ""
    # A safety item: any answer above zero is a safety risk (rule 1 of DESIGN.md).
    safety: bool = False

    @property
    def values(self) -> frozenset[int]:
        return frozenset(option.value for option in self.options)


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    name: str


@dataclass(frozen=True)
class Score:
    total: int | None
    band: str
    flags: tuple[str, ...] = ()
    subscores: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Instrument:
    code: str
    version: int
    title: str  # what clinicians call it ("PHQ-9")
    client_title: str  # what the client sees ("How you have been feeling")
    intro: str
    items: tuple[Item, ...]
    scorer: Callable[[Mapping[str, int]], Score]
    bands: tuple[Band, ...] = ()
    # A list of yes/no statements asked as "tick all that apply": each unticked one is
    # recorded as no (its 0), so every item still has an answer.
    checklist: bool = False

    def item(self, code: str) -> Item:
        for item in self.items:
            if item.code == code:
                return item
        raise KeyError(code)

    def band_for(self, total: int) -> str:
        for band in self.bands:
            if band.low <= total <= band.high:
                return band.name
        raise ValueError(f"{self.code}: total {total} is outside every band")

    def clean(self, answers: Mapping[str, object]) -> dict[str, int]:
        """Check a set of answers against the items; return them as {code: int}.

        Raises ValidationError keyed by item code: an unknown item, a missing answer, a value
        that is not one of the item's options. An item that was not asked (its condition is
        false) is dropped if given.
        """
        errors: dict[str, str] = {}
        known = {item.code for item in self.items}
        for code in answers:
            if code not in known:
                errors[str(code)] = f"{self.title} has no question {code!r}."
        cleaned: dict[str, int] = {}
        for item in self.items:
            if item.code not in answers or answers[item.code] in (None, ""):
                continue
            raw = answers[item.code]
            try:
                value = int(raw)  # type: ignore[call-overload]
            except (TypeError, ValueError):
                errors[item.code] = "Choose one of the answers."
                continue
            if isinstance(raw, bool) or value not in item.values or str(raw).strip() != str(value):
                errors[item.code] = "Choose one of the answers."
                continue
            cleaned[item.code] = value
        scored = {code: value for code, value in cleaned.items() if self.item(code).scored}
        for item in self.items:
            asked = item.asked_when is None or item.asked_when(scored)
            if not asked:
                cleaned.pop(item.code, None)
            elif item.code not in cleaned and item.code not in errors:
                errors[item.code] = "Please answer this question."
        if errors:
            raise ValidationError(errors)
        return cleaned

    def safety_positive(self, answers: Mapping[str, object]) -> dict[str, int]:
        """The safety items answered above zero, judged on the answers as they came: this is the
        one rule of what a safety-positive answer is (rule 1), used by the scorers, the routing
        and the pages that take answers.

        It never raises and needs no other answer to be valid, so a form left half-filled or
        invalid elsewhere still shows help. A value is read as a whole number (a form's "2", a
        list of several submitted values, an int); anything above zero counts, even a value
        that is not one of the item's options: the rule errs on the side of showing help.
        """
        positive: dict[str, int] = {}
        for item in self.items:
            if not item.safety or item.code not in answers:
                continue
            raw = answers[item.code]
            values = raw if isinstance(raw, list | tuple) else [raw]
            highest = max((_as_whole_number(value) for value in values), default=0)
            if highest > 0:
                positive[item.code] = highest
        return positive

    def score(self, answers: Mapping[str, object]) -> Score:
        """Validate and score. Pure: the same answers always give the same score."""
        return self.scorer(self.clean(answers))


def _as_whole_number(value: object) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    # The first eight digits after any leading zeros: a huge number never reaches int(), and a
    # padded "0001" is the 1 it says (the rule errs on the side of showing help).
    try:
        return int(str(value).strip().lstrip("+0")[:8])  # all zeros: "" is no number, 0
    except ValueError:
        return 0


def sum_scored(instrument_items: tuple[Item, ...], answers: Mapping[str, int]) -> int:
    return sum(answers[item.code] for item in instrument_items if item.scored)


YES_NO = (Option(0, "No"), Option(1, "Yes"))
