"""The crisis-language list: what it must catch (true positives), what it must leave alone
(ordinary words that contain a phrase), and the false positives it keeps on purpose."""

from __future__ import annotations

import pytest

from messaging.crisis import FALSE_POSITIVES_ACCEPTED, PHRASES, crisis_terms, has_crisis_language

TRUE_POSITIVES = [
    "I have been thinking about suicide",
    "Honestly I feel suicidal tonight",
    "I want to kill myself",
    "sometimes i think about killing myself",
    "I just want to END IT ALL.",
    "I’m thinking of ending my life",  # curly apostrophe
    "I don't want to live anymore",
    "I dont want to be alive",
    "everyone would be better off without me",
    "I wish I was dead",
    "there's no reason to live",
    "I can't go on like this",
    "I cannot go on",
    "I've been cutting myself again",
    "I hurt myself last night",
    "self-harm has started again",
    "I took an overdose",
    "I'm saving up pills",
    "I wrote a note for my family",
    "kms",
    "I'm going to kill-myself",  # hyphens are spaces
    "I want to\ndie",  # across a line break
    "I'm not safe at home",
    "I want to hurt someone",
    "should I call 988?",
]

# Ordinary sentences that contain a crisis word inside another word, or a harmless use that
# the list is narrow enough to leave alone.
TRUE_NEGATIVES = [
    "I'm sticking to my diet this week",  # "die" inside "diet"
    "I studied for the certification",  # "die" inside "studied"
    "I nailed the presentation, killing it at work",
    "My skills are improving",
    "The deadline moved to Friday",
    "Can we move Thursday's session?",
    "I finished the worksheet you shared",
    "The overdue invoice is paid",
    "",
]


@pytest.mark.parametrize("text", TRUE_POSITIVES)
def test_crisis_language_is_found(text):
    assert has_crisis_language(text), text


@pytest.mark.parametrize("text", TRUE_NEGATIVES)
def test_ordinary_words_are_left_alone(text):
    assert not has_crisis_language(text), crisis_terms(text)


@pytest.mark.parametrize("text", FALSE_POSITIVES_ACCEPTED)
def test_the_list_errs_on_the_side_of_help(text):
    """Negation and figures of speech are not parsed: help is shown."""
    assert has_crisis_language(text)


def test_every_phrase_on_the_list_matches_itself():
    missed = [phrase for phrase in PHRASES
              if not has_crisis_language(phrase.replace("*", "e"))]
    assert missed == []


def test_terms_are_reported_as_found():
    assert crisis_terms("I want to die, I want to end it all") == ["want to die", "end it all"]
