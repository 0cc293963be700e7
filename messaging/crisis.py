"""Crisis language in a client's message: the one place that decides it (issue 16).

A client who writes "I want to end it all" in a message is shown the crisis resources (988,
911) in the same response, and their clinician finds the message on the needs-attention list.
This is a net, not a diagnosis: it matches words and phrases, never meaning, and it errs on the
side of showing help. "I'm not suicidal" matches too (negation is not parsed): showing 988 to
someone who did not need it costs a moment; missing someone who did is the failure that
matters. It never opens a risk flag: only a screening answer does (README, "Messages").

How it matches: the text is case-folded, Unicode-normalised (NFKC), curly apostrophes made
straight and runs of whitespace and punctuation (hyphens included) collapsed to one space;
each phrase below must then appear on word boundaries, so "want to die" matches "I want to
DIE" but "die" alone would not match "diet" or "studied".
Phrases may carry ``*`` for "any word ending" ("suicid*" covers suicide, suicidal).

Maintaining the list: add a phrase to PHRASES with a test in messaging/tests/test_crisis.py
(TRUE_POSITIVES); a phrase that causes a false positive stays unless it can be narrowed
without losing a true one (FALSE_POSITIVES_ACCEPTED documents the ones we keep on purpose).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

# The maintained list. Grouped for the reader; every entry counts the same.
PHRASES: tuple[str, ...] = (
    # suicide, said directly
    "suicid*", "kill myself", "killing myself", "kill my self", "end my life", "ending my life",
    "end it all", "ending it all", "take my own life", "take my life", "taking my life",
    "want to die", "wanna die", "wish i was dead", "wish i were dead", "better off dead",
    "better off without me", "want to be dead", "don't want to be alive",
    "dont want to be alive", "don't want to live", "dont want to live", "not want to live",
    "no reason to live", "nothing to live for", "can't go on", "cant go on",
    "cannot go on", "can't do this anymore", "cant do this anymore", "not be here anymore",
    "won't be here", "wont be here", "goodbye forever", "say goodbye to everyone",
    "kms", "unalive", "end myself",
    # self-harm
    "self harm", "selfharm", "hurt myself", "hurting myself", "harm myself",
    "harming myself", "cut myself", "cutting myself", "burn myself", "overdose", "overdosed",
    "od on", "pills to die", "hang myself", "hanging myself", "jump off", "slit my wrists",
    # plans and means
    "wrote a note", "suicide note", "have a plan to", "bought a gun", "loaded gun",
    "stockpiling pills", "saving up pills",
    # harm to others (the practice does not coach anyone at risk of harming others)
    "kill him", "kill her", "kill them", "hurt someone", "hurt somebody", "harm someone",
    # danger right now
    "in danger", "not safe", "unsafe at home", "being abused", "he hits me", "she hits me",
    "emergency", "crisis", "988", "911",
)

# Phrases we match on purpose although they are often harmless: dropping them would lose the
# sentences above that they belong to. Tested in messaging/tests/test_crisis.py.
FALSE_POSITIVES_ACCEPTED: tuple[str, ...] = (
    "I'm not suicidal, just tired",  # negation is not parsed: help is shown
    "The deadline is an emergency",  # "emergency"
    "Our team is in crisis mode before the launch",  # "crisis"
    "I feel like I can't go on with this job",  # "can't go on"
)

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})


def normalize(text: str) -> str:
    """What the phrases are matched against: NFKC, case-folded, straight apostrophes, every
    run of characters that is not a letter, digit or apostrophe (hyphens and underscores
    too: "kill-myself") made one space."""
    text = unicodedata.normalize("NFKC", text or "").translate(_APOSTROPHES).casefold()
    return " ".join(re.sub(r"[^\w']+|_", " ", text).split())


def _phrase_pattern(phrase: str) -> str:
    words = normalize(phrase.replace("*", "STAR")).split()
    parts = [re.escape(word).replace("star", r"\w*") for word in words]
    return r"(?<![\w'])" + r" ".join(parts) + r"(?![\w'])"


@cache
def _pattern() -> re.Pattern[str]:
    return re.compile("|".join(_phrase_pattern(p) for p in PHRASES))


def crisis_terms(text: str) -> list[str]:
    """The crisis phrases found in the text (as they read after normalising), in order."""
    return [match.group(0) for match in _pattern().finditer(normalize(text))]


def has_crisis_language(text: str) -> bool:
    return _pattern().search(normalize(text)) is not None
