"""WHO-5 Well-Being Index (WHO Regional Office for Europe, 1998); free to use.

5 items scored 0–5, raw total 0–25, shown as a percentage (raw × 4). A percentage of 50 or
less, or any item at 0 or 1, is a flag for clinician review. No severity band.
"""

from __future__ import annotations

from collections.abc import Mapping

from screening.instruments.base import Instrument, Item, Option, Score, sum_scored

LOW_WELLBEING = "low_wellbeing"  # percentage ≤ 50
LOW_ITEM = "low_item"  # any item ≤ 1
# Set when a response is recorded (it needs the client's previous one, so not by the scorer):
# the percentage fell by this many points or more since the last WHO-5.
WHO5_DROP = "who5_drop"
WHO5_DROP_POINTS = 10
REVIEW_PERCENT = 50
REVIEW_ITEM = 1

FREQUENCY = (
    Option(5, "All of the time"),
    Option(4, "Most of the time"),
    Option(3, "More than half of the time"),
    Option(2, "Less than half of the time"),
    Option(1, "Some of the time"),
    Option(0, "At no time"),
)

ITEMS = (
    Item("item1", "I have felt cheerful and in good spirits", FREQUENCY),
    Item("item2", "I have felt calm and relaxed", FREQUENCY),
    Item("item3", "I have felt active and vigorous", FREQUENCY),
    Item("item4", "I woke up feeling fresh and rested", FREQUENCY),
    Item("item5", "My daily life has been filled with things that interest me", FREQUENCY),
)


def percent(raw: int) -> int:
    return raw * 4


def score(answers: Mapping[str, int]) -> Score:
    total = sum_scored(ITEMS, answers)
    flags = []
    if percent(total) <= REVIEW_PERCENT:
        flags.append(LOW_WELLBEING)
    if any(answers[item.code] <= REVIEW_ITEM for item in ITEMS):
        flags.append(LOW_ITEM)
    return Score(total=total, band="", flags=tuple(flags), subscores={"percent": percent(total)})


WHO5 = Instrument(
    code="who5",
    version=1,
    title="WHO-5",
    client_title="Your wellbeing over the last two weeks",
    intro="Please indicate for each of the five statements which is closest to how you have "
          "been feeling over the last two weeks.",
    items=ITEMS,
    scorer=score,
)
