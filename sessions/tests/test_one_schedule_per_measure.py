"""One schedule per measure (issue 17): a measure that goes out before the client's sessions is
not also sent as the four-weekly retake. The rule is sessions.measures.retake_covered; both
planners (the retake's in screening, session_measures_plan here) call it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from notifications.models import Notification
from screening.services import screening_submit, screening_submit_many
from screening.tests.conftest import answers
from sessions.measures import measure_plan_set, retake_covered, session_measures_submit
from sessions.models import SessionMeasures
from sessions.services import appointment_cancel
from sessions.tests.conftest import book_by_clinician as book

NOW = dt.datetime(2027, 1, 4, 15, 0, tzinfo=dt.UTC)  # Monday 10:00 in New York


def retakes(person, status="pending"):
    """The four-weekly retake invitations (session measures' keys start "session-measures:")."""
    return Notification.objects.filter(recipient=person, kind=Notification.Kind.MEASURES_INVITATION,
                                       dedupe_key__startswith="measures-invitation:",
                                       status=status)


def retake_lines(person, status="pending") -> set[str]:
    return {key.split(":")[2] for key in retakes(person, status).values_list("dedupe_key",
                                                                            flat=True)}


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_without_sessions_the_client_gets_the_retake(ready):
    screening_submit(client=ready, instrument="phq9", answers=answers("phq9"))
    screening_submit(client=ready, instrument="who5", answers=answers("who5"))
    assert retake_lines(ready) == {"therapy", "coaching"}
    assert retake_covered(client=ready, line="therapy") is False


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_a_booked_session_with_measures_planned_replaces_the_retake(ready, clinician):
    screening_submit(client=ready, instrument="phq9", answers=answers("phq9"))
    assert retake_lines(ready) == {"therapy"}
    # Booking a therapy session plans PHQ-9 and GAD-7 before it: the pending retake goes.
    book(ready, clinician, "therapy-consultation", NOW + dt.timedelta(days=2))
    assert retake_lines(ready) == set()
    cancelled = retakes(ready, status="cancelled").get()
    assert cancelled.last_error == "Measures before sessions ask for these now."
    # A later answer outside the session schedules no retake either.
    screening_submit(client=ready, instrument="gad7", answers=answers("gad7"))
    assert retake_lines(ready) == set()
    assert retake_covered(client=ready, line="therapy") is True
    # The coaching line is its own schedule: no coaching session, so WHO-5's retake stands.
    screening_submit(client=ready, instrument="who5", answers=answers("who5"))
    assert retake_lines(ready) == {"coaching"}


@pytest.mark.django_db
def test_answered_session_measures_cover_the_retake_for_28_days(ready, clinician):
    with time_machine.travel(NOW, tick=False):
        appointment = book(ready, clinician, "therapy-consultation", NOW + dt.timedelta(days=2))
    measures = SessionMeasures.objects.get(appointment=appointment)
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        # Answering through the session form goes through screening_submit_many, the retake
        # planner's caller: it must not schedule a retake beside the session schedule.
        session_measures_submit(measures=measures, client=ready,
                                answers_by_instrument={"phq9": answers("phq9"),
                                                       "gad7": answers("gad7")})
        assert retake_lines(ready) == set()
    with time_machine.travel(NOW + dt.timedelta(days=28), tick=False):
        assert retake_covered(client=ready, line="therapy") is True
    with time_machine.travel(NOW + dt.timedelta(days=30), tick=False):
        # Past 28 days, with no session ahead: the retake is back.
        assert retake_covered(client=ready, line="therapy") is False
        screening_submit(client=ready, instrument="phq9", answers=answers("phq9"))
        assert retake_lines(ready) == {"therapy"}


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_a_cancelled_session_no_longer_covers_the_retake(ready, clinician):
    appointment = book(ready, clinician, "therapy-consultation", NOW + dt.timedelta(days=2))
    assert retake_covered(client=ready, line="therapy") is True
    appointment_cancel(appointment=appointment, by=ready)
    assert retake_covered(client=ready, line="therapy") is False
    screening_submit(client=ready, instrument="phq9", answers=answers("phq9"))
    assert retake_lines(ready) == {"therapy"}


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_a_plan_that_skips_a_retake_measure_leaves_the_retake(ready, clinician):
    # The client's own plan asks only PHQ-9 before sessions: GAD-7 still needs the retake.
    measure_plan_set(client=ready, line="therapy", cadence="every", every_weeks=4,
                     instruments=["phq9"], by=clinician)
    book(ready, clinician, "therapy-consultation", NOW + dt.timedelta(days=2))
    assert retake_covered(client=ready, line="therapy") is False
    screening_submit_many(client=ready, answers_by_instrument={"phq9": answers("phq9"),
                                                               "gad7": answers("gad7")})
    assert retake_lines(ready) == {"therapy"}


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_a_plan_of_no_measures_leaves_the_retake(ready, clinician):
    measure_plan_set(client=ready, line="therapy", cadence="none", every_weeks=4,
                     instruments=[], by=clinician)
    book(ready, clinician, "therapy-consultation", NOW + dt.timedelta(days=2))
    screening_submit(client=ready, instrument="phq9", answers=answers("phq9"))
    assert retake_lines(ready) == {"therapy"}
