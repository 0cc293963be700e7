"""C-SSRS screener (Columbia–Suicide Severity Rating Scale, screen version with triage, past
month; Posner et al. 2011, *Am J Psychiatry* 168: 1266–1277; The Columbia Lighthouse Project,
free to use). Asked next whenever a safety answer is positive (PHQ-9 item 9 above zero, any yes
on the practice's safety screen): after the crisis resources, never instead of them (rule 1).

Six questions: 1 and 2 always; 3–5 only after a yes to 2; 6 always, and when yes, whether it
was in the past three months. Triage, as the protocol states it:

- high: a yes to 4 or 5, or behaviour (6) in the past three months;
- moderate: a yes to 3, or behaviour (6) longer ago;
- low: a yes to 1 or 2 only.

Every question is a safety item: a yes opens (or keeps) the flag and alerts, as any safety
answer does. The triage is the score's band, and it is written on the open risk flag.
"""

from __future__ import annotations

from collections.abc import Mapping

from screening.instruments.base import SAFETY_RISK, YES_NO, Instrument, Item, Score

HIGH, MODERATE, LOW = "high", "moderate", "low"
NONE = "none"  # answered, every answer no: written on an open flag so the clinician knows
TRIAGE_ORDER = ("", NONE, LOW, MODERATE, HIGH)
TRIAGE_LABELS = {NONE: "No risk identified (C-SSRS)", LOW: "Low risk (C-SSRS)",
                 MODERATE: "Moderate risk (C-SSRS)", HIGH: "High risk (C-SSRS)"}


AFTER_Q2 = "Answer this if you said yes to question 2."


def _thoughts(scored: Mapping[str, int]) -> bool:
    return scored.get("q2") == 1


ITEMS = (
    Item("q1", "In the past month, have you wished you were dead or wished you could go to "
               "sleep and not wake up?", YES_NO, safety=True),
    Item("q2", "In the past month, have you actually had any thoughts of killing yourself?",
         YES_NO, safety=True),
    Item("q3", "Have you been thinking about how you might do this?", YES_NO, safety=True,
         asked_when=_thoughts, asked_hint=AFTER_Q2),
    Item("q4", "Have you had these thoughts and had some intention of acting on them?", YES_NO,
         safety=True, asked_when=_thoughts, asked_hint=AFTER_Q2),
    Item("q5", "Have you started to work out or worked out the details of how to kill "
               "yourself? Do you intend to carry out this plan?", YES_NO, safety=True,
         asked_when=_thoughts, asked_hint=AFTER_Q2),
    Item("q6", "Have you ever done anything, started to do anything, or prepared to do "
               "anything to end your life?", YES_NO, safety=True),
    Item("q6_recent", "Was this within the past three months?", YES_NO, safety=True,
         asked_when=lambda scored: scored.get("q6") == 1,
         asked_hint="Answer this if you said yes to the question above."),
)


def triage(answers: Mapping[str, int]) -> str:
    """The Columbia protocol's triage level of these answers ("" when every answer is no)."""
    yes = {code for code, value in answers.items() if value == 1}
    if yes & {"q4", "q5", "q6_recent"}:
        return HIGH
    if yes & {"q3", "q6"}:
        return MODERATE
    if yes & {"q1", "q2"}:
        return LOW
    return ""


def score(answers: Mapping[str, int]) -> Score:
    positive = CSSRS.safety_positive(answers)
    return Score(total=len(positive), band=triage(answers),
                 flags=(SAFETY_RISK,) if positive else ())


CSSRS = Instrument(
    code="cssrs",
    version=1,
    title="C-SSRS screener",
    client_title="A few more questions about your safety",
    intro="These questions help the practice understand how best to support you. Answer "
          "for the past month unless a question says otherwise.",
    items=ITEMS,
    scorer=score,
)
