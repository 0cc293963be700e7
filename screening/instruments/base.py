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
    # How a yes reads back to the client ("You told us that ..."); for yes/no items.
    told_us: str = ""

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

    def score(self, answers: Mapping[str, object]) -> Score:
        """Validate and score. Pure: the same answers always give the same score."""
        return self.scorer(self.clean(answers))


def sum_scored(instrument_items: tuple[Item, ...], answers: Mapping[str, int]) -> int:
    return sum(answers[item.code] for item in instrument_items if item.scored)


YES_NO = (Option(0, "No"), Option(1, "Yes"))
