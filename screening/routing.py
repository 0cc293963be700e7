"""Which path fits: crisis, therapy, integrated or coaching, and why (rule 3 of DESIGN.md).

Pure functions over the latest answers. The reasons are stored as codes with their numbers and
rendered twice: in plain words for the client ("You told us that ..."), never with a severity
word, and with totals and bands for the clinician.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from screening.instruments import GAD7, PHQ9, SAFETY, SELF_ASSESSMENT
from screening.instruments.self_assessment import COACHING_ITEMS, THERAPY_ITEMS
from screening.models import Route

# Rule 3: PHQ-9 ≥ 10, GAD-7 ≥ 10 or this many therapy indicators point to therapy.
MEASURE_THRESHOLD = 10
THERAPY_INDICATOR_THRESHOLD = 3


class Answered(Protocol):
    """What routing reads of a response (a ScreeningResponse, or the answers a flag opened on)."""

    @property
    def answers(self) -> Mapping[str, int]: ...
    @property
    def total(self) -> int | None: ...
    @property
    def band(self) -> str: ...


@dataclass(frozen=True)
class Reason:
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, **self.params}


def route_compute(latest: Mapping[str, Answered]) -> tuple[str, list[Reason]]:
    """The route and its reasons from the latest response of each instrument (any may be
    missing). Safety comes first: any positive safety answer or PHQ-9 item 9 above zero is the
    crisis route, whatever else was answered."""
    safety, phq9, gad7 = latest.get("safety"), latest.get("phq9"), latest.get("gad7")
    assessment = latest.get("self_assessment")

    crisis = []
    safety_yes = SAFETY.safety_positive(safety.answers) if safety is not None else {}
    if safety_yes:
        crisis.append(Reason("safety_positive", {"items": list(safety_yes)}))
    phq9_safety = PHQ9.safety_positive(phq9.answers) if phq9 is not None else {}
    if phq9_safety:
        crisis.append(Reason("phq9_item9", {"value": phq9_safety["item9"]}))
    if crisis:
        return Route.CRISIS, crisis

    said_yes = assessment.answers if assessment is not None else {}
    therapy_items = [item.code for item in THERAPY_ITEMS if said_yes.get(item.code)]
    coaching_items = [item.code for item in COACHING_ITEMS if said_yes.get(item.code)]

    therapy = []
    for code, response in (("phq9_high", phq9), ("gad7_high", gad7)):
        if response is not None and response.total is not None \
                and response.total >= MEASURE_THRESHOLD:
            therapy.append(Reason(code, {"total": response.total, "band": response.band}))
    if len(therapy_items) >= THERAPY_INDICATOR_THRESHOLD:
        therapy.append(Reason("therapy_indicators", {"items": therapy_items}))
    coaching = [Reason("coaching_indicators", {"items": coaching_items})] if coaching_items else []

    if therapy:
        return (Route.INTEGRATED if coaching else Route.THERAPY), therapy + coaching
    # Below the therapy threshold: coaching, with an invitation to talk through what they said.
    talk = [Reason("some_therapy_indicators", {"items": therapy_items})] if therapy_items else []
    if coaching:
        return Route.COACHING, coaching + talk
    return Route.COACHING, [*talk, Reason("nothing_positive")]


def _told_us(codes: list[str]) -> str:
    phrases = [SELF_ASSESSMENT.item(code).told_us for code in codes]
    if len(phrases) == 1:
        return phrases[0]
    return ", ".join(phrases[:-1]) + " and " + phrases[-1]


def reason_for_client(reason: Mapping[str, Any]) -> str:
    """Plain words, no diagnosis, no severity label (rule 3)."""
    code = reason["code"]
    if code in ("safety_positive", "phq9_item9"):
        return ("You told us you have had thoughts of harm, or that you would be better off "
                "dead. You deserve support right now, and you are not alone.")
    if code == "phq9_high":
        return ("You told us that low mood, loss of interest or related problems have bothered "
                "you on many days over the last two weeks.")
    if code == "gad7_high":
        return ("You told us that worry, nervousness or tension have bothered you on many "
                "days over the last two weeks.")
    if code in ("therapy_indicators", "coaching_indicators"):
        return f"You told us that {_told_us(reason['items'])}."
    if code == "some_therapy_indicators":
        return (f"You also told us that {_told_us(reason['items'])}. A free consultation is a "
                "good place to talk that through.")
    if code == "nothing_positive":
        return ("Nothing you told us points to one path yet. A free consultation is a good "
                "place to talk it through.")
    raise ValueError(f"unknown reason {code!r}")


def reason_for_clinician(reason: Mapping[str, Any]) -> str:
    """Totals, bands and the items behind each reason, in words (the statements themselves,
    never their internal codes)."""
    code = reason["code"]
    if code == "safety_positive":
        items = "; ".join(f"“{SAFETY.item(c).text}”" for c in reason["items"])
        return f"Safety screen positive: yes to {items}"
    if code == "phq9_item9":
        label = PHQ9.item("item9").options[reason["value"]].label
        return f"PHQ-9 item 9 (thoughts of death or self-harm) = {reason['value']} ({label})"
    if code == "phq9_high":
        return f"PHQ-9 {reason['total']} ({reason['band']}), at or above {MEASURE_THRESHOLD}"
    if code == "gad7_high":
        return f"GAD-7 {reason['total']} ({reason['band']}), at or above {MEASURE_THRESHOLD}"
    if code in ("therapy_indicators", "some_therapy_indicators", "coaching_indicators"):
        kind = "coaching" if code == "coaching_indicators" else "therapy"
        items = "; ".join(f"“{SELF_ASSESSMENT.item(c).text}”" for c in reason["items"])
        count = len(reason["items"])
        return f"{count} {kind} indicator{'s' if count != 1 else ''}: {items}"
    if code == "nothing_positive":
        return (f"No indicators; PHQ-9 and GAD-7 below {MEASURE_THRESHOLD} (or not taken); "
                "consultation offered")
    raise ValueError(f"unknown reason {code!r}")


# The instruments whose answers decide the route (WHO-5 is for review, not routing).
ROUTING_INSTRUMENTS = (SAFETY.code, PHQ9.code, GAD7.code, SELF_ASSESSMENT.code)
