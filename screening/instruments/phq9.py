"""PHQ-9 (Patient Health Questionnaire-9), Kroenke, Spitzer & Williams 2001; public domain.

Items 1–9 scored 0–3, total 0–27. Bands: 0–4 minimal, 5–9 mild, 10–14 moderate, 15–19
moderately severe, 20–27 severe. Item 10 ("how difficult") is asked when the total is above
zero and never scored. Item 9 above zero is a safety risk (rule 1 of DESIGN.md).
"""

from __future__ import annotations

from collections.abc import Mapping

from screening.instruments.base import (
    SAFETY_RISK,
    Band,
    Instrument,
    Item,
    Option,
    Score,
    sum_scored,
)

FREQUENCY = (
    Option(0, "Not at all"),
    Option(1, "Several days"),
    Option(2, "More than half the days"),
    Option(3, "Nearly every day"),
)
DIFFICULTY = (
    Option(0, "Not difficult at all"),
    Option(1, "Somewhat difficult"),
    Option(2, "Very difficult"),
    Option(3, "Extremely difficult"),
)

ITEMS = (
    Item("item1", "Little interest or pleasure in doing things", FREQUENCY),
    Item("item2", "Feeling down, depressed, or hopeless", FREQUENCY),
    Item("item3", "Trouble falling or staying asleep, or sleeping too much", FREQUENCY),
    Item("item4", "Feeling tired or having little energy", FREQUENCY),
    Item("item5", "Poor appetite or overeating", FREQUENCY),
    Item("item6", "Feeling bad about yourself — or that you are a failure or have let "
                  "yourself or your family down", FREQUENCY),
    Item("item7", "Trouble concentrating on things, such as reading the newspaper or watching "
                  "television", FREQUENCY),
    Item("item8", "Moving or speaking so slowly that other people could have noticed? Or the "
                  "opposite — being so fidgety or restless that you have been moving around a "
                  "lot more than usual", FREQUENCY),
    Item("item9", "Thoughts that you would be better off dead or of hurting yourself in some "
                  "way", FREQUENCY, safety=True),
    Item("item10", "If you checked off any problems, how difficult have these problems made it "
                   "for you to do your work, take care of things at home, or get along with "
                   "other people?", DIFFICULTY, scored=False,
         asked_when=lambda scored: sum(scored.values()) > 0),
)

BANDS = (
    Band(0, 4, "minimal"),
    Band(5, 9, "mild"),
    Band(10, 14, "moderate"),
    Band(15, 19, "moderately severe"),
    Band(20, 27, "severe"),
)


def score(answers: Mapping[str, int]) -> Score:
    total = sum_scored(ITEMS, answers)
    flags = (SAFETY_RISK,) if PHQ9.safety_positive(answers) else ()
    return Score(total=total, band=PHQ9.band_for(total), flags=flags)


PHQ9 = Instrument(
    code="phq9",
    version=1,
    title="PHQ-9",
    client_title="Mood over the last two weeks",
    intro="Over the last 2 weeks, how often have you been bothered by any of the following "
          "problems?",
    items=ITEMS,
    scorer=score,
    bands=BANDS,
)
