"""GAD-7 (Generalized Anxiety Disorder-7), Spitzer, Kroenke, Williams & Löwe 2006; public domain.

7 items scored 0–3, total 0–21. Bands: 0–4 minimal, 5–9 mild, 10–14 moderate, 15–21 severe.
"""

from __future__ import annotations

from collections.abc import Mapping

from screening.instruments.base import Band, Instrument, Item, Score, sum_scored
from screening.instruments.phq9 import FREQUENCY

ITEMS = (
    Item("item1", "Feeling nervous, anxious, or on edge", FREQUENCY),
    Item("item2", "Not being able to stop or control worrying", FREQUENCY),
    Item("item3", "Worrying too much about different things", FREQUENCY),
    Item("item4", "Trouble relaxing", FREQUENCY),
    Item("item5", "Being so restless that it is hard to sit still", FREQUENCY),
    Item("item6", "Becoming easily annoyed or irritable", FREQUENCY),
    Item("item7", "Feeling afraid, as if something awful might happen", FREQUENCY),
)

BANDS = (
    Band(0, 4, "minimal"),
    Band(5, 9, "mild"),
    Band(10, 14, "moderate"),
    Band(15, 21, "severe"),
)


def score(answers: Mapping[str, int]) -> Score:
    total = sum_scored(ITEMS, answers)
    return Score(total=total, band=GAD7.band_for(total))


GAD7 = Instrument(
    code="gad7",
    version=1,
    title="GAD-7",
    client_title="Worry and tension over the last two weeks",
    intro="Over the last 2 weeks, how often have you been bothered by the following problems?",
    items=ITEMS,
    scorer=score,
    bands=BANDS,
)
