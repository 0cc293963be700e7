"""The practice's safety screen. Any yes is a safety risk: crisis resources at once, a risk flag,
an alert to the clinician, and no coaching until a clinician resolves it (rule 1 of DESIGN.md).
"""

from __future__ import annotations

from collections.abc import Mapping

from screening.instruments.base import SAFETY_RISK, YES_NO, Instrument, Item, Score

ITEMS = (
    Item("s1", "In the past month, have you had thoughts that you would be better off dead, or "
               "thoughts of hurting yourself?", YES_NO, safety=True),
    Item("s2", "In the past month, have you had a plan or the intention to act on thoughts like "
               "these?", YES_NO, safety=True),
    Item("s3", "In the past three months, have you done anything, started to do anything, or "
               "prepared to do anything to end your life or to hurt yourself?", YES_NO,
         safety=True),
    Item("s4", "In the past month, have you had thoughts of harming someone else?", YES_NO,
         safety=True),
)


def score(answers: Mapping[str, int]) -> Score:
    positive = SAFETY.safety_positive(answers)
    return Score(total=len(positive), band="", flags=(SAFETY_RISK,) if positive else ())


SAFETY = Instrument(
    code="safety",
    version=1,
    title="Safety screen",
    client_title="Your safety",
    intro="We ask everyone these questions. Your answers help us make sure you get the right "
          "support at the right time.",
    items=ITEMS,
    scorer=score,
)
