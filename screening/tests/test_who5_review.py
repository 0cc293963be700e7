"""WHO-5 answers a clinician is asked to review (DESIGN.md: coaching clients who are struggling
are noticed): the latest WHO-5 of the last 30 days at 50% or less, or 10 points below the one
before. The flags come from the scorer and the submit service; the review reads the same
names (one home: screening/instruments/who5.py)."""

from __future__ import annotations

import pytest

from screening.instruments.who5 import LOW_WELLBEING, WHO5_DROP
from screening.selectors import WHO5_REVIEW_FLAGS, who5_reviews_for_clinician
from screening.services import screening_submit
from screening.tests.conftest import answers

pytestmark = pytest.mark.django_db


def who5(person, value: int):
    return screening_submit(client=person, instrument="who5",
                            answers=answers("who5", **{f"item{n}": value for n in range(1, 6)}))


def test_the_review_reads_the_flags_the_scorer_writes():
    assert set(WHO5_REVIEW_FLAGS) == {LOW_WELLBEING, WHO5_DROP}


def test_a_low_wellbeing_answer_is_reviewed_and_a_good_one_is_not(client_user, clinician,
                                                                  make_client):
    well = make_client(clinician=clinician, email="well@example.com")
    who5(well, 4)  # 80%
    low = who5(client_user, 2)  # 40%: at or below 50
    assert LOW_WELLBEING in low.flags
    assert who5_reviews_for_clinician(clinician=clinician) == [low]


def test_a_drop_of_ten_points_is_reviewed(client_user, clinician):
    who5(client_user, 5)  # 100%
    dropped = who5(client_user, 4)  # 80%: not low, but 20 points down
    assert dropped.flags == [WHO5_DROP]
    assert who5_reviews_for_clinician(clinician=clinician) == [dropped]


def test_another_clinicians_client_is_not_reviewed(stranger, clinician):
    who5(stranger, 1)
    assert who5_reviews_for_clinician(clinician=clinician) == []
