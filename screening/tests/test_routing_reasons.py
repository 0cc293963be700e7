"""The route reasons as each reader sees them. Mutation testing found the "some therapy
indicators" reason (below the therapy threshold, with an invitation to talk) rendered by no
test: here it is, in plain words for the client on the results page, and with the items for
the clinician."""

from __future__ import annotations

import pytest
from django.urls import reverse

from screening.models import Route, RouteRecommendation
from screening.routing import reason_for_client, reason_for_clinician
from screening.tests.test_views_client import (
    COACHING_NO,
    GAD7_LOW,
    PHQ9_LOW,
    SAFETY_NO,
    SEVERITY_WORDS,
    THERAPY_NO,
    WHO5_ANSWERS,
    wizard,
)

ONE = {"code": "some_therapy_indicators", "items": ["t2"]}
TWO = {"code": "some_therapy_indicators", "items": ["t1", "t2"]}


def test_one_indicator_reads_back_in_the_clients_words():
    assert reason_for_client(ONE) == (
        "You also told us that something hard that happened still affects your daily life. "
        "A free consultation is a good place to talk that through.")


def test_two_indicators_are_joined_with_and():
    assert reason_for_client(TWO) == (
        "You also told us that anxiety, low mood or mood swings have stayed with you for a "
        "while and something hard that happened still affects your daily life. A free "
        "consultation is a good place to talk that through.")


def test_the_clinician_reads_the_count_and_the_items():
    # Plain words, no item codes (issue 14): the statements themselves, quoted.
    assert reason_for_clinician(TWO) == (
        "2 therapy indicators: “Anxiety, low mood or mood swings have stayed with me for weeks "
        "or longer.”; “Something hard that happened to me still affects my daily life.”")


@pytest.mark.django_db
def test_the_results_page_shows_it_below_the_therapy_threshold(client, client_user):
    client.force_login(client_user)
    wizard(client, {"safety": SAFETY_NO, "phq9": PHQ9_LOW, "gad7": GAD7_LOW,
                    "who5": WHO5_ANSWERS,
                    "self_assessment": {**THERAPY_NO, "t1": "1", "t2": "1", **COACHING_NO}})
    recommendation = RouteRecommendation.objects.get(client=client_user)
    assert recommendation.route == Route.COACHING
    assert [r["code"] for r in recommendation.reasons] == [
        "some_therapy_indicators", "nothing_positive"]
    body = client.get(reverse("screening:results")).content.decode()
    assert ("You also told us that anxiety, low mood or mood swings have stayed with you for a "
            "while and something hard that happened still affects your daily life.") in body
    assert not any(word in body.lower() for word in SEVERITY_WORDS)
