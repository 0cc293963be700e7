"""The practice's own self-assessment: two lists of yes/no statements (DESIGN.md rule 3).

t1–t8 are the therapy indicators and c1–c8 the coaching indicators, in the order DESIGN.md lists
them. The total is the number of yes answers; the subscores count each list.
"""

from __future__ import annotations

from collections.abc import Mapping

from screening.instruments.base import YES_NO, Instrument, Item, Score

THERAPY_INDICATORS = "therapy_indicators"
COACHING_INDICATORS = "coaching_indicators"

THERAPY_ITEMS = (
    Item("t1", "Anxiety, low mood or mood swings have stayed with me for weeks or longer.",
         YES_NO, told_us="anxiety, low mood or mood swings have stayed with you for a while"),
    Item("t2", "Something hard that happened to me still affects my daily life.", YES_NO,
         told_us="something hard that happened still affects your daily life"),
    Item("t3", "I keep finding myself in the same painful patterns in relationships.", YES_NO,
         told_us="you keep meeting the same painful patterns in relationships"),
    Item("t4", "I use alcohol, drugs or work to cope with how I feel.", YES_NO,
         told_us="you use alcohol, drugs or work to cope with how you feel"),
    Item("t5", "My emotions often feel too big to manage.", YES_NO,
         told_us="your emotions often feel too big to manage"),
    Item("t6", "I am going through grief, a loss or a crisis.", YES_NO,
         told_us="you are going through grief, a loss or a crisis"),
    Item("t7", "I avoid places, people or situations because of how they make me feel.", YES_NO,
         told_us="you avoid places, people or situations because of how they make you feel"),
    Item("t8", "I have unwanted thoughts, or feel driven to repeat things, that are hard to "
               "stop.", YES_NO,
         told_us="unwanted thoughts or urges to repeat things are hard to stop"),
)
COACHING_ITEMS = (
    Item("c1", "Life is stable, but I feel stuck in my career.", YES_NO,
         told_us="you feel stuck in your career"),
    Item("c2", "I want someone to hold me accountable to my goals.", YES_NO,
         told_us="you want someone to hold you accountable"),
    Item("c3", "I want to grow as a leader or communicator.", YES_NO,
         told_us="you want to grow as a leader or communicator"),
    Item("c4", "I am changing careers or starting a business.", YES_NO,
         told_us="you are changing careers or starting a business"),
    Item("c5", "I want to manage my time and get more done.", YES_NO,
         told_us="you want to manage your time and get more done"),
    Item("c6", "I want work and the rest of my life to fit together better.", YES_NO,
         told_us="you want work and the rest of life to fit together better"),
    Item("c7", "I want to perform at my best.", YES_NO,
         told_us="you want to perform at your best"),
    Item("c8", "I start things but struggle to follow through.", YES_NO,
         told_us="you find it hard to follow through"),
)
ITEMS = THERAPY_ITEMS + COACHING_ITEMS


def score(answers: Mapping[str, int]) -> Score:
    therapy = sum(answers[item.code] for item in THERAPY_ITEMS)
    coaching = sum(answers[item.code] for item in COACHING_ITEMS)
    flags = tuple(flag for flag, count in ((THERAPY_INDICATORS, therapy),
                                           (COACHING_INDICATORS, coaching)) if count)
    return Score(total=therapy + coaching, band="", flags=flags,
                 subscores={"therapy": therapy, "coaching": coaching})


SELF_ASSESSMENT = Instrument(
    code="self_assessment",
    version=1,
    title="Self-assessment",
    client_title="What brings you here",
    intro="Tick every statement that fits you now and leave the others. There are no right "
          "or wrong answers.",
    items=ITEMS,
    scorer=score,
    checklist=True,
)
