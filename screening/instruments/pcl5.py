"""PCL-5 (PTSD Checklist for DSM-5), Weathers, Litz, Keane, Palmieri, Marx & Schnurr 2013,
US National Center for PTSD; public domain. Past month, 20 items scored 0–4, total 0–80.

Assigned by the client's therapist (a client's own plan of measures, ``sessions.measures``),
never part of the self-assessment. Provisional PTSD at 31–33 and a reliable change of 10
points: see screening.outcomes. No severity band is published; the clinician reads the total.
"""

from __future__ import annotations

from collections.abc import Mapping

from screening.instruments.base import Instrument, Item, Option, Score, sum_scored

AMOUNT = (
    Option(0, "Not at all"),
    Option(1, "A little bit"),
    Option(2, "Moderately"),
    Option(3, "Quite a bit"),
    Option(4, "Extremely"),
)

TEXTS = (
    "Repeated, disturbing, and unwanted memories of the stressful experience?",
    "Repeated, disturbing dreams of the stressful experience?",
    "Suddenly feeling or acting as if the stressful experience were actually happening again "
    "(as if you were actually back there reliving it)?",
    "Feeling very upset when something reminded you of the stressful experience?",
    "Having strong physical reactions when something reminded you of the stressful experience "
    "(for example, heart pounding, trouble breathing, sweating)?",
    "Avoiding memories, thoughts, or feelings related to the stressful experience?",
    "Avoiding external reminders of the stressful experience (for example, people, places, "
    "conversations, activities, objects, or situations)?",
    "Trouble remembering important parts of the stressful experience?",
    "Having strong negative beliefs about yourself, other people, or the world (for example, "
    "having thoughts such as: I am bad, there is something seriously wrong with me, no one can "
    "be trusted, the world is completely dangerous)?",
    "Blaming yourself or someone else for the stressful experience or what happened after it?",
    "Having strong negative feelings such as fear, horror, anger, guilt, or shame?",
    "Loss of interest in activities that you used to enjoy?",
    "Feeling distant or cut off from other people?",
    "Trouble experiencing positive feelings (for example, being unable to feel happiness or "
    "have loving feelings for people close to you)?",
    "Irritable behavior, angry outbursts, or acting aggressively?",
    "Taking too many risks or doing things that could cause you harm?",
    "Being “superalert” or watchful or on guard?",
    "Feeling jumpy or easily startled?",
    "Having difficulty concentrating?",
    "Trouble falling or staying asleep?",
)
ITEMS = tuple(Item(f"item{n}", text, AMOUNT) for n, text in enumerate(TEXTS, start=1))


def score(answers: Mapping[str, int]) -> Score:
    return Score(total=sum_scored(ITEMS, answers), band="")


PCL5 = Instrument(
    code="pcl5",
    version=1,
    title="PCL-5",
    client_title="How a stressful experience has affected you",
    intro="In the past month, how much were you bothered by each of these problems?",
    items=ITEMS,
    scorer=score,
)
